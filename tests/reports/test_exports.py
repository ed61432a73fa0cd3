"""Every export through its URL: file name, content type, the header on line 1 as users' scripts read it,
the credit in a `fonte` column, the Italian CSV by default (BOM, `;`, decimal comma: one column per field in
an Italian spreadsheet), `?formato=standard` (RFC 4180) and `?formato=xlsx`, and text that could start a
spreadsheet formula (a project title, a comune name, an indicator code, a DUP objective) coming out as text in
every format while negative amounts stay numbers. The rest of each export's content is tested beside its page
(tests/public, tests/backoffice, tests/participation)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from decimetro.participation.services_dup import CSV_COLUMNS
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
    """The default (Italian) CSV as an Italian spreadsheet reads it: BOM, then `;`-separated fields."""
    text = body(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert text.startswith("\ufeff")  # the BOM: Excel reads the accents
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert len({len(r) for r in rows}) == 1, "every row has as many fields as the header"
    return rows


def standard_download(response, filename: str) -> list[list[str]]:
    """`?formato=standard`: RFC 4180, no BOM, `,`-separated."""
    text = body(response)
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert len({len(r) for r in rows}) == 1
    return rows


def xlsx_download(response, filename: str, sheet: str) -> tuple[list[tuple], dict]:
    """The data sheet's rows and the "Fonte e licenza" sheet (label → value); no formula anywhere."""
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [sheet, "Fonte e licenza"]
    for ws in book.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    info = {r[0]: r[1] for r in book["Fonte e licenza"].iter_rows(values_only=True) if r and r[0]}
    assert "CC BY 4.0" in info["Licenza"]
    return list(book[sheet].iter_rows(values_only=True)), info


# PNRR projects (also /progetti/?format=csv, served by `public` through the same export) --------------------


PROJECTS_HEADER = [
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
    # the credit and the projects' release date, in every row (issue 13)
    "fonte",
    "data_dati",
]


@pytest.fixture
def formula_project(db):
    project = ProjectFactory(
        title="=1+1", fin_pnrr=Decimal("-100.00"), fin_totale=None, updated_on=date(2025, 3, 31)
    )
    PaymentSnapshotFactory(project=project, fin_totale=Decimal("100.00"), paid_total=Decimal("-50.00"))
    return project


@pytest.mark.parametrize("url", ["/progetti/export.csv", "/progetti/?format=csv"])
def test_projects_csv_neutralises_a_formula_title_and_keeps_a_negative_amount(client, url, formula_project):
    response = client.get(url)
    assert isinstance(response, StreamingHttpResponse)
    rows = csv_download(response, "progetti_pnrr.csv")
    assert rows[0] == PROJECTS_HEADER  # the header on line 1: nothing above it
    project = dict(zip(rows[0], rows[1], strict=True))
    assert project["titolo"] == "'=1+1"
    assert project["finanziamento_pnrr"] == "-100,00"  # decimal comma
    assert project["finanziamento_totale"] == ""
    assert project["data_aggiornamento"] == "2025-03-31"
    assert project["pagato_totale"] == "-50,00"  # a correction: a number, not neutralised text
    assert project["pagato_sul_finanziato_pct"] == "-50,0"
    assert project["provenienza"] == "validato"  # in Italian, not "validated"
    assert project["fonte"] == PNRR_CREDIT
    assert project["data_dati"] == ""  # no import recorded in this test: no release date


@pytest.mark.parametrize("url", ["/progetti/export.csv?", "/progetti/?format=csv&"])
def test_projects_standard_csv_and_xlsx(client, url, formula_project):
    rows = standard_download(client.get(url + "formato=standard"), "progetti_pnrr.csv")
    assert rows[0] == PROJECTS_HEADER
    project = dict(zip(rows[0], rows[1], strict=True))
    assert (project["titolo"], project["finanziamento_pnrr"], project["pagato_sul_finanziato_pct"]) == (
        "'=1+1",
        "-100.00",
        "-50.0",
    )
    data, info = xlsx_download(client.get(url + "formato=xlsx"), "progetti_pnrr.xlsx", "Progetti")
    assert list(data[0]) == PROJECTS_HEADER
    project = dict(zip(data[0], data[1], strict=True))
    assert project["titolo"] == "'=1+1" and project["finanziamento_pnrr"] == -100
    assert info["Fonte"] == PNRR_CREDIT
    assert info["provenienza"].startswith("validato: ")  # the columns' definitions


def test_an_unknown_format_is_a_404(client, db):
    assert client.get("/progetti/export.csv", {"formato": "exe"}).status_code == 404


# Data-quality problems (staff) ----------------------------------------------------------------------------


def test_quality_csv_neutralises_a_formula_title(staff_client):
    ProjectFactory(cup="J10A23000000001", title="@SUM(A1)")  # no place: a listed problem
    response = staff_client.get("/gestione/qualita-dati/problemi.csv")
    assert isinstance(response, StreamingHttpResponse)
    rows = csv_download(response, "qualita_dati_pnrr.csv")
    assert rows[0] == [
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
        "fonte",
        "data_dati",
    ]
    problem = dict(zip(rows[0], rows[1], strict=True))
    assert (problem["controllo"], problem["cup"]) == ("senza_luogo", "J10A23000000001")
    assert problem["titolo"] == "'@SUM(A1)"
    assert problem["provenienza"] == "validato" and problem["fonte"] == PNRR_CREDIT
    data, _info = xlsx_download(
        staff_client.get("/gestione/qualita-dati/problemi.csv", {"formato": "xlsx"}),
        "qualita_dati_pnrr.xlsx",
        "Problemi",
    )
    assert dict(zip(data[0], data[1], strict=True))["titolo"] == "'@SUM(A1)"


# Web GIS --------------------------------------------------------------------------------------------------


@pytest.fixture
def formula_comune(db):
    """A comune whose name could start a formula, with a project of a negative amount (a correction)."""
    comune = ComuneFactory(codice_istat="015901", name="=1+1", zone=ZoneFactory(slug="nord", name="-Nord"))
    PlaceFactory(
        project=ProjectFactory(fin_pnrr=Decimal("-100.00"), fin_totale=Decimal("-100.00")), comune=comune
    )
    return comune


MAP_HEADER = [
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
    # what every row's figures are (issue 13: the former first line, now columns)
    "fonte",
    "data_dati",
    "metrica",
    "regola_attribuzione",
    "filtri",
]


def test_map_csv_neutralises_names_and_keeps_negative_amounts(client, formula_comune):
    rows = csv_download(client.get("/territorio/mappa/dati.csv", {"metrica": "funding"}), "mappa_pnrr.csv")
    assert rows[0] == MAP_HEADER
    comune = next(r for r in rows if r[0] == "comune")
    assert comune[1:4] == ["015901", "'=1+1", "nord"]
    assert comune[6] == "-100,00"  # importo_pnrr_eur: a number, decimal comma
    assert comune[12] == "-100,0"  # valore_metrica: the float, as the map has always written it
    assert comune[14] == f"{PNRR_CREDIT}; Fonte: ISTAT (CC BY 4.0)"
    assert comune[16] and comune[17]  # metric and allocation rule in words
    zone = next(r for r in rows if r[0] == "zona")
    assert zone[2] == "'-Nord"
    last = rows[-1]
    assert last[0] == "non_attribuito" and last[14].startswith(PNRR_CREDIT)  # a short row, padded

    standard = standard_download(
        client.get("/territorio/mappa/dati.csv", {"metrica": "funding", "formato": "standard"}),
        "mappa_pnrr.csv",
    )
    comune = next(r for r in standard if r[0] == "comune")
    assert (comune[2], comune[6], comune[12]) == ("'=1+1", "-100.00", "-100.0")
    data, info = xlsx_download(
        client.get("/territorio/mappa/dati.csv", {"metrica": "funding", "formato": "xlsx"}),
        "mappa_pnrr.xlsx",
        "Mappa",
    )
    assert list(data[0]) == MAP_HEADER
    comune = next(r for r in data if r[0] == "comune")
    assert (comune[2], comune[6]) == ("'=1+1", -100)
    assert info["Fonte"].startswith(PNRR_CREDIT)


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
    url = f"/monitoraggio/indicatori/{indicator.pk}/valori.csv"
    rows = csv_download(client.get(url), f"indicatore_{indicator.pk}.csv")
    assert rows == [
        [
            "indicatore",
            "data",
            "valore",
            "fonte",
            "nota",
        ],  # no credit column added: each value names its source
        ["'=1+1", "2024-12-31", "-62,5", "'+39", "'\tnota"],
    ]
    assert standard_download(client.get(url, {"formato": "standard"}), f"indicatore_{indicator.pk}.csv")[
        1
    ] == [
        "'=1+1",
        "2024-12-31",
        "-62.5",
        "'+39",
        "'\tnota",
    ]
    data, _info = xlsx_download(
        client.get(url, {"formato": "xlsx"}), f"indicatore_{indicator.pk}.xlsx", "Valori"
    )
    assert data[1][:3] == ("'=1+1", datetime(2024, 12, 31), -62.5) and data[1][3:] == ("'+39", "'\tnota")


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
        "fonte",
    ]
    assert rows[0] == header  # the title is no longer above the header: it is on the XLSX's sheet
    assert rows[1] == ["M1.1", "'=1+1", "M1", "1", "'-Milano", "no", DUP_CREDIT]
    assert standard_download(
        client.get("/dup/export.csv", {"formato": "standard"}), "dup-copertura-territorio.csv"
    )[1] == ["M1.1", "'=1+1", "M1", "1", "'-Milano", "no", DUP_CREDIT]
    for response in (client.get("/dup/export.xlsx"), client.get("/dup/export.csv", {"formato": "xlsx"})):
        data, info = xlsx_download(response, "dup-copertura-territorio.xlsx", "DUP")
        assert data[:2] == [tuple(header), ("M1.1", "'=1+1", "M1", 1, "'-Milano", "no", DUP_CREDIT)]
        assert (info["Titolo"], info["Fonte"]) == (title, DUP_CREDIT)


def test_dup_of_a_comune_csv_and_xlsx(client, formula_dup):
    rows = csv_download(client.get("/dup/015146/export.csv"), "dup-copertura-015146.csv")
    title = "Copertura degli obiettivi del piano nel DUP: Comune di -Milano"
    header = ["codice_obiettivo", "obiettivo", "missione", "coperto", "obiettivi_dup", "fonte"]
    assert rows[:2] == [header, ["M1.1", "'=1+1", "M1", "sì", "'=2+2 Casa", DUP_CREDIT]]
    data, info = xlsx_download(client.get("/dup/015146/export.xlsx"), "dup-copertura-015146.xlsx", "DUP")
    assert data[:2] == [tuple(header), ("M1.1", "'=1+1", "M1", "sì", "'=2+2 Casa", DUP_CREDIT)]
    assert info["Titolo"] == "'" + title if title.startswith("-") else info["Titolo"] == title


def test_dup_csv_template_is_the_import_header_and_an_example(client):
    rows = csv_download(client.get("/dup/modello.csv"), "dup-modello.csv")
    assert rows[0] == list(CSV_COLUMNS)  # the import's own columns, no credit column
    assert rows[1:] == [
        ["SO.1", "Una città più verde", "9", "2025", "2027", "M1.1 M1.2"],
    ]
