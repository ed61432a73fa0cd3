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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from decimetro.core.tabular import Problem, TableError, decimal_parser

T = TypeVar("T")

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


Column = str | int
"""A column: its name in a row read as a mapping, its position in a row read as a list (see `parse_rows`)."""


class Cells(Protocol):
    """A row as read: a mapping column name → text, or the list of the row's fields (indexed by position)."""

    def __getitem__(self, column: Any, /) -> str: ...


class FieldError(ValueError):
    def __init__(self, column: Column, message: str) -> None:
        self.column = column
        super().__init__(message)


Binder = Callable[[Mapping[str, int]], Callable[[list[str]], T]]
"""`bind(index)`, `index` the file's column name → position: a builder of the typed row from the list of a
row's fields (`parse_rows`)."""


# Field converters: each takes the raw row and a column (name or position), raises FieldError ----------------
#
# Most columns repeat a handful of values (dates, codes, amounts like "0.00"): the converters of those columns
# remember what a raw value became, so that each distinct value is checked once per process. Only successes
# are remembered (every result is immutable) and the memories are bounded.

_MISS: Any = object()
_MEMO_MAX = 200_000


def _memo(convert: Callable[[str, Column], T]) -> Callable[[Cells, Column], T]:
    """`convert(value, column)` → a converter of `raw[column]` that remembers its successes by raw value."""
    memory: dict[str, T] = {}

    def converter(raw: Cells, column: Column) -> T:
        value = raw[column]
        result = memory.get(value, _MISS)
        if result is _MISS:
            result = convert(value, column)
            if len(memory) < _MEMO_MAX:
                memory[value] = result
        return result

    converter.__doc__ = convert.__doc__
    return converter


def text(raw: Cells, column: Column) -> str:
    return raw[column].strip()


def required(raw: Cells, column: Column) -> str:
    value = text(raw, column)
    if not value:
        raise FieldError(column, "valore mancante")
    return value


def cup(raw: Cells, column: Column) -> str:
    """A CUP is 15 letters or digits. It is upper-cased: one universe row writes `G17h03000130001`."""
    value = raw[column].strip()
    # 15 ASCII letters or digits (as `^[A-Za-z0-9]{15}$`, without a regular expression)
    if not (len(value) == 15 and value.isalnum() and value.isascii()):
        if not value:
            raise FieldError(column, "CUP mancante")
        raise FieldError(column, f"CUP malformato «{value}» (attesi 15 caratteri alfanumerici)")
    return value.upper()


@_memo
def submeasure_code(value: str, column: Column) -> str:
    value = value.strip()
    if not SUBMEASURE_RE.match(value):
        raise FieldError(column, f"codice submisura malformato «{value}»")
    return value


@_memo
def istat(value: str, column: Column) -> str:
    """A 6-digit ISTAT comune code, or empty for places that are not a comune (national, region-wide…)."""
    value = value.strip()
    if value and not ISTAT_RE.match(value):
        raise FieldError(column, f"codice ISTAT malformato «{value}» (attese 6 cifre)")
    return value


@_memo
def small_code(value: str, column: Column) -> str:
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
        if _TWO_PLACES.fullmatch(stripped):  # `42576.00`, as the files write nearly all: already exact
            parsed: Decimal | None = Decimal(stripped)
        else:
            try:
                parsed = _plain_amount(stripped) if stripped else None
            except ValueError:
                raise _BadAmount(stripped) from None
        if len(self) < _MEMO_MAX:
            self[value] = parsed
        return parsed


# `42576.00`, `-3`, `0.5`: digits, at most two decimals after a `.`, rounded to the cent.
_TWO_PLACES = re.compile(r"-?\d{1,18}\.\d\d")  # what `_plain_amount` gives as it is (quantize: no-op)
_plain_amount = decimal_parser(decimal_comma=False, strict=True, max_places=2, places=2)
# The same, or written the Italian way: `900000000,00`, ` 80.000.000,00 ` (thousands in groups of three).
_italian_amount = decimal_parser(thousands_dots=True, strict=True, max_places=2, places=2)
# A quantity: `12,5` or `12.5`, no thousands separator.
_quantity = decimal_parser()


_AMOUNTS = _AmountMemory()


def amount(raw: Cells, column: Column) -> Decimal | None:
    """An amount in euro with `.` decimals (`42576.00`). Empty means unknown (None)."""
    try:
        return _AMOUNTS[raw[column]]
    except _BadAmount as exc:
        raise FieldError(column, f"importo malformato «{exc}»") from None


class AmountColumns:
    """`{field: amount(raw, column)}` for a fixed mapping of field → column, in one call per row."""

    def __init__(self, columns: Mapping[str, Column]) -> None:
        self.columns = columns
        self.fields = tuple(columns)
        self.getter = itemgetter(*columns.values())
        assert len(columns) > 1, "itemgetter of one column gives a value, not a tuple"

    def bind(self, index: Mapping[str, int]) -> AmountColumns:
        """The same for rows read as lists, `index` the file's column name → position."""
        return AmountColumns({field: index[str(column)] for field, column in self.columns.items()})

    def __call__(self, raw: Cells) -> dict[str, Decimal | None]:
        try:
            return dict(zip(self.fields, map(_AMOUNTS.__getitem__, self.getter(raw)), strict=True))
        except _BadAmount:  # name the (first) bad column
            return {field: amount(raw, column) for field, column in self.columns.items()}

    def values(self, raw: Cells) -> tuple[Decimal | None, ...]:
        """The same amounts as a tuple, in the order of `fields` (no mapping per row)."""
        try:
            return tuple(map(_AMOUNTS.__getitem__, self.getter(raw)))
        except _BadAmount:
            return tuple(self(raw).values())  # raises the FieldError that names the column


class TextColumns:
    """`{field: text(raw, column)}` for a fixed mapping of field → column, in one call per row."""

    def __init__(self, columns: Mapping[str, Column]) -> None:
        self.fields = tuple(columns)
        self.columns = tuple(columns.values())
        self.getter = itemgetter(*self.columns)
        assert len(columns) > 1, "itemgetter of one column gives a value, not a tuple"

    def bind(self, index: Mapping[str, int]) -> TextColumns:
        """The same for rows read as lists, `index` the file's column name → position."""
        return TextColumns({f: index[str(c)] for f, c in zip(self.fields, self.columns, strict=True)})

    def __call__(self, raw: Cells) -> dict[str, str]:
        return dict(zip(self.fields, map(str.strip, self.getter(raw)), strict=True))


def amount_it(raw: Cells, column: Column) -> Decimal | None:
    """An amount written the Italian way (`900000000,00`, ` 80.000.000,00 `) or with a `.` decimal: at most
    two decimals, thousands in groups of three."""
    value = text(raw, column)
    if not value:
        return None
    try:
        return _italian_amount(value)
    except ValueError:
        raise FieldError(column, f"importo malformato «{value}»") from None


def number(raw: Cells, column: Column) -> Decimal | None:
    """A quantity (a milestone's target): `12,5` or `12.5`, no thousands separator."""
    value = text(raw, column)
    if not value:
        return None
    try:
        return _quantity(value)
    except ValueError:
        raise FieldError(column, f"numero malformato «{value}»") from None


@_memo
def iso_date(value: str, column: Column) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date(column, value)
    except ValueError:
        return _bad_date(column, value)


def _bad_date(column: Column, value: str) -> date:
    raise FieldError(column, f"data malformata «{value}» (atteso AAAA-MM-GG)")


def year(raw: Cells, column: Column) -> int | None:
    value = text(raw, column)
    if not value:
        return None
    if not (value.isdigit() and len(value) == 4):
        raise FieldError(column, f"anno malformato «{value}»")
    return int(value)


@_memo
def yes_no(value: str, column: Column) -> bool | None:
    value = value.strip().lower()
    if not value:
        return None
    if value in {"sì", "si", "yes", "1", "true"}:
        return True
    if value in {"no", "0", "false"}:
        return False
    raise FieldError(column, f"valore Sì/No atteso, trovato «{value}»")


@_memo
def fiscal_code(value: str, column: Column) -> str:
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
    build: Callable[[dict[str, str]], T] | None = None,
    bind: Binder[T] | None = None,
    name: str = "file",
) -> Iterator[T | RowError]:
    """Read a comma-delimited CSV, check its header, yield a typed row or a RowError per row.

    The typed row is `build(mapping)`, the row as a mapping column name → text, or, faster (no mapping per
    row: the national files have up to 200k rows), `bind(index)(fields)`, the row as the list `csv.reader`
    gives, its columns found by the positions of the file's header (`index`). Either way a bad field is
    reported by its column name, with the row as a mapping."""
    # csv.reader and dict(zip()) rather than csv.DictReader: the same mapping, a good deal faster.
    reader = csv.reader(stream)
    try:
        header = next(reader, None) or []
        check_header(name, header, columns)
        width = len(header)
        if bind is not None:
            convert: Callable[[list[str]], T] = bind({column: i for i, column in enumerate(header)})
        elif build is not None:
            convert = lambda row: build(dict(zip(header, row)))  # noqa: B905, E731 - the width is checked
        else:
            raise TypeError("parse_rows: build or bind")
        for row in reader:
            if len(row) == width:
                try:
                    item = convert(row)
                except FieldError as exc:
                    column = header[exc.column] if isinstance(exc.column, int) else exc.column
                    yield RowError(reader.line_num, column, str(exc), dict(zip(header, row)))  # noqa: B905
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

    def __init__(self, **columns: Column) -> None:
        assert next(iter(columns)) == "submeasure_code"
        self.columns = columns
        self.getter = itemgetter(*columns.values())
        self.memory: dict[Any, StructureRef] = {}

    def bind(self, index: Mapping[str, int]) -> StructureColumns:
        """The same for rows read as lists, `index` the file's column name → position."""
        return StructureColumns(**{field: index[str(column)] for field, column in self.columns.items()})

    def __call__(self, raw: Cells) -> StructureRef:
        key = self.getter(raw)
        ref = self.memory.get(key)
        if ref is None:
            values = {field: raw[column].strip() for field, column in self.columns.items()}
            values["submeasure_code"] = submeasure_code(raw, self.columns["submeasure_code"])
            ref = StructureRef(**values)
            if len(self.memory) < _MEMO_MAX:
                self.memory[key] = ref
        return ref
