"""The one way to turn a file of rows into rows, with every problem named by file, line and column in Italian.

Used by the uploads (DUP objectives, indicator values), the crosswalk loader (its decoding) and the PNRR
open-data parsers (their errors and numbers). One place decides:

- how bytes become text (`decode`): UTF-8, with or without BOM; else Windows-1252, as Excel saves "CSV" on
  Italian Windows; else Latin-1. A file that is mostly UTF-8 with a damaged byte is refused at that byte's
  line rather than read as Windows-1252 (which would garble its accented letters); a file with NUL bytes is
  not text (a spreadsheet, a UTF-16 export, anything hostile) and is refused;
- which delimiter a file uses (`sniff_delimiter`: `,` or `;`, from the header line);
- how big a file may be and how many rows it may have (`read_table`);
- how a number written the Italian way is read (`parse_decimal`: `1.234.567,89`, `12,5`, `0.25`).
- a column's former names (`read_table(aliases=…)`: the uploads share one vocabulary, `codice_<what>` for a
  row's key, and still read the files written with the old names);

A problem is a `Problem(line, column, message)`; a refused file raises `TableError(name, problems)`. Each
caller keeps the wording its users know: `read_table(messages=…)` replaces the default message of a kind of
problem (the keys of `MESSAGES`). Pure Python: no database; Django only for translating the messages.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import BinaryIO, TypedDict, Unpack

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy

# The csv module's default largest field (characters), enforced for every file read here.
FIELD_SIZE_LIMIT = 131_072

MB = 1024 * 1024
# The encodings tried in order. Latin-1 decodes any byte: it takes the five Windows-1252 leaves undefined.
UTF8_OR_WINDOWS = ("utf-8", "cp1252", "latin-1")
UTF8_ONLY = ("utf-8",)

# The default message of each kind of problem; `read_table(messages=…)` replaces any of them. The parameters
# each may use are listed beside it.
MESSAGES: dict[str, str | Promise] = {
    # size, max (bytes)
    "too_big": _lazy("file troppo grande (%(size)s byte, massimo %(max)s)"),
    # (none)
    "binary": _lazy("il file non è un file di testo (contiene byte nulli)"),
    # pos (1-based byte offset in the file), byte (e.g. 0xe0)
    "encoding": _lazy("codifica non valida: il file deve essere in UTF-8 (byte %(pos)s)"),
    # (none)
    "empty": _lazy("file vuoto"),
    # cols (the required columns), missing, found (the header as read); the problem's column is `missing`
    "missing_columns": _lazy(
        "colonne obbligatorie mancanti nell'intestazione (attese: %(cols)s; separatore «,» o «;»; "
        "trovate: %(found)s)"
    ),
    # unknown, allowed; the problem's column is `unknown`
    "unknown_columns": _lazy("colonne sconosciute nell'intestazione: %(unknown)s"),
    # err (the csv module's own words)
    "csv": _lazy("CSV non valido: %(err)s"),
    # max (rows after the header)
    "too_many_rows": _lazy("troppe righe (massimo %(max)s)"),
    # got, want (numbers of fields)
    "width": _lazy("la riga ha %(got)s campi invece di %(want)s (separatore sbagliato?)"),
    # (none)
    "no_rows": _lazy("nessuna riga di dati dopo l'intestazione"),
}


def _(message: str) -> str:
    """Django's gettext once Django is set up, else the Italian text as written: the PNRR parsers (and so
    `Problem`) also run in plain scripts."""
    return gettext(message) if settings.configured else message


# Problems -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a file. `line` is the physical line (the header is line 1); 0 means the file as a whole.
    `column` is the column's name in the header, blank when the problem is the row's or the file's."""

    line: int
    column: str = ""
    message: str = ""

    @property
    def where(self) -> str:
        """Where the problem is: "riga 4, colonna «valore»", "riga 4", or "" for the whole file."""
        parts = []
        if self.line:
            parts.append(_("riga %(line)s") % {"line": self.line})
        if self.column:
            parts.append(_("colonna «%(col)s»") % {"col": self.column})
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where
        return f"{where}: {self.message}" if where else self.message


class TableError(ValueError):
    """The file is refused: `problems` says where and why. `str()` names the file before each problem (the
    first five), e.g. "valori.csv, riga 3, colonna «data»: data non valida «31/03/2025»"."""

    def __init__(self, name: str, problems: Sequence[Problem]) -> None:
        self.name = name
        self.problems = list(problems)
        super().__init__(name, self.problems)

    def __str__(self) -> str:
        shown = []
        for p in self.problems[:5]:
            where = ", ".join(part for part in (self.name, p.where) if part)
            shown.append(f"{where}: {p.message}" if where else p.message)
        more = len(self.problems) - len(shown)
        return "; ".join(shown) + (f" … (+{more})" if more > 0 else "")


def _message(messages: Mapping[str, str | Promise] | None, kind: str, **params: object) -> str:
    template = (messages or {}).get(kind) or MESSAGES[kind]
    return str(template) % params


# Text -----------------------------------------------------------------------------------------------------


def line_of_byte(data: bytes, position: int) -> int:
    """The line (1-based) of `data` on which the byte at `position` (0-based) sits."""
    return data.count(b"\n", 0, position) + 1


# A well-formed multi-byte UTF-8 sequence. In a Windows-1252 file these are rare (an accented capital followed
# by a typographic sign); in a UTF-8 file every accented letter is one.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes of `data` form UTF-8 sequences: a UTF-8 file with a damaged byte."""
    in_sequences = sum(len(m) for m in _UTF8_SEQUENCE.findall(data))
    non_ascii = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
    return in_sequences * 2 > non_ascii


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    encoding: str  # the codec that decoded it ("utf-8", "cp1252", "latin-1")


def decode(
    data: bytes,
    *,
    name: str,
    encodings: Sequence[str] = UTF8_OR_WINDOWS,
    messages: Mapping[str, str | Promise] | None = None,
) -> Text:
    """`data` as text, trying `encodings` in order (a UTF-8 BOM is dropped and means UTF-8). Raises TableError
    naming the line of the first NUL byte, or of the first byte no encoding accepts."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TableError(name, [Problem(line_of_byte(data, nul), "", _message(messages, "binary"))])
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    candidates = UTF8_ONLY if start else encodings
    first_error: UnicodeDecodeError | None = None
    for encoding in candidates:
        if first_error is not None and _mostly_utf8(data):
            break  # UTF-8 with a damaged byte: name it rather than garble the rest
        try:
            return Text(data[start:].decode(encoding), encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    position = start + first_error.start
    message = _message(messages, "encoding", pos=position + 1, byte=f"{data[position]:#04x}")
    raise TableError(name, [Problem(line_of_byte(data, position), "", message)])


def sniff_delimiter(header_line: str, delimiters: Sequence[str] = (",", ";")) -> str:
    """The delimiter among `delimiters` that the header line holds most often; on a tie the first one (so `;`
    wins over `,` only when there are more semicolons: Italian spreadsheets)."""
    return max(delimiters, key=lambda d: (header_line.count(d), -delimiters.index(d)))


# Tables ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A data row: its physical line (the last one, for a quoted value spanning lines) and its cells by column
    name, stripped. `row[column]` is "" for a column the file does not have (an optional one)."""

    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class Table:
    name: str
    header: list[str]  # the column names, stripped and lower-cased
    rows: list[Row]  # blank rows skipped
    problems: list[Problem]  # rows left out for their number of fields; the caller adds its own and decides
    delimiter: str
    encoding: str


_FIRST_LINE = re.compile(r"[^\r\n]*")


def _header_problems(
    header: list[str],
    required: Sequence[str],
    allowed: Sequence[str] | None,
    messages: Mapping[str, str | Promise] | None,
) -> list[Problem]:
    """The required columns missing, the columns not allowed (a blank name is none: "a,b," is fine)."""
    problems = []
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(header) or "—"
        params = {"cols": ", ".join(required), "missing": ", ".join(missing), "found": found}
        problems.append(Problem(1, ", ".join(missing), _message(messages, "missing_columns", **params)))
    unknown = [h for h in header if h and h not in allowed] if allowed is not None else []
    if unknown:
        params = {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed or ())}
        problems.append(Problem(1, ", ".join(unknown), _message(messages, "unknown_columns", **params)))
    return problems


def read_table(
    data: bytes | BinaryIO,
    *,
    name: str,
    required: Sequence[str] = (),
    allowed: Sequence[str] | None = None,
    max_bytes: int = MB,
    max_rows: int = 10_000,
    delimiters: Sequence[str] = (",", ";"),
    encodings: Sequence[str] = UTF8_OR_WINDOWS,
    strict: bool = False,
    pad_short_rows: bool = False,
    aliases: Mapping[str, str] | None = None,
    messages: Mapping[str, str | Promise] | None = None,
) -> Table:
    """Read a CSV file whose first line names the columns (matched without case or surrounding spaces).
    `aliases` maps a column's former name to its name (files written before a column was renamed still load;
    the rows and `Table.header` use the new name).

    Raises TableError, the file refused as a whole, when it is larger than `max_bytes`, not text, empty, has
    `required` columns missing or (with `allowed`) unknown ones, is not valid CSV (`strict`: quotes too), has
    more than `max_rows` data rows, or none. A row with too many fields (or too few, unless `pad_short_rows`)
    is left out and listed in `Table.problems`: the caller checks the other rows and reports all together."""
    unknown_kinds = set(messages or {}) - set(MESSAGES)
    assert not unknown_kinds, f"unknown kinds of problem: {unknown_kinds}"
    raw = data if isinstance(data, bytes) else data.read(max_bytes + 1)
    if len(raw) > max_bytes:
        message = _message(messages, "too_big", size=len(raw), max=max_bytes)
        raise TableError(name, [Problem(0, "", message)])
    decoded = decode(raw, name=name, encodings=encodings, messages=messages)
    text = decoded.text
    if not text.strip():
        raise TableError(name, [Problem(0, "", _message(messages, "empty"))])
    match = _FIRST_LINE.match(text)
    delimiter = sniff_delimiter(match.group() if match else "", delimiters)
    # The csv module's limit is process-wide and a library may raise it (frictionless does, on import of its
    # CSV parser): a user's file is always read with the standard one (a huge field is a problem).
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    rows: list[Row] = []
    problems: list[Problem] = []
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if aliases:
            header = [aliases.get(h, h) if aliases.get(h, h) not in header else h for h in header]
        if header_problems := _header_problems(header, required, allowed, messages):
            raise TableError(name, header_problems)
        width = len(header)
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) + len(problems) >= max_rows:
                raise TableError(name, [Problem(line, "", _message(messages, "too_many_rows", max=max_rows))])
            if len(record) != width:
                if pad_short_rows and len(record) < width:
                    record += [""] * (width - len(record))
                else:
                    message = _message(messages, "width", got=len(record), want=width)
                    problems.append(Problem(line, "", message))
                    continue
            rows.append(Row(line, {h: cell.strip() for h, cell in zip(header, record, strict=True)}))
    except csv.Error as exc:
        raise TableError(name, [Problem(reader.line_num, "", _message(messages, "csv", err=exc))]) from None
    if not rows and not problems:
        raise TableError(name, [Problem(0, "", _message(messages, "no_rows"))])
    return Table(name, header, rows, problems, delimiter, decoded.encoding)


# Numbers --------------------------------------------------------------------------------------------------

_GROUPED = re.compile(r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")


class NumberFormat(TypedDict, total=False):
    """How a number is written (every key optional; see `decimal_parser`)."""

    decimal_comma: bool
    thousands_dots: bool
    strict: bool
    max_places: int | None
    places: int | None
    ignore: str


def parse_decimal(text: str, **number_format: Unpack[NumberFormat]) -> Decimal:
    """The number `text` holds, as a finite Decimal; ValueError when it holds none. E.g. an amount typed in a
    form: `parse_decimal("1.500.000,50 €", thousands_dots=True, ignore=" €")`."""
    return decimal_parser(**number_format)(text)


@functools.cache
def decimal_parser(
    *,
    decimal_comma: bool = True,
    thousands_dots: bool = False,
    strict: bool = False,
    max_places: int | None = None,
    places: int | None = None,
    ignore: str = "",
) -> Callable[[str], Decimal]:
    """The function that reads a number written this way, with the options' work done once (what a loop over
    hundreds of thousands of PNRR amounts calls). The number is a finite Decimal, else ValueError.

    - `ignore`: characters dropped first (after the surrounding spaces), e.g. " €" for a typed amount;
    - `decimal_comma`: a comma is the decimal mark (`12,5`); a dot stays one as well (`12.5`);
    - `thousands_dots` (with `decimal_comma`): dots group thousands when the text has a comma (`1.234,5`) or
      more than one dot (`1.234.567`); a lone dot without a comma is still the decimal mark (`0.25`);
    - `strict`: only digits, a leading `-` and the separators, thousands in groups of three; otherwise
      anything `Decimal` reads once the separators are dealt with (`+5`, `1e3`);
    - `max_places`: more decimals than this is an error; `places`: the result is rounded to this many.
    """
    decimals = (
        r"" if max_places == 0 else r"(?:\.\d+)?" if max_places is None else rf"(?:\.\d{{1,{max_places}}})?"
    )
    plain = re.compile(r"-?\d+" + decimals) if strict else None
    quantum = Decimal(1).scaleb(-places) if places is not None else None

    def parse(text: str) -> Decimal:
        value = text.strip()
        for char in ignore:
            value = value.replace(char, "")
        if decimal_comma and ("," in value or (thousands_dots and value.count(".") > 1)):
            if thousands_dots:
                if strict and not _GROUPED.fullmatch(value):
                    raise ValueError(f"«{value}» non è un numero")
                value = value.replace(".", "")
            value = value.replace(",", ".")
        if plain is not None:  # the digits and the decimals are the pattern's: no exponent, no NaN
            if plain.fullmatch(value) is None:
                raise ValueError(f"«{value}» non è un numero")
            number = Decimal(value)
        else:
            try:
                number = Decimal(value)
            except InvalidOperation:
                raise ValueError(f"«{value}» non è un numero") from None
            if not number.is_finite():
                raise ValueError(f"«{value}» non è un numero")
            if max_places is not None and number.as_tuple().exponent < -max_places:  # type: ignore[operator]
                raise ValueError(f"«{value}» ha più di {max_places} decimali")
        return number if quantum is None else number.quantize(quantum)

    return parse
