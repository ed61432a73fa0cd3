#!/usr/bin/env python3
"""Benchmark: the PNRR component classifier on one core (OMP/BLAS threads pinned to 1).

Prints the training time (national table + structure + milestones, or the bundled extract with --bundled),
the artefact size, the throughput of batch classification (texts/s), the latency of one text, and the time to
classify every row of the national validated projects table (52,539 title + synthesis texts, no dedup).

    .venv/bin/python bench/classifier.py               # trains on ../shared/data (about a minute)
    .venv/bin/python bench/classifier.py --bundled     # trains on decimetro/pnrr/data (seconds)

The model is written under a temporary directory, never in var/models. Never run by the test suite.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decimetro.settings")


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> str:
    wall, cpu = clock()
    return f"{wall - start[0]:.2f} s wall, {cpu - start[1]:.2f} s CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundled", action="store_true", help="train on the bundled CMM extract")
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    args = parser.parse_args()

    import django

    django.setup()
    from decimetro.linking import classifier as clf
    from decimetro.linking.training import train_artefact
    from decimetro.linking.training_data import bundled_files, find_files, read_texts

    files = bundled_files() if args.bundled else find_files(args.data_dir)
    national = SHARED / "pnrr" / "progetti_validati_2023-02.csv.gz"
    print(f"training files: {', '.join(f.path.name for f in files)}")

    with tempfile.TemporaryDirectory() as tmp:
        directory = clf.model_dir(tmp)
        start = clock()
        result = train_artefact(files=files, params=clf.Params(), directory=directory, data_label="bench")
        print(f"train (read + dedup + features + fit + save): {since(start)}; {result.n_train} texts")
        size = sum(p.stat().st_size for p in directory.iterdir())
        print(f"artefact: {size / 1e6:.1f} MB, {result.manifest['n_features']} features")
        start = clock()
        model = clf.load(directory)
        print(f"load: {since(start)}")

    if not national.is_file():
        print(f"{national} missing: throughput not measured")
        return
    texts = [
        t.text
        for t in read_texts([f for f in find_files(national.parent) if f.path == national])
        if t.source == "progetti"
    ]
    start = clock()
    for i in range(0, len(texts), 2000):
        model.probabilities(texts[i : i + 2000])
    wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
    print(
        f"classify the national table ({len(texts)} texts, batches of 2000): {since(start)}; "
        f"{len(texts) / wall:,.0f} texts/s wall, {len(texts) / cpu:,.0f} texts/s per CPU second"
    )
    sample = texts[:: max(1, len(texts) // 500)]
    start = clock()
    for text in sample:
        model.classify(text)
    wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
    print(
        f"one text at a time ({len(sample)} texts): {1000 * wall / len(sample):.2f} ms wall, "
        f"{1000 * cpu / len(sample):.2f} ms CPU per text"
    )


if __name__ == "__main__":
    main()
