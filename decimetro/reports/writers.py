"""The shared writers every export goes through: CSV (Italian or standard, whole or streamed), XLSX and
GeoJSON responses. Every spreadsheet cell Decimetro writes goes through `neutralise` here (the chart CSVs too:
`reports.templatetags.exports.chart_csv_href`).

Why one place:
- **everyone can open the file**. The default CSV is for Italian spreadsheets: UTF-8 *with* BOM (so Excel
  reads the accents), `;` between fields and the decimal comma (so Excel on Italian Windows puts each field
  in its own column and reads the numbers as numbers). `?formato=standard` gives RFC 4180 for tools: UTF-8
  without BOM, `,` and dot decimals. `?formato=xlsx` (or a `.xlsx` URL) gives the same table as a
  workbook with a "Fonte e licenza" sheet. The header is always the first line: nothing above it;
- **the credit is inside the table**: a `fonte` column (the same value on every row), and the release date
  of the data in a `data_dati` column where the export has one (`About.release`), plus any other constant
  the export declares (`About.columns`: the map's metric and rule). Exports whose rows name their own
  source (an indicator's values) or that are import templates declare no constant column;
- **formulas are neutralised** (OWASP "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a
  tab or a carriage return is written with a leading `'`, so a spreadsheet shows it as text instead of
  running it. Project titles, DUP objectives, indicator notes… are typed by people we do not control. Real
  numbers are never touched: a row holds numbers as `int`, `float` or `Decimal`, and a negative amount stays
  a number;
- **numbers are written one way**: no grouping, never an exponent; a `Decimal` with the decimals it has
  (the row builder decides them: "121992.00", `cents()`), a float as Python prints it, with a comma in the
  Italian CSV; a date in ISO form (every spreadsheet reads it), nothing for None. In XLSX numbers and dates
  stay numbers and dates;
- **memory stays flat**: CSVs are streamed while the database cursor is read (`stream=True`), a thousand
  rows at a time, each column converted and quoted at once (`csv_line_groups`: the text csv.writer writes
  cell by cell, twice as fast on the national project export); XLSX workbooks are written by
  openpyxl's write-only mode to a temporary file that is then streamed.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice, repeat
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from decimetro.core.credits import CC_BY_4
from decimetro.core.spreadsheet import FORMULA_STARTS, neutralise

__all__ = ["FORMULA_STARTS", "neutralise"]  # the rule lives in core (the reject file of pnrr uses it too)

Cell = str | int | float | Decimal | date | None
Row = Sequence[Cell]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_CONTENT_TYPE = "application/geo+json"

# The formats of a table download: `?formato=` (or the URL's suffix for "xlsx").
CSV_ITALIAN = "csv"  # the default: BOM, ";" and decimal comma
CSV_STANDARD = "standard"  # RFC 4180: ",", dot decimals, no BOM
XLSX = "xlsx"
FORMATS = (CSV_ITALIAN, CSV_STANDARD, XLSX)
# The suffixes a table URL may end with (`dup/export.<fmt>`).
TABLE_FORMATS = ("csv", "xlsx")
FORMAT_PARAM = "formato"

LICENCE_TEXT = "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.it"
CREDIT_COLUMN = "fonte"
RELEASE_COLUMN = "data_dati"
ABOUT_SHEET = "Fonte e licenza"


def csv_value(cell: Cell, *, decimal_comma: bool = False) -> str:
    """A cell as CSV text: text neutralised, numbers and dates in their one plain form (module docstring)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return neutralise(cell)
    if isinstance(cell, bool):
        return "sì" if cell else "no"
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        text = format(cell, "f")  # its own decimals, never "1E+3"
    elif isinstance(cell, float):
        text = format(Decimal(repr(cell)), "f")  # as Python prints it, never "1e-05"
    else:
        return str(cell)  # int
    return text.replace(".", ",") if decimal_comma else text


def cents(value: float) -> Decimal:
    """An amount in euro with two decimals, rounded as `f"{value:.2f}"` rounds it (the map's amounts are
    floats), kept a number so that it is never neutralised."""
    return Decimal(f"{value:.2f}")


def xlsx_value(cell: Cell) -> Cell:
    """A cell for openpyxl: text neutralised (openpyxl would store "=…" as a formula), numbers as numbers."""
    return neutralise(cell) if isinstance(cell, str) else cell


@dataclass(frozen=True)
class About:
    """What a table is: the credit (the `fonte` column and the "Fonte e licenza" sheet), its title, the
    release date of its data (the `data_dati` column), the dates of each dataset behind it, what its
    columns mean, and other constant columns (name, value) that say what the figures are."""

    title: str
    credit: str | None
    release: date | None = None
    has_release: bool = False  # a `data_dati` column even when the date is unknown (then empty)
    dates: Sequence[tuple[str, date | None]] = ()
    definitions: Mapping[str, str] = field(default_factory=dict)
    columns: Sequence[tuple[str, Cell]] = ()
    licence: str = CC_BY_4
    credit_column: bool = True

    def constants(self) -> list[tuple[str, Cell]]:
        """The columns added to every row: `fonte`, then `data_dati`, then the export's own."""
        out: list[tuple[str, Cell]] = []
        if self.credit_column and self.credit:
            out.append((CREDIT_COLUMN, self.credit))
        if self.release is not None or self.has_release:
            out.append((RELEASE_COLUMN, self.release))
        return [*out, *self.columns]


def _with_constants(rows: Iterable[Row], constants: Sequence[tuple[str, Cell]]) -> Iterator[list[Cell]]:
    """The rows, the first one (the header) extended by the constants' names, the others padded to the
    header's width and extended by their values."""
    names = [name for name, _value in constants]
    values = [value for _name, value in constants]
    width = 0
    for i, row in enumerate(rows):
        if i == 0:
            width = len(row)
            yield [*row, *names]
        else:
            yield [*row, *([None] * (width - len(row))), *values]


class _Lines:
    """A file-like object that keeps what csv.writer writes (one write per row: its whole line)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.write = self.lines.append

    def take(self) -> list[str]:
        lines = self.lines.copy()  # (the writer holds on to `write`: the list itself stays)
        self.lines.clear()
        return lines


CSV_CHUNK_ROWS = 1000  # rows converted a column at a time (a national export is 221,686 lines)

_NOTHING = type(None)
# A text cell that starts with one of FORMULA_STARTS, in a column joined with NUL before each cell.
_FORMULA_CELL = re.compile("\x00[" + re.escape("".join(FORMULA_STARTS)) + "]")
_PLAIN_FLOATS = re.compile("[0-9.\x00-]*")  # reprs that are already their plain decimal form


def _column_text(column: Sequence[Cell], *, italian: bool) -> list[str]:
    """The cells of one column as `csv_value` writes them ("" for None), a whole column at a time for the
    common exact types (text, int, date, Decimal, float, each with None); other types cell by cell."""
    kinds = set(map(type, column))
    nullable = _NOTHING in kinds
    kinds.discard(_NOTHING)
    if not kinds:
        return [""] * len(column)
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is str:
        texts = cast(list[str], ["" if c is None else c for c in column] if nullable else column)
        if _FORMULA_CELL.search("\x00" + "\x00".join(texts)):
            return [neutralise(t) for t in texts]
        return texts
    if kind is int or kind is date:  # str(int); a date's ISO form (`str` of a date)
        return ["" if c is None else str(c) for c in column] if nullable else list(map(str, column))
    if kind is Decimal:  # its own decimals, never "1E+3"
        if nullable:
            joined = "\x00".join(["" if c is None else format(c, "f") for c in column])
        else:
            joined = "\x00".join(map(format, column, repeat("f")))
    elif kind is float:
        joined = "\x00".join(["" if c is None else repr(c) for c in column])
        if not _PLAIN_FLOATS.fullmatch(joined):  # "1e-05", "inf": as `csv_value` writes them
            return [csv_value(c, decimal_comma=italian) for c in column]
    else:
        return [csv_value(c, decimal_comma=italian) for c in column]
    return (joined.replace(".", ",") if italian else joined).split("\x00")


def _quoted(texts: list[str], special: re.Pattern[str]) -> list[str]:
    """The column as csv.writer (QUOTE_MINIMAL) writes its fields: a field holding the delimiter, a quote or
    a line break between quotes, its quotes doubled; the others as they are."""
    if not special.search("\x00".join(texts)):
        return texts
    return ['"' + t.replace('"', '""') + '"' if special.search(t) else t for t in texts]


def csv_line_groups(
    rows: Iterable[Row], *, fmt: str = CSV_ITALIAN, constants: Sequence[tuple[str, Cell]] = ()
) -> Iterator[list[str]]:
    """The CSV lines in groups: the header alone first (the Italian form starts with a BOM), then up to
    CSV_CHUNK_ROWS rows at a time, converted and quoted a column at a time (`_column_text`, `_quoted`: the
    same text as csv.writer writes from `csv_value` cell by cell), the constants converted once."""
    italian = fmt == CSV_ITALIAN
    delimiter = ";" if italian else ","
    special = re.compile(f'[{re.escape(delimiter)}"\r\n]')
    out = _Lines()
    writer = csv.writer(out, delimiter=delimiter)
    it = iter(rows)
    header = next(it, None)
    if header is None:
        return
    width = len(header)
    writer.writerow(
        [csv_value(cell, decimal_comma=italian) for cell in [*header, *(n for n, _v in constants)]]
    )
    first = out.take()
    yield ["\ufeff" + first[0]] if italian else first
    values = [csv_value(value, decimal_comma=italian) for _name, value in constants]
    writer.writerow(["", *values])
    ending = out.take()[0]  # the constants and the line's end, written once: ";fonte;data\r\n"
    if not values:
        ending = "\r\n"
    while chunk := list(islice(it, CSV_CHUNK_ROWS)):
        lengths = set(map(len, chunk))
        length = lengths.pop() if len(lengths) == 1 else -1
        if length < 0 or max(width, length) < 1 or max(width, length) + len(values) < 2:
            # Rows of different widths, or a lone cell (csv.writer writes a lone empty one '""'): row by row.
            writer.writerows(
                [
                    *[csv_value(cell, decimal_comma=italian) for cell in row],
                    *([None] * (width - len(row))),
                    *values,
                ]
                for row in chunk
            )
            yield out.take()
            continue
        columns = [_quoted(_column_text(c, italian=italian), special) for c in zip(*chunk, strict=True)]
        columns += [[""] * len(chunk)] * (width - length)
        yield list(map(str.__add__, map(delimiter.join, zip(*columns, strict=True)), repeat(ending)))


def csv_lines(
    rows: Iterable[Row], *, fmt: str = CSV_ITALIAN, constants: Sequence[tuple[str, Cell]] = ()
) -> Iterator[str]:
    """The CSV text, one line at a time, header first; the Italian form starts with a BOM."""
    for group in csv_line_groups(rows, fmt=fmt, constants=constants):
        yield from group


STREAM_BLOCK = 64 * 1024  # characters of CSV handed to the server at a time


def csv_blocks(lines: Iterable[str], *, size: int = STREAM_BLOCK) -> Iterator[str]:
    """The lines joined into blocks of about `size` characters: a national export is 221,686 lines, and
    each piece of a streamed response costs the server a write (a system call) of its own."""
    block: list[str] = []
    length = 0
    for line in lines:
        block.append(line)
        length += len(line)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)


def _attachment(response: HttpResponseBase, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


def csv_response(
    rows: Iterable[Row],
    *,
    filename: str,
    fmt: str = CSV_ITALIAN,
    about: About | None = None,
    stream: bool = False,
) -> HttpResponse | StreamingHttpResponse:
    """A CSV download. `stream=True` for the big sets (the project list, the data-quality problems): the rows
    are written while the database cursor is read, so memory stays flat whatever the number of rows."""
    groups = csv_line_groups(rows, fmt=fmt, constants=about.constants() if about else ())
    pieces = ("".join(group) for group in groups)
    response: HttpResponse | StreamingHttpResponse
    if stream:
        response = StreamingHttpResponse(csv_blocks(pieces), content_type=CSV_CONTENT_TYPE)
    else:
        response = HttpResponse("".join(pieces), content_type=CSV_CONTENT_TYPE)
    _attachment(response, filename)
    return response


def about_rows(about: About, *, today: date | None = None) -> list[list[Cell]]:
    """The "Fonte e licenza" sheet: what the table is, its credit and licence, its dates, its columns."""
    rows: list[list[Cell]] = [
        ["Titolo", about.title],
        ["Fonte", about.credit or ""],
        ["Licenza", f"{LICENCE_TEXT}, {LICENCE_URL}" if about.licence == CC_BY_4 else about.licence],
        ["Attribuzione", "Citare la fonte indicata sopra a ogni riuso dei dati."],
    ]
    if about.release is not None:
        rows.append(["Data dei dati", about.release])
    for label, when in about.dates:
        rows.append([label, when if when is not None else "non indicata"])
    rows.append(["Scaricato il", today or timezone.localdate()])
    rows.extend([[name, value] for name, value in about.columns if name not in about.definitions])
    if about.definitions:
        rows.extend([[], ["Colonna", "Definizione"]])
        rows.extend([[name, text] for name, text in about.definitions.items()])
    return rows


def xlsx_file(rows: Iterable[Row], *, sheet: str, about: About | None = None) -> Any:
    """The workbook in a temporary file (rewound): the data sheet, header first, then "Fonte e licenza".
    Written by openpyxl's write-only mode, so memory does not grow with the number of rows."""
    from openpyxl import Workbook  # imported here: only the XLSX downloads pay for it

    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(sheet[:31])
    for row in _with_constants(rows, about.constants() if about else ()):
        data.append([xlsx_value(cell) for cell in row])
    if about is not None:
        info = workbook.create_sheet(ABOUT_SHEET)
        for row in about_rows(about):
            info.append([xlsx_value(cell) for cell in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse that streams it
    workbook.save(out)
    out.seek(0)
    return out


def xlsx_bytes(rows: Iterable[Row], *, sheet: str, about: About | None = None) -> bytes:
    with xlsx_file(rows, sheet=sheet, about=about) as out:
        return bytes(out.read())


def xlsx_response(
    rows: Iterable[Row], *, filename: str, sheet: str, about: About | None = None
) -> FileResponse:
    response = FileResponse(
        xlsx_file(rows, sheet=sheet, about=about), content_type=XLSX_CONTENT_TYPE, as_attachment=True
    )
    _attachment(response, filename)
    return response


def request_format(params: QueryDict | Mapping[str, str], *, suffix: str = "csv") -> str:
    """The format asked for: `?formato=standard|xlsx|csv` (any other value is a 404), else the URL's suffix
    (`.csv` → the Italian CSV, `.xlsx`)."""
    asked = (params.get(FORMAT_PARAM) or "").strip().lower()
    if asked:
        if asked not in FORMATS:
            raise Http404
        return asked
    if suffix not in TABLE_FORMATS:
        raise Http404
    return suffix


def table_response(
    rows: Iterable[Row],
    *,
    fmt: str,
    basename: str,
    about: About,
    sheet: str = "Dati",
    stream: bool = False,
) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """The same table as Italian CSV, standard CSV or XLSX (`fmt` from `request_format`)."""
    if fmt in (CSV_ITALIAN, CSV_STANDARD):
        return csv_response(rows, filename=f"{basename}.csv", fmt=fmt, about=about, stream=stream)
    if fmt == XLSX:
        return xlsx_response(rows, filename=f"{basename}.xlsx", sheet=sheet, about=about)
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
