"""One pure parser per Italia Domani open-data file, and `read_file` which recognises the file by its header.

`read_file(path, parsers=…)` opens `.csv` or `.csv.gz`, reads the header, picks among `parsers` the one whose
columns match and returns a `SourceFile` whose `rows()` yields typed rows or `RowError`s. File-level problems
raise `BadFile`. The list of the file kinds (and so of the parsers to try) is `pnrr.importing.KINDS`, with the
rest of what each kind needs; `pnrr.importing.read_file(path)` tries them all.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from decimetro.pnrr.sources.common import BadFile, RowError

__all__ = ["BadFile", "Parser", "RowError", "SourceFile", "checksum", "detect_kind", "read_file"]


class Parser(Protocol):
    """What a parser module of this package provides: its kind, a label for people, the exact header and
    `parse`, which turns the file's text into typed rows and `RowError`s."""

    @property
    def KIND(self) -> str: ...

    @property
    def LABEL(self) -> str: ...

    @property
    def COLUMNS(self) -> Sequence[str]: ...

    def parse(self, stream: Iterable[str], name: str = ...) -> Iterator[Any]: ...


def checksum(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def detect_kind(fieldnames: list[str], name: str, parsers: Sequence[Parser]) -> Parser:
    """The parser whose columns are exactly the header's (order does not matter). Else BadFile with a hint."""
    found = set(fieldnames)
    for module in parsers:
        if found == set(module.COLUMNS):
            return module
    if len(fieldnames) == 1 and (";" in fieldnames[0] or "\t" in fieldnames[0] or "|" in fieldnames[0]):
        sep = next(s for s in (";", "\t", "|") if s in fieldnames[0])
        shown = "TAB" if sep == "\t" else sep
        raise BadFile(name, f"delimitatore errato: il file usa «{shown}», è atteso «,»", line=1)
    best = max(parsers, key=lambda m: len(found & set(m.COLUMNS)))
    missing = [col for col in best.COLUMNS if col not in found]
    extra = [col for col in fieldnames if col not in best.COLUMNS]
    detail = f"più simile a «{best.LABEL}»"
    if missing:
        detail += "; mancano: " + ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
    if extra:
        detail += "; inattese: " + ", ".join(extra[:8]) + (" …" if len(extra) > 8 else "")
    raise BadFile(name, f"intestazione non riconosciuta ({detail})", line=1)


@dataclass
class SourceFile:
    path: Path
    parser: Parser
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def kind(self) -> str:
        return self.parser.KIND

    def rows(self, progress: Callable[[float], None] | None = None) -> Iterator[Any]:
        """Typed rows and RowErrors; `progress(fraction)` gets the share of bytes read now and then.

        The text is decoded by chunks, straight into the CSV reader. On a decoding error or a damaged gzip the
        file is read again line by line (`_decoded_lines`) to name the exact line in the BadFile."""
        with open(self.path, "rb") as raw:
            text = io.TextIOWrapper(_binary(raw, self.path), encoding="utf-8-sig", newline="")
            try:
                items = iter(self.parser.parse(text, name=self.name))
                if progress is None:
                    yield from items
                # 5000 rows at a time: no bookkeeping of our own per row
                while chunk := list(islice(items, 5000)):
                    yield from chunk
                    if progress is not None:
                        progress(raw.tell() / self.size if self.size else 1.0)
            except (UnicodeDecodeError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
                with open(self.path, "rb") as again:
                    for _line in _decoded_lines(again, self.path):  # raises BadFile at the bad line
                        pass
                raise BadFile(self.name, f"file illeggibile ({exc})") from exc
            text.detach()  # `raw` is closed by its own `with`
        if progress is not None:
            progress(1.0)


def _binary(raw: BinaryIO, path: Path) -> BinaryIO:
    return gzip.GzipFile(fileobj=raw, mode="rb") if path.name.endswith(".gz") else raw  # type: ignore[return-value]


def _decoded_lines(raw: BinaryIO, path: Path) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that an encoding error names its exact line."""
    binary: Iterable[bytes] = _binary(raw, path)
    line = 0
    try:
        for line, data in enumerate(binary, start=1):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadFile(
                    path.name,
                    f"codifica errata: non è UTF-8 (byte {data[exc.start]:#04x} in posizione "
                    f"{exc.start + 1})",
                    line=line,
                ) from exc
            yield text.removeprefix("\ufeff") if line == 1 else text
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BadFile(path.name, f"file gzip troncato o danneggiato ({exc})", line=line + 1) from exc


def read_file(path: Path | str, *, parsers: Sequence[Parser]) -> SourceFile:
    """Open `path`, check it is readable and recognise its kind among `parsers` by the header. Raises
    BadFile."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise BadFile(name, "file non trovato")
    if not (name.endswith(".csv") or name.endswith(".csv.gz")):
        raise BadFile(name, "formato non supportato (attesi .csv o .csv.gz)")
    try:
        with open(path, "rb") as raw:
            header_line = next(_decoded_lines(raw, path), "")
    except OSError as exc:
        raise BadFile(name, f"file illeggibile ({exc})", line=1) from exc
    if not header_line.strip():
        raise BadFile(name, "file vuoto: manca l'intestazione", line=1)
    fieldnames = next(csv.reader([header_line]))
    parser = detect_kind(fieldnames, name, parsers)
    return SourceFile(path=path, parser=parser, size=path.stat().st_size)
