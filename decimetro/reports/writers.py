"""The shared writers every export goes through: CSV (whole or streamed), XLSX and GeoJSON responses.

Why one place:
- **formulas are neutralised** (OWASP "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a
  tab or a carriage return is written with a leading `'`, so a spreadsheet shows it as text instead of
  running it. Project titles, DUP objectives, indicator notes… are typed by people we do not control. Real
  numbers are never touched: a row holds numbers as `int`, `float` or `Decimal`, and a negative amount stays
  a number;
- **numbers are written one way**: dot decimals, no grouping, never an exponent; a `Decimal` with the
  decimals it has (the row builder decides them: "121992.00", `cents()`), a float as Python prints it, a date
  in ISO form, nothing for None. In XLSX numbers stay numbers;
- **the credit goes where each export has always put it**: the first line of a CSV (one cell), the last line
  of an XLSX sheet after a blank row, the `attribution` member of a GeoJSON document.

Every CSV is UTF-8 without BOM, comma-separated, CRLF line ends (the `excel` dialect): users' scripts read
them, so the format does not change.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, StreamingHttpResponse

Cell = str | int | float | Decimal | date | None
Row = Sequence[Cell]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_CONTENT_TYPE = "application/geo+json"
TABLE_FORMATS = ("csv", "xlsx")

# What a spreadsheet reads as the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` as a spreadsheet will show it, never run it: a leading `'` if it could start a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_value(cell: Cell) -> str:
    """A cell as CSV text: text neutralised, numbers and dates in their one plain form (module docstring)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return neutralise(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        return format(cell, "f")  # its own decimals, never "1E+3"
    return str(cell)  # int, float: a real number, as Python prints it


def cents(value: float) -> Decimal:
    """An amount in euro with two decimals, rounded as `f"{value:.2f}"` rounds it (the map's amounts are
    floats), kept a number so that it is never neutralised."""
    return Decimal(f"{value:.2f}")


def xlsx_value(cell: Cell) -> Cell:
    """A cell for openpyxl: text neutralised (openpyxl would store "=…" as a formula), numbers as numbers."""
    return neutralise(cell) if isinstance(cell, str) else cell


class _Echo:
    """A file-like object that hands back what csv.writer writes: one CSV line per row, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Row], *, credit: str | None = None, title: str | None = None) -> Iterator[str]:
    """The CSV text, one line at a time: the credit (one cell), the title (one cell), then the rows."""
    writer = csv.writer(_Echo())
    for line in (credit, title):
        if line is not None:
            yield writer.writerow([csv_value(line)])
    for row in rows:
        yield writer.writerow([csv_value(cell) for cell in row])


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


def csv_response(
    rows: Iterable[Row],
    *,
    filename: str,
    credit: str | None = None,
    title: str | None = None,
    stream: bool = False,
) -> HttpResponse | StreamingHttpResponse:
    """A CSV download. `stream=True` for the big sets (the project list, the data-quality problems): the rows
    are written while the database cursor is read, so memory stays flat whatever the number of rows."""
    lines = csv_lines(rows, credit=credit, title=title)
    response: HttpResponse | StreamingHttpResponse
    if stream:
        response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
    else:
        response = HttpResponse("".join(lines), content_type=CSV_CONTENT_TYPE)
    _attachment(response, filename)
    return response


def xlsx_bytes(
    rows: Iterable[Row], *, sheet: str, credit: str | None = None, title: str | None = None
) -> bytes:
    """One sheet: the title (one cell), the rows, then a blank row and the credit."""
    from openpyxl import Workbook  # imported here: only the XLSX downloads pay for it

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    if title is not None:
        worksheet.append([xlsx_value(title)])
    for row in rows:
        worksheet.append([xlsx_value(cell) for cell in row])
    if credit is not None:
        worksheet.append([])
        worksheet.append([xlsx_value(credit)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(
    rows: Iterable[Row], *, filename: str, sheet: str, credit: str | None = None, title: str | None = None
) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(rows, sheet=sheet, credit=credit, title=title), content_type=XLSX_CONTENT_TYPE
    )
    _attachment(response, filename)
    return response


def table_response(
    rows: Iterable[Row], *, fmt: str, basename: str, sheet: str, credit: str, title: str
) -> HttpResponse | StreamingHttpResponse:
    """The same table as CSV or XLSX (`fmt` from the URL; any other format is a 404)."""
    if fmt == "csv":
        return csv_response(rows, filename=f"{basename}.csv", credit=credit, title=title)
    if fmt == "xlsx":
        return xlsx_response(rows, filename=f"{basename}.xlsx", sheet=sheet, credit=credit, title=title)
    raise Http404


def geojson_response(
    features: list[dict[str, Any]], *, filename: str, attribution: str, members: Mapping[str, Any]
) -> HttpResponse:
    """A FeatureCollection download: the features, the extra top-level `members` (what the values are), and
    the credit as the `attribution` member. Compact UTF-8 JSON. Not a spreadsheet format: nothing to
    neutralise."""
    doc = {"type": "FeatureCollection", "features": features, **members, "attribution": attribution}
    response = HttpResponse(
        json.dumps(doc, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")),
        content_type=GEOJSON_CONTENT_TYPE,
    )
    _attachment(response, filename)
    return response
