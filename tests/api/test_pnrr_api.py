"""PNRR API: /projects (filters, pagination), /projects/{cup}, /pnrr/measures, /territory/comuni/{istat}."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from decimetro.pnrr.models import Provenance
from tests.factories import (
    ComuneFactory,
    ImplementingBodyFactory,
    MilestoneFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def data(pnrr_submeasure):
    nord = ZoneFactory(slug="nord")
    alfa = ComuneFactory(codice_istat="015901", name="Alfa", zone=nord, population_resident=1000)
    beta = ComuneFactory(codice_istat="015902", name="Beta", population_resident=3000)
    cloud = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    school = pnrr_submeasure("M4", "M4C1", "M4C1I3.03")
    body = ImplementingBodyFactory(fiscal_code="00000000001", name="COMUNE DI ALFA")
    p1 = ProjectFactory(
        cup="B11C22000000001", submeasure=cloud, implementing_body=body, fin_pnrr=Decimal("300.00")
    )
    p2 = ProjectFactory(
        cup="B11C22000000002", submeasure=school, title="Scuola nuova", fin_pnrr=Decimal("900.00")
    )
    p3 = ProjectFactory(
        cup="B11C22000000003", submeasure=cloud, provenance=Provenance.UNIVERSE, fin_pnrr=None
    )
    # p1: Alfa, Beta and a national row (100 € each under the equal rule)
    PlaceFactory(project=p1, comune=alfa)
    PlaceFactory(project=p1, comune=beta)
    PlaceFactory(
        project=p1,
        comune=None,
        istat_code="",
        region_code="0",
        province_code="0",
        region_name="AMBITO NAZIONALE",
    )
    PlaceFactory(project=p2, comune=alfa)
    PlaceFactory(project=p3, comune=beta)
    PaymentSnapshotFactory(project=p1, release_date=datetime.date(2025, 3, 31), paid_total=Decimal("150.00"))
    PaymentSnapshotFactory(project=p1, release_date=datetime.date(2024, 12, 31), paid_total=Decimal("50.00"))
    MilestoneFactory(submeasures=[cloud])
    return {"p1": p1, "p2": p2, "p3": p3, "body": body}


def items(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [i["cup"] for i in response.json()["items"]]


# /projects -------------------------------------------------------------------------------------------------


def test_projects_returns_count_and_items_largest_first(client, data):
    response = client.get(f"{API}/projects")
    body = response.json()
    assert body["count"] == 3
    assert items(response) == ["B11C22000000002", "B11C22000000001", "B11C22000000003"]  # null amount last
    first = body["items"][0]
    assert first["fin_pnrr"] == "900.00" and first["mission"] == "M4" and first["measure"] == "M4C1I3.03"
    assert first["url"] == f"/progetti/{data['p2'].pk}/"
    assert body["items"][1]["implementing_body"] == {
        "id": data["body"].pk,
        "fiscal_code": "00000000001",
        "name": "COMUNE DI ALFA",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"mission": "M1"}, ["B11C22000000001", "B11C22000000003"]),
        ({"component": "M4C1"}, ["B11C22000000002"]),
        ({"measure": "M1C1I1.02"}, ["B11C22000000001", "B11C22000000003"]),
        ({"comune": "015902"}, ["B11C22000000001", "B11C22000000003"]),
        ({"zone": "nord"}, ["B11C22000000002", "B11C22000000001"]),
        ({"body": "00000000001"}, ["B11C22000000001"]),
        ({"body": "alfa"}, ["B11C22000000001"]),
        ({"provenance": "universe"}, ["B11C22000000003"]),
        ({"amount_min": "300", "amount_max": "899.99"}, ["B11C22000000001"]),
        ({"q": "scuola"}, ["B11C22000000002"]),
        ({"q": "C22000000003"}, ["B11C22000000003"]),
        ({"sort": "cup"}, ["B11C22000000001", "B11C22000000002", "B11C22000000003"]),
        ({"sort": "-cup"}, ["B11C22000000003", "B11C22000000002", "B11C22000000001"]),
    ],
)
def test_projects_filters_and_sort(client, data, params, expected):
    assert items(client.get(f"{API}/projects", params)) == expected


def test_projects_pagination(client, data):
    response = client.get(f"{API}/projects", {"limit": 2, "offset": 1, "sort": "cup"})
    assert response.json()["count"] == 3
    assert items(response) == ["B11C22000000002", "B11C22000000003"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"provenance": "altro"}])
def test_projects_rejects_invalid_parameters(client, data, params):
    assert client.get(f"{API}/projects", params).status_code == 422


@pytest.mark.parametrize("n", [1, 3])
def test_projects_query_count_is_constant(client, db, django_assert_num_queries, n):
    for _ in range(n):
        PlaceFactory(project=ProjectFactory())
    with django_assert_num_queries(2):  # count; page with structure and body
        assert len(items(client.get(f"{API}/projects"))) == n


# /projects/{cup} -------------------------------------------------------------------------------------------


def test_cup_returns_its_projects_with_places_and_payments(client, data):
    response = client.get(f"{API}/projects/b11c22000000001")
    assert response.status_code == 200
    body = response.json()
    assert body["cup"] == "B11C22000000001" and body["count"] == 1
    assert body["opencup_url"].endswith("/progetto/-/cup/B11C22000000001")
    assert "Italia Domani" in body["attribution"]
    p = body["items"][0]
    assert [(pl["istat_code"], pl["scope"], pl["in_territory"]) for pl in p["places"]] == [
        ("", "nazionale", False),
        ("015901", "comune", True),
        ("015902", "comune", True),
    ]
    assert [s["release_date"] for s in p["payments"]] == ["2024-12-31", "2025-03-31"]
    assert p["payments"][1]["paid_total"] == "150.00"
    assert p["funding"]["fin_pnrr"] == "300.00" and p["funding"]["fin_comune"] == "20000.00"


def test_cup_with_several_projects_returns_them_all(client, data):
    ProjectFactory(cup="B11C22000000001", local_code="ALTRO")
    assert client.get(f"{API}/projects/B11C22000000001").json()["count"] == 2


def test_cup_unknown_is_404(client, data):
    assert client.get(f"{API}/projects/B99999999999999").status_code == 404


# /pnrr/measures --------------------------------------------------------------------------------------------


def test_measures_list_with_frame_and_counts(client, data):
    outside = ProjectFactory(submeasure=data["p1"].submeasure)
    PlaceFactory(project=outside, comune=None, istat_code="016001")
    response = client.get(f"{API}/pnrr/measures")
    assert response.status_code == 200
    by_code = {m["code"]: m for m in response.json()}
    assert set(by_code) == {"M1C1I1.02", "M4C1I3.03"}
    cloud = by_code["M1C1I1.02"]
    assert (cloud["mission"], cloud["component"]) == ("M1", "M1C1")
    assert Decimal(cloud["frame_total"]) == Decimal("1000000000")
    assert (cloud["milestone_count"], cloud["project_count"], cloud["territory_project_count"]) == (1, 3, 2)


@pytest.mark.parametrize("n", [1, 3])
def test_measures_query_count_is_constant(client, db, django_assert_num_queries, n, pnrr_submeasure):
    for i in range(n):
        PlaceFactory(project=ProjectFactory(submeasure=pnrr_submeasure("M1", "M1C1", f"M1C1I1.0{i}")))
    with django_assert_num_queries(1):
        assert len(client.get(f"{API}/pnrr/measures").json()) == n


# /territory/comuni/{codice_istat} ---------------------------------------------------------------------------


def test_comune_totals_default_rule_counts_the_unattributed_share(client, data):
    response = client.get(f"{API}/territory/comuni/015901")
    assert response.status_code == 200
    body = response.json()
    assert (body["codice_istat"], body["name"], body["population"]) == ("015901", "Alfa", 1000)
    t = body["pnrr"]
    assert (t["rule"], t["rule_label"]) == ("equal", "ripartizione uguale tra i luoghi")
    assert (t["projects"], t["total"], t["not_attributed"]) == (2, "1000.00", "100.00")  # 900 + 300/3
    assert t["per_resident"] == "1.00"
    assert [(m["code"], m["projects"], m["amount"]) for m in t["by_mission"]] == [
        ("M1", 1, "100.00"),
        ("M4", 1, "900.00"),
    ]


@pytest.mark.parametrize(
    ("rule", "total"),
    [("full", "1200.00"), ("equal", "1000.00"), ("population", "950.00")],  # population: 200 * 1000/4000
)
def test_comune_totals_rule_is_selectable(client, data, rule, total):
    t = client.get(f"{API}/territory/comuni/015901", {"rule": rule}).json()["pnrr"]
    assert (t["rule"], t["total"]) == (rule, total)


def test_comune_totals_on_the_total_amount(client, data):
    t = client.get(f"{API}/territory/comuni/015901", {"amount": "fin_totale", "rule": "full"}).json()["pnrr"]
    assert (t["amount_field"], t["total"]) == ("fin_totale", "240000.00")


def test_comune_totals_invalid_rule_is_422_and_unknown_comune_404(client, data):
    assert client.get(f"{API}/territory/comuni/015901", {"rule": "tutto"}).status_code == 422
    assert client.get(f"{API}/territory/comuni/999999").status_code == 404


def test_the_comuni_list_of_the_territory_api_still_answers(client, data):
    assert {c["codice_istat"] for c in client.get(f"{API}/territory/comuni").json()} == {"015901", "015902"}


@pytest.mark.parametrize("n", [1, 3])
def test_comune_totals_query_count_is_constant(client, db, django_assert_num_queries, n):
    comune = ComuneFactory()
    for _ in range(n):
        PlaceFactory(project=ProjectFactory(), comune=comune)
    with django_assert_num_queries(2):  # the comune; the places of its projects
        assert client.get(f"{API}/territory/comuni/{comune.codice_istat}").json()["pnrr"]["projects"] == n
