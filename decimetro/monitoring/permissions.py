"""Who may do what with indicators (on top of decimetro.core.permissions).

The Ente's staff define indicators; a value is recorded by the Ente's staff, by the indicator's owner, or
(for a comune's indicator) by an editor or administrator of that comune's organisation. Others: nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from decimetro.core.models import OrganisationKind
from decimetro.core.permissions import WRITER_ROLES, is_ente_staff, membership_of
from decimetro.monitoring.models import Indicator

__all__ = ["is_ente_staff"]


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def writable_comune_id(user: Any) -> int | None:
    """The comune whose data this user may write (editor/admin of an active comune organisation), if any."""
    membership = membership_of(user)
    if (
        membership is None
        or membership.organisation.kind != OrganisationKind.COMUNE
        or membership.role not in WRITER_ROLES
    ):
        return None
    return membership.organisation.comune_id


def can_manage_indicators(user: Any) -> bool:
    return is_ente_staff(user)


def ensure_can_manage_indicators(user: Any) -> None:
    if not can_manage_indicators(user):
        raise PermissionDenied("Solo il personale dell'Ente può definire gli indicatori.")


def can_record_value(user: Any, indicator: Indicator) -> bool:
    """Ente staff, the indicator's owner, or an editor/admin of the indicator's comune."""
    if not _active(user):
        return False
    if is_ente_staff(user) or (indicator.owner_id is not None and indicator.owner_id == user.pk):
        return True
    return indicator.comune_id is not None and writable_comune_id(user) == indicator.comune_id


def ensure_can_record_value(user: Any, indicator: Indicator) -> None:
    if not can_record_value(user, indicator):
        raise PermissionDenied("Non è consentito registrare valori per questo indicatore.")


def can_record_any_value(user: Any) -> bool:
    """Whether the user could record a value for at least one active indicator (the CSV import page)."""
    if not _active(user):
        return False
    if is_ente_staff(user):
        return True
    comune_id = writable_comune_id(user)
    mine = Indicator.objects.filter(active=True, owner_id=user.pk)
    if comune_id is not None:
        mine = mine | Indicator.objects.filter(active=True, comune_id=comune_id)
    return mine.exists()
