"""Search over the index (decimetro/search/engine.py), on the database under test (SQLite FTS5 or
PostgreSQL full text)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from decimetro.search import engine
from decimetro.search.engine import MAX_LIMIT, search
from decimetro.search.indexing import SMALL_KINDS, index_rebuild, index_refresh
from decimetro.search.models import Kind, SearchDocument
from tests.search.fixtures import project

pytestmark = pytest.mark.django_db


def _projects(results) -> list[str]:
    return sorted(h.object_id for g in results.groups if g.kind == Kind.PROJECT for h in g.hits)


def test_scuola_and_scuole_find_the_same_projects(indexed):
    one, other = search("scuola", limit=MAX_LIMIT), search("scuole", limit=MAX_LIMIT)
    expected = sorted(str(indexed[k].pk) for k in ("scuola", "scuole"))
    assert _projects(one) == _projects(other) == expected
    assert [(g.kind, g.count) for g in one.groups] == [(g.kind, g.count) for g in other.groups]


def test_biblioteca_and_biblioteche_find_the_same_projects(indexed):
    expected = sorted(str(indexed[k].pk) for k in ("biblioteca", "biblioteche"))
    assert _projects(search("biblioteca")) == _projects(search("Biblioteche")) == expected


def test_accents_do_not_matter(indexed):
    with_accent, without = search("città", limit=MAX_LIMIT), search("CITTA", limit=MAX_LIMIT)
    assert _projects(with_accent) == _projects(without)
    assert {str(indexed["citta_accent"].pk), str(indexed["citta_plain"].pk)} <= set(_projects(without))


def test_a_comune_is_found_by_name_first_and_exactly_with_its_url(indexed):
    results = search("rho")
    first = results.groups[0]
    assert first.kind == Kind.COMUNE
    assert first.hits[0].title == "Rho" and first.hits[0].exact
    assert first.hits[0].url == "/territorio/comuni/015182/"
    # The implementing body named after Rho and its project are found too, in their own groups.
    kinds = {g.kind for g in results.groups}
    assert {Kind.BODY, Kind.PROJECT} <= kinds


def test_an_objective_is_found_by_its_code(indexed):
    results = search("M1.17")
    assert results.groups[0].kind == Kind.OBJECTIVE
    assert results.groups[0].hits[0].object_id == "M1.17"
    assert results.groups[0].hits[0].url == "/piano/obiettivi/M1.17/"


def test_groups_count_every_hit_and_show_at_most_limit(db):
    for i in range(7):
        project(f"Ponte sul canale n. {i}")
    project("Pista ciclabile", synthesis="Collega il ponte alla stazione.")
    index_rebuild()
    results = search("ponte", limit=5)
    assert [(g.kind, g.count, len(g.hits)) for g in results.groups] == [(Kind.PROJECT, 8, 5)]
    assert results.total == 8


def test_kind_filters_and_limit_is_bounded(indexed):
    only = search("rho", kind=Kind.PROJECT, limit=10_000)
    assert [g.kind for g in only.groups] == [Kind.PROJECT]
    for i in range(MAX_LIMIT + 3):
        project(f"Ponte n. {i}")
    index_rebuild()
    capped = search("ponte", kind=Kind.PROJECT, limit=10_000)
    assert capped.groups[0].count == MAX_LIMIT + 3
    assert len(capped.groups[0].hits) == MAX_LIMIT


def test_a_title_match_ranks_above_a_match_in_the_text_only(db):
    in_text = project("Pista ciclabile", synthesis="Collega il ponte alla stazione.", amount="900000.00")
    in_title = project("Ponte pedonale", amount="1000.00")
    index_rebuild()
    hits = search("ponte").groups[0].hits
    assert [h.object_id for h in hits] == [str(in_title.pk), str(in_text.pk)]


def test_a_large_group_shows_title_matches_first_then_by_pnrr_amount(db, monkeypatch):
    monkeypatch.setattr(engine, "RANKED_MAX", 2)  # the same path as a group of thousands of hits
    small_title = project("Ponte pedonale", amount="1000.00")
    text_only = project("Pista ciclabile", synthesis="Collega il ponte alla stazione.", amount="900000.00")
    big_title = project("Ponte sul fiume", amount="50000.00")
    index_rebuild()
    group = search("ponte").groups[0]
    assert group.count == 3
    assert [h.object_id for h in group.hits] == [str(p.pk) for p in (big_title, small_title, text_only)]


@pytest.mark.parametrize("query", ["", " ", "a", "é", "  x  "])
def test_an_empty_or_one_character_query_is_refused_with_a_message(indexed, query):
    results = search(query)
    assert results.groups == []
    assert "almeno 2 caratteri" in results.message


@pytest.mark.parametrize("query", ["di la e", "🏫🏫🏫", "---", "...", '""'])
def test_a_query_without_words_gets_a_message(indexed, query):
    results = search(query)
    assert results.groups == []
    assert "parole" in results.message


HOSTILE = [
    '"',
    '"scuola',
    "scuola*",
    "*",
    "NEAR(scuola biblioteca)",
    "scuola NEAR biblioteca",
    "-scuola",
    "scuola OR biblioteca AND NOT rho",
    "(scuola",
    "scuola)",
    "title_terms: scuola",
    "{title_terms body_terms}: scuola",
    "^scuola",
    "scuola:*",
    "scuola & | ! <-> biblioteca",
    "'; DROP TABLE search_searchdocument; --",
    "%_%",
    "مدرسة المدينة",
    "学校 图书馆",
    "🏫 scuola 📚",
    "\x00scuola\x1f",
    "scuola " * 3000,
    "x" * 10_000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_are_searched_as_words(indexed, query):
    results = search(query)
    assert results.groups or results.message
    assert SearchDocument.objects.exists()  # nothing was dropped


def test_operators_are_words_not_syntax(indexed):
    """`scuola OR biblioteca` must not be a disjunction: "or" is just a word no document has."""
    results = search("scuola OR biblioteca")
    assert not results.groups or results.fuzzy  # no document has the three words (PostgreSQL: similar titles)
    assert _projects(search('"scuola"')) == _projects(search("scuola"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="typo tolerance is PostgreSQL's pg_trgm")
def test_a_typo_finds_similar_titles_on_postgresql(indexed):
    results = search("bibloteca")
    assert results.fuzzy
    found = {h.object_id for g in results.groups for h in g.hits}
    assert str(indexed["biblioteca"].pk) in found


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has no typo tolerance")
def test_a_typo_finds_nothing_on_sqlite(indexed):
    results = search("bibloteca")
    assert not results.groups and not results.fuzzy
    assert "Nessun risultato" in results.message


def test_refreshing_the_small_kinds_keeps_one_document_each(indexed):
    before = search("rho")
    index_refresh(kinds=SMALL_KINDS)
    index_refresh(kinds=SMALL_KINDS)
    after = search("rho")
    assert [(g.kind, g.count) for g in after.groups] == [(g.kind, g.count) for g in before.groups]
    assert SearchDocument.objects.filter(kind=Kind.COMUNE).count() == 133


def test_a_rebuild_follows_the_data(indexed):
    indexed["scuola"].delete()
    project("Nuova palestra della scuola media", amount=str(Decimal("5000.00")))
    index_rebuild()
    titles = [h.title for h in search("scuole", kind=Kind.PROJECT).groups[0].hits]
    assert "Riqualificazione della scuola primaria Manzoni" not in titles
    assert "Nuova palestra della scuola media" in titles
