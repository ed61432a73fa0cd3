"""The public, read-only API of the plan: exact shapes, filters, documentation, constant query counts."""

from __future__ import annotations

import pytest

from decimetro.plan.models import Objective
from tests.factories import ComponentFactory, EditionFactory, KeywordFactory, MissionFactory, ObjectiveFactory

API = "/api/v1/plan"


def _get(client, path: str):
    response = client.get(f"{API}{path}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# Shapes -----------------------------------------------------------------------------------------------------


def test_missions_shape(client, plan):
    missions = _get(client, "/missions")
    assert [m["code"] for m in missions] == ["M1", "M2", "M3", "M4", "M5", "M6"]
    for m in missions:
        assert set(m) == {"code", "title", "keywords"}
    assert missions[3] == {
        "code": "M4",
        "title": "Istruzione e ricerca",
        "keywords": ["inclusione", "attrattivita"],  # in the order of the vision matrix
    }
    assert missions[0]["keywords"] == ["sostenibilita", "connettivita", "prossimita", "attrattivita"]
    assert missions[1] == {
        "code": "M2",
        "title": "Rivoluzione verde e transizione ecologica",
        "keywords": ["sostenibilita", "attrattivita"],
    }


def test_components_shape(client, plan):
    components = _get(client, "/components")
    assert len(components) == 16
    assert [c["code"] for c in components[:3]] == ["M1C1", "M1C2", "M1C3"]
    for c in components:
        assert set(c) == {"code", "title", "mission", "actors"}
        assert set(c["actors"]) == {"citta_metropolitana", "comuni", "corpi_intermedi"}
        assert all(isinstance(v, bool) for v in c["actors"].values())
    assert components[-1] == {
        "code": "M6C2",
        "title": "Innovazione, ricerca e digitalizzazione del servizio sanitario nazionale",
        "mission": "M6",
        "actors": {"citta_metropolitana": False, "comuni": True, "corpi_intermedi": False},
    }


def test_objectives_shape(client, plan):
    objectives = _get(client, "/objectives")
    assert len(objectives) == 75
    for o in objectives:
        assert set(o) == {"code", "mission", "number", "title", "actors", "progress"}
        assert isinstance(o["number"], int)
        assert all(isinstance(v, bool) for v in o["actors"].values())
    by_code = {o["code"]: o for o in objectives}
    assert by_code["M2.18"] == {
        "code": "M2.18",
        "mission": "M2",
        "number": 18,
        "title": (
            "Rafforzamento delle attività di monitoraggio delle emissioni in atmosfera delle imprese e dei "
            "controlli dell'efficienza energetica degli impianti civili di produzione calore"
        ),
        "actors": {"citta_metropolitana": True, "comuni": False, "corpi_intermedi": True},
        "progress": {  # no project linked yet (tests/api/test_summary_api.py has them)
            "projects": 0,
            "fin_totale": "0.00",
            "fin_pnrr": "0.00",
            "paid": "0.00",
            "progress_pct": None,
            "links_confirmed": 0,
            "links_by_rule": 0,
            "suggestions_pending": 0,
        },
    }
    assert by_code["M2.10"]["actors"] == {
        "citta_metropolitana": True,
        "comuni": True,
        "corpi_intermedi": True,
    }
    assert [o["code"] for o in objectives][8:11] == ["M1.9", "M1.10", "M1.11"]  # numeric order


# Filters ----------------------------------------------------------------------------------------------------


def test_objectives_filtered_by_mission(client, plan):
    objectives = _get(client, "/objectives?mission=M2")
    assert [o["code"] for o in objectives] == [f"M2.{n}" for n in range(1, 19)]
    assert _get(client, "/objectives?mission=M9") == []


def test_objectives_filtered_by_actor(client, plan):
    objectives = _get(client, "/objectives?actor=comuni")
    codes = [o["code"] for o in objectives]
    assert all(o["actors"]["comuni"] for o in objectives)
    assert codes == list(
        Objective.objects.filter(comuni=True)
        .order_by("mission__number", "number")
        .values_list("code", flat=True)
    )
    assert "M2.10" in codes and "M2.18" not in codes and "M1.6" not in codes


def test_objectives_filtered_by_mission_and_actor(client, plan):
    objectives = _get(client, "/objectives?mission=M4&actor=corpi_intermedi")
    assert [o["code"] for o in objectives] == ["M4.1", "M4.2", "M4.3", "M4.4", "M4.5", "M4.7", "M4.8"]


def test_objectives_filtered_by_keyword(client, plan):
    codes = [o["code"] for o in _get(client, "/objectives?keyword=inclusione")]
    assert len(codes) == 26
    assert {c.split(".")[0] for c in codes} == {"M4", "M5", "M6"}


def test_invalid_actor_is_422(client, plan):
    response = client.get(f"{API}/objectives?actor=sindaci")
    assert response.status_code == 422
    assert "detail" in response.json()


# Documentation and read-only --------------------------------------------------------------------------------


def test_docs_page(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_openapi_lists_the_plan_paths(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/plan/missions", "/api/v1/plan/components", "/api/v1/plan/objectives"):
        assert set(schema["paths"][path]) == {"get"}, path
    params = {p["name"] for p in schema["paths"]["/api/v1/plan/objectives"]["get"]["parameters"]}
    assert {"mission", "actor", "keyword"} <= params


@pytest.mark.parametrize("path", ["/missions", "/components", "/objectives"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, plan, path, method):
    before = list(Objective.objects.values_list("code", "title"))
    response = getattr(client, method)(f"{API}{path}", data={"code": "M9"}, content_type="application/json")
    assert response.status_code == 405
    assert list(Objective.objects.values_list("code", "title")) == before


def test_without_a_plan_the_lists_are_404(client, db):
    assert client.get(f"{API}/missions").status_code == 404


# Query counts -----------------------------------------------------------------------------------------------


def _small_plan(n: int) -> None:
    edition = EditionFactory()
    keywords = [KeywordFactory(edition=edition, slug=f"kw-{i}", position=i) for i in range(1, 4)]
    for i in range(1, n + 1):
        mission = MissionFactory(edition=edition, number=i, code=f"M{i}")
        mission.keywords.set(keywords[:i])
        ComponentFactory(mission=mission, code=f"M{i}C1", position=i)
        for j in range(1, n + 1):
            ObjectiveFactory(mission=mission, number=j)


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/missions", 3),  # edition, missions, their keywords
        ("/components", 2),  # edition, components with their mission
        # edition, objectives with their mission; their progress: confirmed links, pending suggestions, the
        # confirmed projects (none here: their places and payments are not asked, see test_summary_api.py)
        ("/objectives", 5),
        ("/objectives?keyword=kw-1&actor=citta_metropolitana&mission=M1", 5),
    ],
)
def test_list_query_count_is_constant(client, db, django_assert_num_queries, n, path, queries):
    _small_plan(n)
    with django_assert_num_queries(queries):
        items = _get(client, path)
    assert items
