"""The figures engine: the totals of the territory, a zone, a comune, a mission and an objective, the
progress over time, the distribution over comuni and zones, and the milestones of the measures involved.

Entry points (each asks for what it returns in a fixed number of queries, whatever the number of projects
or comuni):
- an area — the territory, a zona omogenea, a comune: `area_totals(comuni=…)` (`zone_totals`,
  `comune_totals`) → `AreaTotals`, the projects located there per mission, under a rule (the comune, zone
  and compare pages, the API `/territory/comuni/{istat}/pnrr`);
- a set of projects — a mission's (`projects_of_components`), an objective's
  (`insights.objectives.confirmed_projects`): `project_set_data(projects)` → `ProjectSetData`, each project's
  share of the territory, then `.totals()`, `.progress()`, `.by_comune()`, `.by_zone()` (the dashboards);
- the full amounts of a list (the measure and implementing body pages): `projects_totals(qs)` → `Totals`.
The Web GIS computes every comune at once in SQL (`insights.map`), with the same rule.

Three types carry the totals: `Totals` (a set of projects, each counted once), `Part` (one comune, zone or
mission of a total) and `AreaTotals` (an area under a rule, with its missions as `Part`s).

Amounts are the part of each project attributed to the comuni of the loaded territory under the allocation
rule (`insights.allocation`; default: equal split among the project's places; the part of places that are
not a comune of the territory is reported as `not_attributed`, not dropped). Payments are allocated in the
same proportion as the funding. In the dashboards funding is `fin_totale` (all sources, as the payments file
reports `paid_total` against it); the PNRR part `fin_pnrr` is reported beside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE, AllocationRule, PlaceKey, split
from decimetro.insights.cache import SCOPE_PNRR, cached_for_data_version
from decimetro.pnrr.models import Milestone, PaymentSnapshot, Place, Project
from decimetro.pnrr.selectors import MISSION_PATH, own_places, projects_for_list
from decimetro.territory.models import Comune, Zone

CENT = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal(1)

AMOUNT_FIELDS = ("fin_pnrr", "fin_totale")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_EVEN)


# The totals types -------------------------------------------------------------------------------------------


@dataclass
class Totals:
    """A set of projects, each counted once: their funding (`fin_totale`, and the PNRR part `fin_pnrr`),
    paid (latest payments) and the part that goes to no comune of the territory. Either the territory's share
    (`ProjectSetData`: a single project's share has `projects=1`) or the full amounts (`projects_totals`:
    nothing paid or set apart)."""

    projects: int = 0
    funded: Decimal = ZERO
    funded_pnrr: Decimal = ZERO
    paid: Decimal = ZERO
    not_attributed: Decimal = ZERO

    @property
    def paid_share(self) -> float | None:
        """Paid as a percentage of funded (None when nothing is funded)."""
        return round(float(self.paid / self.funded * 100), 1) if self.funded else None

    # The names of the measure and implementing body pages (full amounts, as the PNRR data name them).
    @property
    def fin_pnrr(self) -> Decimal:
        return self.funded_pnrr

    @property
    def fin_totale(self) -> Decimal:
        return self.funded

    def add(self, other: Totals) -> None:
        self.projects += other.projects
        self.funded += other.funded
        self.funded_pnrr += other.funded_pnrr
        self.paid += other.paid
        self.not_attributed += other.not_attributed

    def rounded(self) -> Totals:
        return Totals(
            projects=self.projects,
            funded=_q(self.funded),
            funded_pnrr=_q(self.funded_pnrr),
            paid=_q(self.paid),
            not_attributed=_q(self.not_attributed),
        )


@dataclass
class Part:
    """One part of a total: a comune (`key` its ISTAT code, `zone` its zone's slug), a zona omogenea (its
    slug) or a mission (its code). `amount` is the part of the projects' amount attributed to it (`fin_totale`
    in the dashboards, the `amount_field` of the area totals); `paid` the payments in the same proportion
    (dashboards only)."""

    key: str
    name: str
    projects: int = 0
    amount: Decimal = ZERO
    paid: Decimal = ZERO
    zone: str = ""

    @property
    def code(self) -> str:
        """A mission's code (the key of a mission's part)."""
        return self.key


@dataclass
class AreaTotals:
    """The projects located in an area under a rule: how many, the amount attributed to the area (`total`,
    per resident), what goes to no comune, and the same per mission (`by_mission`)."""

    rule: AllocationRule
    amount_field: str
    projects: int = 0
    total: Decimal = Decimal("0.00")
    not_attributed: Decimal = Decimal("0.00")
    population: int | None = None
    population_fallbacks: int = 0
    by_mission: list[Part] = field(default_factory=list)

    @property
    def rule_label(self) -> str:
        return str(self.rule.label)

    @property
    def per_resident(self) -> Decimal | None:
        if not self.population:
            return None
        return (self.total / self.population).quantize(CENT, ROUND_HALF_EVEN)


# An area ----------------------------------------------------------------------------------------------------


# The projects located in an area: (project → its own places, project → (amount, mission code, mission
# name), the comuni of the territory among those places).
LocatedPlaces = tuple[dict[int, list[PlaceKey]], dict[int, tuple[Decimal, str, str]], set[int]]


def located_places(area: Iterable[int] | QuerySet[Comune], amount_field: str) -> LocatedPlaces:
    """Every own place of the projects with an own place in `area` (comune ids or a queryset of comuni), with
    the project's `amount_field` and mission: what `area_totals` and the lists split under a rule. One query.

    Written as a join from the area's places (distinct on the place), not `project_id IN (subquery)`:
    PostgreSQL then walks the indexes from the area instead of hashing the whole place and project tables
    (0.8 s → 0.14 s for Milano on the national data)."""
    rows = (
        Place.objects.filter(
            own_places(), project__places__comune__in=area, project__places__dataset=F("project__provenance")
        )
        .values_list(
            "pk",
            "project_id",
            "comune_id",
            "istat_code",
            "comune__population_resident",
            "comune__codice_uts",
            f"project__{amount_field}",
            f"project__{MISSION_PATH}__code",
            f"project__{MISSION_PATH}__name",
        )
        .order_by()
        .distinct()
    )
    places: dict[int, list[PlaceKey]] = defaultdict(list)
    info: dict[int, tuple[Decimal, str, str]] = {}
    territory: set[int] = set()
    for _pk, project_id, comune_id, istat_code, population, uts, amount, m_code, m_name in rows:
        places[project_id].append((comune_id, istat_code, population))
        info[project_id] = (amount or Decimal("0"), m_code, m_name)
        if comune_id is not None and uts == settings.DECIMETRO_TERRITORY_UTS:
            territory.add(comune_id)
    return places, info, territory


def area_totals(
    *,
    comuni: Iterable[Comune] | QuerySet[Comune],
    rule: AllocationRule | str = DEFAULT_ALLOCATION_RULE,
    amount_field: str = "fin_pnrr",
) -> AreaTotals:
    """Totals of the projects located in `comuni`, per mission, under `rule`. Two queries.

    `not_attributed` is the part of these projects' amounts that goes to no comune of the territory
    (non-comune places, comuni of other territories) under the rule, whatever the area: on a comune's page,
    the part of its projects that goes outside the territory, not the parts of the other comuni.
    `per_resident` divides the total by the area's resident population."""
    if amount_field not in AMOUNT_FIELDS:
        raise ValueError(f"amount_field must be one of {AMOUNT_FIELDS}")
    rule = AllocationRule(rule)
    comune_list = list(comuni)
    area = {c.pk for c in comune_list}
    pops = [c.population_resident for c in comune_list]
    result = AreaTotals(
        rule=rule, amount_field=amount_field, population=sum(p for p in pops if p) if any(pops) else None
    )
    places, info, territory = located_places(area, amount_field)
    by_mission: dict[str, Part] = {}
    for project_id, project_places in places.items():
        amount, m_code, m_name = info[project_id]
        s = split(project_places, rule)
        result.population_fallbacks += s.fallback
        mission = by_mission.setdefault(m_code, Part(key=m_code, name=m_name))
        mission.projects += 1
        mission.amount += s.share(amount, area)
        # Not attributed: what goes to no comune of the territory, as in the dashboards and the map.
        result.not_attributed += s.outside(amount, territory)
    # The total is rounded once, after summing (as the map and the dashboards): the missions' rounded amounts
    # may then add up to a cent more or less than it.
    exact = sum((m.amount for m in by_mission.values()), Decimal("0"))
    for m in by_mission.values():
        m.amount = m.amount.quantize(CENT, ROUND_HALF_EVEN)
    result.by_mission = sorted(by_mission.values(), key=lambda m: m.key)
    result.projects = len(places)
    result.total = exact.quantize(CENT, ROUND_HALF_EVEN)
    result.not_attributed = result.not_attributed.quantize(CENT, ROUND_HALF_EVEN)
    return result


def comune_totals(
    *, comune: Comune, rule: AllocationRule | str = DEFAULT_ALLOCATION_RULE, amount_field: str = "fin_pnrr"
) -> AreaTotals:
    return area_totals(comuni=[comune], rule=rule, amount_field=amount_field)


def zone_totals(
    *, zone: Zone, rule: AllocationRule | str = DEFAULT_ALLOCATION_RULE, amount_field: str = "fin_pnrr"
) -> AreaTotals:
    return area_totals(comuni=Comune.objects.filter(zone=zone), rule=rule, amount_field=amount_field)


# A list of projects, full amounts ---------------------------------------------------------------------------


def projects_totals(qs: QuerySet[Project]) -> Totals:
    """Count and sums of a set of projects (each project once, full amounts). One query."""
    agg = qs.order_by().aggregate(
        n=Count("pk"),
        pnrr=Coalesce(Sum("fin_pnrr"), Decimal("0"), output_field=models.DecimalField()),
        totale=Coalesce(Sum("fin_totale"), Decimal("0"), output_field=models.DecimalField()),
    )
    return Totals(
        projects=agg["n"],
        funded_pnrr=Decimal(agg["pnrr"]).quantize(CENT),
        funded=Decimal(agg["totale"]).quantize(CENT),
    )


# A set of projects, territory share -------------------------------------------------------------------------


@dataclass
class ProgressPoint:
    day: date
    funded: Decimal
    paid: Decimal

    @property
    def share(self) -> float | None:
        return float(self.paid / self.funded * 100) if self.funded else None


@dataclass
class ProjectSetData:
    """Everything the dashboards need about a set of projects."""

    rule: AllocationRule
    amounts: dict[int, Totals]  # project → its share of the territory (funded, PNRR, paid, not attributed)
    snapshots: dict[int, list[tuple[date, Decimal | None, Decimal | None]]]  # project → (day, fin, paid)
    comuni: dict[int, tuple[str, str, str]]  # comune id → (ISTAT code, name, zone slug)
    components: dict[int, str] = field(default_factory=dict)  # project id → declared PNRR component code
    fractions: dict[int, Decimal] = field(default_factory=dict)  # project → share of the territory (0..1)
    parts: dict[int, dict[int, Decimal]] = field(default_factory=dict)  # project → comune → fin_totale part

    def totals(self, project_ids: Iterable[int] | None = None) -> Totals:
        t = Totals()
        for pid in self.amounts if project_ids is None else project_ids:
            if pid in self.amounts:
                t.add(self.amounts[pid])
        return t.rounded()

    def progress(self, project_ids: Iterable[int] | None = None) -> list[ProgressPoint]:
        """One point per payments release date: for each project its latest snapshot on or before that
        date (paid 0 and the project's current funding when it has none yet), allocated to the territory."""
        ids = [p for p in (self.amounts if project_ids is None else project_ids) if p in self.amounts]
        # Each project is a step function of the day: its value changes only on its own snapshot days. So
        # the points are the sums before any snapshot plus the running sum of the changes (one pass over the
        # snapshots, not one per release date).
        funded = paid = ZERO
        changes: dict[date, list[Decimal]] = {}
        for pid in ids:
            a, fraction = self.amounts[pid], self.fractions.get(pid, ZERO)
            last_funded, last_paid = a.funded, ZERO
            funded += last_funded
            for day, fin, pay in self.snapshots.get(pid, []):
                now_funded = (fin * fraction) if fin is not None else a.funded
                now_paid = (pay or ZERO) * fraction
                change = changes.setdefault(day, [ZERO, ZERO])
                change[0] += now_funded - last_funded
                change[1] += now_paid - last_paid
                last_funded, last_paid = now_funded, now_paid
        points = []
        for day in sorted(changes):
            funded += changes[day][0]
            paid += changes[day][1]
            points.append(ProgressPoint(day=day, funded=_q(funded), paid=_q(paid)))
        return points

    def by_comune(self, project_ids: Iterable[int] | None = None) -> list[Part]:
        """Funded and paid per comune of the territory (only comuni with a project), largest first."""
        areas: dict[int, Part] = {}
        for pid in self.amounts if project_ids is None else project_ids:
            a = self.amounts.get(pid)
            if a is None:
                continue
            for cid, share in self.parts.get(pid, {}).items():
                code, name, zone = self.comuni[cid]
                area = areas.setdefault(cid, Part(key=code, name=name, zone=zone))
                area.amount += share
                area.paid += share / a.funded * a.paid if a.funded else ZERO
                area.projects += 1
        for area in areas.values():
            area.amount, area.paid = _q(area.amount), _q(area.paid)
        return sorted(areas.values(), key=lambda x: (-x.amount, x.name))

    def by_zone(
        self,
        zones: list[Zone],
        project_ids: Iterable[int] | None = None,
        *,
        comuni: list[Part] | None = None,
    ) -> list[Part]:
        """Funded and paid per zona omogenea (every zone, also those with nothing), in the zones' order.
        `comuni`: the result of `by_comune` for the same projects, when already computed."""
        ids = list(self.amounts if project_ids is None else project_ids)
        out = {z.slug: Part(key=z.slug, name=z.name) for z in zones}
        counted: dict[str, set[int]] = defaultdict(set)
        for c in self.by_comune(ids) if comuni is None else comuni:
            if c.zone in out:
                out[c.zone].amount += c.amount
                out[c.zone].paid += c.paid
        for pid in ids:
            if pid not in self.amounts:
                continue
            for cid in self.parts.get(pid, {}):
                counted[self.comuni[cid][2]].add(pid)
        for slug, area in out.items():
            area.projects = len(counted.get(slug, ()))
        return list(out.values())

    def subset(self, project_ids: Iterable[int]) -> ProjectSetData:
        """The same data for these of its projects only (ids it does not hold are left out): each project's
        figures are its own (its places, snapshots and share), so the result equals `project_set_data` of
        those projects. No query."""
        ids = [pid for pid in project_ids if pid in self.amounts]
        return ProjectSetData(
            rule=self.rule,
            amounts={pid: self.amounts[pid] for pid in ids},
            snapshots={pid: self.snapshots[pid] for pid in ids if pid in self.snapshots},
            comuni=self.comuni,
            components={pid: self.components[pid] for pid in ids if pid in self.components},
            fractions={pid: self.fractions[pid] for pid in ids if pid in self.fractions},
            parts={pid: self.parts[pid] for pid in ids if pid in self.parts},
        )

    def merged(self, other: ProjectSetData) -> ProjectSetData:
        """This data and `other`'s (the same rule; other projects) together."""
        return ProjectSetData(
            rule=self.rule,
            amounts={**self.amounts, **other.amounts},
            snapshots={**self.snapshots, **other.snapshots},
            comuni={**self.comuni, **other.comuni},
            components={**self.components, **other.components},
            fractions={**self.fractions, **other.fractions},
            parts={**self.parts, **other.parts},
        )


def project_set_data(
    projects: QuerySet[Project], *, rule: AllocationRule | str = DEFAULT_ALLOCATION_RULE
) -> ProjectSetData:
    """The territory amounts, latest payments and snapshots of `projects` (a queryset; it is used as a
    subquery once). Three queries whatever the number of projects: the projects, then their places and
    snapshots looked up by the projects' ids (index lookups, not the subquery again)."""
    rule = AllocationRule(rule)
    base: dict[int, tuple[Decimal, Decimal]] = {}
    components: dict[int, str] = {}
    provenance: dict[int, str] = {}
    for pk, fin, pnrr, component, dataset in projects.order_by().values_list(
        "pk", "fin_totale", "fin_pnrr", "submeasure__measure__component__code", "provenance"
    ):
        base[pk] = (fin or ZERO, pnrr or ZERO)
        components[pk] = component
        provenance[pk] = dataset
    ids = list(base)
    places: dict[int, list[PlaceKey]] = defaultdict(list)
    comuni: dict[int, tuple[str, str, str]] = {}
    # The places of the project's own dataset (`own_places`), checked here against the provenance read
    # above: the same rows as a join on the projects, without the planner scanning every project.
    rows = Place.objects.filter(project_id__in_ids=ids).values_list(
        "project_id",
        "dataset",
        "comune_id",
        "istat_code",
        "comune__population_resident",
        "comune__codice_istat",
        "comune__name",
        "comune__zone__slug",
        "comune__codice_uts",
    )
    for pid, dataset, cid, istat, pop, code, name, zone, uts in rows:
        if dataset != provenance[pid]:
            continue
        # A place counts as a comune for the rule only when it is a comune of the territory (a comune of
        # another territory is not attributed, as in the area totals and the map).
        here = cid if cid and uts == settings.DECIMETRO_TERRITORY_UTS else None
        places[pid].append((here, istat if here else "", pop))
        if here:
            comuni[here] = (code, name, zone or "")
    snapshots: dict[int, list[tuple[date, Decimal | None, Decimal | None]]] = defaultdict(list)
    for pid, day, fin, paid in (
        PaymentSnapshot.objects.filter(project_id__in_ids=ids)
        .order_by("project_id", "release_date")
        .values_list("project_id", "release_date", "fin_totale", "paid_total")
    ):
        snapshots[pid].append((day, fin, paid))
    amounts: dict[int, Totals] = {}
    fractions: dict[int, Decimal] = {}
    parts: dict[int, dict[int, Decimal]] = {}
    for pid, (fin, pnrr) in base.items():
        project_places = places.get(pid, [])
        in_territory = {c for c, _i, _p in project_places if c}
        fraction = ZERO
        last = snapshots.get(pid)
        paid = (last[-1][2] or ZERO) if last else ZERO
        funded = funded_pnrr = paid_here = ZERO
        if project_places and in_territory:
            # The same arithmetic as the area totals (`Split.share`: amount * k / n under EQUAL), so that a
            # project's share is the same to the last digit on every page.
            s = split(project_places, rule)
            fraction = s.fraction(in_territory)
            parts[pid] = {cid: fin * part for cid, part in s.parts(ONE).items()}
            funded = s.share(fin, in_territory)
            funded_pnrr = s.share(pnrr, in_territory)
            paid_here = s.share(paid, in_territory)
        amounts[pid] = Totals(
            projects=1,
            funded=funded,
            funded_pnrr=funded_pnrr,
            paid=paid_here,
            not_attributed=fin - funded if rule != AllocationRule.FULL else ZERO,
        )
        fractions[pid] = fraction
    return ProjectSetData(
        rule=rule,
        amounts=amounts,
        snapshots=dict(snapshots),
        comuni=comuni,
        components=components,
        fractions=fractions,
        parts=parts,
    )


def located_projects() -> QuerySet[Project]:
    """The projects with at least one own place in a comune of the loaded territory."""
    located = Place.objects.filter(
        project_id=OuterRef("pk"),
        dataset=OuterRef("provenance"),
        comune__codice_uts=settings.DECIMETRO_TERRITORY_UTS,
    )
    return projects_for_list().filter(Exists(located))


def projects_of_components(*, codes: Iterable[str]) -> QuerySet[Project]:
    """The projects of these PNRR components (declared by the project's sub-measure) with at least one place
    in a comune of the loaded territory."""
    return located_projects().filter(submeasure__measure__component__code__in=list(codes))


def located_set_data() -> ProjectSetData:
    """`project_set_data` of every project located in the territory (`located_projects`), under the default
    rule: what the home and mission dashboards take their projects from (`components_set_data`) and the
    objectives' totals most of theirs (`set_data_of`). It reads only PNRR and territory data, so it is kept
    per PNRR data version (`insights.cache`, `SCOPE_PNRR`): a link decision or a plan edit leaves it valid."""
    # The same in every language (no text): kept once, under the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        return cached_for_data_version(
            "located-set", (), lambda: project_set_data(located_projects()), scope=SCOPE_PNRR, memo=True
        )


def components_set_data(*, codes: Iterable[str]) -> ProjectSetData:
    """`project_set_data(projects_of_components(codes=codes))`, taken from `located_set_data` (no query once
    that is known)."""
    wanted = set(codes)
    data = located_set_data()
    return data.subset(pid for pid, code in data.components.items() if code in wanted)


def set_data_of(project_ids: Iterable[int]) -> ProjectSetData:
    """`project_set_data` of these projects: those located in the territory from `located_set_data`, the
    others (a confirmed link to a project elsewhere) computed (three queries when there are any)."""
    ids = set(project_ids)
    data = located_set_data()
    missing = [pid for pid in ids if pid not in data.amounts]
    known = data.subset(pid for pid in ids if pid in data.amounts)
    if not missing:
        return known
    return known.merged(project_set_data(Project.objects.filter(pk__in=missing)))


# Milestones -------------------------------------------------------------------------------------------------

QUARTER_END = {"Q1": (3, 31), "Q2": (6, 30), "Q3": (9, 30), "Q4": (12, 31)}


@dataclass
class MilestoneRow:
    milestone: Milestone
    measures: list[str]
    due: date | None  # last day of the due quarter (or of the year when the quarter is unknown)
    past_due: bool

    @property
    def status(self) -> str:
        return "past" if self.past_due else ("upcoming" if self.due else "unknown")


def due_date(quarter: str, year: int | None) -> date | None:
    if not year:
        return None
    month, day = QUARTER_END.get((quarter or "").strip().upper(), (12, 31))
    return date(year, month, day)


def milestones_of_projects(projects: QuerySet[Project], *, today: date | None = None) -> list[MilestoneRow]:
    """The milestones and targets of the measures of `projects`, by due date (undated last), each once,
    with the measures it belongs to and its status by date: "past" when the last day of its due quarter is
    before today, "upcoming" otherwise (the open data do not say whether it was met). Two queries."""
    today = today or timezone.localdate()
    measures = projects.order_by().values("submeasure__measure_id")
    through = Milestone.submeasures.through
    links = through.objects.filter(submeasure__measure_id__in=measures).values_list(
        "milestone_id", "submeasure__measure__code"
    )
    codes: dict[int, set[str]] = defaultdict(set)
    for mid, code in links:
        codes[mid].add(code)
    rows = []
    ordered = Milestone.objects.filter(pk__in=list(codes)).order_by(
        F("year").asc(nulls_last=True), "quarter", "code"
    )
    for m in ordered:
        due = due_date(m.quarter, m.year)
        rows.append(
            MilestoneRow(
                milestone=m, measures=sorted(codes[m.pk]), due=due, past_due=due is not None and due < today
            )
        )
    return rows


def zones() -> list[Zone]:
    return list(Zone.objects.all())
