"""The CSV writer converts and quotes a column of rows at a time (`writers.csv_line_groups`: the national
project export is 221,686 lines). Whatever the cells, the text must be what csv.writer writes from
`csv_value` cell by cell, the constants at the end of every row and short rows padded (the module's rules)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime
from decimal import Decimal

import pytest

from decimetro.reports import writers
from decimetro.reports.writers import CSV_ITALIAN, CSV_STANDARD, csv_lines, csv_value


def _reference(rows, *, fmt, constants=()):
    """csv.writer over `csv_value` cell by cell, one row at a time: the rule the columns must follow."""
    italian = fmt == CSV_ITALIAN
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if italian else ",")
    names = [n for n, _v in constants]
    values = [v for _n, v in constants]
    width = len(rows[0])
    for i, row in enumerate(rows):
        cells = [*row, *names] if i == 0 else [*row, *([None] * (width - len(row))), *values]
        writer.writerow([csv_value(c, decimal_comma=italian) for c in cells])
    text = out.getvalue()
    return ("\ufeff" + text) if italian else text


TEXTS = [
    "",
    "Scuola",
    "=SOMMA(A1)",
    "+39",
    "-3",
    "@x",
    "\tTab",
    "\rR",
    "a;b",
    "a,b",
    'detto "sì"',
    "riga\nnuova",
    "fine\r\n",
    " spazio",
    "'già",
    "àèìòù",
    "x\x00y",
]
CELLS = [
    None,
    0,
    7,
    -12,
    True,
    False,
    Decimal("1500.00"),
    Decimal("-25.50"),
    Decimal("0.00"),
    Decimal("1E+3"),
    Decimal("1500"),
    12.3,
    100.0,
    -0.0,
    1e-05,
    1e16,
    float("inf"),
    date(2024, 6, 30),
    datetime(2024, 6, 30, 12, 5),
    *TEXTS,
]


def _column_kinds(rng):
    """Columns of one kind each (the fast paths), some with None, and some mixed."""
    kinds = [
        TEXTS,
        [t for t in TEXTS if t and t[0] not in "=+-@\t\r"],
        [Decimal("1.50"), Decimal("-2.00")],
        [12.3, 0.0, 55.5],
        [1e-05, 3.5],
        [1, 2, -3],
        [date(2024, 1, 31)],
        [datetime(2024, 1, 31, 8)],
        CELLS,
    ]
    return [(rng.choice(kinds), rng.random() < 0.5) for _ in range(rng.randint(1, 7))]


@pytest.mark.parametrize("fmt", [CSV_ITALIAN, CSV_STANDARD])
@pytest.mark.parametrize("seed", range(12))
def test_columns_at_a_time_write_what_the_cell_by_cell_writer_writes(fmt, seed, monkeypatch):
    rng = random.Random(seed)
    monkeypatch.setattr(writers, "CSV_CHUNK_ROWS", rng.choice([1, 3, 50]))
    kinds = _column_kinds(rng)
    header = [f"c{i}" for i in range(len(kinds))]
    rows = [header]
    for _ in range(rng.randint(0, 120)):
        row = [None if (nullable and rng.random() < 0.3) else rng.choice(kind) for kind, nullable in kinds]
        if rng.random() < 0.05:
            row = row[: rng.randint(0, len(row))]  # a short row: padded
        rows.append(row)
    constants = rng.choice(
        [(), [("fonte", "Fonte: ReGiS; Italia Domani")], [("fonte", "x"), ("data", date(2025, 1, 2))]]
    )
    expected = _reference(rows, fmt=fmt, constants=constants)
    assert "".join(csv_lines(rows, fmt=fmt, constants=constants)) == expected
    streamed = writers.csv_response(rows, filename="x.csv", fmt=fmt, stream=True, about=None)
    if not constants:
        assert b"".join(streamed.streaming_content).decode() == expected


@pytest.mark.parametrize("fmt", [CSV_ITALIAN, CSV_STANDARD])
@pytest.mark.parametrize(
    "rows",
    [
        [["a"], [""], [None], ["x"]],  # a lone empty cell is written '""'
        [["a", "b"], [], ["", None], ["=1", "2"]],
        [[], [], ["z"]],
        [["a", "b"], ["riga\r\nnuova", 'c"d'], ["x;y", "x,y"]],
    ],
)
@pytest.mark.parametrize("constants", [(), [("fonte", "F;1")], [("fonte", "F"), ("data_dati", None)]])
def test_lone_cells_empty_rows_and_line_breaks(fmt, rows, constants):
    assert "".join(csv_lines(rows, fmt=fmt, constants=constants)) == _reference(
        rows, fmt=fmt, constants=constants
    )


def test_one_line_per_row_for_the_callers_that_count_them():
    rows = [["a", "b"], *[[str(i), Decimal(i)] for i in range(2500)]]
    lines = list(csv_lines(rows, fmt=CSV_STANDARD))
    assert len(lines) == 2501 and all(line.endswith("\r\n") and line.count("\r\n") == 1 for line in lines)
