"""Password reset by email (issue 14): Django's views under /accesso/password/, the email sent by the email
task, the same answer for unknown addresses, a link that works once, limits per address and per inbox."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from decimetro.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "una-password-molto-lunga-42"  # the factories' password
NEW = "Una-nuova-password-robusta-2026"
RESET_URL = "/accesso/password/"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The limits are counted in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return UserFactory(username="redattrice", email="redattrice@example.org")


def _request(client: Client, email: str, capture, ip: str = "10.1.1.1"):
    with capture(execute=True):  # the email task is enqueued when the request's writes commit
        return client.post(RESET_URL, {"email": email}, REMOTE_ADDR=ip)


def _link(message) -> str:
    return re.search(r"https?://\S+/accesso/password/nuova/\S+/", message.body).group(0)


def test_full_flow_request_email_new_password_login(member, mailoutbox, django_capture_on_commit_callbacks):
    login_page = Client().get(reverse("login")).content.decode()
    assert f'href="{RESET_URL}"' in login_page and "Password dimenticata?" in login_page

    client = Client()
    response = _request(client, "Redattrice@Example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/accesso/password/inviata/"
    assert "Controlla la tua email" in client.get(response["Location"]).content.decode()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["redattrice@example.org"]
    assert message.subject == "Decimetro: reimposta la password"
    assert "reimpostare la password dell'account «redattrice»" in message.body

    form_page = client.get(_link(message), follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    assert "Scegli una nuova password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "corta", "new_password2": "corta"})
    assert weak.status_code == 200 and "troppo corta" in weak.content.decode()
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accesso/password/fatto/"
    assert "Password reimpostata" in client.get(done["Location"]).content.decode()

    member.refresh_from_db()
    assert member.check_password(NEW)
    entry = AuditEntry.objects.get(action="password_reset")
    assert entry.actor == member and NEW not in str(entry.after)
    fresh = Client()
    login = fresh.post(reverse("login"), {"username": "redattrice", "password": NEW}, REMOTE_ADDR="10.1.1.2")
    assert login.status_code == 302 and fresh.session["_auth_user_id"] == str(member.pk)


def test_unknown_address_gets_the_same_answer_and_no_email(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    known = _request(Client(), "redattrice@example.org", django_capture_on_commit_callbacks, ip="10.1.1.3")
    unknown = _request(Client(), "nessuno@example.org", django_capture_on_commit_callbacks, ip="10.1.1.4")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mailoutbox] == [["redattrice@example.org"]]
    inactive = UserFactory(username="spento", email="spento@example.org", is_active=False)
    _request(Client(), inactive.email, django_capture_on_commit_callbacks, ip="10.1.1.5")
    assert len(mailoutbox) == 1


def test_the_link_works_once(member, mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    _request(client, member.email, django_capture_on_commit_callbacks)
    link = _link(mailoutbox[0])
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    assert client.post(set_url, {"new_password1": NEW, "new_password2": NEW}).status_code == 302

    again = Client().get(link, follow=True)
    assert again.status_code == 200 and not again.context["validlink"]
    assert "non è valido" in again.content.decode()
    other = "Ancora-un-altra-password-2026"
    replay = Client().post(link, {"new_password1": other, "new_password2": other}, follow=True)
    assert not replay.context["validlink"]
    member.refresh_from_db()
    assert member.check_password(NEW) and not member.check_password(other)


def test_requests_per_address_are_limited_politely(member, mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    for _ in range(5):
        assert _request(client, "nessuno@example.org", django_capture_on_commit_callbacks).status_code == 302
    limited = _request(client, member.email, django_capture_on_commit_callbacks)
    assert limited.status_code == 429
    assert "Troppe richieste di reimpostazione da questo indirizzo" in limited.content.decode()
    assert mailoutbox == []
    # another address is not affected
    assert (
        _request(Client(), member.email, django_capture_on_commit_callbacks, ip="10.1.1.9").status_code == 302
    )
    assert len(mailoutbox) == 1


def test_one_inbox_gets_at_most_three_emails_an_hour(member, mailoutbox, django_capture_on_commit_callbacks):
    for i in range(5):
        response = _request(Client(), member.email, django_capture_on_commit_callbacks, ip=f"10.2.0.{i}")
        assert response.status_code == 302  # the same answer every time
    assert len(mailoutbox) == 3
