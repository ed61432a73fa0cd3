"""The shape of a data credit. Each data app declares the credits of the data it owns in its own `credits.py`
(`territory.credits`, `pnrr.credits`, `plan.credits`, `participation.credits`); pages, API descriptions,
charts, maps and exports print those constants, so a credit is spelt in one place only."""

from __future__ import annotations

from dataclasses import dataclass

CC_BY_4 = "CC BY 4.0"


@dataclass(frozen=True)
class Credit:
    """Who the data come from, as the source asks to be credited ("Fonte: ISTAT"), and the licence if the
    data have one. `str()` is the line we print: "Fonte: ISTAT (CC BY 4.0)"; `text` alone is for the places
    that name the licence once for several sources."""

    text: str
    licence: str = ""

    def __str__(self) -> str:
        return f"{self.text} ({self.licence})" if self.licence else self.text
