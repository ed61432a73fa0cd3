from __future__ import annotations

import csv
import gzip
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECTS = FIXTURES / "progetti_validati.csv.gz"
PLACES = FIXTURES / "localizzazioni_validate.csv"
UNIVERSE = FIXTURES / "localizzazioni_universo.csv.gz"
PAYMENTS = FIXTURES / "pagamenti.csv.gz"
MEASURE_PAYMENTS = FIXTURES / "pagamenti_livello_misura.csv"  # the two rows with no CUP of the national file
FRAME = FIXTURES / "quadro_finanziario.csv"
MILESTONES = FIXTURES / "milestone_target.csv"
LOMBARDIA = FIXTURES / "lombardia_localizzati.csv.gz"


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, list(reader)


def write_rows(
    path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def edited(src: Path, dest: Path, row: int, column: str, value: str) -> Path:
    """A copy of `src` where data row `row` (0-based; -1 = last) has `column` set to `value`."""
    header, rows = read_rows(src)
    rows[row][header.index(column)] = value
    return write_rows(dest, header, rows)
