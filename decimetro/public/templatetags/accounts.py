"""Template filters for the actors' permissions: `{% load accounts %}` then `user|is_ente_admin`."""

from __future__ import annotations

from typing import Any

from django import template

from decimetro.core import permissions

register = template.Library()


@register.filter
def is_ente_admin(user: Any) -> bool:
    return bool(permissions.is_ente_admin(user))


@register.filter
def is_ente_staff(user: Any) -> bool:
    return bool(permissions.is_ente_staff(user))
