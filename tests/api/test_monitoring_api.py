"""Monitoring API: indicators with status (filtered, paginated) and one indicator with its values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import IndicatorFactory, IndicatorValueFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/monitoring/indicators"


@pytest.fixture
def indicators(comune_a, comune_b):
    a = IndicatorFactory(
        code="MI-1", comune=comune_a, baseline_value=Decimal("10"), target_value=Decimal("20")
    )
    IndicatorValueFactory(indicator=a, date=date(2025, 1, 1), value=Decimal("20"))  # achieved
    b = IndicatorFactory(code="RHO-1", comune=comune_b)
    c = IndicatorFactory(code="CMM-1", objective=ObjectiveFactory())
    IndicatorFactory(code="OFF-1", active=False)
    return a, b, c


def test_list_has_count_items_and_status(client, indicators):
    body = client.get(URL).json()
    assert body["count"] == 3
    by_code = {i["code"]: i for i in body["items"]}
    assert set(by_code) == {"MI-1", "RHO-1", "CMM-1"}
    mi = by_code["MI-1"]
    assert mi["status"] == "achieved" and mi["status_label"] == "raggiunto"
    assert mi["comune"] == "015146"
    assert mi["last_value"] == "20" and mi["last_date"] == "2025-01-01"
    assert mi["progress"] == "1"
    assert mi["url"] == f"/monitoraggio/indicatori/{indicators[0].pk}/"
    assert by_code["RHO-1"]["status"] == "no_data" and by_code["RHO-1"]["last_value"] is None
    assert "nessun dato" in body["status_rule"]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("comune=015182", {"RHO-1"}),
        ("comune=-", {"CMM-1"}),
        ("status=achieved", {"MI-1"}),
        ("status=no_data", {"RHO-1", "CMM-1"}),
    ],
)
def test_list_filters(client, indicators, query, codes):
    assert {i["code"] for i in client.get(f"{URL}?{query}").json()["items"]} == codes


def test_list_filters_by_objective_and_mission(client, indicators):
    objective = indicators[2].objective
    assert [i["code"] for i in client.get(f"{URL}?objective={objective.code}").json()["items"]] == ["CMM-1"]
    codes = {i["code"] for i in client.get(f"{URL}?mission={objective.mission.code}").json()["items"]}
    assert "CMM-1" in codes


def test_pagination(client, indicators):
    first = client.get(f"{URL}?limit=2").json()
    second = client.get(f"{URL}?limit=2&offset=2").json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert client.get(f"{URL}?limit=0").status_code == 422
    assert client.get(f"{URL}?status=bogus").status_code == 422


def test_list_query_count_is_constant(client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx)

    IndicatorValueFactory(indicator=IndicatorFactory())
    one = queries()
    for _ in range(2):
        IndicatorValueFactory(indicator=IndicatorFactory(objective=ObjectiveFactory()))
    assert queries() == one


def test_detail_with_values(client, indicators):
    a = indicators[0]
    IndicatorValueFactory(indicator=a, date=date(2024, 6, 30), value=Decimal("12.5"), source="Anagrafe")
    body = client.get(f"{URL}/{a.pk}").json()
    assert body["code"] == "MI-1"
    assert [(v["date"], v["value"], v["source"]) for v in body["values"]] == [
        ("2024-06-30", "12.5", "Anagrafe"),
        ("2025-01-01", "20", ""),
    ]
    assert body["status"] == "achieved"


def test_detail_404_for_unknown_or_inactive(client, indicators):
    assert client.get(f"{URL}/999999").status_code == 404
    inactive = IndicatorFactory(code="OFF-2", active=False)
    assert client.get(f"{URL}/{inactive.pk}").status_code == 404
