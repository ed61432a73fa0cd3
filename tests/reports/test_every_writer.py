"""Issue 14: every CSV/XLSX file Decimetro writes neutralises formulas. The downloads go through
`reports.writers` (tested in test_writers.py and, per export, test_exports.py; the chart CSVs in
tests/insights/test_charts.py); the only other writers are listed here, each with its test."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.conf import settings

from decimetro.pnrr.services import write_rejects
from decimetro.pnrr.sources.common import RowError

PACKAGE = Path(settings.BASE_DIR) / "decimetro"

# Modules that write CSV or XLSX themselves, and why that is safe.
WRITERS = {
    "reports/writers.py": "the writers of every download (neutralise on every text cell)",
    "pnrr/services.py": "the import's reject file: every cell through core.spreadsheet.neutralise (below)",
}


def test_nothing_else_writes_a_spreadsheet_file():
    writing = re.compile(r"csv\.(writer|DictWriter)\(|openpyxl|xlsxwriter")
    found = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if writing.search(path.read_text(encoding="utf-8"))
    }
    assert found <= set(WRITERS), (
        f"a new CSV/XLSX writer: route it through reports.writers ({found - set(WRITERS)})"
    )


def test_the_reject_file_neutralises_the_rows_cells(tmp_path):
    error = RowError(
        7, "titolo", "titolo mancante", raw={"cup": "J1", "titolo": '=HYPERLINK("x")', "@x": "-1"}
    )
    path = tmp_path / "scarti.csv"
    write_rejects(path, [error])
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["riga", "colonna", "motivo", "cup", "titolo", "'@x"],
        ["7", "titolo", "titolo mancante", "J1", '\'=HYPERLINK("x")', "'-1"],
    ]
