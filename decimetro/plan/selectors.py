"""Reads of the plan, shaped for the pages and the API that show them."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from decimetro.plan.models import ACTOR_FIELDS, Component, Edition, Keyword, Mission, Objective


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
