"""Dashboard reads that go through the project ↔ objective links: only CONFIRMED links feed totals, charts,
rankings and gaps; SUGGESTED links are listed apart ("suggeriti, da confermare") and never counted.

Fixed number of queries whatever the number of projects, links, objectives or comuni.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from decimetro.insights.figures import ProjectSetData, Totals, project_set_data
from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Project
from decimetro.pnrr.selectors import project_order, projects_for_list

SUGGESTIONS_SHOWN = 20


def confirmed_projects(*, objective: Objective) -> QuerySet[Project]:
    """The projects confirmed for this objective, largest PNRR amount first."""
    ids = ProjectObjectiveLink.objects.filter(objective=objective, status=LinkStatus.CONFIRMED).values(
        "project_id"
    )
    return projects_for_list().filter(pk__in=ids).order_by(*project_order("-amount"))


@dataclass
class Suggestions:
    links: list[ProjectObjectiveLink]
    total: int


def suggested_links(*, objective: Objective, limit: int = SUGGESTIONS_SHOWN) -> Suggestions:
    """The suggested (not yet decided) links of this objective, best score first (at most `limit`), and how
    many there are. Two queries."""
    qs = ProjectObjectiveLink.objects.filter(objective=objective, status=LinkStatus.SUGGESTED)
    links = list(
        qs.select_related("project__submeasure__measure__component").order_by("-score", "project_id")[:limit]
    )
    return Suggestions(links=links, total=qs.count())


@dataclass
class ObjectiveRow:
    """An objective with the totals of its confirmed projects."""

    objective: Objective
    totals: Totals
    suggested: int = 0

    @property
    def has_projects(self) -> bool:
        return self.totals.projects > 0


@dataclass
class ObjectivesOverview:
    rows: list[ObjectiveRow]
    data: ProjectSetData
    project_ids: set[int] = field(default_factory=set)

    @property
    def by_funding(self) -> list[ObjectiveRow]:
        """Objectives with at least one confirmed project, most funded first."""
        return sorted(
            (r for r in self.rows if r.has_projects),
            key=lambda r: (-r.totals.funded, r.objective.code),
        )

    @property
    def by_progress(self) -> list[ObjectiveRow]:
        """Objectives with funded confirmed projects, highest paid share first."""
        return sorted(
            (r for r in self.rows if r.totals.paid_share is not None),
            key=lambda r: (-(r.totals.paid_share or 0), r.objective.code),
        )

    @property
    def gaps(self) -> list[ObjectiveRow]:
        """Objectives with no confirmed project at all (in the plan's order)."""
        return [r for r in self.rows if not r.has_projects]

    @property
    def totals(self) -> Totals:
        """Each confirmed project once, even when it serves several of these objectives."""
        return self.data.totals(self.project_ids)


def objectives_overview(*, objectives: Iterable[Objective]) -> ObjectivesOverview:
    """Per objective: totals of its confirmed projects (territory share, latest payments) and the number of
    its pending suggestions. `objectives` is fetched once; then five queries in all."""
    objective_list = list(objectives)
    ids = [o.pk for o in objective_list]
    links = ProjectObjectiveLink.objects.filter(objective_id__in=ids)
    confirmed: dict[int, set[int]] = defaultdict(set)
    for oid, pid in links.filter(status=LinkStatus.CONFIRMED).values_list("objective_id", "project_id"):
        confirmed[oid].add(pid)
    suggested = dict(
        links.order_by()
        .values_list("objective_id")
        .annotate(n=Count("pk", filter=Q(status=LinkStatus.SUGGESTED)))
    )
    all_projects = {p for ps in confirmed.values() for p in ps}
    data = project_set_data(
        Project.objects.filter(pk__in=links.filter(status=LinkStatus.CONFIRMED).values("project_id"))
    )
    rows = [
        ObjectiveRow(
            objective=o, totals=data.totals(confirmed.get(o.pk, set())), suggested=suggested.get(o.pk, 0)
        )
        for o in objective_list
    ]
    return ObjectivesOverview(rows=rows, data=data, project_ids=all_projects)
