"""Follow by email: the double opt-in, the digest after an import, the one-click unsubscription, bad links,
repeated requests, the address kept out of every page."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decimetro.core.models import AuditEntry
from decimetro.follow import tokens
from decimetro.follow.models import Follow, Follower
from decimetro.follow.services import digests_send

FIXTURES = Path(__file__).resolve().parents[1] / "pnrr" / "fixtures"
PROJECTS = FIXTURES / "progetti_validati.csv.gz"
PLACES = FIXTURES / "localizzazioni_validate.csv"
PAYMENTS = FIXTURES / "pagamenti.csv.gz"
ADDRESS = "Mario.Rossi@Example.org"
MELZO = "015142"

pytestmark = pytest.mark.django_db


def _follow_url(kind: str = "comune", key: str = MELZO) -> str:
    return reverse("public:follow", args=[kind, key])


def _subscribe(client: Client, email: str = ADDRESS, *, kind: str = "comune", key: str = MELZO, capture=None):
    with capture(execute=True):
        return client.post(_follow_url(kind, key), {"email": email})


def _links(message: mail.EmailMessage) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _confirm_path(message) -> str:
    return _path(next(u for u in _links(message) if "/segui/conferma/" in u))


def _unsubscribe_path(message) -> str:
    return _path(next(u for u in _links(message) if "/segui/annulla/" in u))


def _import(capture, *files: Path) -> None:
    with capture(execute=True):
        call_command("pnrr_import", *[str(f) for f in files], stdout=StringIO())


def test_the_whole_flow_subscribe_confirm_digest_unsubscribe(
    territory, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    # subscribe → the "check your mail" page and one email with the signed confirmation link
    response = _subscribe(client, capture=capture)
    assert response.status_code == 302 and response["Location"].startswith(reverse("public:follow_sent"))
    assert len(mail.outbox) == 1
    confirm = mail.outbox[0]
    assert confirm.to == ["mario.rossi@example.org"]
    assert "Comune di Melzo" in confirm.subject
    assert confirm.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Follow.objects.get().confirmed_at is None
    # nothing is sent to a pending follow
    _import(capture, PROJECTS)
    assert len(mail.outbox) == 1
    # confirm: GET shows the button (a link scanner confirms nothing), POST confirms
    page = client.get(_confirm_path(confirm))
    assert page.status_code == 200 and 'id="follow-confirm-form"' in page.content.decode()
    assert Follow.objects.get().confirmed_at is None
    done = client.post(_confirm_path(confirm))
    assert (
        done.status_code == 200
        and "Riceverai per email le novità su Comune di Melzo" in done.content.decode()
    )
    assert Follow.objects.get().confirmed_at is not None
    # an import bringing the places in Melzo of the projects → one digest, with those projects
    _import(capture, PLACES, PAYMENTS)
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert digest.subject == "Decimetro: le novità di ciò che segui"
    assert "Comune di Melzo" in digest.body and "B91C22001160006" in digest.body
    assert "Fonte: Italia Domani" in digest.body and "/segui/annulla/" in digest.body
    html = digest.alternatives[0][0]
    assert "B91C22001160006" in html and "Non ricevere più nulla" in html
    assert digest.extra_headers["List-Unsubscribe"] == f"<http://testserver{_unsubscribe_path(digest)}>"
    # unsubscribe in one click (the mail client's RFC 8058 POST, no CSRF token) → the address is gone
    one_click = Client(enforce_csrf_checks=True).post(
        _unsubscribe_path(digest), {"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200 and 'id="follow-unsubscribed"' in one_click.content.decode()
    assert not Follower.objects.exists() and not Follow.objects.exists()
    # no more mail, whatever happens
    _import(capture, PROJECTS, PLACES)
    assert digests_send(now=timezone.now() + timedelta(days=8)).sent == 0
    assert len(mail.outbox) == 2
    # the link again: same page, nothing written
    again = client.post(_unsubscribe_path(digest))
    assert again.status_code == 200 and 'id="follow-unsubscribed"' in again.content.decode()


def test_audit_rows_hold_no_address(territory, client, django_capture_on_commit_callbacks):
    _subscribe(client, capture=django_capture_on_commit_callbacks)
    client.post(_confirm_path(mail.outbox[0]))
    client.post(_unsubscribe_path(mail.outbox[0]))
    rows = list(AuditEntry.objects.filter(action__startswith="follow.").order_by("pk"))
    assert [r.action for r in rows] == ["follow.request", "follow.confirm", "follow.unsubscribe"]
    for row in rows:
        text = f"{row.actor_label} {row.target_repr} {row.before} {row.after}".lower()
        assert "mario" not in text and "example.org" not in text


def test_a_repeated_request_gets_the_same_answer_and_writes_nothing(
    territory, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = _subscribe(client, capture=capture)
    client.post(_confirm_path(mail.outbox[0]))
    rows = (Follower.objects.count(), Follow.objects.count(), AuditEntry.objects.count())
    again = _subscribe(client, " mario.rossi@EXAMPLE.org ", capture=capture)
    assert (again.status_code, again["Location"]) == (first.status_code, first["Location"])
    assert (Follower.objects.count(), Follow.objects.count(), AuditEntry.objects.count()) == rows
    assert len(mail.outbox) == 1  # nothing sent to an address already following
    # the page after it is the same for a new and an existing address
    new = _subscribe(client, "altra@example.org", capture=capture)
    assert client.get(new["Location"]).content == client.get(again["Location"]).content


def test_a_pending_request_repeated_sends_the_link_again_within_the_limit(
    territory, client, django_capture_on_commit_callbacks, settings
):
    settings.DECIMETRO_FOLLOW_EMAIL_LIMIT = 2
    for _ in range(4):
        _subscribe(client, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2 and Follow.objects.count() == 1


@pytest.mark.parametrize("email", ["", "mario", "mario@", "mario rossi@example.org", "a@b@c.it"])
def test_a_malformed_address_is_refused_in_italian_and_nothing_written(territory, client, email):
    response = client.post(_follow_url(), {"email": email})
    assert response.status_code == 400
    page = response.content.decode()
    assert "L&#x27;indirizzo email non è valido" in page or "Scrivi l&#x27;indirizzo email" in page
    assert (
        not Follower.objects.exists() and not AuditEntry.objects.filter(action__startswith="follow").exists()
    )
    assert not mail.outbox


def test_an_unknown_target_is_a_404(territory, client):
    assert client.get(_follow_url("comune", "999999")).status_code == 404
    assert client.get(_follow_url("pianeta", "terra")).status_code == 404
    assert client.post(_follow_url("comune", "999999"), {"email": ADDRESS}).status_code == 404
    assert not Follower.objects.exists()


class _SignedLongAgo(signing.TimestampSigner):
    hours = 0

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - self.hours * 3600)


def _old_token(follow: Follow, settings) -> str:
    """A genuine confirmation link, signed one hour more than its validity ago."""
    signer = _SignedLongAgo(salt=tokens.CONFIRM_SALT)
    signer.hours = settings.DECIMETRO_FOLLOW_CONFIRM_HOURS + 1
    return signer.sign_object({"w": follow.pk, "h": follow.follower.email_hash[:16]}, compress=True)


def test_forged_and_expired_links_are_refused_and_change_nothing(
    territory, client, django_capture_on_commit_callbacks, settings
):
    _subscribe(client, capture=django_capture_on_commit_callbacks)
    path = _confirm_path(mail.outbox[0])
    follow = Follow.objects.get()
    forged = [
        reverse("public:follow_confirm", args=["non-un-token"]),
        path[:-3] + "xx/",
        reverse(
            "public:follow_confirm",
            args=[signing.dumps({"w": follow.pk, "h": "0" * 16}, salt=tokens.CONFIRM_SALT)],
        ),
        reverse("public:follow_confirm", args=[signing.dumps({"w": follow.pk}, salt="altro")]),
    ]
    for url in forged:
        response = client.post(url)
        assert response.status_code == 400 and "Link non valido" in response.content.decode(), url
    expired = client.post(reverse("public:follow_confirm", args=[_old_token(follow, settings)]))
    assert expired.status_code == 400 and "Link scaduto" in expired.content.decode()
    follow.refresh_from_db()
    assert follow.confirmed_at is None
    bad_unsubscribe = client.post(reverse("public:follow_unsubscribe", args=[path.split("/")[-2]]))
    assert bad_unsubscribe.status_code == 400  # a confirmation token is not an unsubscription token
    assert Follower.objects.count() == 1


def test_the_subscribe_form_is_rate_limited_per_ip(
    territory, client, settings, django_capture_on_commit_callbacks
):
    settings.DECIMETRO_FOLLOW_IP_LIMIT = 2
    for i in range(2):
        _subscribe(client, f"persona{i}@example.org", capture=django_capture_on_commit_callbacks)
    response = client.post(_follow_url(), {"email": "terza@example.org"})
    assert response.status_code == 429 and 'id="follow-limited"' in response.content.decode()
    assert Follower.objects.count() == 2


def test_the_form_page_needs_its_csrf_token(territory):
    client = Client(enforce_csrf_checks=True)
    page = client.get(_follow_url()).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert client.post(_follow_url(), {"email": ADDRESS}).status_code == 403
    assert not Follower.objects.exists()


def test_the_address_is_never_shown_in_a_page(territory, client, django_capture_on_commit_callbacks):
    _subscribe(client, capture=django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    urls = [
        _follow_url(),
        reverse("public:follow_sent") + f"?comune={MELZO}",
        _confirm_path(message),
        _unsubscribe_path(message),
        reverse("public:comune", args=[MELZO]),
        reverse("public:comune_projects_atom", args=[MELZO]),
    ]
    pages = [client.get(u).content.decode().lower() for u in urls]
    pages.append(client.post(_confirm_path(message)).content.decode().lower())
    for page in pages:
        assert "mario.rossi" not in page and "example.org" not in page


@pytest.mark.parametrize(
    "name,args",
    [
        ("public:comune", [MELZO]),
        ("public:zone", None),
        ("public:objective", ["M1.1"]),
        ("public:mission", ["M1"]),
        ("public:consultations", []),
    ],
)
def test_the_pages_linking_to_follow_stay_form_less(territory, plan, client, name, args):
    if args is None:
        from decimetro.territory.models import Comune

        args = [Comune.objects.get(codice_istat=MELZO).zone.slug]
    page = client.get(reverse(name, args=args)).content.decode()
    assert "csrfmiddlewaretoken" not in page and 'method="post"' not in page.lower()
    assert 'id="follow-links"' in page
