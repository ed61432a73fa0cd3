"""The whole-page cache for anonymous visitors (decimetro/public/pagecache.py): served with one query, 304s,
no cookie and no `Vary: Cookie` on a page without a form, never for logged-in people, one copy per language,
and every kind of change (import, confirmed link, rule, plan edit, moderated observation) seen at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from decimetro.linking import services as link_svc
from decimetro.linking.models import MeasureObjective
from decimetro.participation.models import ObservationStatus
from decimetro.participation.services_consultations import observation_moderate
from decimetro.plan.models import Objective
from decimetro.plan.services import objective_update
from decimetro.pnrr.services import pnrr_import_file
from decimetro.public.pagecache import HEADER
from tests.participation.fixtures import *  # noqa: F403

PROJECTS = Path(__file__).resolve().parents[1] / "pnrr" / "fixtures" / "progetti_validati.csv.gz"
OBJECTIVES_URL = "/piano/obiettivi/"


@pytest.fixture
def page_cache(settings):
    """Production's caches: whole pages and the figures inside them, both keyed on the data version."""
    settings.DECIMETRO_PAGE_CACHE_SECONDS = 60
    settings.DECIMETRO_MAP_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def _objective_url(code: str) -> str:
    return reverse("public:objective", args=[code])


def _cached_twice(client: Client, url: str) -> str:
    """The page's HTML, after checking that the second request was a hit (so a later change is tested
    against a page really held in the cache)."""
    first = client.get(url)
    assert first.status_code == 200 and first[HEADER] == "miss"
    second = client.get(url)
    assert second[HEADER] == "hit"
    assert second.content == first.content
    return second.content.decode()


# Served from the cache --------------------------------------------------------------------------------------


def test_a_hit_costs_the_data_version_query_only(client, plan, page_cache, django_assert_num_queries):
    client.get(OBJECTIVES_URL)
    with django_assert_num_queries(1):  # the data version; the page comes from the cache
        response = client.get(OBJECTIVES_URL)
    assert response.status_code == 200 and response[HEADER] == "hit"
    assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert response["ETag"] and response["Last-Modified"]
    assert "Content-Security-Policy" in response  # the stored page keeps its headers
    assert response["X-Frame-Options"] == "DENY"


def test_an_embed_keeps_its_own_framing_policy_from_the_cache(client, plan, page_cache):
    url = reverse("public:embed_objective", args=["M1.1"])
    first = client.get(url)
    second = client.get(url)
    assert (first[HEADER], second[HEADER]) == ("miss", "hit")
    for response in (first, second):
        assert "frame-ancestors *" in response["Content-Security-Policy"]
        assert "X-Frame-Options" not in response


def test_the_query_string_is_part_of_the_key_in_any_order(client, plan, page_cache):
    client.get(OBJECTIVES_URL + "?missione=M1&attore=comuni")
    assert client.get(OBJECTIVES_URL + "?attore=comuni&missione=M1")[HEADER] == "hit"
    assert client.get(OBJECTIVES_URL + "?missione=M2")[HEADER] == "miss"


def test_if_none_match_answers_304(client, plan, page_cache):
    etag = client.get(OBJECTIVES_URL)["ETag"]
    response = client.get(OBJECTIVES_URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert client.get(OBJECTIVES_URL, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_if_modified_since_answers_304(client, plan, page_cache):
    last_modified = client.get(OBJECTIVES_URL)["Last-Modified"]
    assert client.get(OBJECTIVES_URL, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert client.get(OBJECTIVES_URL, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_a_new_data_version_changes_the_etag_and_refuses_the_old_one(client, plan, staff_user, page_cache):
    etag = client.get(OBJECTIVES_URL)["ETag"]
    objective = Objective.objects.get(code="M1.1")
    objective_update(objective=objective, by=staff_user, title="Titolo nuovo", actors=objective.actors)
    response = client.get(OBJECTIVES_URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert "Titolo nuovo" in response.content.decode()


def test_the_public_api_is_cached_too(client, plan, page_cache):
    url = "/api/v1/plan/objectives"
    first = client.get(url)
    assert first.status_code == 200 and first[HEADER] == "miss"
    assert client.get(url)[HEADER] == "hit"


# What is never cached ---------------------------------------------------------------------------------------


def test_a_page_without_a_form_sets_no_cookie_and_does_not_vary_on_cookies(client, plan, page_cache):
    for _ in range(2):  # the miss (rendered) and the hit (from the cache)
        response = client.get("/")
        assert response.status_code == 200
        assert not response.cookies
        assert "Cookie" not in response.get("Vary", "")
        assert 'name="csrfmiddlewaretoken"' not in response.content.decode()


def test_a_page_without_a_form_sets_no_csrf_cookie_even_without_the_cache(client, plan):
    response = client.get("/")
    assert django_settings.CSRF_COOKIE_NAME not in response.cookies
    assert not response.cookies


def test_logged_in_people_never_get_the_cached_anonymous_page(client, plan, staff_user, page_cache):
    anonymous = _cached_twice(client, OBJECTIVES_URL)
    assert staff_user.get_username() not in anonymous
    client.force_login(staff_user)
    response = client.get(OBJECTIVES_URL)
    assert response.status_code == 200 and HEADER not in response
    assert f"({staff_user.get_username()})" in response.content.decode()  # the "Esci (name)" button
    # …and what they were shown is not stored for the anonymous visitors either
    client.logout()
    client.cookies.clear()
    again = client.get(OBJECTIVES_URL)
    assert again[HEADER] == "hit" and staff_user.get_username() not in again.content.decode()


def test_a_page_that_sets_a_cookie_is_not_stored(client, plan, page_cache):
    """The login page carries a form (CSRF cookie): never stored, whatever the prefix list says."""
    django_settings_exclude = list(django_settings.DECIMETRO_PAGE_CACHE_EXCLUDE)
    try:
        django_settings.DECIMETRO_PAGE_CACHE_EXCLUDE = []
        for _ in range(2):
            response = client.get(reverse("login"))
            assert response.status_code == 200
            assert django_settings.CSRF_COOKIE_NAME in response.cookies
            assert HEADER not in response
    finally:
        django_settings.DECIMETRO_PAGE_CACHE_EXCLUDE = django_settings_exclude


def test_a_visitor_with_messages_is_not_served_from_the_cache(client, plan, page_cache):
    _cached_twice(client, OBJECTIVES_URL)
    client.cookies["messages"] = "anything"
    assert HEADER not in client.get(OBJECTIVES_URL)


@pytest.mark.parametrize("url", ["/gestione/", "/scrivania/", "/accesso/", "/salute/"])
def test_excluded_paths_are_never_cached(client, plan, page_cache, url):
    for _ in range(2):
        assert HEADER not in client.get(url)


def test_api_writes_are_not_cached(client, plan, page_cache):
    response = client.post("/api/v1/linking/classify", {"text": "cloud"}, content_type="application/json")
    assert HEADER not in response


# Languages --------------------------------------------------------------------------------------------------


def test_each_language_has_its_own_copy(client, plan, page_cache):
    italian = client.get("/")
    assert '<html lang="it">' in italian.content.decode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/", HTTP_IF_NONE_MATCH=italian["ETag"])
    assert english.status_code == 200  # the Italian copy's ETag does not match the English page
    assert english[HEADER] == "miss" and '<html lang="en">' in english.content.decode()
    assert english["ETag"] != italian["ETag"]
    assert '<html lang="en">' in client.get("/").content.decode()
    del client.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    back = client.get("/")
    assert back[HEADER] == "hit" and '<html lang="it">' in back.content.decode()


def test_the_language_switch_is_a_get_form_that_sets_the_cookie(client, plan):
    html = client.get("/").content.decode()
    assert f'action="{reverse("language")}" method="get"' in html
    response = client.get(reverse("language"), {"language": "en", "next": OBJECTIVES_URL})
    assert response.status_code == 302 and response["Location"] == OBJECTIVES_URL
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(OBJECTIVES_URL).content.decode()
    client.get(reverse("language"), {"language": "it", "next": "/"})
    assert '<html lang="it">' in client.get("/").content.decode()


def test_the_language_switch_refuses_other_sites_and_unknown_languages(client, db):
    response = client.get(reverse("language"), {"language": "de", "next": "https://example.org/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert django_settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.post(reverse("language"), {"language": "en"}).status_code == 405


# Every change shows at once ---------------------------------------------------------------------------------


def test_a_new_import_shows_at_once(client, plan, page_cache):
    url = reverse("public:projects")
    before = _cached_twice(client, url)
    pnrr_import_file(path=PROJECTS)
    after = client.get(url)
    assert after[HEADER] == "miss"
    assert after.content.decode() != before


def test_a_confirmed_link_shows_at_once(client, linked, staff_user, page_cache):
    url = _objective_url("M1.2")
    assert linked.cloud.cup not in _cached_twice(client, url)
    link_svc.link_confirm(by=staff_user, link=linked.link(linked.cloud, "M1.2"))
    assert linked.cloud.cup in client.get(url).content.decode()


def test_an_approved_rule_shows_at_once(client, linked, staff_user, page_cache):
    url = _objective_url("M6.1")
    assert linked.casa.cup not in _cached_twice(client, url)
    entry = MeasureObjective.objects.get(measure=linked.casa_measure, objective__code="M6.1")
    assert link_svc.crosswalk_approve(by=staff_user, entry=entry) == 1
    assert linked.casa.cup in client.get(url).content.decode()


def test_a_plan_edit_shows_at_once(client, plan, staff_user, page_cache):
    objective = Objective.objects.get(code="M1.1")
    url = _objective_url("M1.1")
    assert "Un titolo riscritto" not in _cached_twice(client, url)
    objective_update(objective=objective, by=staff_user, title="Un titolo riscritto", actors=objective.actors)
    assert "Un titolo riscritto" in client.get(url).content.decode()


def test_a_moderated_observation_shows_at_once(client, participation_site, ente_admin, page_cache):
    observation = participation_site["observation"]
    url = reverse("public:consultation", args=[participation_site["consultation"].pk])
    assert observation.text not in _cached_twice(client, url)
    observation_moderate(by=ente_admin, observation=observation, status=ObservationStatus.PUBLISHED)
    assert observation.text in client.get(url).content.decode()
    observation_moderate(
        by=ente_admin, observation=observation, status=ObservationStatus.HIDDEN, reason="Fuori tema"
    )
    assert observation.text not in client.get(url).content.decode()
