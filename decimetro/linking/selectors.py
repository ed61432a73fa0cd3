"""Reads of the linking app: the review queue, the confirmed projects of an objective, a project's history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When

from decimetro.linking.models import LinkEvent, LinkStatus, MeasureObjective, ProjectObjectiveLink
from decimetro.pnrr.models import Measure, Place, PnrrComponent, Project
from decimetro.pnrr.selectors import own_places

# Score bands of the queue's filter: key → (lowest score included, highest score excluded).
SCORE_BANDS: dict[str, tuple[float | None, float | None]] = {
    "alto": (0.8, None),
    "medio": (0.5, 0.8),
    "basso": (None, 0.5),
}
QUEUE_ORDERS = ("importo", "punteggio")


@dataclass(frozen=True)
class QueueFilters:
    """What the review queue shows; the same filters choose the links of a decision "on all N results"."""

    mission: str = ""  # plan mission code M1..M6 (of the suggested objective)
    comune: str = ""  # ISTAT code of a comune where the project is located
    status: str = LinkStatus.SUGGESTED  # "" = every status
    objective: str = ""  # plan objective code (M6.1)
    measure: str = ""  # PNRR measure code (M6C1I1.01)
    component: str = ""  # PNRR component code (M6C1)
    origin: str = ""  # a LinkOrigin value
    band: str = ""  # a SCORE_BANDS key

    def is_empty(self) -> bool:
        """True when nothing but the status narrows the queue."""
        return not any(
            (self.mission, self.comune, self.objective, self.measure, self.component, self.origin, self.band)
        )


def queue_matching(filters: QueueFilters | None = None) -> QuerySet[ProjectObjectiveLink]:
    """The links the filters select, unordered and without related rows: for counting them and for deciding
    them all at once (`services.links_decide_matching`). Codes are compared upper-case."""
    f = filters or QueueFilters()
    qs = ProjectObjectiveLink.objects.all()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.mission:
        qs = qs.filter(objective__mission__code=f.mission.upper())
    if f.objective:
        qs = qs.filter(objective__code=f.objective.upper())
    if f.measure:
        qs = qs.filter(project__submeasure__measure__code=f.measure.upper())
    if f.component:
        qs = qs.filter(project__submeasure__measure__component__code=f.component.upper())
    if f.origin:
        qs = qs.filter(origin=f.origin)
    if f.band in SCORE_BANDS:
        low, high = SCORE_BANDS[f.band]
        qs = qs.filter(score__isnull=False)
        if low is not None:
            qs = qs.filter(score__gte=low)
        if high is not None:
            qs = qs.filter(score__lt=high)
    if f.comune:
        located = Place.objects.filter(own_places(), comune__codice_istat=f.comune).values("project_id")
        qs = qs.filter(project_id__in=located)
    return qs


def links_to_decide(filters: QueueFilters, status: str) -> QuerySet[ProjectObjectiveLink]:
    """The matching links a decision to `status` would change (those already in it are left alone)."""
    return queue_matching(filters).exclude(status=status)


def _located_places() -> Prefetch[Any]:
    return Prefetch(
        "project__places",
        queryset=Place.objects.filter(own_places(), comune__isnull=False).select_related("comune"),
        to_attr="territory_places",
    )


def review_queue(
    filters: QueueFilters | None = None, *, order: str = "importo"
) -> QuerySet[ProjectObjectiveLink]:
    """Links to review (suggestions by default) with project, measure, component, objective, mission and the
    project's places in the territory (`link.project.territory_places`) loaded: fixed query count.
    `order="importo"`: the biggest projects first (total funding, then score), so that the decisions that
    move the figures most come first; `"punteggio"`: best score first."""
    qs = (
        queue_matching(filters)
        .select_related("objective__mission", "project__submeasure__measure__component", "decided_by")
        .prefetch_related(_located_places())
    )
    tail = ("project_id", "objective__mission__number", "objective__number")
    if order == "punteggio":
        return qs.order_by(F("score").desc(nulls_last=True), *tail)
    return qs.order_by(
        F("project__fin_totale").desc(nulls_last=True), F("score").desc(nulls_last=True), *tail
    )


def pending_groups(filters: QueueFilters | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The matching suggestions grouped by measure and objective (one query), the largest amount first:
    each group is one "decide the whole measure" action. Keys: measure, measure_name,
    objective_code, objective_title, links, amount."""
    f = replace(filters or QueueFilters(), status=LinkStatus.SUGGESTED)
    rows = (
        queue_matching(f)
        .values(
            measure=F("project__submeasure__measure__code"),
            measure_name=F("project__submeasure__measure__name"),
            objective_code=F("objective__code"),
            objective_title=F("objective__title"),
        )
        .annotate(links=Count("pk"), amount=Sum("project__fin_totale"))
        .order_by(F("amount").desc(nulls_last=True), "measure", "objective_code")
    )
    return list(rows[:limit] if limit else rows)


def queue_measures() -> QuerySet[Measure]:
    """The measures with at least one link (the queue's measure filter), by code; one query."""
    linked = ProjectObjectiveLink.objects.values("project__submeasure__measure_id")
    return Measure.objects.filter(pk__in=linked).only("code", "name").order_by("code")


def queue_components() -> QuerySet[PnrrComponent]:
    """The PNRR components with at least one link (the queue's component filter), by code; one query."""
    linked = ProjectObjectiveLink.objects.values("project__submeasure__measure__component_id")
    return PnrrComponent.objects.filter(pk__in=linked).only("code", "name").order_by("code")


def links_of_project(project: Project) -> QuerySet[ProjectObjectiveLink]:
    """A project's links (confirmed first, then suggestions by score; rejected last)."""
    order = {LinkStatus.CONFIRMED: 0, LinkStatus.SUGGESTED: 1, LinkStatus.REJECTED: 2}
    return (
        ProjectObjectiveLink.objects.filter(project=project)
        .select_related("objective__mission", "decided_by", "rule__measure")
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
    """status → number of links (one query)."""
    rows = ProjectObjectiveLink.objects.values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def measures_with_projects() -> QuerySet[Measure]:
    """Measures that have at least one project (the ones worth a crosswalk entry), by code."""
    return Measure.objects.filter(submeasures__projects__isnull=False).distinct().order_by("code")


# The crosswalk's rules (the crosswalk page) -----------------------------------------------------------------


def crosswalk_rules(*, q: str = "", state: str = "") -> QuerySet[MeasureObjective]:
    """The crosswalk rows with their state, who decided it and how many confirmed links each rule made
    (`rule_links`), by measure and objective; optionally searched and filtered by state. One query."""
    qs = MeasureObjective.objects.select_related("measure__component", "objective__mission", "decided_by")
    if q:
        qs = qs.filter(
            Q(measure__code__icontains=q) | Q(measure__name__icontains=q) | Q(objective__code__iexact=q)
        )
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(rule_links=Count("links", filter=Q(links__status=LinkStatus.CONFIRMED))).order_by(
        "measure__code", "objective__mission__number", "objective__number"
    )


def territory_projects_by_measure() -> dict[int, int]:
    """measure pk → number of its projects located in the territory (the projects a rule links). One query."""
    located = Place.objects.filter(own_places(), comune__isnull=False).values("project_id")
    rows = (
        Project.objects.filter(pk__in=located)
        .values("submeasure__measure_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["submeasure__measure_id"]: r["n"] for r in rows}


def crosswalk_state_counts() -> dict[str, int]:
    """state → number of crosswalk rows (one query)."""
    rows = MeasureObjective.objects.values("state").annotate(n=Count("pk")).order_by()
    return {r["state"]: r["n"] for r in rows}


# The desk ("La mia scrivania") ------------------------------------------------------------------------------


def suggestions_by_measure(*, limit: int = 10) -> list[dict[str, Any]]:
    """The PNRR measures with suggestions to review, the most suggestions first: keys measure (code),
    measure_name, links (suggestions), projects. One query."""
    rows = (
        ProjectObjectiveLink.objects.filter(status=LinkStatus.SUGGESTED)
        .values(
            measure=F("project__submeasure__measure__code"),
            measure_name=F("project__submeasure__measure__name"),
        )
        .annotate(links=Count("pk"), projects=Count("project_id", distinct=True))
        .order_by("-links", "measure")
    )
    return list(rows[:limit])


def confirmed_links_since(since: datetime) -> int:
    """How many project-objective links were confirmed (and are still confirmed) since `since`. One query."""
    return ProjectObjectiveLink.objects.filter(status=LinkStatus.CONFIRMED, decided_at__gte=since).count()
