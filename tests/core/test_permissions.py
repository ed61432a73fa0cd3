"""The permission layer (decimetro.core.permissions and the apps' rules), persona by persona.

`ALLOWED` is the table of every registered permission: for each, the object it is asked about and the personas
who may do it. A permission registered without a row here fails `test_every_permission_is_in_the_table`."""

from __future__ import annotations

from typing import Any

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from decimetro.backoffice import urls as backoffice_urls
from decimetro.core import permissions as perms
from decimetro.core.models import User
from decimetro.core.permissions import can, ensure
from tests.factories import (
    ComuneFactory,
    ComuneOrganisationFactory,
    EnteFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    OrganisationFactory,
    ProjectFactory,
    StaffFactory,
    UserFactory,
)
from tests.participation.fixtures import ConsultationFactory, ObservationFactory, VerificationReportFactory

pytestmark = pytest.mark.django_db

PERSONAS = (
    "staff_user",
    "ente_admin",
    "comune_a_editor",
    "comune_b_editor",
    "association_user",
    "plain_user",
    "anonymous",
)
ENTE = frozenset({"staff_user", "ente_admin"})
EVERYONE_LOGGED_IN = frozenset(PERSONAS) - {"anonymous"}

# (permission, the object it is asked about) -> the personas who may do it. The objects (see `objects`) belong
# to Comune B, or to Comune A for the indicator, so each Comune's editor is tried on its own and on another's.
ALLOWED: dict[tuple[str, str | None], frozenset[str]] = {
    # decimetro.core.permissions
    ("profile.edit", None): EVERYONE_LOGGED_IN,
    ("accounts.manage", None): frozenset({"ente_admin"}),
    ("audit.view", None): frozenset({"ente_admin"}),
    ("organisation.write", "org_b"): ENTE | {"comune_b_editor"},
    ("comune.write", "comune_b"): ENTE | {"comune_b_editor"},
    ("plan.edit", None): ENTE,
    ("link.review", None): ENTE,
    ("pnrr.import", None): ENTE,
    ("pnrr.quality.view", None): ENTE,
    ("apitoken.manage", "org_b"): frozenset({"ente_admin"}),  # Comune B's editor is not its admin
    # decimetro.monitoring.permissions
    ("indicator.manage", None): ENTE,
    ("indicator.record_value", "indicator_a"): ENTE | {"comune_a_editor"},
    ("indicator.import_values", None): ENTE | {"comune_a_editor"},
    ("indicator.record_some", None): ENTE | {"comune_a_editor", "comune_b_editor"},
    # decimetro.participation.permissions
    ("consultation.manage", None): ENTE,
    ("observation.submit", "consultation"): frozenset(
        {"comune_a_editor", "comune_b_editor", "association_user"}
    ),
    ("observation.view_attachment", "observation_b"): ENTE | {"comune_b_editor"},
    ("verification.file", None): frozenset(
        {"ente_admin", "comune_a_editor", "comune_b_editor", "association_user"}
    ),
    ("verification.change", "report_b"): frozenset({"comune_b_editor"}),
    ("verification.delete", "report_b"): frozenset({"comune_b_editor"}),
    ("verification.hide", None): ENTE,
    ("verification.view_hidden", "report_b"): ENTE | {"comune_b_editor"},
    ("dup.write", "org_b"): ENTE | {"comune_b_editor"},
    ("dup.manage_all", None): ENTE,
    # decimetro.follow.permissions
    ("follow.own", None): EVERYONE_LOGGED_IN,
}

# The message of each refusal (the texts users see, and that other tests match): kept word for word.
REFUSED: dict[str, str] = {
    "profile.edit": "Accesso riservato agli utenti registrati e attivi.",
    "accounts.manage": "Solo gli amministratori dell'Ente possono compiere questa operazione.",
    "audit.view": "Solo gli amministratori dell'Ente possono compiere questa operazione.",
    "organisation.write": "Non puoi scrivere per conto di questa organizzazione.",
    "comune.write": "Non puoi modificare i dati di questo Comune.",
    "plan.edit": "Solo il personale dell'Ente può modificare il piano.",
    "link.review": "Solo il personale dell'Ente può modificare il piano.",
    "pnrr.import": "Solo il personale dell'Ente può modificare il piano.",
    "pnrr.quality.view": "Pagina riservata al personale dell'Ente.",
    "apitoken.manage": "Solo gli amministratori dell'organizzazione gestiscono i suoi token API.",
    "indicator.manage": "Solo il personale dell'Ente può definire gli indicatori.",
    "indicator.record_value": "Non è consentito registrare valori per questo indicatore.",
    "indicator.import_values": "Non è consentito importare valori degli indicatori.",
    "indicator.record_some": (
        "Solo il personale dell'Ente, i Comuni e i responsabili degli indicatori registrano valori."
    ),
    "consultation.manage": "Solo il personale dell'Ente può compiere questa operazione.",
    "observation.submit": "La tua organizzazione non è invitata a questa consultazione.",
    "observation.view_attachment": "Allegato non disponibile.",
    "verification.file": "Solo i redattori di un'organizzazione possono inviare una verifica.",
    "verification.change": "Puoi modificare solo le verifiche della tua organizzazione.",
    "verification.delete": "Puoi eliminare solo le verifiche della tua organizzazione.",
    "verification.hide": "Solo il personale dell'Ente può compiere questa operazione.",
    "verification.view_hidden": "Verifica non disponibile.",
    "dup.write": "Non puoi modificare il DUP di questa organizzazione.",
    "dup.manage_all": "Solo il personale dell'Ente può compiere questa operazione.",
    "follow.own": "Per seguire con il proprio account occorre accedere con un account attivo.",
}


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def objects(comune_a, comune_b, comune_a_editor, comune_b_editor) -> dict[str, Any]:
    org_b = comune_b_editor.membership.organisation
    report_b = VerificationReportFactory(
        project=ProjectFactory(), organisation=org_b, author=comune_b_editor, hidden=True
    )
    consultation = ConsultationFactory(objective=ObjectiveFactory())
    return {
        "org_b": org_b,
        "comune_b": comune_b,
        "indicator_a": IndicatorFactory(comune=comune_a, owner=UserFactory(username="titolare")),
        "consultation": consultation,
        "observation_b": ObservationFactory(consultation=consultation, organisation=org_b, status="pending"),
        "report_b": report_b,
    }


def _personas(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.mark.parametrize(("perm", "obj_name"), list(ALLOWED), ids=[p for p, _o in ALLOWED])
def test_each_permission_against_the_personas(request, objects, perm, obj_name):
    personas = _personas(request)
    obj = objects[obj_name] if obj_name else None

    allowed_by_can = {name for name, user in personas.items() if can(user, perm, obj)}
    allowed_by_django = {name for name, user in personas.items() if user.has_perm(perm, obj)}

    assert allowed_by_can == ALLOWED[perm, obj_name]
    assert allowed_by_django == ALLOWED[perm, obj_name]  # the rules backend answers user.has_perm alike
    for name, user in personas.items():
        if name in ALLOWED[perm, obj_name]:
            ensure(user, perm, obj)
        else:
            with pytest.raises(PermissionDenied) as refused:
                ensure(user, perm, obj)
            assert str(refused.value) == REFUSED[perm], name


def test_every_permission_is_in_the_table():
    """A new rule cannot be added untested: each registered permission has a row (and a message) above."""
    tested = {perm for perm, _obj in ALLOWED}
    assert perms.registered_permissions() == tested
    assert set(rules.permissions.permissions) == tested  # nothing registered around `add_perm`
    assert set(REFUSED) == tested


def test_an_unknown_permission_is_an_error(staff_user):
    with pytest.raises(KeyError):
        can(staff_user, "plan.edti")
    with pytest.raises(KeyError):
        ensure(staff_user, "plan.edti")


# Roles and the helpers behind the rules ---------------------------------------------------------------------


@pytest.fixture
def ente_editor(db):
    return MembershipFactory(user=StaffFactory(username="redattore.ente"), organisation=EnteFactory()).user


@pytest.fixture
def ente_viewer(db):
    return MembershipFactory(
        user=UserFactory(username="lettore.ente"), organisation=EnteFactory(), role="viewer"
    ).user


@pytest.fixture
def comune_a_viewer(comune_a, comune_a_editor):
    org = comune_a_editor.membership.organisation
    return MembershipFactory(user=UserFactory(username="lettore.a"), organisation=org, role="viewer").user


def test_membership_of_each_persona(ente_admin, comune_a_editor, association_user, plain_user):
    assert perms.membership_of(ente_admin).organisation.kind == "ente"
    assert perms.membership_of(comune_a_editor).role == "editor"
    assert perms.organisation_of(association_user).name == "Associazione Imprese Metropolitane"
    assert perms.membership_of(plain_user) is None
    assert perms.membership_of(AnonymousUser()) is None
    assert perms.membership_of(None) is None
    assert perms.role_of(ente_admin) == "admin"


def test_comune_of(comune_a, comune_a_editor, ente_admin, association_user):
    assert perms.comune_of(comune_a_editor) == comune_a
    assert perms.writable_comune_id(comune_a_editor) == comune_a.pk
    assert perms.comune_of(ente_admin) is None
    assert perms.writable_comune_id(ente_admin) is None
    assert perms.comune_of(association_user) is None


def test_ente_roles(ente_admin, ente_editor, ente_viewer, comune_a_editor, association_user, staff_user):
    assert perms.is_ente_admin(ente_admin)
    assert not perms.is_ente_admin(ente_editor)
    assert not perms.is_ente_admin(ente_viewer)
    assert not perms.is_ente_admin(staff_user)  # Django staff alone does not manage accounts
    assert not perms.is_ente_admin(comune_a_editor)

    assert perms.is_ente_staff(ente_admin)
    assert perms.is_ente_staff(ente_editor)
    assert perms.is_ente_staff(staff_user)
    assert not perms.is_ente_staff(ente_viewer)
    assert not perms.is_ente_staff(comune_a_editor)
    assert not perms.is_ente_staff(association_user)


def test_plan_editing_agrees_with_the_ente_roles(ente_admin, ente_editor, ente_viewer, comune_a_editor):
    """Ente editors/admins are Django staff (the membership services make them so): they edit the plan."""
    assert can(ente_admin, "plan.edit")
    assert can(ente_editor, "plan.edit")
    assert not can(ente_viewer, "plan.edit")
    assert not can(comune_a_editor, "plan.edit")


def test_viewers_write_nothing(comune_a, comune_a_viewer, ente_viewer):
    org_a = comune_a_viewer.membership.organisation
    assert not can(comune_a_viewer, "comune.write", comune_a)
    assert not can(comune_a_viewer, "organisation.write", org_a)
    assert not can(comune_a_viewer, "dup.write", org_a)
    assert not can(comune_a_viewer, "verification.file")
    assert not can(ente_viewer, "consultation.manage")


def test_acting_as_an_organisation_is_for_its_own_editors(association_user, ente_admin, comune_a_editor):
    body = association_user.membership.organisation
    other = OrganisationFactory(name="Università degli Studi")
    assert can(association_user, "organisation.write", body)
    assert not can(association_user, "organisation.write", other)
    assert not can(comune_a_editor, "organisation.write", body)
    assert can(ente_admin, "organisation.write", body)  # the Ente's staff write for everybody
    # An intermediate body keeps no DUP, whoever asks.
    assert not can(association_user, "dup.write", body)
    assert not can(ente_admin, "dup.write", body)
    # Acting *as* an organisation: only its own editors, not the Ente's staff.
    assert perms.is_member_writer_of(association_user, body)
    assert not perms.is_member_writer_of(ente_admin, body)


def test_no_comune_no_comune_write(staff_user, comune_a_editor):
    assert not can(staff_user, "comune.write", None)
    assert not can(comune_a_editor, "comune.write", None)


def test_inactive_user_or_organisation_grants_nothing(comune_a, comune_a_editor, ente_admin):
    comune_a_editor.is_active = False
    assert not can(comune_a_editor, "comune.write", comune_a)
    assert not can(comune_a_editor, "profile.edit")
    assert perms.membership_of(comune_a_editor) is None
    org = ente_admin.membership.organisation
    org.active = False
    org.save()
    ente_admin.refresh_from_db()
    assert not can(ente_admin, "accounts.manage")


def test_superuser(db):
    """A superuser is Ente admin and staff by the rules. `can`/`ensure` answer exactly what the rules say:
    with no organisation, a superuser does not act in an organisation's name. Django's `has_perm` says yes
    to an active superuser before asking the rules."""
    su = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert perms.is_ente_admin(su)
    assert perms.is_ente_staff(su)
    assert can(su, "accounts.manage")
    assert not can(su, "verification.file")
    assert su.has_perm("verification.file")


def test_membership_of_costs_one_query_per_request(django_assert_num_queries, db):
    org = ComuneOrganisationFactory(comune=ComuneFactory())
    user = MembershipFactory(organisation=org).user
    fresh = User.objects.get(pk=user.pk)
    with django_assert_num_queries(2):  # membership, then its organisation; then cached on the instance
        perms.membership_of(fresh)
        can(fresh, "plan.edit")
        can(fresh, "comune.write", org.comune)
        can(fresh, "organisation.write", org)


# The back office's login wall -------------------------------------------------------------------------------

_ARGS = {"pk": 999999, "code": "M1", "key": "ente", "token": "nessuno", "slug": "nessuna"}


@pytest.mark.parametrize(
    "pattern",
    backoffice_urls.urlpatterns,
    ids=[p.name or str(p.pattern) for p in backoffice_urls.urlpatterns],
)
def test_the_back_office_is_behind_login_but_the_invitation(client, pattern):
    """Guarded once in backoffice/urls.py: an anonymous visitor of any page is sent to the login page, with
    the page to come back to; only the invitation (accepted before having an account) answers itself."""
    kwargs = {name: _ARGS[name] for name in pattern.pattern.converters}
    url = reverse(f"backoffice:{pattern.name}", kwargs=kwargs)
    for response in (client.get(url), client.post(url)):
        if pattern.name == "invitation_accept":
            assert response.status_code == 404  # the page of an invalid invitation, not the login
        else:
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('login')}?next={url}"
