#!/usr/bin/env python3
"""Benchmark: import the national PNRR files with `pnrr_import_file` (validation on) vs the raw floor.

For each file it prints rows/s of the real import next to the floor measured on the same machine in the same
run: the same rows (read and decompressed the same way, every value as text) written raw, with sqlite3
`executemany` in one transaction (SQLite) or `COPY` (PostgreSQL).
Ratio = import time / floor time (goal: ≤ 3). With `--again`, every file is then imported a second time: the
same rows, all unchanged (the comparison path of `pnrr.bulk.upsert`, nothing written).

    .venv/bin/python bench/import_pnrr.py                        # SQLite (fresh file under var/bench/)
    .venv/bin/python bench/import_pnrr.py --again                # …and a second, idempotent pass
    DATABASE_URL=postgres://u:p@host/db .venv/bin/python bench/import_pnrr.py --backend postgres
      (the PostgreSQL database must be a scratch one: the PNRR tables are emptied first)

Never run by the test suite.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
FILES = [
    SHARED / "pnrr_struttura" / "quadro_finanziario_programmazione_2025.csv",
    SHARED / "pnrr_struttura" / "milestone_target_programmazione_2025.csv",
    SHARED / "pnrr" / "progetti_validati_2023-02.csv.gz",
    SHARED / "pnrr" / "localizzazioni_validate_2023-02.csv.gz",
    SHARED / "pnrr" / "localizzazioni_universo_regis_2023-03.csv.gz",
    SHARED / "pnrr" / "pagamenti_di_progetto_2025-03.csv.gz",
]


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, list(reader)


def floor_sqlite(path: Path, db: Path) -> float:
    start = time.perf_counter()
    header, rows = read_csv(path)
    con = sqlite3.connect(db)
    cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
    con.execute("DROP TABLE IF EXISTS raw")
    con.execute(f"CREATE TABLE raw ({cols})")
    with con:
        con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(header))})", rows)
    con.close()
    return time.perf_counter() - start


def floor_postgres(path: Path, url: str) -> float:
    import psycopg

    start = time.perf_counter()
    header, rows = read_csv(path)
    with psycopg.connect(url) as con, con.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw")
        cur.execute(f"CREATE TABLE bench_raw ({', '.join(f'c{i} text' for i in range(len(header)))})")
        with cur.copy("COPY bench_raw FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute("DROP TABLE bench_raw")
    return time.perf_counter() - start


def run(backend: str, *, again: bool = False) -> None:
    if backend == "sqlite":
        bench_dir = ROOT / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        db = bench_dir / "pnrr_bench.sqlite3"
        raw_db = bench_dir / "pnrr_raw.sqlite3"
        for p in (db, raw_db):
            p.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    url = os.environ.get("DATABASE_URL", "")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decimetro.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from decimetro.pnrr.models import (
        ImplementingBody,
        ImportRun,
        Measure,
        Milestone,
        PaymentSnapshot,
        Place,
        Project,
        SubMeasure,
    )
    from decimetro.pnrr.services import pnrr_import_file

    call_command("migrate", verbosity=0)
    call_command("territory_load", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if backend == "postgres":
        for model in (
            PaymentSnapshot,
            Place,
            Project,
            ImplementingBody,
            Milestone,
            SubMeasure,
            Measure,
            ImportRun,
        ):
            model.objects.all().delete()
    titles = ["validazione attiva", "seconda importazione, righe invariate"]
    for title in titles[: 2 if again else 1]:
        print(f"\n{backend}: {len(FILES)} file nazionali ({title})\n")
        print("| file | righe | import s | import righe/s | floor s | floor righe/s | rapporto |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        total_import = total_floor = 0.0
        for path in FILES:
            start = time.perf_counter()
            summary = pnrr_import_file(path=path, skip_invalid=True, by_label="bench")
            elapsed = time.perf_counter() - start
            floor = floor_sqlite(path, raw_db) if backend == "sqlite" else floor_postgres(path, url)
            total_import += elapsed
            total_floor += floor
            n = summary.rows_read
            cells = [f"{n:,}", f"{elapsed:.1f}", f"{n / elapsed:,.0f}", f"{floor:.2f}", f"{n / floor:,.0f}"]
            print(f"| {path.name} | {' | '.join(cells)} | {elapsed / floor:.1f}x |")
        ratio = total_import / total_floor
        print(f"| **totale** | | {total_import:.1f} | | {total_floor:.2f} | | {ratio:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark dell'importazione PNRR nazionale")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--again",
        action="store_true",
        help="poi importa di nuovo ogni file (righe invariate, nulla da scrivere)",
    )
    args = parser.parse_args()
    if args.backend == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--backend postgres richiede DATABASE_URL=postgres://…")
    run(args.backend, again=args.again)


if __name__ == "__main__":
    main()
