from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from decimetro.core.models import User


def can_edit_plan(user: User | AnonymousUser | None) -> bool:
    """Only the Ente's staff edit the plan."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def ensure_can_edit_plan(user: User | AnonymousUser | None) -> None:
    if not can_edit_plan(user):
        raise PermissionDenied("Solo il personale dell'Ente può modificare il piano.")
