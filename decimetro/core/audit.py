"""The audit log: every service that writes calls `audit_record` inside its transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from decimetro.core.models import AuditEntry, User


def jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Make a snapshot JSON-storable: related objects become their code (or pk), decimals and dates text."""
    if data is None:
        return None
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, models.Model):
            value = getattr(value, "code", None) or getattr(value, "slug", None) or value.pk
        elif isinstance(value, Decimal | date | datetime):
            value = value.isoformat() if not isinstance(value, Decimal) else str(value)
        out[key] = value
    return out


def audit_record(
    *,
    by: User | None,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    by_label: str | None = None,
) -> AuditEntry:
    # A token's account carries the token's name (`core.services_tokens.api_token_authenticate`): the row says
    # which token wrote, not the account's technical username.
    label = (
        by_label or getattr(by, "audit_label", None) or (by.get_username() if by is not None else "sistema")
    )
    return AuditEntry.objects.create(
        actor=by,
        actor_label=label,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        before=jsonable(before),
        after=jsonable(after),
    )


def audit_history(target: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor__membership__organisation")  # the public author (core.audit_labels)
