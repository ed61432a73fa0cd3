"""What every PNRR parser shares: errors, field converters and the CSV row loop. Pure: no database, no Django.

A parser turns one open-data file into typed rows. A bad *row* becomes a `RowError(line, column, message)`
that the caller may reject or skip; a bad *file* (unknown header, wrong delimiter or encoding, truncated
gzip) raises
`BadFile`, whose message names the file and, when known, the line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

T = TypeVar("T")

CUP_RE = re.compile(r"^[A-Za-z0-9]{15}$")
ISTAT_RE = re.compile(r"^\d{6}$")
AMOUNT_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")
IT_AMOUNT_RE = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d{1,2})?$|^-?\d+(,\d{1,2})?$")
SUBMEASURE_RE = re.compile(r"^M\d+C\d+[IR][0-9A-Za-z.]+$")
CENT = Decimal("0.01")


class BadFile(ValueError):
    """The file as a whole cannot be read: the message names the file (and the line when known)."""

    def __init__(self, name: str, message: str, line: int | None = None) -> None:
        self.name = name
        self.line = line
        self.detail = message
        where = f"{name}, riga {line}" if line else name
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that cannot be imported. `line` is the physical line in the file (the header is line 1)."""

    line: int
    column: str
    message: str
    raw: dict[str, str] | None = None

    def __str__(self) -> str:
        col = f", colonna «{self.column}»" if self.column else ""
        return f"riga {self.line}{col}: {self.message}"


class FieldError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


# Field converters: each takes the raw mapping and a column name, raises FieldError --------------------------


def text(raw: dict[str, str], column: str) -> str:
    return (raw[column] or "").strip()


def required(raw: dict[str, str], column: str) -> str:
    value = text(raw, column)
    if not value:
        raise FieldError(column, "valore mancante")
    return value


def cup(raw: dict[str, str], column: str) -> str:
    """A CUP is 15 letters or digits. It is upper-cased: one universe row writes `G17h03000130001`."""
    value = text(raw, column)
    if not value:
        raise FieldError(column, "CUP mancante")
    if not CUP_RE.match(value):
        raise FieldError(column, f"CUP malformato «{value}» (attesi 15 caratteri alfanumerici)")
    return value.upper()


def submeasure_code(raw: dict[str, str], column: str) -> str:
    value = text(raw, column)
    if not SUBMEASURE_RE.match(value):
        raise FieldError(column, f"codice submisura malformato «{value}»")
    return value


def istat(raw: dict[str, str], column: str) -> str:
    """A 6-digit ISTAT comune code, or empty for places that are not a comune (national, region-wide…)."""
    value = text(raw, column)
    if value and not ISTAT_RE.match(value):
        raise FieldError(column, f"codice ISTAT malformato «{value}» (attese 6 cifre)")
    return value


def small_code(raw: dict[str, str], column: str) -> str:
    """Region / province / comune codes written as integers (`3`, `15`, `146`, `0`)."""
    value = text(raw, column)
    if value and not value.isdigit():
        raise FieldError(column, f"codice non numerico «{value}»")
    return str(int(value)) if value else ""


_AMOUNTS: dict[str, Decimal] = {}  # text → parsed amount (Decimal is immutable); amounts repeat a lot
_AMOUNTS_MAX = 200_000


def amount(raw: dict[str, str], column: str) -> Decimal | None:
    """An amount in euro with `.` decimals (`42576.00`). Empty means unknown (None)."""
    value = (raw[column] or "").strip()
    if not value:
        return None
    parsed = _AMOUNTS.get(value)
    if parsed is None:
        if not AMOUNT_RE.match(value):
            raise FieldError(column, f"importo malformato «{value}»")
        parsed = Decimal(value).quantize(CENT)
        if len(_AMOUNTS) < _AMOUNTS_MAX:
            _AMOUNTS[value] = parsed
    return parsed


def amount_it(raw: dict[str, str], column: str) -> Decimal | None:
    """An amount written the Italian way (`900000000,00`, ` 80.000.000,00 `) or with a `.` decimal."""
    value = text(raw, column)
    if not value:
        return None
    if "," in value or (value.count(".") > 1):
        if not IT_AMOUNT_RE.match(value):
            raise FieldError(column, f"importo malformato «{value}»")
        return Decimal(value.replace(".", "").replace(",", ".")).quantize(CENT)
    return amount(raw, column)


def number(raw: dict[str, str], column: str) -> Decimal | None:
    value = text(raw, column)
    if not value:
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise FieldError(column, f"numero malformato «{value}»") from None


def iso_date(raw: dict[str, str], column: str) -> date | None:
    value = text(raw, column)
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date(column, value)
    except ValueError:
        return _bad_date(column, value)


def _bad_date(column: str, value: str) -> date:
    raise FieldError(column, f"data malformata «{value}» (atteso AAAA-MM-GG)")


def year(raw: dict[str, str], column: str) -> int | None:
    value = text(raw, column)
    if not value:
        return None
    if not (value.isdigit() and len(value) == 4):
        raise FieldError(column, f"anno malformato «{value}»")
    return int(value)


def yes_no(raw: dict[str, str], column: str) -> bool | None:
    value = text(raw, column).lower()
    if not value:
        return None
    if value in {"sì", "si", "yes", "1", "true"}:
        return True
    if value in {"no", "0", "false"}:
        return False
    raise FieldError(column, f"valore Sì/No atteso, trovato «{value}»")


def fiscal_code(raw: dict[str, str], column: str) -> str:
    """The source lost the leading zeros of numeric fiscal codes (`833360738`): put them back (11 digits)."""
    value = text(raw, column).upper()
    if value.isdigit() and len(value) < 11:
        return value.zfill(11)
    return value


# The row loop -----------------------------------------------------------------------------------------------


def check_header(name: str, fieldnames: Sequence[str] | None, expected: Sequence[str]) -> None:
    found = list(fieldnames or [])
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append("colonne mancanti: " + ", ".join(missing))
        if extra:
            parts.append("colonne inattese: " + ", ".join(extra))
        raise BadFile(name, "intestazione non riconosciuta (" + "; ".join(parts) + ")", line=1)


def parse_rows(
    stream: Iterable[str],
    *,
    columns: Sequence[str],
    build: Callable[[dict[str, str]], T],
    name: str = "file",
) -> Iterator[T | RowError]:
    """Read a comma-delimited CSV, check its header, yield `build(row)` or a RowError per row."""
    # csv.reader and dict(zip()) rather than csv.DictReader: the same mapping, a good deal faster.
    reader = csv.reader(stream)
    try:
        header = next(reader, None) or []
        check_header(name, header, columns)
        width = len(header)
        for row in reader:
            if not row:  # a blank line, skipped as DictReader does
                continue
            line = reader.line_num
            if len(row) != width:
                message = f"numero di campi errato (attesi {len(columns)})"
                yield RowError(line, "", message, _clean(header, row))
                continue
            raw = dict(zip(header, row, strict=True))
            try:
                yield build(raw)
            except FieldError as exc:
                yield RowError(line, exc.column, str(exc), raw)
    except csv.Error as exc:
        raise BadFile(name, f"CSV non valido: {exc}", line=reader.line_num) from exc


def _clean(header: list[str], row: list[str]) -> dict[str, str]:
    """A row with too few or too many fields: the missing ones blank, the extra ones joined in `_extra`."""
    out = dict(zip(header, row, strict=False))
    for k in header[len(row) :]:
        out.setdefault(k, "")
    if len(row) > len(header):
        out["_extra"] = ",".join(row[len(header) :])
    return out


@dataclass(frozen=True, slots=True)
class StructureRef:
    """Where a project sits in the PNRR structure, as far as its row tells. Blank means "not in this file"."""

    submeasure_code: str
    submeasure_name: str = ""
    measure_code: str = ""
    measure_name: str = ""
    measure_id: str = ""
    submeasure_id: str = ""
    cid_code: str = ""
    component_name: str = ""
    mission_name: str = ""
    administration: str = ""

    @property
    def mission_code(self) -> str:
        return self.submeasure_code[:2]

    @property
    def component_code(self) -> str:
        return self.submeasure_code[:4]

    @property
    def derived_measure_code(self) -> str:
        """`M1C1I1.02.00` → `M1C1I1.02`: true for every row of every file we have."""
        return self.measure_code or self.submeasure_code.rsplit(".", 1)[0]
