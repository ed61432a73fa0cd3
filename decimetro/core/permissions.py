"""Who may do what: the single place for the actors' permissions.

Every app's services call these (the `ensure_*` variants raise PermissionDenied with an Italian message) and
views check them first. The rules:

- An inactive or anonymous user may write nothing.
- A user belongs to at most one organisation (Membership) with a role: viewer, editor or admin.
  A membership in an inactive organisation grants nothing.
- Ente staff = active Django staff, or an editor/admin of the Ente. Ente editors/admins are made Django
  staff by the membership services, so `can_edit_plan` (active Django staff) holds.
- Ente admin = an admin of the Ente (or a Django superuser): manages accounts and organisations,
  reads the audit log.
- A Comune's editor/admin writes only that Comune's data; an intermediate body's editor/admin writes
  only for its own organisation; viewers write nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model

from decimetro.core.models import Membership, Organisation, OrganisationKind, Role, User

WRITER_ROLES = frozenset({Role.EDITOR.value, Role.ADMIN.value})


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def membership_of(user: Any) -> Membership | None:
    """The user's membership (with its organisation), or None (anonymous, inactive, none, inactive org).

    The reverse one-to-one is cached on the user instance: repeated checks in a request cost one query."""
    if not _active(user):
        return None
    try:
        membership: Membership = user.membership
    except ObjectDoesNotExist:
        return None
    if not membership.organisation.active:
        return None
    return membership


def organisation_of(user: Any) -> Organisation | None:
    membership = membership_of(user)
    return membership.organisation if membership else None


def role_of(user: Any) -> str | None:
    membership = membership_of(user)
    return membership.role if membership else None


def comune_of(user: Any) -> Model | None:
    """The Comune the user acts for (only for members of a Comune's organisation)."""
    membership = membership_of(user)
    if membership is None or membership.organisation.kind != OrganisationKind.COMUNE:
        return None
    return membership.organisation.comune


def is_ente_member(user: Any) -> bool:
    """Any role in the Ente (viewers included), or Django staff: may read the back office of the Ente."""
    if not _active(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    membership = membership_of(user)
    return membership is not None and membership.organisation.kind == OrganisationKind.ENTE


def is_ente_admin(user: Any) -> bool:
    """An administrator of the Ente (or a Django superuser): manages accounts and reads the audit log."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    membership = membership_of(user)
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.ENTE
        and membership.role == Role.ADMIN
    )


def is_ente_staff(user: Any) -> bool:
    """Active Django staff, or an editor/admin of the Ente: writes for the whole territory."""
    if not _active(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    membership = membership_of(user)
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.ENTE
        and membership.role in WRITER_ROLES
    )


def is_member_writer_of(user: Any, organisation: Organisation | None) -> bool:
    """An editor/admin of exactly this organisation (Ente staff NOT included: use it to act *as* it)."""
    if organisation is None:
        return False
    membership = membership_of(user)
    return (
        membership is not None
        and membership.organisation_id == organisation.pk
        and membership.role in WRITER_ROLES
    )


def can_write_for_organisation(user: Any, organisation: Organisation | None) -> bool:
    """Ente staff, or an editor/admin of this organisation."""
    return is_ente_staff(user) or is_member_writer_of(user, organisation)


def can_write_for_comune(user: Any, comune: Model | None) -> bool:
    """Ente staff, or an editor/admin of this Comune's organisation."""
    if comune is None:
        return False
    if is_ente_staff(user):
        return True
    membership = membership_of(user)
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.COMUNE
        and membership.organisation.comune_id == comune.pk
        and membership.role in WRITER_ROLES
    )


def can_manage_accounts(user: Any) -> bool:
    return is_ente_admin(user)


def can_view_audit_log(user: Any) -> bool:
    return is_ente_admin(user)


# ensure_* -----------------------------------------------------------------------------------------------


def ensure_authenticated(user: Any) -> None:
    if not _active(user):
        raise PermissionDenied("Accesso riservato agli utenti registrati e attivi.")


def ensure_ente_admin(user: Any) -> None:
    if not is_ente_admin(user):
        raise PermissionDenied("Solo gli amministratori dell'Ente possono compiere questa operazione.")


def ensure_ente_staff(user: Any) -> None:
    if not is_ente_staff(user):
        raise PermissionDenied("Solo il personale dell'Ente può compiere questa operazione.")


def ensure_ente_member(user: Any) -> None:
    if not is_ente_member(user):
        raise PermissionDenied("Pagina riservata al personale dell'Ente.")


def ensure_can_write_for_comune(user: Any, comune: Model | None) -> None:
    if not can_write_for_comune(user, comune):
        raise PermissionDenied("Non puoi modificare i dati di questo Comune.")


def ensure_can_write_for_organisation(user: Any, organisation: Organisation | None) -> None:
    if not can_write_for_organisation(user, organisation):
        raise PermissionDenied("Non puoi scrivere per conto di questa organizzazione.")


def ensure_member_writer_of(user: Any, organisation: Organisation | None) -> None:
    if not is_member_writer_of(user, organisation):
        raise PermissionDenied(
            "Solo i redattori di questa organizzazione possono compiere questa operazione."
        )


def can_edit_plan(user: User | AnonymousUser | None) -> bool:
    """Only the Ente's staff edit the plan."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def ensure_can_edit_plan(user: User | AnonymousUser | None) -> None:
    if not can_edit_plan(user):
        raise PermissionDenied("Solo il personale dell'Ente può modificare il piano.")
