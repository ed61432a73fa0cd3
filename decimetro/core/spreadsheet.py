"""The one rule for every spreadsheet file Decimetro writes (downloads through `reports.writers`, the PNRR
import's reject file): a text cell a spreadsheet would run as a formula is written as text.

OWASP "CSV injection": a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula
to Excel and LibreOffice. Project titles, DUP objectives, indicator notes, open-data rows… come from people
and files we do not control, so such a cell gets a leading `'`: the spreadsheet shows the text, never runs it.
Numbers are not text and are never touched (a negative amount stays a number)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` as a spreadsheet will show it, never run it: a leading `'` if it could start a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
