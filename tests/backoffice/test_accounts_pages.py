"""Accounts pages: users, organisations, invitation, audit log, profile; login hardening (django-axes).

Every write endpoint is checked against every persona: a forbidden write answers 403 (or the login page for an
anonymous visitor) and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decimetro.core import services as svc
from decimetro.core.models import AuditEntry, Invitation, Membership, Organisation, User
from decimetro.territory.services import organisations_setup
from tests.factories import EnteFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "una-password-molto-lunga-42"  # the factories' password
STRONG = "Una-password-robusta-2026"
PERSONAS = ["ente_admin", "comune_a_editor", "comune_b_editor", "association_user", "anonymous"]


def _client_for(request, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def _state() -> tuple:
    """Everything an accounts endpoint could change."""
    return (
        AuditEntry.objects.count(),
        tuple(
            Organisation.objects.order_by("pk").values_list("pk", "name", "email", "active", "fiscal_code")
        ),
        tuple(Invitation.objects.order_by("pk").values_list("pk", "expires_at", "accepted_at")),
        tuple(Membership.objects.order_by("pk").values_list("pk", "organisation_id", "role")),
        tuple(User.objects.order_by("pk").values_list("pk", "is_active", "is_staff")),
        len(mail.outbox),
    )


@pytest.fixture
def account_targets(ente_admin, comune_a_editor, comune_b_editor, association_user):
    """All personas exist, plus a victim user and a pending invitation to act upon."""
    victim = MembershipFactory(
        user=UserFactory(username="vittima"),
        organisation=association_user.membership.organisation,
        role="viewer",
    ).user
    invitation, _link = svc.invitation_create(
        by=ente_admin,
        email="invitato@example.org",
        organisation=association_user.membership.organisation,
        role="viewer",
    )
    mail.outbox.clear()
    return {
        "victim": victim,
        "invitation": invitation,
        "body": association_user.membership.organisation,
        "ente": ente_admin.membership.organisation,
    }


def _write_endpoints(account_targets) -> list[tuple[str, dict]]:
    victim, body = account_targets["victim"], account_targets["body"]
    return [
        (
            reverse("backoffice:user_invite"),
            {"email": "nuovo@example.org", "organisation": body.pk, "role": "admin"},
        ),
        (reverse("backoffice:user_disable", args=[victim.pk]), {}),
        (reverse("backoffice:user_enable", args=[victim.pk]), {}),
        (
            reverse("backoffice:user_role", args=[victim.pk]),
            {"role": "admin", "organisation": account_targets["ente"].pk},
        ),
        (reverse("backoffice:invitation_revoke", args=[account_targets["invitation"].pk]), {}),
        (reverse("backoffice:organisation_create"), {"name": "Nuova associazione", "body_kind": "other"}),
        (
            reverse("backoffice:organisation_edit", args=[body.pk]),
            {"name": "Rinominata", "body_kind": "other", "active": ""},
        ),
    ]


@pytest.mark.parametrize("persona", ["comune_a_editor", "comune_b_editor", "association_user", "anonymous"])
def test_every_write_endpoint_refuses_every_non_admin_persona(request, account_targets, persona):
    client = _client_for(request, persona)
    before = _state()
    for url, data in _write_endpoints(account_targets):
        response = client.post(url, data)
        if persona == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
        else:
            assert response.status_code == 403, url
        assert _state() == before, url


def test_ente_editor_and_viewer_and_plain_staff_are_refused_too(account_targets):
    ente = account_targets["ente"]
    editor = MembershipFactory(user=UserFactory(username="red.ente", is_staff=True), organisation=ente).user
    viewer = MembershipFactory(user=UserFactory(username="let.ente"), organisation=ente, role="viewer").user
    staff = UserFactory(username="staff.solo", is_staff=True)
    before = _state()
    for user in (editor, viewer, staff):
        client = Client()
        client.force_login(user)
        for url, data in _write_endpoints(account_targets):
            assert client.post(url, data).status_code == 403, (user, url)
    assert _state() == before


@pytest.mark.parametrize(
    "url_name",
    [
        "backoffice:users",
        "backoffice:organisations",
        "backoffice:audit_log",
        "backoffice:organisation_create",
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_pages_are_for_ente_admins_only(request, account_targets, persona, url_name):
    response = _client_for(request, persona).get(reverse(url_name))
    expected = {"ente_admin": 200, "anonymous": 302}.get(persona, 403)
    assert response.status_code == expected


def test_forged_post_without_csrf_is_refused(account_targets, ente_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ente_admin)
    before = _state()
    for url, data in _write_endpoints(account_targets):
        assert client.post(url, data).status_code == 403, url
    assert _state() == before


def test_unknown_ids_are_404(ente_admin):
    client = Client()
    client.force_login(ente_admin)
    for name in (
        "backoffice:user_disable",
        "backoffice:user_enable",
        "backoffice:invitation_revoke",
        "backoffice:user_role",
    ):
        assert client.post(reverse(name, args=[999999]), {}).status_code == 404
    assert client.get(reverse("backoffice:organisation_edit", args=[999999])).status_code == 404


# Admin flows ----------------------------------------------------------------------------------------------


def test_users_page_lists_by_organisation_and_filters(account_targets, ente_admin, comune_a_editor):
    client = Client()
    client.force_login(ente_admin)
    html = client.get(reverse("backoffice:users")).content.decode()
    assert "redattore.a" in html and "Comune di Milano" in html and "vittima" in html
    assert "invitato@example.org" in html  # pending invitation
    html = client.get(
        reverse("backoffice:users"), {"organisation": account_targets["body"].pk}
    ).content.decode()
    assert "vittima" in html and "redattore.a" not in html
    html = client.get(reverse("backoffice:users"), {"role": "admin"}).content.decode()
    assert "admin.ente" in html and "vittima" not in html
    html = client.get(reverse("backoffice:users"), {"q": "redattore"}).content.decode()
    assert "redattore.b" in html and "vittima" not in html


def test_users_page_query_count_is_constant(ente_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(ente_admin)
    org = OrganisationFactory()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("backoffice:users")).status_code == 200
        return len(ctx.captured_queries)

    MembershipFactory(organisation=org)
    one = count()
    for _ in range(3):
        MembershipFactory(organisation=OrganisationFactory())
    assert count() == one


def test_admin_invites_and_the_invitee_accepts_once(
    account_targets, ente_admin, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(ente_admin)
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves by a task after the commit
        response = client.post(
            reverse("backoffice:user_invite"),
            {"email": "persona@example.org", "organisation": account_targets["body"].pk, "role": "editor"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/invito/[^/\s]+/)", mail.outbox[0].body).group(1)

    invitee = Client()
    page = invitee.get(link)
    assert page.status_code == 200 and account_targets["body"].name in page.content.decode()
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    # weak password: the form says why and nothing is created
    bad = invitee.post(link, {"username": "persona", "password1": "corta", "password2": "corta"})
    assert bad.status_code == 400 and "troppo corta" in bad.content.decode()
    mismatch = invitee.post(link, {"username": "persona", "password1": STRONG, "password2": STRONG + "x"})
    assert mismatch.status_code == 400 and "non coincidono" in mismatch.content.decode()
    assert not User.objects.filter(username="persona").exists()

    ok = invitee.post(
        link, {"full_name": "Pia Persona", "username": "persona", "password1": STRONG, "password2": STRONG}
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("backoffice:profile")
    user = User.objects.get(username="persona")
    assert user.membership.organisation == account_targets["body"] and user.membership.role == "editor"
    profile = invitee.get(reverse("backoffice:profile")).content.decode()
    assert account_targets["body"].name in profile and "redattore" in profile

    # the link works once
    again = Client().post(link, {"username": "altro", "password1": STRONG, "password2": STRONG})
    assert again.status_code == 404 and not User.objects.filter(username="altro").exists()
    assert Client().get(link).status_code == 404


def test_expired_and_tampered_invitation_links(account_targets):
    inv, link = svc.invitation_create(
        by=User.objects.get(username="admin.ente"),
        email="scade@example.org",
        organisation=account_targets["body"],
        role="viewer",
        base_url="http://testserver",
    )
    path = link.removeprefix("http://testserver")
    tampered = path[:-2] + ("A/" if path[-2] != "A" else "B/")
    before = _state()
    assert Client().get(tampered).status_code == 404
    assert (
        Client().post(tampered, {"username": "x.y.z", "password1": STRONG, "password2": STRONG}).status_code
        == 404
    )
    assert _state() == before
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    before = _state()
    assert Client().get(path).status_code == 404
    assert (
        Client().post(path, {"username": "x.y.z", "password1": STRONG, "password2": STRONG}).status_code
        == 404
    )
    assert _state() == before
    assert not User.objects.filter(username="x.y.z").exists()


def test_disable_enable_and_role_through_the_pages(account_targets, ente_admin):
    victim = account_targets["victim"]
    client = Client()
    client.force_login(ente_admin)
    assert client.post(reverse("backoffice:user_disable", args=[victim.pk])).status_code == 302
    victim.refresh_from_db()
    assert not victim.is_active
    assert client.post(reverse("backoffice:user_enable", args=[victim.pk])).status_code == 302
    victim.refresh_from_db()
    assert victim.is_active
    response = client.post(
        reverse("backoffice:user_role", args=[victim.pk]),
        {"role": "editor", "organisation": account_targets["ente"].pk},
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.membership.role == "editor" and victim.is_staff
    assert AuditEntry.objects.filter(target_id=str(victim.pk), actor=ente_admin).count() == 3
    # the admin's own account cannot be disabled from the page
    client.post(reverse("backoffice:user_disable", args=[ente_admin.pk]))
    ente_admin.refresh_from_db()
    assert ente_admin.is_active


def test_organisation_create_and_edit_pages(ente_admin, comune_a_editor):
    client = Client()
    client.force_login(ente_admin)
    response = client.post(
        reverse("backoffice:organisation_create"),
        {"name": "Camera di commercio", "body_kind": "chamber", "fiscal_code": "80000000001", "active": "on"},
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Camera di commercio")
    bad = client.post(
        reverse("backoffice:organisation_create"), {"name": "Camera di commercio", "body_kind": "chamber"}
    )
    assert bad.status_code == 400 and "Esiste già" in bad.content.decode()
    bad = client.post(
        reverse("backoffice:organisation_edit", args=[org.pk]),
        {"name": org.name, "body_kind": "chamber", "fiscal_code": "XYZ", "active": "on"},
    )
    assert bad.status_code == 400 and "codice fiscale" in bad.content.decode()
    comune_org = comune_a_editor.membership.organisation
    response = client.post(
        reverse("backoffice:organisation_edit", args=[comune_org.pk]),
        {"name": "Hackerato", "body_kind": "other", "email": "urp@comune.example"},
    )
    assert response.status_code == 302
    comune_org.refresh_from_db()
    assert comune_org.name == "Comune di Milano" and comune_org.email == "urp@comune.example"
    table = (
        client.get(reverse("backoffice:organisations"), {"tipo": "body"})
        .content.decode()
        .split('id="organisations"')[1]
    )
    assert "Camera di commercio" in table and "Comune di Milano" not in table


# Audit log ------------------------------------------------------------------------------------------------


def test_audit_log_filters(account_targets, ente_admin, association_user):
    client = Client()
    client.force_login(ente_admin)
    svc.user_disable(by=ente_admin, user=account_targets["victim"])
    old = AuditEntry.objects.get(action="user_disable")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))

    html = client.get(reverse("backoffice:audit_log")).content.decode()
    assert "invitation_create" in html and "user_disable" in html

    html = client.get(reverse("backoffice:audit_log"), {"action": "user_disable"}).content.decode()
    assert "user_disable" in html and "invitation_create</code>" not in html

    from django.contrib.contenttypes.models import ContentType

    user_type = ContentType.objects.get_for_model(User)
    html = client.get(reverse("backoffice:audit_log"), {"target_type": user_type.pk}).content.decode()
    assert "vittima" in html and "invitato@example.org" not in html

    recent = (timezone.localdate() - timedelta(days=1)).isoformat()
    html = client.get(reverse("backoffice:audit_log"), {"date_from": recent}).content.decode()
    assert "user_disable</code>" not in html and "invitation_create" in html
    older = (timezone.localdate() - timedelta(days=41)).isoformat()
    to = (timezone.localdate() - timedelta(days=39)).isoformat()
    html = client.get(reverse("backoffice:audit_log"), {"date_from": older, "date_to": to}).content.decode()
    assert "user_disable</code>" in html and "invitation_create" not in html.split('id="audit"')[1]

    other = UserFactory(username="altro.admin", is_superuser=True, is_staff=True)
    svc.organisation_create(by=other, name="Terzo settore unito", body_kind="third_sector")
    html = client.get(reverse("backoffice:audit_log"), {"actor": other.pk}).content.decode()
    table = html.split('id="audit"')[1]
    assert "Terzo settore unito" in table and "vittima" not in table

    html = client.get(reverse("backoffice:audit_log"), {"q": "Terzo settore"}).content.decode()
    table = html.split('id="audit"')[1]
    assert "Terzo settore unito" in table and "vittima" not in table

    bad = client.get(reverse("backoffice:audit_log"), {"date_from": to, "date_to": older})
    assert bad.status_code == 200 and "precede" in bad.content.decode()


def test_audit_log_query_count_is_constant(ente_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(ente_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("backoffice:audit_log"), {"action": "create"}).status_code == 200
        return len(ctx.captured_queries)

    OrganisationFactory()
    svc.organisation_create(by=ente_admin, name="Prima", body_kind="other")
    one = count()
    for i in range(3):
        actor = UserFactory(username=f"admin{i}", is_superuser=True, is_staff=True)
        svc.organisation_create(by=actor, name=f"Org {i}", body_kind="other")
    assert count() == one
    assert AuditEntry.objects.filter(action="create").count() == 4


def test_audit_log_is_paginated(ente_admin):
    client = Client()
    client.force_login(ente_admin)
    for i in range(55):
        svc.organisation_create(by=ente_admin, name=f"Org {i:02d}", body_kind="other")
    first = client.get(reverse("backoffice:audit_log")).content.decode()
    second = client.get(reverse("backoffice:audit_log"), {"pagina": 2}).content.decode()
    assert "Org 54" in first and "Org 54" not in second and "Org 00" in second


# Profile and header ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["ente_admin", "comune_a_editor", "association_user"])
def test_profile_shows_my_organisation_and_role(request, persona):
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    html = client.get(reverse("backoffice:profile")).content.decode()
    assert user.membership.organisation.name in html
    assert user.membership.get_role_display() in html
    # the header shows the organisation on every page (read from the session, no query)
    home = client.get(reverse("public:comuni")).content.decode()
    assert 'id="header-profile"' in home and user.membership.organisation.name in home


def test_profile_needs_login():
    assert Client().get(reverse("backoffice:profile")).status_code == 302


def test_backoffice_links_only_for_ente_admin(ente_admin, staff_user, plan):
    client = Client()
    client.force_login(ente_admin)
    assert reverse("backoffice:users") in client.get(reverse("backoffice:home")).content.decode()
    client.force_login(staff_user)
    assert reverse("backoffice:users") not in client.get(reverse("backoffice:home")).content.decode()


# Login hardening ------------------------------------------------------------------------------------------


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_works_with_axes(comune_a_editor):
    client = Client()
    response = _login(client, "redattore.a", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(comune_a_editor.pk)
    assert client.session["decimetro_org"]["name"] == "Comune di Milano"


def test_lockout_after_five_failures_by_username_and_ip(comune_a_editor):
    client = Client()
    for _ in range(4):
        response = _login(client, "redattore.a", "sbagliata")
        assert response.status_code == 200 and "non corretti" in response.content.decode()
    fifth = _login(client, "redattore.a", "sbagliata")
    assert fifth.status_code == 429
    assert "Accesso temporaneamente bloccato" in fifth.content.decode()
    # now even the right password is refused from this address for this username
    locked = _login(client, "redattore.a", PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # the same username from another address, and another username from this address, still log in
    assert _login(Client(), "redattore.a", PASSWORD, ip="10.0.0.2").status_code == 302
    MembershipFactory(
        user=UserFactory(username="altro"), organisation=comune_a_editor.membership.organisation
    )
    assert _login(Client(), "altro", PASSWORD).status_code == 302


def test_success_resets_the_failure_count(comune_a_editor):
    client = Client()
    for _ in range(4):
        _login(client, "redattore.a", "sbagliata")
    assert _login(client, "redattore.a", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "redattore.a", "sbagliata").status_code == 200
    assert _login(client, "redattore.a", PASSWORD).status_code == 302


def test_disabled_user_cannot_log_in_and_loses_the_session(account_targets, ente_admin):
    victim = account_targets["victim"]
    victim_client = Client()
    assert _login(victim_client, "vittima", PASSWORD).status_code == 302
    assert victim_client.get(reverse("backoffice:profile")).status_code == 200
    svc.user_disable(by=ente_admin, user=victim)
    # the open session no longer works
    assert victim_client.get(reverse("backoffice:profile")).status_code == 302
    # and a new login is refused
    response = _login(Client(), "vittima", PASSWORD)
    assert response.status_code == 200 and "non corretti" in response.content.decode()


def test_invite_form_errors_are_shown(account_targets, ente_admin):
    client = Client()
    client.force_login(ente_admin)
    before = _state()
    response = client.post(
        reverse("backoffice:user_invite"),
        {"email": "vittima@example.org", "organisation": account_targets["body"].pk, "role": "viewer"},
    )
    assert response.status_code == 400 and "Esiste già un utente" in response.content.decode()
    response = client.post(
        reverse("backoffice:user_invite"), {"email": "non-email", "organisation": 999999, "role": "x"}
    )
    assert response.status_code == 400
    assert _state() == before


def test_ente_factory_persona_is_the_setup_ente(territory, ente_admin):
    """organisations_setup reuses the Ente of the personas (one Ente only)."""
    organisations_setup()
    assert Organisation.objects.filter(kind="ente").get() == EnteFactory()


def test_password_change(comune_a_editor):
    client = Client()
    client.force_login(comune_a_editor)
    url = reverse("backoffice:password_change")
    assert Client().post(url, {}).status_code == 302  # anonymous: to the login page
    before = _state()
    wrong = client.post(url, {"old_password": "sbagliata", "new_password1": STRONG, "new_password2": STRONG})
    assert wrong.status_code == 400 and "non è corretta" in wrong.content.decode()
    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "corta", "new_password2": "corta"})
    assert weak.status_code == 400 and "troppo corta" in weak.content.decode()
    assert _state() == before
    comune_a_editor.refresh_from_db()
    assert comune_a_editor.check_password(PASSWORD)

    ok = client.post(url, {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG})
    assert ok.status_code == 302
    assert client.get(reverse("backoffice:profile")).status_code == 200  # the session survives the change
    comune_a_editor.refresh_from_db()
    assert comune_a_editor.check_password(STRONG)
    entry = AuditEntry.objects.get(action="password_change")
    assert entry.actor == comune_a_editor and STRONG not in str(entry.after)
    assert _login(Client(), "redattore.a", STRONG).status_code == 302


def test_lockout_page_in_english(comune_a_editor):
    client = Client()
    client.cookies["django_language"] = "en"  # English only by the language switch (its cookie)
    for _ in range(5):
        response = client.post(
            reverse("login"),
            {"username": "redattore.a", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
        )
    assert response.status_code == 429
    assert "Login temporarily blocked" in response.content.decode()
    assert "Try again in 15 minutes" in response.content.decode()
