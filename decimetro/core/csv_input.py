"""Small helpers shared by the apps that read an uploaded CSV file (monitoring values, DUP objectives):
which delimiter a file uses, and on which line an undecodable byte sits. Each app keeps its own messages
and limits."""

from __future__ import annotations


def sniff_delimiter(header_line: str) -> str:
    """Return ";" when the header line has more semicolons than commas (Italian spreadsheets), else ","."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def line_of_byte(data: bytes, position: int) -> int:
    """The line (1-based) of `data` on which the byte at `position` (0-based) sits, e.g. to name the line of a
    UnicodeDecodeError's `start`."""
    return data[:position].count(b"\n") + 1
