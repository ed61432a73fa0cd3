"""Reads of the plan, shaped for the pages and the API that show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from decimetro.core.audit import audit_history
from decimetro.plan.models import (
    ACTOR_FIELDS,
    ACTOR_LABELS,
    Component,
    Edition,
    Keyword,
    Mission,
    Objective,
)


def current_edition() -> Edition | None:
    return Edition.objects.filter(is_current=True).first() or Edition.objects.first()


def keywords_for(edition: Edition) -> QuerySet[Keyword]:
    return Keyword.objects.filter(edition=edition).order_by("position")


def missions_for(edition: Edition) -> QuerySet[Mission]:
    return (
        Mission.objects.filter(edition=edition)
        .prefetch_related(Prefetch("keywords", queryset=Keyword.objects.order_by("position")))
        .annotate(objective_count=Count("objectives", distinct=True))
        .order_by("number")
    )


def mission_detail(edition: Edition) -> QuerySet[Mission]:
    return missions_for(edition).prefetch_related(
        Prefetch("components", queryset=Component.objects.order_by("position")),
        Prefetch("objectives", queryset=Objective.objects.order_by("number")),
    )


def components_for(edition: Edition) -> QuerySet[Component]:
    return Component.objects.filter(edition=edition).select_related("mission").order_by("position")


def objectives_for(
    edition: Edition,
    *,
    mission: str | None = None,
    actor: str | None = None,
    keyword: str | None = None,
    q: str | None = None,
) -> QuerySet[Objective]:
    qs = Objective.objects.filter(edition=edition).select_related("mission")
    if mission:
        qs = qs.filter(mission__code=mission)
    if actor:
        if actor not in ACTOR_FIELDS:
            raise ValueError(f"attore sconosciuto: {actor}")
        qs = qs.filter(**{actor: True})
    if keyword:
        qs = qs.filter(mission__keywords__slug=keyword)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__iexact=q))
    return qs.order_by("mission__number", "number")


def current_edition_or_404() -> Edition:
    edition = current_edition()
    if edition is None:
        raise Http404("Nessuna edizione del piano caricata (eseguire `manage.py plan_load`).")
    return edition


HISTORY_FIELDS = {
    "title": _("Titolo"),
    "introduction": _("Introduzione"),
    "matrix_title": _("Titolo nella matrice della visione"),
    "number": _("Numero"),
    "position": _("Posizione"),
    "mission": _("Missione"),
    "keywords": _("Parole chiave"),
    **ACTOR_LABELS,
}


HISTORY_ACTIONS = {"create": _("creazione"), "update": _("modifica"), "keywords": _("parole chiave")}


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    action: str
    changes: list[tuple[str, str, str]]


def _shown(value: object) -> str:
    if value is True:
        return _t("sì")
    if value is False:
        return _t("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def plan_history(target: models.Model) -> list[HistoryRow]:
    """The last 20 audit rows of an entry, in words: field labels, sì/no for flags, '—' for nothing."""
    return [
        HistoryRow(
            when=entry.created_at,
            who=entry.actor_label,
            action=str(HISTORY_ACTIONS.get(entry.action.rsplit(".", 1)[-1], entry.action)),
            changes=[(str(HISTORY_FIELDS.get(f, f)), _shown(b), _shown(a)) for f, b, a in entry.changes],
        )
        for entry in audit_history(target)[:20]
    ]
