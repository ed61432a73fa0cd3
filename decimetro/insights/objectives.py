"""Dashboard reads that go through the project ↔ objective links: only CONFIRMED links (confirmed one by one
by the staff, or by an approved rule) feed totals, charts, rankings and gaps, and every figure says how many
of each; SUGGESTED links are never summed and public pages show only how many there are (never which
projects: they are not reviewed).

Fixed number of queries whatever the number of projects, links, objectives or comuni.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from decimetro.insights.figures import ProjectSetData, Totals, set_data_of
from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Project
from decimetro.pnrr.selectors import project_order, projects_for_list


def confirmed_projects(*, objective: Objective) -> QuerySet[Project]:
    """The projects confirmed for this objective, largest PNRR amount first."""
    ids = ProjectObjectiveLink.objects.filter(objective=objective, status=LinkStatus.CONFIRMED).values(
        "project_id"
    )
    return projects_for_list().filter(pk__in=ids).order_by(*project_order("-amount"))


@dataclass(frozen=True)
class RuleUse:
    """An approved rule (crosswalk row) as it feeds an objective: its measure, its reason, how many of the
    objective's confirmed links it made."""

    pk: int
    measure_code: str
    measure_name: str
    reason: str
    origin: str
    links: int


@dataclass
class ObjectiveLinks:
    """How an objective's confirmed links were made, and how many suggestions wait for review (a count only:
    which projects are suggested is not public)."""

    confirmed: int = 0  # confirmed links (= confirmed projects), one by one and by rule
    by_rule: int = 0  # of which confirmed by an approved rule
    suggested: int = 0  # suggestions in review, never summed
    rules: list[RuleUse] = field(default_factory=list)
    rule_of: dict[int, RuleUse] = field(default_factory=dict)  # project pk → the rule that linked it

    @property
    def one_by_one(self) -> int:
        return self.confirmed - self.by_rule


def objective_links(*, objective: Objective) -> ObjectiveLinks:
    """The objective's confirmed links (each with its rule, if a rule made it) and the number of its
    suggestions. Two queries."""
    rows = list(
        ProjectObjectiveLink.objects.filter(objective=objective, status=LinkStatus.CONFIRMED).values_list(
            "project_id",
            "rule_id",
            "rule__measure__code",
            "rule__measure__name",
            "rule__note",
            "rule__origin",
        )
    )
    per_rule: dict[int, list[int]] = defaultdict(list)
    about: dict[int, tuple[str, str, str, str]] = {}
    for project_id, rule_id, code, name, note, origin in rows:
        if rule_id is not None:
            per_rule[rule_id].append(project_id)
            about[rule_id] = (code, name, note, origin)
    rules = sorted(
        (RuleUse(pk, *about[pk], links=len(ps)) for pk, ps in per_rule.items()),
        key=lambda r: (-r.links, r.measure_code),
    )
    by_pk = {r.pk: r for r in rules}
    suggested = ProjectObjectiveLink.objects.filter(objective=objective, status=LinkStatus.SUGGESTED).count()
    return ObjectiveLinks(
        confirmed=len(rows),
        by_rule=sum(r.links for r in rules),
        suggested=suggested,
        rules=rules,
        rule_of={p: by_pk[rid] for rid, ps in per_rule.items() for p in ps},
    )


@dataclass
class ObjectiveRow:
    """An objective with the totals of its confirmed projects and how its links were made."""

    objective: Objective
    totals: Totals
    suggested: int = 0  # suggestions in review (a count, never summed)
    links_confirmed: int = 0  # confirmed links, one by one and by rule
    links_by_rule: int = 0  # of which by an approved rule

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
    """Per objective: totals of its confirmed projects (territory share, latest payments), how many of its
    confirmed links a rule made, and the number of its pending suggestions. `objectives` is fetched once;
    then five queries in all."""
    objective_list = list(objectives)
    ids = [o.pk for o in objective_list]
    links = ProjectObjectiveLink.objects.filter(objective_id__in=ids)
    confirmed: dict[int, set[int]] = defaultdict(set)
    by_rule: dict[int, int] = defaultdict(int)
    confirmed_rows = links.filter(status=LinkStatus.CONFIRMED).values_list(
        "objective_id", "project_id", "rule_id"
    )
    for oid, pid, rule_id in confirmed_rows:
        confirmed[oid].add(pid)
        if rule_id is not None:
            by_rule[oid] += 1
    suggested = dict(
        links.order_by()
        .values_list("objective_id")
        .annotate(n=Count("pk", filter=Q(status=LinkStatus.SUGGESTED)))
    )
    all_projects = {p for ps in confirmed.values() for p in ps}
    # Most confirmed projects are located in the territory: their figures come from `located_set_data`
    # (kept per PNRR data version), only the others are computed.
    data = set_data_of(all_projects)
    rows = [
        ObjectiveRow(
            objective=o,
            totals=data.totals(confirmed.get(o.pk, set())),
            suggested=suggested.get(o.pk, 0),
            links_confirmed=len(confirmed.get(o.pk, ())),
            links_by_rule=by_rule[o.pk],
        )
        for o in objective_list
    ]
    return ObjectivesOverview(rows=rows, data=data, project_ids=all_projects)
