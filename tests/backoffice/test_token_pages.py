"""The "Token API" page of an organisation's admin: create (shown once), list with last use, revoke; only the
organisation's admins; never another organisation's tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from decimetro.core.models import ApiToken, AuditEntry
from decimetro.core.services_tokens import api_token_create
from tests._dom import parse
from tests.factories import MembershipFactory
from tests.participation.fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

URL = "/gestione/token/"


@pytest.fixture
def comune_b_admin(participation_site):
    return MembershipFactory(organisation=participation_site["org_b"], role="admin").user


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_admin_creates_a_token_shown_once(participation_site, comune_b_admin):
    c = _client(comune_b_admin)
    r = c.post(URL, {"name": "Sito istituzionale"})
    assert r.status_code == 200
    doc = parse(r.content)
    secret = doc.find("input", id="token-secret")["value"]
    assert secret.startswith("dcm_")
    token = ApiToken.objects.get(name="Sito istituzionale")
    assert token.organisation == participation_site["org_b"] and token.created_by == comune_b_admin
    assert "no-cache" in r["Cache-Control"] or "no-store" in r["Cache-Control"]
    again = c.get(URL).content.decode()
    assert secret not in again and token.prefix in again  # listed by its beginning only
    assert AuditEntry.objects.filter(action="apitoken.create", actor=comune_b_admin).count() == 1


def test_repeated_or_empty_names_are_form_errors(participation_site, comune_b_admin):
    c = _client(comune_b_admin)
    c.post(URL, {"name": "Doppio"})
    r = c.post(URL, {"name": "Doppio"})
    assert r.status_code == 200 and "Esiste già un token" in r.content.decode()
    assert c.post(URL, {"name": "   "}).status_code == 200
    assert ApiToken.objects.count() == 1


def test_editors_and_other_personas_cannot_manage_tokens(participation_site):
    for persona in ("comune_b_editor", "comune_a_editor", "association_user"):
        c = _client(participation_site["users"][persona])
        assert c.get(URL).status_code == 403, persona
        assert c.post(URL, {"name": "X"}).status_code == 403, persona
    assert not ApiToken.objects.exists()


def test_revoke_only_own_organisation_tokens(participation_site, comune_b_admin):
    own, _ = api_token_create(by=None, organisation=participation_site["org_b"], name="Di B")
    other, _ = api_token_create(by=None, organisation=participation_site["org_a"], name="Di A")
    c = _client(comune_b_admin)
    assert c.post(f"/gestione/token/{other.pk}/revoca/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert c.post(f"/gestione/token/{own.pk}/revoca/").status_code == 302
    own.refresh_from_db()
    assert own.revoked_at is not None and not own.user.is_active
    assert "revocato il" in c.get(URL).content.decode()


def test_desk_links_to_the_token_page_for_admins_only(participation_site, comune_b_admin):
    assert 'id="desk-tokens"' in _client(comune_b_admin).get("/scrivania/").content.decode()
    editor = participation_site["users"]["comune_b_editor"]
    assert 'id="desk-tokens"' not in _client(editor).get("/scrivania/").content.decode()
