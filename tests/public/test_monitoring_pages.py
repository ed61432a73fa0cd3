"""Indicator pages: public list and page, objective and comune pages, query counts (the back office's are in
tests/backoffice/test_monitoring_pages.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from decimetro.monitoring.models import Indicator
from tests.factories import IndicatorFactory, IndicatorValueFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


# Public list ------------------------------------------------------------------------------------------------


def test_list_shows_indicators_status_and_rule(client, indicator):
    html = client.get("/monitoraggio/indicatori/").content.decode()
    assert "Raccolta differenziata a Milano" in html
    assert 'data-status="' in html
    assert "«nessun dato» se non c" in html  # the rule sentence
    assert "62,5 %" in html


def test_list_filters(client, indicator, comune_b):
    other = IndicatorFactory(code="RHO-X", name="Altro indicatore", comune=comune_b)
    get = lambda q: client.get("/monitoraggio/indicatori/?" + q).content.decode()  # noqa: E731
    assert "Altro indicatore" not in get("comune=015146")
    assert "Raccolta differenziata a Milano" not in get("comune=015182")
    assert "Altro indicatore" not in get(f"obiettivo={indicator.objective.code}")
    assert "Raccolta differenziata a Milano" in get(f"missione={indicator.objective.mission.code}")
    assert "Altro indicatore" in get("stato=no_data")
    assert "Raccolta differenziata a Milano" not in get("stato=no_data")
    assert "Nessun indicatore" in get("comune=-")
    assert other.pk


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/monitoraggio/indicatori/").status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_with_indicators(client, comune_a):
    ind = IndicatorFactory(comune=comune_a)
    IndicatorValueFactory(indicator=ind)
    one = _list_queries(client)
    for _ in range(2):
        more = IndicatorFactory(comune=comune_a, objective=ObjectiveFactory())
        IndicatorValueFactory(indicator=more)
        IndicatorValueFactory(indicator=more, date=date(2025, 6, 1))
    assert Indicator.objects.count() == 3
    assert _list_queries(client) == one


# Indicator page ---------------------------------------------------------------------------------------------


def test_indicator_page_has_values_chart_source_and_rule(client, indicator):
    response = client.get(f"/monitoraggio/indicatori/{indicator.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "Raccolta differenziata a Milano" in html
    assert 'id="values-table"' in html and "<caption>" in html
    assert "ISPRA 2025" in html
    assert "ISPRA, Catasto rifiuti" in html  # source
    assert "31/12/2024" in html  # data as of
    assert "Come leggere" in html
    assert "«in linea» se l" in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    spec = json.loads(
        html.split('id="indicator-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    labels = [d["label"] for d in spec["datasets"]]
    assert labels == ["Valore rilevato", "Valore di partenza", "Obiettivo"]
    assert spec["datasets"][2]["data"][0] == 75
    assert 62.5 in spec["datasets"][0]["data"]


def test_values_csv_download(client, indicator):
    response = client.get(f"/monitoraggio/indicatori/{indicator.pk}/valori.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == [
        "\ufeffindicatore;data;valore;fonte;nota",  # the Italian CSV: BOM, ";", decimal comma
        "MI-RD;2024-12-31;62,5;ISPRA 2025;",
    ]
    standard = client.get(f"/monitoraggio/indicatori/{indicator.pk}/valori.csv", {"formato": "standard"})
    assert standard.content.decode().splitlines() == [
        "indicatore,data,valore,fonte,nota",
        "MI-RD,2024-12-31,62.5,ISPRA 2025,",
    ]


def test_inactive_indicator_is_hidden_from_the_public(staff_client, indicator):
    client = Client()
    Indicator.objects.filter(pk=indicator.pk).update(active=False)
    assert client.get(f"/monitoraggio/indicatori/{indicator.pk}/").status_code == 404
    assert staff_client.get(f"/monitoraggio/indicatori/{indicator.pk}/").status_code == 200
    assert "Raccolta" not in client.get("/monitoraggio/indicatori/").content.decode()


def test_unknown_indicator_is_404(client):
    assert client.get("/monitoraggio/indicatori/999999/").status_code == 404


# Objective and comune pages ---------------------------------------------------------------------------------


def test_objective_page_lists_its_indicators(client, indicator):
    html = client.get(f"/piano/obiettivi/{indicator.objective.code}/").content.decode()
    assert 'id="indicatori"' in html
    assert "Raccolta differenziata a Milano" in html
    assert f"/monitoraggio/indicatori/{indicator.pk}/" in html


def test_objective_without_indicators_says_so(client):
    objective = ObjectiveFactory()
    html = client.get(f"/piano/obiettivi/{objective.code}/").content.decode()
    assert "Nessun indicatore definito." in html


def test_comune_page_lists_its_indicators_only(client, indicator, comune_b):
    IndicatorFactory(name="Indicatore di Rho", comune=comune_b)
    html = client.get("/territorio/comuni/015146/").content.decode()
    assert "Raccolta differenziata a Milano" in html
    assert "Indicatore di Rho" not in html


def test_pages_in_english(client, indicator):
    client.cookies["django_language"] = "en"
    html = client.get(f"/monitoraggio/indicatori/{indicator.pk}/").content.decode()
    assert "Recorded values" in html
    assert "«on track» if the progress" in html
