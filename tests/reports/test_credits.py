"""The data credits: declared once by the data app that owns the data, printed word for word by pages, API
and exports. The literals below are the contract (the sources' wording; users' scripts read them)."""

from __future__ import annotations

import json

import pytest
from django.template import Context, Template

from decimetro.participation.credits import DUP
from decimetro.plan.credits import PLAN
from decimetro.pnrr.credits import MILESTONES, PNRR
from decimetro.territory.credits import BOUNDARIES, ISTAT

PNRR_LINE = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001
ISTAT_LINE = "Fonte: ISTAT (CC BY 4.0)"
BOUNDARIES_LINE = "© ISTAT, elaborazione openpolis (CC BY 4.0)"
PLAN_LINE = "Fonte: Città metropolitana di Milano, Piano strategico metropolitano"


def test_each_credit_reads_as_the_source_asks():
    assert str(PNRR) == PNRR_LINE
    assert str(MILESTONES) == "Fonte: Italia Domani – milestone e target del PNRR (CC BY 4.0)"  # noqa: RUF001
    assert str(ISTAT) == ISTAT_LINE
    assert str(BOUNDARIES) == BOUNDARIES_LINE
    assert str(PLAN) == PLAN_LINE
    assert str(DUP) == f"{PLAN_LINE}; DUP dei Comuni come registrati in Decimetro dai Comuni stessi"


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("pnrr", PNRR_LINE),
        ("pnrr_milestones", "Fonte: Italia Domani – milestone e target del PNRR (CC BY 4.0)"),  # noqa: RUF001
        ("istat", ISTAT_LINE),
        ("boundaries", BOUNDARIES_LINE),
        ("plan", PLAN_LINE),
        ("ente_plan", "Città metropolitana di Milano, Piano strategico metropolitano"),
        ("dup", str(DUP)),
    ],
)
def test_the_credit_tag_prints_the_line_unescaped(name, line):
    assert Template(f'{{% load credits %}}{{% credit "{name}" %}}').render(Context()) == line


def test_the_credit_tag_refuses_an_unknown_name():
    with pytest.raises(KeyError):
        Template('{% load credits %}{% credit "nope" %}').render(Context())


@pytest.mark.django_db
def test_every_page_footer_lists_the_credits(client):
    page = client.get("/territorio/zone/").content.decode()
    footer = page[page.index("<footer") :]
    for line in (ISTAT_LINE, BOUNDARIES_LINE, PNRR_LINE, PLAN_LINE):
        assert f"<li>{line}</li>" in footer


@pytest.mark.django_db
def test_the_api_states_its_credits_word_for_word(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["description"].endswith(
        "Dati: Fonte: ISTAT; © ISTAT, elaborazione openpolis; Fonte: Italia Domani. Licenza CC BY 4.0."
    )
    descriptions = json.dumps(schema, ensure_ascii=False)
    assert "(Fonte: Italia Domani, CC BY 4.0); gli obiettivi" in descriptions  # the classifier
    assert "Fonte: DUP dei Comuni come registrati in Decimetro dai Comuni stessi." in descriptions
    assert f"`/territory/comuni.geojson` (da scaricare una volta). {PNRR_LINE}; {ISTAT_LINE}" in descriptions
    geojson = json.loads(client.get("/api/v1/territory/comuni.geojson").content)
    assert geojson["attribution"] == f"Fonte: ISTAT; {BOUNDARIES_LINE}"
