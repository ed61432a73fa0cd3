"""What every PNRR parser shares: errors, field converters and the CSV row loop. Pure: no database.

A parser turns one open-data file into typed rows. A bad *row* becomes a `RowError(line, column, message)`
that the caller may reject or skip; a bad *file* (unknown header, wrong delimiter or encoding, truncated
gzip) raises `BadFile`, whose message names the file and, when known, the line. Both are the shapes of
`core.tabular` (a `Problem`, a `TableError`), which also reads the Italian numbers; the row loop is this
module's own, built for national files of hundreds of thousands of rows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any, TypeVar

from decimetro.core.tabular import Problem, TableError, decimal_parser

T = TypeVar("T")

CUP_RE = re.compile(r"^[A-Za-z0-9]{15}$")
ISTAT_RE = re.compile(r"^\d{6}$")
SUBMEASURE_RE = re.compile(r"^M\d+C\d+[IR][0-9A-Za-z.]+$")


class BadFile(TableError):
    """The file as a whole cannot be read: the message names the file (and the line when known)."""

    def __init__(self, name: str, message: str, line: int | None = None) -> None:
        super().__init__(name, [Problem(line or 0, "", message)])
        self.line = line
        self.detail = message


@dataclass(frozen=True, slots=True)
class RowError(Problem):
    """A row that cannot be imported. `line` is the physical line in the file (the header is line 1); `raw`
    the row as read, for the rejects file."""

    raw: dict[str, str] | None = None


class FieldError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


# Field converters: each takes the raw mapping and a column name, raises FieldError --------------------------
#
# Most columns repeat a handful of values (dates, codes, amounts like "0.00"): the converters of those columns
# remember what a raw value became, so that each distinct value is checked once per process. Only successes
# are remembered (every result is immutable) and the memories are bounded.

_MISS: Any = object()
_MEMO_MAX = 200_000


def _memo(convert: Callable[[str, str], T]) -> Callable[[dict[str, str], str], T]:
    """`convert(value, column)` → a converter of `raw[column]` that remembers its successes by raw value."""
    memory: dict[str, T] = {}

    def converter(raw: dict[str, str], column: str) -> T:
        value = raw[column]
        result = memory.get(value, _MISS)
        if result is _MISS:
            result = convert(value, column)
            if len(memory) < _MEMO_MAX:
                memory[value] = result
        return result

    converter.__doc__ = convert.__doc__
    return converter


def text(raw: dict[str, str], column: str) -> str:
    return raw[column].strip()


def required(raw: dict[str, str], column: str) -> str:
    value = text(raw, column)
    if not value:
        raise FieldError(column, "valore mancante")
    return value


def cup(raw: dict[str, str], column: str) -> str:
    """A CUP is 15 letters or digits. It is upper-cased: one universe row writes `G17h03000130001`."""
    value = raw[column].strip()
    if not CUP_RE.match(value):
        if not value:
            raise FieldError(column, "CUP mancante")
        raise FieldError(column, f"CUP malformato «{value}» (attesi 15 caratteri alfanumerici)")
    return value.upper()


@_memo
def submeasure_code(value: str, column: str) -> str:
    value = value.strip()
    if not SUBMEASURE_RE.match(value):
        raise FieldError(column, f"codice submisura malformato «{value}»")
    return value


@_memo
def istat(value: str, column: str) -> str:
    """A 6-digit ISTAT comune code, or empty for places that are not a comune (national, region-wide…)."""
    value = value.strip()
    if value and not ISTAT_RE.match(value):
        raise FieldError(column, f"codice ISTAT malformato «{value}» (attese 6 cifre)")
    return value


@_memo
def small_code(value: str, column: str) -> str:
    """Region / province / comune codes written as integers (`3`, `15`, `146`, `0`)."""
    value = value.strip()
    if value and not value.isdigit():
        raise FieldError(column, f"codice non numerico «{value}»")
    return str(int(value)) if value else ""


class _BadAmount(ValueError):
    pass


class _AmountMemory(dict[str, Decimal | None]):
    """Raw text → parsed amount (Decimal is immutable); amounts repeat a lot. A text met for the first time is
    parsed by `__missing__`, which raises `_BadAmount` (no column known here) when it is not an amount."""

    def __missing__(self, value: str) -> Decimal | None:
        stripped = value.strip()
        try:
            parsed = _plain_amount(stripped) if stripped else None
        except ValueError:
            raise _BadAmount(stripped) from None
        if len(self) < _MEMO_MAX:
            self[value] = parsed
        return parsed


# `42576.00`, `-3`, `0.5`: digits, at most two decimals after a `.`, rounded to the cent.
_plain_amount = decimal_parser(decimal_comma=False, strict=True, max_places=2, places=2)
# The same, or written the Italian way: `900000000,00`, ` 80.000.000,00 ` (thousands in groups of three).
_italian_amount = decimal_parser(thousands_dots=True, strict=True, max_places=2, places=2)
# A quantity: `12,5` or `12.5`, no thousands separator.
_quantity = decimal_parser()


_AMOUNTS = _AmountMemory()


def amount(raw: dict[str, str], column: str) -> Decimal | None:
    """An amount in euro with `.` decimals (`42576.00`). Empty means unknown (None)."""
    try:
        return _AMOUNTS[raw[column]]
    except _BadAmount as exc:
        raise FieldError(column, f"importo malformato «{exc}»") from None


class AmountColumns:
    """`{field: amount(raw, column)}` for a fixed mapping of field → column, in one call per row."""

    def __init__(self, columns: dict[str, str]) -> None:
        self.columns = columns
        self.fields = tuple(columns)
        self.getter = itemgetter(*columns.values())
        assert len(columns) > 1, "itemgetter of one column gives a value, not a tuple"

    def __call__(self, raw: dict[str, str]) -> dict[str, Decimal | None]:
        try:
            return dict(zip(self.fields, map(_AMOUNTS.__getitem__, self.getter(raw)), strict=True))
        except _BadAmount:  # name the (first) bad column
            return {field: amount(raw, column) for field, column in self.columns.items()}


class TextColumns:
    """`{field: text(raw, column)}` for a fixed mapping of field → column, in one call per row."""

    def __init__(self, columns: dict[str, str]) -> None:
        self.fields = tuple(columns)
        self.columns = tuple(columns.values())

    def __call__(self, raw: dict[str, str]) -> dict[str, str]:
        return dict(zip(self.fields, [raw[c].strip() for c in self.columns], strict=True))


def amount_it(raw: dict[str, str], column: str) -> Decimal | None:
    """An amount written the Italian way (`900000000,00`, ` 80.000.000,00 `) or with a `.` decimal: at most
    two decimals, thousands in groups of three."""
    value = text(raw, column)
    if not value:
        return None
    try:
        return _italian_amount(value)
    except ValueError:
        raise FieldError(column, f"importo malformato «{value}»") from None


def number(raw: dict[str, str], column: str) -> Decimal | None:
    """A quantity (a milestone's target): `12,5` or `12.5`, no thousands separator."""
    value = text(raw, column)
    if not value:
        return None
    try:
        return _quantity(value)
    except ValueError:
        raise FieldError(column, f"numero malformato «{value}»") from None


@_memo
def iso_date(value: str, column: str) -> date | None:
    value = value.strip()
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


@_memo
def yes_no(value: str, column: str) -> bool | None:
    value = value.strip().lower()
    if not value:
        return None
    if value in {"sì", "si", "yes", "1", "true"}:
        return True
    if value in {"no", "0", "false"}:
        return False
    raise FieldError(column, f"valore Sì/No atteso, trovato «{value}»")


@_memo
def fiscal_code(value: str, column: str) -> str:
    """The source lost the leading zeros of numeric fiscal codes (`833360738`): put them back (11 digits)."""
    value = value.strip().upper()
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
            if len(row) == width:
                raw = dict(zip(header, row))  # noqa: B905 - the width is checked
                try:
                    item = build(raw)
                except FieldError as exc:
                    yield RowError(reader.line_num, exc.column, str(exc), raw)
                    continue
                yield item
            elif row:  # (a blank line is skipped, as DictReader does)
                message = f"numero di campi errato (attesi {len(columns)})"
                yield RowError(reader.line_num, "", message, _clean(header, row))
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


class StructureColumns:
    """Reads a `StructureRef` from fixed columns (field → column, `submeasure_code` first). Rows of a file
    share a few hundred structures: each distinct one is checked and built once, then shared."""

    def __init__(self, **columns: str) -> None:
        assert next(iter(columns)) == "submeasure_code"
        self.columns = columns
        self.getter = itemgetter(*columns.values())
        self.memory: dict[Any, StructureRef] = {}

    def __call__(self, raw: dict[str, str]) -> StructureRef:
        key = self.getter(raw)
        ref = self.memory.get(key)
        if ref is None:
            values = {field: raw[column].strip() for field, column in self.columns.items()}
            values["submeasure_code"] = submeasure_code(raw, self.columns["submeasure_code"])
            ref = StructureRef(**values)
            if len(self.memory) < _MEMO_MAX:
                self.memory[key] = ref
        return ref
