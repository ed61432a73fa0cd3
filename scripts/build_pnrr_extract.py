#!/usr/bin/env python3
"""Build the small PNRR extract bundled with Decimetro for the 133 comuni of Città metropolitana di Milano.

Reads the national files in ../shared/data (see SOURCES.md there) and writes, under decimetro/pnrr/data/,
gzip CSV files with the SAME headers and the same cell text as the sources, so that the same parsers read
them:
- the projects with at least one place in a CMM comune (ISTAT code 015xxx) in the validated places file OR in
  the universe places file (ReGiS universe, not validated),
- their rows of the validated projects file (the universe-only projects have none: no title),
- all the validated places of those projects (also those outside CMM: needed to split amounts),
- all the universe places of the projects that have no validated row (their places in the app),
- the payments of those projects, and the measure-level payments (the rows with no CUP: Ecobonus and
  Transizione 4.0, national figures shown on their measure's page),
- the PNRR structure: financial frame and milestones/targets (whole files).
The gzip files are written with mtime 0, so rebuilding from the same sources gives byte-identical files.

Usage: python scripts/build_pnrr_extract.py [--shared ../shared/data] [--out decimetro/pnrr/data]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CMM_PREFIX = "015"

PROJECTS = "pnrr/progetti_validati_2023-02.csv.gz"
PLACES = "pnrr/localizzazioni_validate_2023-02.csv.gz"
UNIVERSE = "pnrr/localizzazioni_universo_regis_2023-03.csv.gz"
PAYMENTS = "pnrr/pagamenti_di_progetto_2025-03.csv.gz"
FRAME = "pnrr_struttura/quadro_finanziario_programmazione_2025.csv"
MILESTONES = "pnrr_struttura/milestone_target_programmazione_2025.csv"

OUT_PROJECTS = "progetti_validati_cmm_2023-02.csv.gz"
OUT_PLACES = "localizzazioni_validate_cmm_2023-02.csv.gz"
OUT_UNIVERSE = "localizzazioni_universo_cmm_2023-03.csv.gz"
OUT_PAYMENTS = "pagamenti_di_progetto_cmm_2025-03.csv.gz"
OUT_FRAME = "quadro_finanziario_programmazione_2025.csv.gz"
OUT_MILESTONES = "milestone_target_programmazione_2025.csv.gz"


def read(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    f = opener(path, "rt", encoding="utf-8", newline="")
    reader = csv.reader(f)
    header = next(reader)

    def rows() -> Iterator[list[str]]:
        with f:
            yield from reader

    return header, rows()


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)  # "\r\n" rows: fields holding a bare "\r" get quoted (they are, in the milestones)
    w.writerow(header)
    w.writerows(rows)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    print(
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {len(rows)} righe, "
        f"{path.stat().st_size / 1024:.0f} KB"
    )


def build(shared: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    def key(r: list[str], c: dict[str, int], cup: str, clp: str, sub: str) -> tuple[str, str, str]:
        return (r[c[cup]].strip().upper(), r[c[clp]].strip(), r[c[sub]].strip())

    place_key = ("CUP", "Codice Locale Progetto", "Codice Univoco Submisura")
    universe_key = ("CUP", "Codice Locale Progetto", "Codice Univoco submisura")
    header, rows = read(shared / PLACES)
    col = {name: i for i, name in enumerate(header)}
    all_places = list(rows)
    keys = {key(r, col, *place_key) for r in all_places if r[col["COD_ISTAT_COMUNE"]].startswith(CMM_PREFIX)}
    universe_header, rows = read(shared / UNIVERSE)
    ucol = {name: i for i, name in enumerate(universe_header)}
    universe = list(rows)
    keys |= {
        key(r, ucol, *universe_key) for r in universe if r[ucol["COD_ISTAT_COMUNE"]].startswith(CMM_PREFIX)
    }
    write(out / OUT_PLACES, header, [r for r in all_places if key(r, col, *place_key) in keys])

    header, rows = read(shared / PROJECTS)
    col = {name: i for i, name in enumerate(header)}
    validated = [r for r in rows if key(r, col, *place_key) in keys]
    write(out / OUT_PROJECTS, header, validated)
    universe_only = keys - {key(r, col, *place_key) for r in validated}
    write(
        out / OUT_UNIVERSE,
        universe_header,
        [r for r in universe if key(r, ucol, *universe_key) in universe_only],
    )

    header, rows = read(shared / PAYMENTS)
    col = {name: i for i, name in enumerate(header)}
    pay_key = ("cup", "codice_locale_progetto", "codice_univoco_submisura")
    write(
        out / OUT_PAYMENTS,
        header,
        [
            r
            for r in rows
            if key(r, col, *pay_key) in keys or not (r[col["cup"]] or r[col["codice_locale_progetto"]])
        ],
    )

    for source, target in ((FRAME, OUT_FRAME), (MILESTONES, OUT_MILESTONES)):
        header, rows = read(shared / source)
        write(out / target, header, list(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "decimetro" / "pnrr" / "data")
    args = parser.parse_args()
    build(args.shared, args.out)


if __name__ == "__main__":
    main()
