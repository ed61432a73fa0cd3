"""Every export through its URL: file name, content type, credit line and header as users' scripts read them,
and text that could start a spreadsheet formula (a project title, a comune name, an indicator code, a DUP
objective) coming out as text while negative amounts stay numbers. The rest of each export's content is
tested beside its page (tests/public, tests/backoffice, tests/participation)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from decimetro.plan.models import Objective
from tests.factories import (
    ComuneFactory,
    ComuneOrganisationFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)
from tests.participation.fixtures import DupObjectiveFactory, small_plan  # noqa: F401

pytestmark = pytest.mark.django_db

PNRR_CREDIT = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001
DUP_CREDIT = (
    "Fonte: Città metropolitana di Milano, Piano strategico metropolitano; "
    "DUP dei Comuni come registrati in Decimetro dai Comuni stessi"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body(response) -> str:
    assert response.status_code == 200
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def csv_download(response, filename: str) -> list[list[str]]:
    text = body(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert not text.startswith("\ufeff")  # no BOM, as always
    return list(csv.reader(io.StringIO(text)))


# PNRR projects (also /progetti/?format=csv, served by `public` through the same export) --------------------


@pytest.mark.parametrize("url", ["/progetti/export.csv", "/progetti/?format=csv"])
def test_projects_csv_neutralises_a_formula_title_and_keeps_a_negative_amount(client, url):
    project = ProjectFactory(
        title="=1+1", fin_pnrr=Decimal("-100.00"), fin_totale=None, updated_on=date(2025, 3, 31)
    )
    PaymentSnapshotFactory(project=project, fin_totale=Decimal("100.00"), paid_total=Decimal("-50.00"))
    response = client.get(url)
    assert isinstance(response, StreamingHttpResponse)
    rows = csv_download(response, "progetti_pnrr.csv")
    assert rows[0] == [PNRR_CREDIT]
    assert rows[1] == [
        "cup",
        "codice_locale_progetto",
        "codice_submisura",
        "codice_misura",
        "componente",
        "missione",
        "titolo",
        "soggetto_attuatore",
        "codice_fiscale_attuatore",
        "provenienza",
        "finanziamento_pnrr",
        "finanziamento_totale",
        "comuni_istat",
        "luoghi",
        "data_aggiornamento",
        # added at the end (issue 12), the columns above keep their positions
        "pagato_totale",
        "data_pagamenti",
        "pagato_sul_finanziato_pct",
        "obiettivi_piano",
        "provenienza_descrizione",
    ]
    project = dict(zip(rows[1], rows[2], strict=True))
    assert project["titolo"] == "'=1+1"
    assert project["finanziamento_pnrr"] == "-100.00"
    assert project["finanziamento_totale"] == ""
    assert project["data_aggiornamento"] == "2025-03-31"
    assert project["pagato_totale"] == "-50.00"  # a correction: a number, not neutralised text
    assert project["pagato_sul_finanziato_pct"] == "-50.0"


# Data-quality problems (staff) ----------------------------------------------------------------------------


def test_quality_csv_neutralises_a_formula_title(staff_client):
    ProjectFactory(cup="J10A23000000001", title="@SUM(A1)")  # no place: a listed problem
    response = staff_client.get("/gestione/qualita-dati/problemi.csv")
    assert isinstance(response, StreamingHttpResponse)
    rows = csv_download(response, "qualita_dati_pnrr.csv")
    assert rows[0] == [PNRR_CREDIT]
    assert rows[1] == [
        "controllo",
        "descrizione_controllo",
        "cup",
        "codice_locale_progetto",
        "codice_submisura",
        "titolo",
        "provenienza",
        "rilascio",
        "codice_istat_luogo",
        "luogo",
        "dettaglio",
    ]
    problem = dict(zip(rows[1], rows[2], strict=True))
    assert (problem["controllo"], problem["cup"]) == ("senza_luogo", "J10A23000000001")
    assert problem["titolo"] == "'@SUM(A1)"


# Web GIS --------------------------------------------------------------------------------------------------


@pytest.fixture
def formula_comune(db):
    """A comune whose name could start a formula, with a project of a negative amount (a correction)."""
    comune = ComuneFactory(codice_istat="015901", name="=1+1", zone=ZoneFactory(slug="nord", name="-Nord"))
    PlaceFactory(
        project=ProjectFactory(fin_pnrr=Decimal("-100.00"), fin_totale=Decimal("-100.00")), comune=comune
    )
    return comune


def test_map_csv_neutralises_names_and_keeps_negative_amounts(client, formula_comune):
    rows = csv_download(client.get("/territorio/mappa/dati.csv", {"metrica": "funding"}), "mappa_pnrr.csv")
    assert rows[0][0].startswith(f"{PNRR_CREDIT}; Fonte: ISTAT (CC BY 4.0). Metrica: ")
    assert rows[1] == [
        "livello",
        "codice",
        "nome",
        "zona",
        "residenti",
        "progetti",
        "importo_pnrr_eur",
        "importo_pnrr_per_residente_eur",
        "pagato_eur",
        "finanziato_eur",
        "avanzamento_pagamenti_pct",
        "progetti_ogni_1000_residenti",
        "valore_metrica",
        "classe",
    ]
    comune = next(r for r in rows if r[0] == "comune")
    assert comune[1:4] == ["015901", "'=1+1", "nord"]
    assert comune[6] == "-100.00"  # importo_pnrr_eur: a number
    assert comune[12] == "-100.0"  # valore_metrica: the float, as the map has always written it
    zone = next(r for r in rows if r[0] == "zona")
    assert zone[2] == "'-Nord"


def test_map_geojson_keeps_names_as_data_and_credits_the_boundaries(client, formula_comune):
    response = client.get("/territorio/mappa/dati.geojson", {"metrica": "funding"})
    assert response["Content-Disposition"] == 'attachment; filename="mappa_pnrr.geojson"'
    doc = json.loads(response.content)
    assert doc["attribution"] == (
        f"{PNRR_CREDIT}; Fonte: ISTAT (CC BY 4.0); © ISTAT, elaborazione openpolis (CC BY 4.0)"
    )
    assert list(doc)[:2] == ["type", "features"] and list(doc)[-1] == "attribution"
    (feature,) = doc["features"]
    assert feature["properties"]["name"] == "=1+1"  # JSON is not a spreadsheet: the name as it is
    assert feature["properties"]["funding"] == -100.0


# Monitoring -----------------------------------------------------------------------------------------------


def test_indicator_csv_neutralises_code_source_and_note_and_keeps_negative_values(client):
    indicator = IndicatorFactory(code="=1+1", name="=1+1")
    IndicatorValueFactory(
        indicator=indicator, date=date(2024, 12, 31), value=Decimal("-62.5000"), source="+39", note="\tnota"
    )
    rows = csv_download(
        client.get(f"/monitoraggio/indicatori/{indicator.pk}/valori.csv"), f"indicatore_{indicator.pk}.csv"
    )
    assert rows == [
        ["indicatore", "data", "valore", "fonte", "nota"],  # no credit line: each value names its source
        ["'=1+1", "2024-12-31", "-62.5", "'+39", "'\tnota"],
    ]


# DUP alignment --------------------------------------------------------------------------------------------


@pytest.fixture
def formula_dup(small_plan):  # noqa: F811
    """A comune's DUP objective and a plan objective whose texts could start a formula."""
    Objective.objects.filter(code="M1.1").update(title="=1+1")
    organisation = ComuneOrganisationFactory(comune=ComuneFactory(codice_istat="015146", name="-Milano"))
    DupObjectiveFactory(organisation=organisation, code="=2+2", title="Casa").plan_objectives.set(
        Objective.objects.filter(code="M1.1")
    )
    return organisation


def xlsx_rows(response, filename: str) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    sheet = load_workbook(io.BytesIO(response.content))["DUP"]
    rows = list(sheet.iter_rows(values_only=True))
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no formula anywhere
    return [tuple(c for c in row if c is not None) for row in rows]


def test_dup_territory_csv_and_xlsx(client, formula_dup):
    rows = csv_download(client.get("/dup/export.csv"), "dup-copertura-territorio.csv")
    title = "Copertura degli obiettivi del piano nei DUP dei comuni"
    header = [
        "codice_obiettivo",
        "obiettivo",
        "missione",
        "comuni_che_lo_coprono",
        "comuni",
        "coperto_dall_ente",
    ]
    assert rows[:3] == [[DUP_CREDIT], [title], header]
    assert rows[3] == ["M1.1", "'=1+1", "M1", "1", "'-Milano", "no"]
    xlsx = xlsx_rows(client.get("/dup/export.xlsx"), "dup-copertura-territorio.xlsx")
    assert xlsx[:2] == [(title,), tuple(header)]
    assert xlsx[2] == ("M1.1", "'=1+1", "M1", 1, "'-Milano", "no")  # the count stays a number
    assert xlsx[-2:] == [(), (DUP_CREDIT,)]  # credit last, after a blank row


def test_dup_of_a_comune_csv_and_xlsx(client, formula_dup):
    rows = csv_download(client.get("/dup/015146/export.csv"), "dup-copertura-015146.csv")
    title = "Copertura degli obiettivi del piano nel DUP: Comune di -Milano"
    header = ["codice_obiettivo", "obiettivo", "missione", "coperto", "obiettivi_dup"]
    assert rows[:3] == [[DUP_CREDIT], [title], header]
    assert rows[3] == ["M1.1", "'=1+1", "M1", "sì", "'=2+2 Casa"]
    xlsx = xlsx_rows(client.get("/dup/015146/export.xlsx"), "dup-copertura-015146.xlsx")
    assert xlsx[:3] == [(title,), tuple(header), ("M1.1", "'=1+1", "M1", "sì", "'=2+2 Casa")]
    assert xlsx[-2:] == [(), (DUP_CREDIT,)]


def test_dup_csv_template_is_the_import_header_and_an_example(client):
    rows = csv_download(client.get("/dup/modello.csv"), "dup-modello.csv")
    assert rows == [
        ["codice", "titolo", "missione_dup", "anno_da", "anno_a", "obiettivi_piano"],
        ["SO.1", "Una città più verde", "9", "2025", "2027", "M1.1 M1.2"],
    ]
