"""The actors' permissions (decimetro.core.permissions), persona by persona."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from decimetro.core import permissions as perms
from decimetro.core.permissions import can_edit_plan
from tests.factories import (
    ComuneFactory,
    ComuneOrganisationFactory,
    EnteFactory,
    MembershipFactory,
    OrganisationFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


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
    assert perms.comune_of(ente_admin) is None
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

    assert perms.is_ente_member(ente_viewer)
    assert not perms.is_ente_member(comune_a_editor)


def test_superuser_is_ente_admin(db):
    su = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert perms.is_ente_admin(su)
    assert perms.is_ente_staff(su)


def test_comune_editor_writes_only_its_comune(
    comune_a, comune_b, comune_a_editor, comune_b_editor, comune_a_viewer, ente_admin, association_user
):
    assert perms.can_write_for_comune(comune_a_editor, comune_a)
    assert not perms.can_write_for_comune(comune_a_editor, comune_b)
    assert perms.can_write_for_comune(comune_b_editor, comune_b)
    assert not perms.can_write_for_comune(comune_b_editor, comune_a)
    assert not perms.can_write_for_comune(comune_a_viewer, comune_a)  # viewers write nothing
    assert not perms.can_write_for_comune(association_user, comune_a)
    assert perms.can_write_for_comune(ente_admin, comune_a)  # the Ente's staff writes for the whole territory
    assert not perms.can_write_for_comune(AnonymousUser(), comune_a)
    assert not perms.can_write_for_comune(comune_a_editor, None)
    with pytest.raises(PermissionDenied, match="Comune"):
        perms.ensure_can_write_for_comune(comune_a_editor, comune_b)
    perms.ensure_can_write_for_comune(comune_a_editor, comune_a)


def test_organisation_writers(association_user, comune_a_editor, ente_admin, ente_viewer):
    body = association_user.membership.organisation
    other = OrganisationFactory(name="Università degli Studi")
    assert perms.can_write_for_organisation(association_user, body)
    assert not perms.can_write_for_organisation(association_user, other)
    assert not perms.can_write_for_organisation(comune_a_editor, body)
    assert perms.can_write_for_organisation(ente_admin, body)
    assert not perms.can_write_for_organisation(ente_viewer, body)
    # Acting *as* an organisation: only its own editors, not the Ente's staff.
    assert perms.is_member_writer_of(association_user, body)
    assert not perms.is_member_writer_of(ente_admin, body)
    with pytest.raises(PermissionDenied):
        perms.ensure_member_writer_of(ente_admin, body)
    with pytest.raises(PermissionDenied, match="organizzazione"):
        perms.ensure_can_write_for_organisation(association_user, other)


def test_inactive_user_or_organisation_grants_nothing(comune_a, comune_a_editor, ente_admin):
    comune_a_editor.is_active = False
    assert not perms.can_write_for_comune(comune_a_editor, comune_a)
    assert perms.membership_of(comune_a_editor) is None
    org = ente_admin.membership.organisation
    org.active = False
    org.save()
    ente_admin.refresh_from_db()
    assert not perms.is_ente_admin(ente_admin)


def test_ensure_messages_are_italian(plain_user):
    with pytest.raises(PermissionDenied, match="amministratori dell'Ente"):
        perms.ensure_ente_admin(plain_user)
    with pytest.raises(PermissionDenied, match="personale dell'Ente"):
        perms.ensure_ente_staff(plain_user)
    with pytest.raises(PermissionDenied):
        perms.ensure_authenticated(AnonymousUser())


def test_plan_editing_rule_still_holds(ente_admin, ente_editor, ente_viewer, comune_a_editor, staff_user):
    """core.permissions.can_edit_plan (active Django staff) agrees with the Ente roles."""
    assert can_edit_plan(ente_admin)
    assert can_edit_plan(ente_editor)
    assert can_edit_plan(staff_user)
    assert not can_edit_plan(ente_viewer)
    assert not can_edit_plan(comune_a_editor)


def test_membership_of_costs_one_query_per_request(django_assert_num_queries, db):
    org = ComuneOrganisationFactory(comune=ComuneFactory())
    user = MembershipFactory(organisation=org).user
    from decimetro.core.models import User

    fresh = User.objects.get(pk=user.pk)
    with django_assert_num_queries(2):  # membership, then its organisation; then cached on the instance
        perms.membership_of(fresh)
        perms.is_ente_staff(fresh)
        perms.can_write_for_comune(fresh, org.comune)
