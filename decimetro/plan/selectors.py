"""Reads of the plan, shaped for the pages and the API that show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from decimetro.core.audit import audit_history
from decimetro.core.audit_labels import action_label, field_changes, public_author
from decimetro.core.models import AuditEntry
from decimetro.plan.models import (
    ACTOR_FIELDS,
    ACTOR_LABELS,
    Component,
    Edition,
    EditionStatus,
    Keyword,
    Mission,
    Objective,
)


def current_edition() -> Edition | None:
    published = Edition.objects.filter(status=EditionStatus.PUBLISHED)
    return published.filter(is_current=True).first() or published.first()


def published_editions() -> QuerySet[Edition]:
    """Every published edition, the newest first (the public list: the current one and the earlier ones)."""
    return Edition.objects.filter(status=EditionStatus.PUBLISHED).order_by("-year_start", "-pk")


def all_editions() -> QuerySet[Edition]:
    """Every edition, drafts included (the back office)."""
    return Edition.objects.annotate(objective_count=Count("objectives")).order_by("-year_start", "-pk")


@dataclass(frozen=True)
class ObjectiveChange:
    code: str
    old: Objective | None
    new: Objective | None


@dataclass(frozen=True)
class EditionDiff:
    added: list[ObjectiveChange]
    removed: list[ObjectiveChange]
    reworded: list[ObjectiveChange]
    unchanged: list[ObjectiveChange]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.reworded)


def _code_key(code: str) -> tuple[int, int]:
    mission, _sep, number = code.partition(".")
    if not (mission[1:].isdigit() and number.isdigit()):
        return (99, 0)
    return (int(mission[1:]), int(number))


def diff_objectives(old: list[Objective], new: list[Objective]) -> EditionDiff:
    """Pure: objectives matched by code. Added (only in new), removed (only in old), reworded (same code, a
    different title once surrounding and repeated blanks are ignored), unchanged."""

    def norm(text: str) -> str:
        return " ".join(text.split())

    before = {o.code: o for o in old}
    after = {o.code: o for o in new}
    codes = sorted(set(before) | set(after), key=_code_key)
    added, removed, reworded, unchanged = [], [], [], []
    for code in codes:
        change = ObjectiveChange(code=code, old=before.get(code), new=after.get(code))
        if change.old is None:
            added.append(change)
        elif change.new is None:
            removed.append(change)
        elif norm(change.old.title) != norm(change.new.title):
            reworded.append(change)
        else:
            unchanged.append(change)
    return EditionDiff(added=added, removed=removed, reworded=reworded, unchanged=unchanged)


def edition_diff(old: Edition | None, new: Edition) -> EditionDiff:
    """The objectives added, removed and reworded from edition `old` (the current one) to `new` (a draft)."""
    return diff_objectives(list(objectives_for(old)) if old is not None else [], list(objectives_for(new)))


def default_mapping(diff: EditionDiff) -> dict[int, int | None]:
    """The proposed map old objective → new objective: the same code, else no successor."""
    return {
        c.old.pk: (c.new.pk if c.new is not None else None)
        for c in (*diff.removed, *diff.reworded, *diff.unchanged)
        if c.old is not None
    }


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


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    action: str
    changes: list[tuple[str, str, str]]


def plan_history(target: models.Model) -> list[HistoryRow]:
    """The last 20 audit rows of an entry, in words (`core.audit_labels`): the organisation or process that
    wrote it (never a username), the action and field labels, sì/no for flags, '—' for nothing."""
    return [
        HistoryRow(
            when=entry.created_at,
            who=public_author(entry),
            action=action_label(entry.action),
            changes=field_changes(entry, HISTORY_FIELDS),
        )
        for entry in audit_history(target)[:20]
    ]


def plan_changes_since(since: datetime) -> QuerySet[AuditEntry]:
    """The writes on the plan (its editions, missions, components, objectives, keywords) since `since`,
    newest first: the audit rows whose target is a model of this app (for the desk's "what changed")."""
    return (
        AuditEntry.objects.filter(target_type__app_label="plan", created_at__gte=since)
        .select_related("target_type")
        .order_by("-created_at", "-id")
    )
