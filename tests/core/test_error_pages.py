"""The site's error pages (403, 404, 500, the 429 of a locked-out login): Italian, `lang="it"`, the site's
header, what happened and a way back; the 403 says who may do the refused action."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory, override_settings

from decimetro.core.permissions import (
    PERMISSION_HOLDERS,
    PermissionRefused,
    ensure,
    registered_permissions,
)
from decimetro.core.security import lockout_response

HEADER = 'class="it-header-wrapper"'
HOME_LINK = 'href="/"'
DESK_LINK = 'href="/scrivania/"'


def _assert_branded(html: str) -> None:
    assert '<html lang="it">' in html
    assert HEADER in html and "Decimetro" in html
    assert 'id="error-page"' in html and 'id="error-ways-back"' in html
    assert HOME_LINK in html


@override_settings(DEBUG=False)
def test_404_is_italian_with_the_header_and_a_way_back(client, db):
    response = client.get("/pagina-che-non-esiste/")
    html = response.content.decode()
    assert response.status_code == 404
    _assert_branded(html)
    assert "Pagina non trovata" in html
    assert 'href="/accesso/?next=/pagina-che-non-esiste/"' in html  # anonymous: log in, then come back


@override_settings(DEBUG=False)
def test_404_offers_the_desk_to_a_logged_in_user(client, comune_a_editor):
    client.force_login(comune_a_editor)
    html = client.get("/pagina-che-non-esiste/").content.decode()
    assert DESK_LINK in html and 'href="/accesso/' not in html


@override_settings(DEBUG=False)
@pytest.mark.parametrize("persona", ["comune_a_editor", "association_user", "plain_user"])
def test_403_of_the_back_office_says_who_may_and_leads_to_the_desk(request, client, plan, persona):
    """A non-staff persona at /gestione/ (the Ente's back office): the branded 403, not the framework's."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/gestione/")
    html = response.content.decode()
    assert response.status_code == 403
    _assert_branded(html)
    assert "Solo il personale dell&#x27;Ente può modificare il piano." in html
    assert 'id="error-holders"' in html
    assert "Questa azione è riservata a: il personale dell&#x27;Ente" in html
    assert DESK_LINK in html


@override_settings(DEBUG=False)
def test_403_without_a_named_permission_has_no_holders_line(client, plain_user):
    """`dup_manage_home` raises a bare PermissionDenied for a user without a DUP: a generic message."""
    client.force_login(plain_user)
    response = client.get("/gestione/dup/")
    html = response.content.decode()
    assert response.status_code == 403
    _assert_branded(html)
    assert 'id="error-holders"' not in html
    assert "non ha il permesso" in html


@override_settings(DEBUG=False, ROOT_URLCONF="tests.core.urls_raising")
def test_500_is_italian_self_contained_and_queries_nothing(client, db, django_assert_num_queries):
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = client.get("/prova-errore/")
    html = response.content.decode()
    assert response.status_code == 500
    _assert_branded(html)
    assert "Si è verificato un errore" in html
    assert DESK_LINK in html and 'href="/accesso/"' in html


def test_the_lockout_page_has_the_same_header_and_ways_back(db):
    request = RequestFactory().post("/accesso/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    response = lockout_response(request)
    html = response.content.decode()
    assert response.status_code == 429
    _assert_branded(html)
    assert 'id="lockout-message"' in html
    assert 'href="/accesso/"' in html  # log in again (no `next` back to the login page itself)


# The "who may" lines ----------------------------------------------------------------------------------------


def test_every_registered_permission_says_who_may_do_it():
    assert registered_permissions() <= set(PERMISSION_HOLDERS)


def test_ensure_raises_a_permission_denied_that_names_the_holders(plain_user):
    with pytest.raises(PermissionDenied) as refused:
        ensure(plain_user, "accounts.manage")
    assert isinstance(refused.value, PermissionRefused)
    assert str(refused.value) == "Solo gli amministratori dell'Ente possono compiere questa operazione."
    assert refused.value.holders == "gli amministratori dell'Ente"
