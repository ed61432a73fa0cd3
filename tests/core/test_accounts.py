"""Accounts services: organisations, invitations (one-time, expiring, hashed), users and roles."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from decimetro.core import services as svc
from decimetro.core.models import AuditEntry, Invitation, Membership, Organisation, User
from decimetro.territory.services import organisations_setup
from tests.factories import ComuneFactory, EnteFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Una-password-robusta-2026"


def _token(link: str) -> str:
    match = re.search(r"/invito/([^/]+)/", link)
    assert match, link
    return match.group(1)


def _counts() -> tuple[int, int, int, int, int]:
    return (
        AuditEntry.objects.count(),
        Organisation.objects.count(),
        Invitation.objects.count(),
        Membership.objects.count(),
        User.objects.filter(is_active=True).count(),
    )


# Organisations ----------------------------------------------------------------------------------------------


def test_organisations_setup_creates_ente_and_one_per_comune_idempotently(territory):
    summary = organisations_setup()
    assert summary.ente_created
    assert summary.comuni_created == 133 == summary.comuni_total
    assert Organisation.objects.filter(kind="ente").count() == 1
    milano = Organisation.objects.get(comune__codice_istat="015146")
    assert milano.name == "Comune di Milano" and milano.kind == "comune"
    audits = AuditEntry.objects.count()
    again = organisations_setup()
    assert not again.ente_created and again.comuni_created == 0
    assert Organisation.objects.count() == 134
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing audited


def test_organisations_setup_keeps_existing_ente_and_comune_orgs(comune_a_editor, ente_admin, comune_b):
    organisations_setup(uts=comune_b.codice_uts)
    assert Organisation.objects.filter(kind="ente").count() == 1
    assert Organisation.objects.filter(comune=comune_a_editor.membership.organisation.comune).count() == 1


def test_organisations_setup_by_a_person_needs_ente_admin(comune_a_editor):
    with pytest.raises(PermissionDenied):
        organisations_setup(by=comune_a_editor)


def test_organisations_setup_command(territory, capsys):
    call_command("organisations_setup")
    assert "comuni creati 133 su 133" in capsys.readouterr().out


def test_organisation_create_and_update(ente_admin):
    org = svc.organisation_create(
        by=ente_admin,
        name="  Università  degli Studi di Milano ",
        body_kind="university",
        fiscal_code="80012210158",
        email="info@unimi.example",
    )
    assert org.kind == "body" and org.name == "Università degli Studi di Milano"
    entry = AuditEntry.objects.get(action="create", target_id=str(org.pk))
    assert entry.actor == ente_admin and entry.after["fiscal_code"] == "80012210158"

    svc.organisation_update(
        by=ente_admin, organisation=org, name=org.name, body_kind="university", phone="02 1234", active=False
    )
    org.refresh_from_db()
    assert org.phone == "02 1234" and not org.active and org.email == ""
    assert AuditEntry.objects.filter(action="update", target_id=str(org.pk)).count() == 1


def test_organisation_bad_input_is_refused_and_nothing_written(ente_admin, association_user):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        svc.organisation_create(
            by=ente_admin,
            name="associazione imprese metropolitane",  # same name, other case
            body_kind="spaceship",
            fiscal_code="123",
        )
    assert set(exc.value.error_dict) == {"name", "body_kind", "fiscal_code"}
    assert _counts() == before


def test_ente_and_comune_orgs_keep_their_name(ente_admin, comune_a_editor):
    org = comune_a_editor.membership.organisation
    svc.organisation_update(
        by=ente_admin,
        organisation=org,
        name="Altro nome",
        body_kind="other",
        email="protocollo@comune.example",
    )
    org.refresh_from_db()
    assert (
        org.name == "Comune di Milano" and org.kind == "comune" and org.email == "protocollo@comune.example"
    )


@pytest.mark.parametrize("persona", ["comune_a_editor", "association_user", "plain_user", "staff_user"])
def test_only_ente_admin_manages_organisations(request, persona, association_user):
    user = request.getfixturevalue(persona)
    body = association_user.membership.organisation
    before = _counts()
    with pytest.raises(PermissionDenied):
        svc.organisation_create(by=user, name="Nuova", body_kind="other")
    with pytest.raises(PermissionDenied):
        svc.organisation_update(by=user, organisation=body, name="Rinominata", body_kind="other")
    assert _counts() == before
    body.refresh_from_db()
    assert body.name == "Associazione Imprese Metropolitane"


# Invitations ------------------------------------------------------------------------------------------------


def test_invitation_sends_one_time_link_and_stores_only_the_hash(
    ente_admin, association_user, django_capture_on_commit_callbacks
):
    body = association_user.membership.organisation
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves by a task after the commit
        invitation, link = svc.invitation_create(
            by=ente_admin,
            email="Nuova.Persona@Example.org",
            organisation=body,
            role="editor",
            base_url="http://t/",
        )
    token = _token(link)
    assert invitation.email == "nuova.persona@example.org"
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nuova.persona@example.org"]
    assert link in mail.outbox[0].body and body.name in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="invitation_create", target_id=str(invitation.pk)).exists()
    # the token is never written to the audit log
    assert not AuditEntry.objects.filter(after__icontains=token).exists()

    user = svc.invitation_accept(
        token=token, username="nuova.persona", password=STRONG, full_name="Nuova Persona"
    )
    assert user.check_password(STRONG) and user.email == "nuova.persona@example.org"
    assert user.first_name == "Nuova" and user.last_name == "Persona"
    assert user.membership.organisation == body and user.membership.role == "editor"
    assert not user.is_staff
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.user == user
    assert AuditEntry.objects.filter(action="invitation_accept", actor=user).exists()

    # The link works once.
    before = _counts()
    with pytest.raises(PermissionDenied):
        svc.invitation_accept(token=token, username="altro.nome", password=STRONG)
    assert _counts() == before
    assert svc.invitation_pending(token) is None


def test_ente_editor_invitation_makes_django_staff(ente_admin):
    _inv, link = svc.invitation_create(
        by=ente_admin,
        email="redattore@example.org",
        organisation=ente_admin.membership.organisation,
        role="editor",
    )
    user = svc.invitation_accept(token=_token(link), username="redattore.nuovo", password=STRONG)
    assert user.is_staff


def test_expired_invitation_is_refused(ente_admin, association_user):
    invitation, link = svc.invitation_create(
        by=ente_admin,
        email="tardi@example.org",
        organisation=association_user.membership.organisation,
        role="viewer",
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = _counts()
    assert svc.invitation_pending(_token(link)) is None
    with pytest.raises(PermissionDenied):
        svc.invitation_accept(token=_token(link), username="tardi", password=STRONG)
    assert _counts() == before


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1], lambda t: t + "x", lambda t: t.upper(), lambda t: "", lambda t: "a" * 500]
)
def test_tampered_token_is_refused(ente_admin, association_user, mangle):
    _inv, link = svc.invitation_create(
        by=ente_admin,
        email="x@example.org",
        organisation=association_user.membership.organisation,
        role="viewer",
    )
    token = _token(link)
    before = _counts()
    assert svc.invitation_pending(mangle(token)) is None
    with pytest.raises(PermissionDenied):
        svc.invitation_accept(token=mangle(token), username="intruso", password=STRONG)
    assert _counts() == before
    # the real token still works
    assert svc.invitation_pending(token) is not None


def test_weak_password_or_taken_username_refused_and_link_still_valid(ente_admin, association_user):
    _inv, link = svc.invitation_create(
        by=ente_admin,
        email="x@example.org",
        organisation=association_user.membership.organisation,
        role="viewer",
    )
    token = _token(link)
    before = _counts()
    for username, password in [
        ("persona", "corta"),
        ("persona", "123456789012345"),
        ("persona", "password12345"),
        ("persona", "persona2026!"),  # too similar to the username
        ("associazione", STRONG),  # taken
        ("a b", STRONG),  # invalid characters
    ]:
        with pytest.raises(ValidationError):
            svc.invitation_accept(token=token, username=username, password=password)
    assert _counts() == before
    assert svc.invitation_pending(token) is not None


def test_new_invitation_revokes_the_previous_one(ente_admin, association_user):
    org = association_user.membership.organisation
    _first, first_link = svc.invitation_create(
        by=ente_admin, email="x@example.org", organisation=org, role="viewer"
    )
    _second, second_link = svc.invitation_create(
        by=ente_admin, email="x@example.org", organisation=org, role="editor"
    )
    assert svc.invitation_pending(_token(first_link)) is None
    assert svc.invitation_pending(_token(second_link)).role == "editor"


def test_invitation_revoke(ente_admin, association_user):
    inv, link = svc.invitation_create(
        by=ente_admin,
        email="x@example.org",
        organisation=association_user.membership.organisation,
        role="viewer",
    )
    svc.invitation_revoke(by=ente_admin, invitation=inv)
    assert svc.invitation_pending(_token(link)) is None
    assert AuditEntry.objects.filter(action="invitation_revoke", target_id=str(inv.pk)).count() == 1


def test_invitation_bad_input(ente_admin, association_user):
    org = association_user.membership.organisation
    with pytest.raises(ValidationError) as exc:
        svc.invitation_create(by=ente_admin, email="associazione@example.org", organisation=org, role="boss")
    assert set(exc.value.error_dict) == {"email", "role"}
    org.active = False
    org.save()
    with pytest.raises(ValidationError):
        svc.invitation_create(by=ente_admin, email="nuovo@example.org", organisation=org, role="viewer")
    assert Invitation.objects.count() == 0 and len(mail.outbox) == 0


@pytest.mark.parametrize("persona", ["comune_a_editor", "comune_b_editor", "association_user", "staff_user"])
def test_only_ente_admin_invites(request, persona, association_user):
    user = request.getfixturevalue(persona)
    before = _counts()
    with pytest.raises(PermissionDenied):
        svc.invitation_create(
            by=user,
            email="x@example.org",
            organisation=association_user.membership.organisation,
            role="admin",
        )
    assert _counts() == before and len(mail.outbox) == 0


# Users and roles ---------------------------------------------------------------------------------------


def test_disable_and_enable(ente_admin, comune_a_editor):
    svc.user_disable(by=ente_admin, user=comune_a_editor)
    comune_a_editor.refresh_from_db()
    assert not comune_a_editor.is_active
    entry = AuditEntry.objects.get(action="user_disable")
    assert entry.before["is_active"] is True and entry.after["is_active"] is False
    svc.user_disable(by=ente_admin, user=comune_a_editor)  # already disabled: no second audit row
    assert AuditEntry.objects.filter(action="user_disable").count() == 1
    svc.user_enable(by=ente_admin, user=comune_a_editor)
    comune_a_editor.refresh_from_db()
    assert comune_a_editor.is_active


def test_admin_cannot_disable_or_demote_self(ente_admin):
    with pytest.raises(ValidationError):
        svc.user_disable(by=ente_admin, user=ente_admin)
    with pytest.raises(ValidationError):
        svc.membership_set_role(by=ente_admin, user=ente_admin, role="viewer")
    ente_admin.refresh_from_db()
    assert ente_admin.is_active and ente_admin.membership.role == "admin"


def test_last_ente_admin_cannot_be_removed(ente_admin):
    su = UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError, match="almeno un amministratore"):
        svc.user_disable(by=su, user=ente_admin)
    with pytest.raises(ValidationError, match="almeno un amministratore"):
        svc.membership_set_role(by=su, user=ente_admin, role="editor")
    second = MembershipFactory(user=UserFactory(), organisation=EnteFactory(), role="admin").user
    svc.user_disable(by=su, user=ente_admin)  # now there is another admin
    assert second.is_active


def test_role_change_keeps_django_staff_in_step(ente_admin, comune_a_editor):
    ente = ente_admin.membership.organisation
    svc.membership_set_role(by=ente_admin, user=comune_a_editor, role="editor", organisation=ente)
    comune_a_editor.refresh_from_db()
    assert comune_a_editor.is_staff and comune_a_editor.membership.organisation == ente
    svc.membership_set_role(by=ente_admin, user=comune_a_editor, role="viewer")
    comune_a_editor.refresh_from_db()
    assert not comune_a_editor.is_staff and comune_a_editor.membership.role == "viewer"
    entries = AuditEntry.objects.filter(action="membership_set_role", target_id=str(comune_a_editor.pk))
    assert entries.count() == 2
    assert entries.last().before["organisation"] == "Comune di Milano"


def test_role_for_user_without_membership_needs_an_organisation(ente_admin, plain_user, association_user):
    with pytest.raises(ValidationError):
        svc.membership_set_role(by=ente_admin, user=plain_user, role="viewer")
    org = association_user.membership.organisation
    membership = svc.membership_set_role(by=ente_admin, user=plain_user, role="viewer", organisation=org)
    assert membership.organisation == org


@pytest.mark.parametrize("persona", ["comune_a_editor", "comune_b_editor", "association_user", "staff_user"])
def test_only_ente_admin_manages_users(request, persona, comune_a_editor):
    user = request.getfixturevalue(persona)
    victim = comune_a_editor if persona != "comune_a_editor" else UserFactory()
    ente = EnteFactory()
    before = _counts()
    with pytest.raises(PermissionDenied):
        svc.user_disable(by=user, user=victim)
    with pytest.raises(PermissionDenied):
        svc.membership_set_role(by=user, user=victim, role="admin", organisation=ente)
    assert _counts() == before
    victim.refresh_from_db()
    assert victim.is_active and not victim.is_staff


# demo_users --------------------------------------------------------------------------------------------


def test_demo_users_refused_outside_development(settings, territory):
    settings.DEBUG = False
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="solo in sviluppo"):
        call_command("demo_users")
    assert not User.objects.exists()


def test_demo_users_in_development_print_their_passwords(settings, capsys, db):
    settings.DEBUG = True
    comune = ComuneFactory(codice_istat="015146", name="Milano")
    organisations_setup(uts=comune.codice_uts)
    call_command("demo_users")
    out = capsys.readouterr().out
    match = re.search(r"admin\.ente\s+password: (\S+)", out)
    assert match
    admin = User.objects.get(username="admin.ente")
    assert admin.check_password(match.group(1)) and admin.is_staff
    assert User.objects.get(username="redattore.milano").membership.organisation.comune == comune
    assert "redattore.rho: organizzazione 015182 assente" in out
    assert User.objects.get(username="associazione").membership.organisation.kind == "body"
    call_command("demo_users")  # second run: passwords unchanged
    admin.refresh_from_db()
    assert admin.check_password(match.group(1))
    assert "già presente" in capsys.readouterr().out
    assert OrganisationFactory._meta.model.objects.filter(kind="body").count() == 1


def test_invitation_to_an_organisation_disabled_meanwhile_is_refused(ente_admin, association_user):
    org = association_user.membership.organisation
    _inv, link = svc.invitation_create(by=ente_admin, email="x@example.org", organisation=org, role="editor")
    svc.organisation_update(
        by=ente_admin, organisation=org, name=org.name, body_kind="business", active=False
    )
    before = _counts()
    assert svc.invitation_pending(_token(link)) is None
    with pytest.raises(PermissionDenied):
        svc.invitation_accept(token=_token(link), username="persona.x", password=STRONG)
    assert _counts() == before
