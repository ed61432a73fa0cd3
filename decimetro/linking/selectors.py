"""Reads of the linking app: the review queue, the confirmed projects of an objective, a project's history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from decimetro.linking.models import LinkEvent, LinkStatus, MeasureObjective, ProjectObjectiveLink
from decimetro.pnrr.models import Measure, Place, Project
from decimetro.pnrr.selectors import own_places


@dataclass(frozen=True)
class QueueFilters:
    mission: str = ""  # plan mission code M1..M6 (of the suggested objective)
    comune: str = ""  # ISTAT code of a comune where the project is located
    status: str = LinkStatus.SUGGESTED


def _located_places() -> Prefetch[Any]:
    return Prefetch(
        "project__places",
        queryset=Place.objects.filter(own_places(), comune__isnull=False).select_related("comune"),
        to_attr="territory_places",
    )


def review_queue(filters: QueueFilters | None = None) -> QuerySet[ProjectObjectiveLink]:
    """Links to review (suggestions by default), best score first, with project, measure, objective, mission
    and the project's places in the territory (`link.project.territory_places`) loaded: fixed query count."""
    f = filters or QueueFilters()
    qs = ProjectObjectiveLink.objects.select_related(
        "objective__mission", "project__submeasure__measure__component", "decided_by"
    ).prefetch_related(_located_places())
    if f.status:
        qs = qs.filter(status=f.status)
    if f.mission:
        qs = qs.filter(objective__mission__code=f.mission.upper())
    if f.comune:
        located = Place.objects.filter(own_places(), comune__codice_istat=f.comune).values("project_id")
        qs = qs.filter(project_id__in=located)
    return qs.order_by("-score", "project_id", "objective__mission__number", "objective__number")


def links_of_project(project: Project) -> QuerySet[ProjectObjectiveLink]:
    """A project's links (confirmed first, then suggestions by score; rejected last)."""
    order = {LinkStatus.CONFIRMED: 0, LinkStatus.SUGGESTED: 1, LinkStatus.REJECTED: 2}
    return (
        ProjectObjectiveLink.objects.filter(project=project)
        .select_related("objective__mission", "decided_by")
        .annotate(
            status_rank=Case(
                *[When(status=s, then=Value(r)) for s, r in order.items()], output_field=IntegerField()
            )
        )
        .order_by("status_rank", "-score", "objective__mission__number", "objective__number")
    )


def link_history(project: Project) -> QuerySet[LinkEvent]:
    """Every suggestion made or withdrawn and every staff decision on the project's links, newest first."""
    return LinkEvent.objects.filter(project=project).select_related("objective", "by").order_by("-at", "-pk")


def confirmed_count_by_objective() -> dict[int, int]:
    """objective pk → number of projects with a confirmed link (one query)."""
    rows = (
        ProjectObjectiveLink.objects.filter(status=LinkStatus.CONFIRMED)
        .values("objective_id")
        .annotate(n=Count("project_id", distinct=True))
    )
    return {r["objective_id"]: r["n"] for r in rows}


def queue_counts() -> dict[str, int]:
    rows = ProjectObjectiveLink.objects.values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def crosswalk_rows(*, q: str = "") -> QuerySet[MeasureObjective]:
    qs = MeasureObjective.objects.select_related("measure__component", "objective__mission")
    if q:
        qs = qs.filter(
            Q(measure__code__icontains=q) | Q(measure__name__icontains=q) | Q(objective__code__iexact=q)
        )
    return qs.order_by("measure__code", "objective__mission__number", "objective__number")


def measures_with_projects() -> QuerySet[Measure]:
    """Measures that have at least one project (the ones worth a crosswalk entry), by code."""
    return Measure.objects.filter(submeasures__projects__isnull=False).distinct().order_by("code")
