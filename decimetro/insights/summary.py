"""The headline figures as the API states them: the territory's summary (the home page's totals) and the
progress of every objective (the objective page's totals), each with the counts of the links behind it.

Both read the same engine as the pages (`insights.dashboards.home_dashboard`, `insights.figures`), so an
answer of the API equals the page to the cent; the labels and definitions are `insights.definitions`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Sum

from decimetro.insights import freshness as fresh
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE, AllocationRule
from decimetro.insights.dashboards import home_dashboard
from decimetro.insights.figures import CENT, Totals
from decimetro.insights.objectives import objectives_overview
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective
from decimetro.territory.selectors import comuni_of_territory

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
    """The progress of each objective, by id: the rows of `insights.objectives.objectives_overview` (the
    objectives list and dashboards read the same), so the API and the pages count links and sum figures
    alike. Five queries whatever the number of objectives and projects."""
    return {
        row.objective.pk: ObjectiveProgress(
            totals=row.totals,
            links_confirmed=row.links_confirmed,
            links_by_rule=row.links_by_rule,
            suggestions_pending=row.suggested,
        )
        for row in objectives_overview(objectives=objectives).rows
    }
