"""Search fixtures (shared with tests/api and tests/public): a few projects whose words the tests look for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from decimetro.search.indexing import index_rebuild
from tests.factories import ImplementingBodyFactory, ProjectFactory

NEUTRAL = "Intervento finanziato dal PNRR."


def project(title: str, *, synthesis: str = NEUTRAL, amount: str = "100000.00", **kwargs):
    return ProjectFactory(title=title, synthesis=synthesis, fin_pnrr=Decimal(amount), **kwargs)


@pytest.fixture
def indexed(plan, territory):
    """The plan, the 133 comuni and a few projects whose words the tests look for, indexed."""
    body = ImplementingBodyFactory(name="ISTITUTO COMPRENSIVO DI RHO")
    found = {
        "scuola": project("Riqualificazione della scuola primaria Manzoni"),
        "scuole": project("Messa in sicurezza delle scuole dell'infanzia", implementing_body=body),
        "biblioteca": project("Biblioteca comunale: nuovi arredi"),
        "biblioteche": project("Rete delle biblioteche di quartiere"),
        "citta_accent": project("Città dei 15 minuti"),
        "citta_plain": project("Piano della CITTA metropolitana"),
    }
    index_rebuild()
    return found
