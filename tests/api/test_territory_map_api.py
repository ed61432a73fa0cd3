"""GET /api/v1/territory/map: the values of the Web GIS, per comune and per zone, with breaks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PlaceFactory, ProjectFactory

URL = "/api/v1/territory/map"


def _items(doc, part="comuni"):
    return {a["key"]: a for a in doc[part]}


def test_values_per_comune_and_zone_with_breaks_and_credits(client, map_projects):
    response = client.get(URL, {"metric": "funding"})
    assert response.status_code == 200
    doc = response.json()
    assert doc["metric"] == "funding" and doc["unit"] == "€"
    assert doc["rule"] == "equal"
    comuni = _items(doc)
    assert set(comuni) == {"015901", "015902", "015903"}
    assert comuni["015901"]["funding"] == 130000.0 and comuni["015901"]["projects"] == 2
    assert comuni["015901"]["value"] == 130000.0
    assert comuni["015901"]["zone"] == "nord"
    assert _items(doc, "zones")["nord"]["funding"] == 190000.0
    assert doc["breaks"][0] == 55000.0 and doc["breaks"][-1] == 130000.0
    assert "quantili" in doc["breaks_method"]
    assert comuni["015901"]["class_index"] == len(doc["breaks"]) - 2  # the largest is in the top class
    # not attributed: p2's national third (30 000) + p4's half in Fuori, a comune of another territory
    assert doc["totals"]["not_attributed"] == 55000.0 and doc["totals"]["projects"] == 4
    assert "Italia Domani" in doc["attribution"] and "ISTAT" in doc["attribution"]
    assert any("parti uguali" in n for n in doc["notes"])  # the allocation rule is stated


def test_filters_and_metric(client, map_projects):
    doc = client.get(URL, {"metric": "projects", "mission": "M2", "zone": "sud", "rule": "full"}).json()
    assert doc["filters"] == {"mission": "M2", "zone": "sud"}
    comuni = _items(doc)
    assert comuni["015903"]["value"] == 2.0
    assert comuni["015901"]["value"] is None and comuni["015901"]["class_index"] is None  # outside the zone
    assert doc["rule"] == "full"


def test_payment_progress_and_per_resident(client, map_projects):
    doc = client.get(URL, {"metric": "payment_progress"}).json()
    alfa = _items(doc)["015901"]
    assert alfa["value"] == 26.7  # 40 000 paid of 150 000 funded, one decimal
    assert alfa["funding_per_resident"] == 13.0
    assert doc["totals"]["median_funding_per_resident"] == 7.5


@pytest.mark.parametrize("params", [{"metric": "nope"}, {"rule": "half"}, {"actor": "tutti"}])
def test_bad_parameters_are_refused(client, db, params):
    assert client.get(URL, params).status_code == 422


@pytest.mark.parametrize("n", [1, 3])
def test_query_count_is_constant(client, map_projects, n):
    for _ in range(n):
        PlaceFactory(project=ProjectFactory(fin_pnrr=Decimal("1000")), comune=map_projects["alfa"])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    assert len(ctx) == 3


def test_geometry_is_served_apart_and_its_etag_does_not_depend_on_the_values(client, map_projects):
    geometry = client.get("/api/v1/territory/comuni.geojson")
    etag = geometry["ETag"]
    PlaceFactory(project=ProjectFactory(fin_pnrr=Decimal("5000000")), comune=map_projects["beta"])
    assert client.get("/api/v1/territory/comuni.geojson", headers={"If-None-Match": etag}).status_code == 304
    assert _items(client.get(URL, {"metric": "funding"}).json())["015902"]["funding"] == 5060000.0
