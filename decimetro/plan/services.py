"""Writes to the plan. Each function checks permission first, runs in one transaction, leaves audit rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _t

from decimetro.core.audit import audit_record
from decimetro.core.models import User
from decimetro.core.permissions import ensure
from decimetro.plan.models import (
    ACTOR_FIELDS,
    Component,
    Direction,
    Edition,
    EditionStatus,
    Keyword,
    Mission,
    Objective,
)
from decimetro.plan.plan_file import PlanData
from decimetro.plan.signals import edition_published


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


EDITION_FIELDS = ["title", "short_title", "ente", "year_start", "year_end", "source"]
KEYWORD_FIELDS = ["name", "position"]
DIRECTION_FIELDS = ["actor", "title", "text", "position"]
MISSION_FIELDS = ["number", "title", "matrix_title", "introduction"]
COMPONENT_FIELDS = ["title", "position", *ACTOR_FIELDS]
OBJECTIVE_FIELDS = ["number", "title", *ACTOR_FIELDS]


@dataclass
class LoadSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    kind: str,
    summary: LoadSummary,
    by: User | None,
    by_label: str,
) -> Any:
    obj = model._default_manager.filter(**lookup).first()
    fields = list(values)
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        audit_record(
            by=by,
            by_label=by_label,
            action=f"{kind}.create",
            target=obj,
            before=None,
            after=snapshot(obj, fields),
        )
        summary.count(kind, "created")
        return obj
    before = snapshot(obj, fields)
    if before == values:
        summary.count(kind, "unchanged")
        return obj
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    audit_record(
        by=by,
        by_label=by_label,
        action=f"{kind}.update",
        target=obj,
        before=before,
        after=snapshot(obj, fields),
    )
    summary.count(kind, "updated")
    return obj


@transaction.atomic
def plan_load(
    *, data: PlanData, by: User | None = None, by_label: str = "plan_load", draft: bool = False
) -> LoadSummary:
    """Create or update an edition from a parsed plan file. Idempotent: loading the same file twice changes
    nothing and writes no audit row the second time. Entries absent from the file are left untouched.

    `draft=True` loads a new edition as a draft (compared and published with `edition_publish`): it never
    touches a published edition — a file whose slug is already published is refused — nor the current one.
    `by` (a person, from the back office) needs "plan.edit"; None is the command line."""
    if by is not None:
        ensure(by, "plan.edit")
    e = data.edition
    existing = Edition.objects.filter(slug=e.slug).first()
    if draft and existing is not None and existing.status != EditionStatus.DRAFT:
        raise ValidationError(
            _t("L'edizione %(slug)s è già pubblicata: una bozza deve avere uno slug nuovo.")
            % {"slug": e.slug}
        )
    summary = LoadSummary()
    kw: dict[str, Any] = {"summary": summary, "by": by, "by_label": by_label}
    edition: Edition
    if draft and existing is None:
        created = Edition(slug=e.slug, status=EditionStatus.DRAFT, **_edition_values(data))
        created.full_clean()
        created.save()
        audit_record(
            by=by,
            by_label=by_label,
            action="edition.create",
            target=created,
            before=None,
            after={**snapshot(created, EDITION_FIELDS), "status": created.status},
        )
        summary.count("edition", "created")
        edition = created
    else:
        edition = _upsert(Edition, {"slug": e.slug}, _edition_values(data), kind="edition", **kw)
    if edition.status == EditionStatus.PUBLISHED and not Edition.objects.filter(is_current=True).exists():
        Edition.objects.filter(pk=edition.pk).update(is_current=True)
    keywords = {
        k.slug: _upsert(
            Keyword,
            {"edition": edition, "slug": k.slug},
            {"name": k.name, "position": k.position},
            kind="keyword",
            **kw,
        )
        for k in data.keywords
    }
    for d in data.directions:
        _upsert(
            Direction,
            {"edition": edition, "slug": d.slug},
            {"actor": d.actor, "title": d.title, "text": d.text, "position": d.position},
            kind="direction",
            **kw,
        )
    for m in data.missions:
        mission: Mission = _upsert(
            Mission,
            {"edition": edition, "code": m.code},
            {
                "number": m.number,
                "title": m.title,
                "matrix_title": m.matrix_title,
                "introduction": m.introduction,
            },
            kind="mission",
            **kw,
        )
        wanted = {keywords[s].pk for s in m.keywords}
        current = set(mission.keywords.values_list("pk", flat=True))
        if wanted != current:
            before = {
                "keywords": sorted(Keyword.objects.filter(pk__in=current).values_list("slug", flat=True))
            }
            mission.keywords.set(wanted)
            audit_record(
                by=by,
                by_label=by_label,
                action="mission.keywords",
                target=mission,
                before=before,
                after={"keywords": sorted(m.keywords)},
            )
            summary.count("mission_keywords", "updated" if current else "created")
        else:
            summary.count("mission_keywords", "unchanged")
        for c in m.components:
            _upsert(
                Component,
                {"edition": edition, "code": c.code},
                {"mission": mission, "title": c.title, "position": c.position, **c.actors},
                kind="component",
                **kw,
            )
        for o in m.objectives:
            _upsert(
                Objective,
                {"edition": edition, "code": o.code(m.code)},
                {"mission": mission, "number": o.number, "title": o.title, **o.actors},
                kind="objective",
                **kw,
            )
    return summary


def _edition_values(data: PlanData) -> dict[str, Any]:
    e = data.edition
    return {
        "title": e.title,
        "short_title": e.short_title,
        "ente": e.ente,
        "year_start": e.year_start,
        "year_end": e.year_end,
        "source": e.source,
    }


@dataclass
class PublishSummary:
    edition: Edition
    previous: Edition | None
    mapped: int
    moved: dict[str, int] = field(default_factory=dict)


def edition_publish(*, by: User, edition: Edition, mapping: dict[int, int | None]) -> PublishSummary:
    """Publish a draft edition: it becomes the current one, and what pointed to the objectives of the previous
    current edition follows `mapping` ({old objective id: new objective id, or None for "no successor"}).

    The rows to move live in the apps above `plan` (links, crosswalk rules, indicators, DUP references,
    consultations): they are moved by the receivers of `plan.signals.edition_published`, inside this same
    transaction, so a failure anywhere leaves everything as it was. Old objectives mapped to nothing keep
    their rows (they stay on the earlier edition, shown read-only)."""
    ensure(by, "plan.edit")
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        if locked.status != EditionStatus.DRAFT:
            raise ValidationError(_t("L'edizione %(slug)s non è una bozza.") % {"slug": locked.slug})
        previous = Edition.objects.select_for_update().filter(is_current=True).first()
        old_ids = set(Objective.objects.filter(edition=previous).values_list("pk", flat=True))
        new_ids = set(Objective.objects.filter(edition=locked).values_list("pk", flat=True))
        for old, new in mapping.items():
            if old not in old_ids:
                raise ValidationError(
                    _t("L'obiettivo %(id)s non appartiene all'edizione corrente.") % {"id": old}
                )
            if new is not None and new not in new_ids:
                raise ValidationError(
                    _t("L'obiettivo %(id)s non appartiene all'edizione da pubblicare.") % {"id": new}
                )
        effective = {old: new for old, new in mapping.items() if new is not None}
        if previous is not None:
            Edition.objects.filter(pk=previous.pk).update(is_current=False)
        locked.status = EditionStatus.PUBLISHED
        locked.is_current = True
        locked.save(update_fields=["status", "is_current"])
        touched = [*effective, *effective.values()]
        codes = dict(Objective.objects.filter(pk__in=touched).values_list("pk", "code"))
        moved: dict[str, int] = {}
        for _receiver, result in edition_published.send(sender=Edition, mapping=effective, by=by):
            counts: dict[str, int] = result if isinstance(result, dict) else {}
            for kind, count in counts.items():
                moved[kind] = moved.get(kind, 0) + count
        audit_record(
            by=by,
            action="edition.publish",
            target=locked,
            before={"status": EditionStatus.DRAFT, "current": previous.slug if previous else None},
            after={
                "status": EditionStatus.PUBLISHED,
                "current": locked.slug,
                "mapping": {codes[o]: codes[n] for o, n in sorted(effective.items())},
                "moved": moved,
            },
        )
        return PublishSummary(edition=locked, previous=previous, mapped=len(effective), moved=moved)


def _edit(obj: models.Model, *, by: User, kind: str, fields: list[str], values: dict[str, Any]) -> Any:
    ensure(by, "plan.edit")
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        before = snapshot(locked, fields)
        for name, value in values.items():
            if name not in fields:
                raise ValueError(f"campo non modificabile: {name}")
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        locked.full_clean()
        after = snapshot(locked, fields)
        if after != before:
            locked.save()
            audit_record(by=by, action=f"{kind}.update", target=locked, before=before, after=after)
        return locked


def objective_update(*, objective: Objective, by: User, title: str, actors: dict[str, bool]) -> Objective:
    return _edit(
        objective,
        by=by,
        kind="objective",
        fields=["title", *ACTOR_FIELDS],
        values={"title": title, **{a: bool(actors.get(a)) for a in ACTOR_FIELDS}},
    )


def component_update(*, component: Component, by: User, title: str, actors: dict[str, bool]) -> Component:
    return _edit(
        component,
        by=by,
        kind="component",
        fields=["title", *ACTOR_FIELDS],
        values={"title": title, **{a: bool(actors.get(a)) for a in ACTOR_FIELDS}},
    )


def mission_update(*, mission: Mission, by: User, title: str, introduction: str) -> Mission:
    return _edit(
        mission,
        by=by,
        kind="mission",
        fields=["title", "introduction"],
        values={"title": title, "introduction": introduction},
    )
