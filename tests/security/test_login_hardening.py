"""Login hardening across usernames (issue 14): password spraying from one address ends in a lockout of the
address (decimetro.core.security.LoginLockoutHandler), while the per-username lockout stays as it was
(tests/backoffice/test_accounts_pages.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "una-password-molto-lunga-42"  # the factories' password
SPRAYER = "10.6.6.6"


def _login(client: Client, username: str, password: str, ip: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_twenty_usernames_from_one_address_end_in_a_lockout(comune_a_editor):
    assert settings.DECIMETRO_LOGIN_IP_FAILURE_LIMIT == 20
    client = Client()
    statuses = [_login(client, f"utente{i}", "sbagliata", SPRAYER).status_code for i in range(20)]
    assert statuses == [200] * 19 + [429]
    page = _login(client, "utente99", "sbagliata", SPRAYER)
    assert page.status_code == 429
    html = page.content.decode()
    assert "Accesso temporaneamente bloccato" in html
    assert "con qualunque nome utente" in html and "20 tentativi errati" in html
    # the right password of a real account is refused from that address too
    refused = _login(client, "redattore.a", PASSWORD, SPRAYER)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # from another address the same account logs in
    other = Client()
    assert _login(other, "redattore.a", PASSWORD, "10.0.0.7").status_code == 302
    assert other.session["_auth_user_id"] == str(comune_a_editor.pk)


def test_fewer_failures_than_the_address_limit_lock_no_one_else_out(comune_a_editor):
    """An office behind one address: 19 typos spread over five colleagues (4 each at most) do not stop the
    next one."""
    client = Client()
    for i in range(19):
        assert _login(client, f"collega{i % 5}", "sbagliata", SPRAYER).status_code == 200
    assert _login(client, "redattore.a", PASSWORD, SPRAYER).status_code == 302


def test_a_login_with_a_valid_account_does_not_reset_the_address_count(comune_a_editor):
    """A sprayer holding one valid account cannot wipe the address's failures by logging in with it."""
    UserFactory(username="complice")
    for i in range(15):
        _login(Client(), f"vittima{i}", "sbagliata", SPRAYER)
    assert _login(Client(), "complice", PASSWORD, SPRAYER).status_code == 302
    statuses = [_login(Client(), f"altra{i}", "sbagliata", SPRAYER).status_code for i in range(5)]
    assert statuses == [200] * 4 + [429]
