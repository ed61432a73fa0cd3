"""The headline figures as the API states them: the territory's summary (the home page's totals) and the
progress of every objective (the objective page's totals), each with the counts of the links behind it.

Both read the same engine as the pages (`insights.dashboards.home_dashboard`, `insights.figures`), so an
answer of the API equals the page to the cent; the labels and definitions are `insights.definitions`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Count, Sum

from decimetro.insights import freshness as fresh
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE, AllocationRule
from decimetro.insights.dashboards import home_dashboard
from decimetro.insights.figures import CENT, Totals, project_set_data
from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Project
from decimetro.territory.selectors import comuni_of_territory

# The origin of the links made by an approved measure → objective rule ("confermato per regola"); the
# crosswalk origin before rules had their own.
RULE_ORIGIN: str = getattr(LinkOrigin, "RULE", LinkOrigin.CROSSWALK).value


# The territory ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TerritorySummary:
    """The home page's totals (the projects of the plan's components with a place in the territory), the
    territory's residents and the dataset dates behind them."""

    totals: Totals
    population: int | None
    rule: AllocationRule
    dates: fresh.DatasetDates

    @property
    def per_resident(self) -> Decimal | None:
        """The PNRR part attributed to the territory's comuni per resident."""
        if not self.population:
            return None
        return (self.totals.funded_pnrr / self.population).quantize(CENT, ROUND_HALF_EVEN)

    @property
    def attributed(self) -> Decimal:
        """The funding attributed comune by comune: by the allocation rule, the funded in the territory."""
        return self.totals.funded


def territory_summary() -> TerritorySummary | None:
    """The territory's headline figures, from the home page's dashboard (the same call, so the same cache
    entry in production). None when no plan is loaded (the home page is a 404 then)."""
    edition = plan_sel.current_edition()
    if edition is None:
        return None
    dashboard = home_dashboard(
        list(plan_sel.components_for(edition)),
        list(plan_sel.missions_for(edition)),
        list(plan_sel.objectives_for(edition)),
    )
    population = comuni_of_territory().aggregate(n=Sum("population_resident"))["n"]
    return TerritorySummary(
        totals=dashboard["totals"],
        population=population,
        rule=DEFAULT_ALLOCATION_RULE,
        dates=dashboard["dataset_dates"],
    )


# The objectives ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveProgress:
    """The totals of an objective's confirmed projects (as its page shows them) and its links: confirmed
    (one by one or by rule) and the suggestions waiting for review (never summed)."""

    totals: Totals
    links_confirmed: int = 0
    links_by_rule: int = 0
    suggestions_pending: int = 0


def objectives_progress(objectives: Iterable[Objective]) -> dict[int, ObjectiveProgress]:
    """The progress of each objective, by id. Five queries whatever the number of objectives and projects:
    the confirmed links, the pending suggestions counted per objective, and the figures of the confirmed
    projects (`project_set_data`, three)."""
    ids = [o.pk for o in objectives]
    links = ProjectObjectiveLink.objects.filter(objective_id__in=ids).order_by()
    confirmed = links.filter(status=LinkStatus.CONFIRMED)
    projects: dict[int, set[int]] = defaultdict(set)
    count: dict[int, int] = defaultdict(int)
    by_rule: dict[int, int] = defaultdict(int)
    for oid, pid, origin in confirmed.values_list("objective_id", "project_id", "origin"):
        projects[oid].add(pid)
        count[oid] += 1
        by_rule[oid] += origin == RULE_ORIGIN
    pending = dict(
        links.filter(status=LinkStatus.SUGGESTED)
        .values("objective_id")
        .annotate(n=Count("pk"))
        .values_list("objective_id", "n")
    )
    data = project_set_data(Project.objects.filter(pk__in=confirmed.values("project_id")))
    return {
        oid: ObjectiveProgress(
            totals=data.totals(projects.get(oid, set())),
            links_confirmed=count.get(oid, 0),
            links_by_rule=by_rule.get(oid, 0),
            suggestions_pending=pending.get(oid, 0),
        )
        for oid in ids
    }
