#!/usr/bin/env python3
"""Benchmark (issue 18): writes the out-of-domain "tender objects" set to bench/data/ and prints its size per
mission. The set is made by fixed rules (`decimetro/linking/ood.py`) from the held-out test projects of the
classifier's split (seed 20260101), never from training texts; see bench/data/README.md.

    .venv/bin/python bench/linking_ood.py --bundled   # bench/data/tenders_bundled.csv
    .venv/bin/python bench/linking_ood.py             # bench/data/tenders_national.csv (../shared/data)

The evaluation table itself: `manage.py linking_evaluate --ood` (on the installed model). Never run by tests.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decimetro.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundled", action="store_true", help="the bundled CMM extract")
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    args = parser.parse_args()

    import django

    django.setup()
    from decimetro.linking.classifier import Params
    from decimetro.linking.ood import tender_set
    from decimetro.linking.training import held_out, load_dataset
    from decimetro.linking.training_data import bundled_files, find_files

    files = bundled_files() if args.bundled else find_files(args.data_dir)
    data = load_dataset(files)
    train, test = held_out(data, Params().seed)
    tenders = tender_set(test.examples, train.examples)
    out = ROOT / "bench" / "data" / f"tenders_{'bundled' if args.bundled else 'national'}.csv"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["text", "mission", "component", "measure"])
        for t in tenders:
            writer.writerow([t.text, t.mission, t.component, t.measure])
    counts = Counter(t.mission for t in tenders)
    print(
        f"{out.relative_to(ROOT)}: {len(tenders)} texts; "
        + ", ".join(f"{m} {n}" for m, n in sorted(counts.items()))
    )


if __name__ == "__main__":
    main()
