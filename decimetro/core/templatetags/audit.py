"""`{% load audit %}`: audit rows in words on any page (`core.audit_labels`): `{{ e.action|audit_action }}`,
`{% for label, before, after in e|audit_changes %}`, `{{ e|audit_author }}` (the organisation, for the
public)."""

from __future__ import annotations

from django import template

from decimetro.core import audit_labels
from decimetro.core.models import AuditEntry

register = template.Library()


@register.filter
def audit_action(code: str) -> str:
    return audit_labels.action_label(code)


@register.filter
def audit_changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    return audit_labels.field_changes(entry)


@register.filter
def audit_author(entry: AuditEntry) -> str:
    return audit_labels.public_author(entry)


@register.filter
def audit_system_actor(label: str) -> str:
    return audit_labels.system_actor_label(label)
