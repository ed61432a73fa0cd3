"""The search page /cerca/ (decimetro/public/views/search.py) and the header box of every page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decimetro.search.indexing import index_rebuild
from tests.search.fixtures import indexed, project  # noqa: F401 - fixture
from tests.search.test_engine import HOSTILE

pytestmark = pytest.mark.django_db
URL = reverse("public:search")


def test_the_page_without_a_query_shows_the_form_only(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-form"' in html and 'id="search-results"' not in html
    assert "csrfmiddlewaretoken" not in html  # a public page: GET forms only


def test_the_page_groups_results_with_counts_and_links(client, indexed):  # noqa: F811
    html = client.get(URL, {"q": "rho"}).content.decode()
    assert 'id="search-comune" data-kind="comune" data-count="1"' in html
    assert 'href="/territorio/comuni/015182/"' in html
    assert "corrispondenza esatta" in html


def test_the_page_links_to_the_whole_group(client, db):
    for i in range(7):
        project(f"Ponte n. {i}")
    index_rebuild()
    html = client.get(URL, {"q": "ponti"}).content.decode()
    assert 'data-kind="project" data-count="7"' in html
    assert html.count('class="search-hit') == 5
    assert f"{URL}?q=ponti&amp;tipo=project" in html
    whole = client.get(URL, {"q": "ponti", "tipo": "project"}).content.decode()
    assert whole.count('class="search-hit') == 7


@pytest.mark.parametrize("q", ["", "x"])
def test_a_short_query_gets_a_helpful_message(client, indexed, q):  # noqa: F811
    html = client.get(URL, {"q": q}).content.decode()
    assert 'id="search-message"' in html and "almeno 2 caratteri" in html
    assert "search-hit" not in html


def test_an_unknown_kind_searches_every_kind(client, indexed):  # noqa: F811
    response = client.get(URL, {"q": "rho", "tipo": "<script>"})
    assert response.status_code == 200
    assert 'data-kind="comune"' in response.content.decode()


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_fail(client, indexed, q):  # noqa: F811
    assert client.get(URL, {"q": q}).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_search_page_query_count_is_constant(client, db, django_assert_num_queries, n):
    for i in range(n):
        project(f"Ponte n. {i}")
    index_rebuild()
    # counts per kind; exact titles and codes; the project group's first hits; their documents
    with django_assert_num_queries(4):
        response = client.get(URL, {"q": "ponte"})
    assert response.content.decode().count('class="search-hit') == n


@pytest.mark.parametrize("name", ["public:home", "public:comuni", "public:projects", "public:search"])
def test_every_page_has_the_header_search_box(client, plan, name):
    html = client.get(reverse(name)).content.decode()
    assert f'<form class="header-search d-none d-md-flex" action="{URL}" method="get"' in html
    assert f'id="header-search-link" href="{URL}"' in html
