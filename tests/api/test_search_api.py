"""GET /api/v1/search (decimetro/api/search.py): shape, grouping, filters and documented errors."""

from __future__ import annotations

import pytest

from decimetro.search.engine import MAX_LIMIT
from tests.search.fixtures import indexed  # noqa: F401 - fixture
from tests.search.test_engine import HOSTILE

pytestmark = pytest.mark.django_db
URL = "/api/v1/search"


def test_search_answers_groups_with_counts_and_urls(client, indexed):  # noqa: F811
    response = client.get(URL, {"q": "rho"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "total", "fuzzy", "groups"}
    assert body["query"] == "rho"
    first = body["groups"][0]
    assert set(first) == {"kind", "label", "count", "results"}
    assert (first["kind"], first["label"]) == ("comune", "Comuni")
    assert first["results"][0] == {
        "kind": "comune",
        "id": "015182",
        "title": "Rho",
        "subtitle": first["results"][0]["subtitle"],
        "url": "/territorio/comuni/015182/",
        "exact": True,
    }
    assert body["total"] == sum(g["count"] for g in body["groups"])


def test_search_finds_singular_and_plural_alike(client, indexed):  # noqa: F811
    one = client.get(URL, {"q": "scuola", "kind": "project"}).json()
    other = client.get(URL, {"q": "scuole", "kind": "project"}).json()
    assert one["groups"] == other["groups"]
    assert one["groups"][0]["count"] == 2


def test_search_kind_and_limit(client, indexed):  # noqa: F811
    body = client.get(URL, {"q": "rho", "kind": "body", "limit": "1"}).json()
    assert [g["kind"] for g in body["groups"]] == ["body"]
    assert len(body["groups"][0]["results"]) == 1


@pytest.mark.parametrize("q", ["", "a", " é "])
def test_search_too_short_is_a_400_in_italian(client, indexed, q):  # noqa: F811
    response = client.get(URL, {"q": q})
    assert response.status_code == 400
    assert "almeno 2 caratteri" in response.json()["detail"]


def test_search_without_words_is_a_400(client, indexed):  # noqa: F811
    response = client.get(URL, {"q": "🏫🏫"})
    assert response.status_code == 400
    assert "parole" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"q": "rho", "kind": "planet"}, "kind"),
        ({"q": "rho", "limit": "0"}, "limit"),
        ({"q": "rho", "limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"q": "rho", "limit": "molti"}, "limit"),
        ({}, "q"),
    ],
)
def test_search_bad_parameters_are_a_422(client, indexed, params, name):  # noqa: F811
    response = client.get(URL, params)
    assert response.status_code == 422
    issue = next(i for i in response.json()["detail"] if i["loc"][-1] == name)
    assert issue["msg"]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_search_hostile_queries_never_fail(client, indexed, q):  # noqa: F811
    response = client.get(URL, {"q": q})
    assert response.status_code in (200, 400), response.content
    assert "detail" in response.json() or "groups" in response.json()


def test_search_errors_are_documented(client, db):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    assert {"200", "400", "422"} <= set(operation["responses"])
