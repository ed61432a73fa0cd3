"""Writes to the plan. Each function checks permission first, runs in one transaction, leaves audit rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from decimetro.core.audit import audit_record
from decimetro.core.models import User
from decimetro.core.permissions import ensure
from decimetro.plan.models import (
    ACTOR_FIELDS,
    Component,
    Direction,
    Edition,
    Keyword,
    Mission,
    Objective,
)
from decimetro.plan.plan_file import PlanData


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
def plan_load(*, data: PlanData, by: User | None = None, by_label: str = "plan_load") -> LoadSummary:
    """Create or update an edition from a parsed plan file. Idempotent: loading the same file twice changes
    nothing and writes no audit row the second time. Entries absent from the file are left untouched."""
    summary = LoadSummary()
    kw: dict[str, Any] = {"summary": summary, "by": by, "by_label": by_label}
    e = data.edition
    edition: Edition = _upsert(
        Edition,
        {"slug": e.slug},
        {
            "title": e.title,
            "short_title": e.short_title,
            "ente": e.ente,
            "year_start": e.year_start,
            "year_end": e.year_end,
            "source": e.source,
        },
        kind="edition",
        **kw,
    )
    if not Edition.objects.filter(is_current=True).exists():
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
