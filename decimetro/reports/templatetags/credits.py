"""`{% load credits %}` … `{% credit "pnrr" %}`: the data credits in templates, from the constants the data
apps declare (`<app>/credits.py`), so that a page prints the same words as the API and the exports."""

from __future__ import annotations

from django import template

from decimetro.participation.credits import DUP
from decimetro.plan.credits import ENTE_PLAN, PLAN
from decimetro.pnrr.credits import MILESTONES, PNRR
from decimetro.territory.credits import BOUNDARIES, ISTAT

register = template.Library()

CREDITS = {
    "istat": str(ISTAT),
    "boundaries": str(BOUNDARIES),
    "pnrr": str(PNRR),
    "pnrr_milestones": str(MILESTONES),
    "plan": str(PLAN),
    "ente_plan": ENTE_PLAN,  # the Ente's plan named beside another source, without "Fonte:"
    "dup": str(DUP),
}


@register.simple_tag
def credit(name: str) -> str:
    """The credit line of `name` (a key of CREDITS; an unknown name is an error, not an empty string)."""
    return CREDITS[name]
