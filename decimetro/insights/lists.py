"""The lists that answer "how far along is it": the plan's objectives, the comuni, the zones and the projects,
each row with the figures of its own page, in a fixed number of queries whatever the number of rows.

Each figure is the one its detail page shows, computed the same way:
- an objective: the totals of its confirmed projects (`insights.objectives.objectives_overview`, the same
  `project_set_data` shares as `objective_dashboard`: funded is `fin_totale` under the default rule);
- a comune or a zone: the PNRR amount attributed to it and per resident as `figures.area_totals` computes
  it for its page (the same query shape, `allocation.split`, per-mission rounding), for every area in one
  query; the payment progress of its "where it stands" block (`insights.map`, the same map values);
- a project: paid and progress from its latest payment snapshot (as its page), its confirmed objectives of
  the current edition of the plan, its provenance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from decimetro.insights import map as sm
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE, AllocationRule, split
from decimetro.insights.cache import SCOPE_PNRR, cached_for_data_version
from decimetro.insights.figures import CENT, AreaTotals, Part, Totals, located_places
from decimetro.insights.objectives import objectives_overview
from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import Objective
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import (
    PLACE_LABEL_FIELDS,
    PaymentSnapshot,
    Place,
    Project,
    Provenance,
    paid_share,
    place_label,
)
from decimetro.territory import selectors as terr_sel
from decimetro.territory.models import Comune, Zone

# Objectives -------------------------------------------------------------------------------------------------

ADVANCED_FROM = 50  # percent of the funding paid from which an objective is "avanzato"

OBJECTIVE_STATUSES = {
    "none": _("senza progetti confermati"),
    "started": _("in corso"),
    "advanced": _("avanzato"),
}


def objective_status_rule() -> str:
    """The status rule as the page states it."""
    return _t(
        "Stato: «senza progetti confermati» se nessun progetto è collegato all'obiettivo con un "
        "collegamento confermato; «in corso» se ha progetti confermati e il pagato è meno del %(n)s%% del "
        "finanziato; «avanzato» se il pagato è almeno il %(n)s%% del finanziato dei progetti confermati "
        "(la percentuale della tabella, con un decimale)."
    ) % {"n": ADVANCED_FROM}


@dataclass
class ObjectiveProgress:
    """An objective with the totals of its confirmed projects (territory share, latest payments)."""

    objective: Objective
    totals: Totals
    suggested: int = 0

    @property
    def status(self) -> str:
        if not self.totals.projects:
            return "none"
        share = self.totals.paid_share
        return "advanced" if share is not None and share >= ADVANCED_FROM else "started"

    @property
    def status_label(self) -> str:
        return str(OBJECTIVE_STATUSES[self.status])


def objectives_with_progress(
    objectives: Iterable[Objective] | QuerySet[Objective],
) -> list[ObjectiveProgress]:
    """Each objective (in the given order) with the totals of its confirmed projects: the figures of its
    page. The objectives' query and five more (links, suggestions, the projects' set: three)."""
    overview = objectives_overview(objectives=objectives)
    rows = overview.rows
    return [ObjectiveProgress(objective=r.objective, totals=r.totals, suggested=r.suggested) for r in rows]


# Comuni and zones -------------------------------------------------------------------------------------------

# `?ordina=` keys computed from the figures (sorted in Python), beside the comune's own columns.
FIGURE_SORTS = ("pnrr", "per_resident", "progress")
COMUNE_SORTS = (*terr_sel.COMUNE_SORTS, *FIGURE_SORTS)
ZONE_SORTS = ("name", "comuni", "population", "area", *FIGURE_SORTS)
# Numbers are most useful largest first on the first click; names and codes A→Z.
DESCENDING_FIRST = {"population", "area", "comuni", *FIGURE_SORTS}


@dataclass
class AreaRow:
    """A comune or a zone of a list with the figures of its page: `totals` (the PNRR block, default rule)
    and `standing` (the map's values of its "where it stands" block: payment progress)."""

    area: Any  # Comune or Zone
    totals: AreaTotals
    standing: sm.AreaValue | None

    @property
    def total(self) -> Decimal:
        return self.totals.total

    @property
    def per_resident(self) -> Decimal | None:
        return self.totals.per_resident

    @property
    def progress(self) -> float | None:
        return self.standing.payment_progress if self.standing else None

    @property
    def paid(self) -> Decimal | None:
        return self.standing.paid if self.standing else None

    @property
    def funded(self) -> Decimal | None:
        return self.standing.funded if self.standing else None


def sorting(sort: str, keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """For each sortable column: the `ordina` value its header links to, and its aria-sort state."""
    columns = {}
    for key in keys:
        if sort == key:
            columns[key] = {"next": f"-{key}", "aria": "ascending"}
        elif sort == f"-{key}":
            columns[key] = {"next": key, "aria": "descending"}
        else:
            columns[key] = {"next": f"-{key}" if key in DESCENDING_FIRST else key, "aria": ""}
    return columns


def _area_totals_bulk(
    areas: dict[str, list[Comune]], rule: AllocationRule, amount_field: str = "fin_pnrr"
) -> dict[str, AreaTotals]:
    """`figures.area_totals(comuni=areas[key], rule=rule)` for every key at once, in one query: the same
    places (every own place of the projects with an own place in the territory), the same `split` of each
    project and the same rounding (each mission's amount to the cent, then summed), so each area's figures
    are those of its page."""
    comune_ids = {c.pk for comuni in areas.values() for c in comuni}
    keys_of: dict[int, list[str]] = defaultdict(list)
    for key, comuni in areas.items():
        for c in comuni:
            keys_of[c.pk].append(key)
    members = {key: {c.pk for c in comuni} for key, comuni in areas.items()}
    places, info, territory = located_places(terr_sel.comuni_of_territory(), amount_field)
    missions: dict[str, dict[str, Part]] = defaultdict(dict)
    result: dict[str, AreaTotals] = {}
    for key, comuni in areas.items():
        pops = [c.population_resident for c in comuni]
        result[key] = AreaTotals(
            rule=rule, amount_field=amount_field, population=sum(p for p in pops if p) if any(pops) else None
        )
    not_attributed: dict[str, Decimal] = defaultdict(Decimal)
    for project_id, project_places in places.items():
        touched = {k for c, _i, _p in project_places if c in comune_ids for k in keys_of[c]}
        if not touched:
            continue
        amount, m_code, m_name = info[project_id]
        s = split(project_places, rule)
        for key in touched:
            totals = result[key]
            totals.projects += 1
            totals.population_fallbacks += s.fallback
            mission = missions[key].setdefault(m_code, Part(key=m_code, name=m_name))
            mission.projects += 1
            mission.amount += s.share(amount, members[key])
            not_attributed[key] += s.outside(amount, territory)
    for key, totals in result.items():
        parts = sorted(missions[key].values(), key=lambda m: m.key)
        exact = sum((m.amount for m in parts), Decimal("0"))  # rounded once, after summing
        for m in parts:
            m.amount = m.amount.quantize(CENT, ROUND_HALF_EVEN)
        totals.by_mission = parts
        totals.total = exact.quantize(CENT, ROUND_HALF_EVEN)
        totals.not_attributed = not_attributed[key].quantize(CENT, ROUND_HALF_EVEN)
    return result


def _sorted_rows(rows: list[AreaRow], sort: str) -> list[AreaRow]:
    """`rows` (already in their name order) by a figure; missing values last in both directions."""
    key = sort.removeprefix("-")
    if key not in FIGURE_SORTS:
        return rows
    descending = sort.startswith("-")

    def value(row: AreaRow) -> tuple[bool, Any]:
        v: Any = {"pnrr": row.total, "per_resident": row.per_resident, "progress": row.progress}[key]
        if v is None:
            return (True, 0)
        return (False, -v if descending else v)

    return sorted(rows, key=value)


def _territory_figures(rule: AllocationRule) -> tuple[dict[int, AreaTotals], dict[int, AreaTotals]]:
    """Per comune id and per zone id of the territory: its PNRR block's totals. Two queries."""
    comuni = list(terr_sel.comuni_of_territory().only("pk", "population_resident", "zone_id"))
    by_zone: dict[int, list[Comune]] = defaultdict(list)
    for c in comuni:
        if c.zone_id is not None:
            by_zone[c.zone_id].append(c)
    areas = {f"c{c.pk}": [c] for c in comuni} | {f"z{z}": cs for z, cs in by_zone.items()}
    totals = _area_totals_bulk(areas, rule)
    return (
        {c.pk: totals[f"c{c.pk}"] for c in comuni},
        {z: totals[f"z{z}"] for z in by_zone},
    )


def territory_figures(
    rule: AllocationRule | str = DEFAULT_ALLOCATION_RULE,
) -> tuple[dict[int, AreaTotals], dict[int, AreaTotals]]:
    """`_territory_figures`, remembered per data version in production (as the map and the area pages)."""
    rule = AllocationRule(rule)
    return cached_for_data_version(
        "lists-areas", (rule.value,), lambda: _territory_figures(rule), scope=SCOPE_PNRR
    )


def comune_sort_is_valid(sort: str) -> bool:
    return sort.removeprefix("-") in COMUNE_SORTS


def comuni_with_figures(
    *, q: str | None = None, zone: str | None = None, sort: str = terr_sel.DEFAULT_SORT
) -> list[AreaRow]:
    """The comuni of the list (searched, filtered by zone) with the figures of their pages under the default
    rule, sorted by `sort` (a key of COMUNE_SORTS, "-" for descending; missing values last). Six queries: the
    comuni, the territory's comuni and places (the PNRR blocks), the map's values (comuni, aggregate, latest
    payment release)."""
    if not comune_sort_is_valid(sort):
        sort = terr_sel.DEFAULT_SORT
    by_sql = sort if sort.removeprefix("-") in terr_sel.COMUNE_SORTS else terr_sel.DEFAULT_SORT
    comuni = list(terr_sel.comuni_list(q=q, zone=zone, sort=by_sql))
    totals, _zones = territory_figures()
    standing = {a.key: a for a in sm.map_data(rule=DEFAULT_ALLOCATION_RULE).comuni}
    empty = AreaTotals(rule=DEFAULT_ALLOCATION_RULE, amount_field="fin_pnrr")
    rows = [
        AreaRow(area=c, totals=totals.get(c.pk, empty), standing=standing.get(c.codice_istat)) for c in comuni
    ]
    return _sorted_rows(rows, sort)


def zone_sort_is_valid(sort: str) -> bool:
    return sort.removeprefix("-") in ZONE_SORTS


def zones_with_figures(*, sort: str = "") -> list[AreaRow]:
    """The zones of the territory (number of comuni, residents, area) with the figures of their pages under
    the default rule; in the zones' order (kind, name) or by `sort` (a key of ZONE_SORTS, "-" for descending;
    missing values last). Six queries: the zones, the territory's comuni and places, the map's values."""
    zones: list[Zone] = list(terr_sel.zones_with_totals())
    _comuni, totals = territory_figures()
    standing = {a.key: a for a in sm.map_data(rule=DEFAULT_ALLOCATION_RULE).zones}
    empty = AreaTotals(rule=DEFAULT_ALLOCATION_RULE, amount_field="fin_pnrr")
    rows = [AreaRow(area=z, totals=totals.get(z.pk, empty), standing=standing.get(z.slug)) for z in zones]
    if not zone_sort_is_valid(sort):
        return rows
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key in FIGURE_SORTS:
        return _sorted_rows(sorted(rows, key=lambda r: r.area.name), sort)
    attr = {"name": "name", "comuni": "comuni_count", "population": "population", "area": "area"}[key]
    present = sorted(
        (r for r in rows if getattr(r.area, attr) is not None),
        key=lambda r: (getattr(r.area, attr), r.area.name),
        reverse=descending,
    )
    return present + sorted((r for r in rows if getattr(r.area, attr) is None), key=lambda r: r.area.name)


# Projects ---------------------------------------------------------------------------------------------------


def _latest(field: str) -> Subquery:
    return Subquery(
        PaymentSnapshot.objects.filter(project_id=OuterRef("pk")).order_by("-release_date").values(field)[:1]
    )


def projects_with_progress(projects: QuerySet[Project]) -> QuerySet[Project]:
    """`projects` with their latest payment snapshot (`latest_release`, `latest_paid`, `latest_funded`:
    annotations, no extra query) and their confirmed links to objectives of the current edition of the plan
    (prefetched into `confirmed_objective_links`, objective code order: one query per page or chunk).
    Read the row figures with `project_progress`."""
    confirmed = (
        ProjectObjectiveLink.objects.filter(status=LinkStatus.CONFIRMED, objective__edition__is_current=True)
        .select_related("objective")
        .only("project_id", "objective__code")
        .order_by("objective__code")
    )
    return projects.annotate(
        latest_release=_latest("release_date"),
        latest_paid=_latest("paid_total"),
        latest_funded=_latest("fin_totale"),
    ).prefetch_related(Prefetch("objective_links", queryset=confirmed, to_attr="confirmed_objective_links"))


@dataclass(frozen=True)
class ProjectProgress:
    paid: Decimal | None  # paid_total of the latest snapshot
    progress_pct: float | None  # paid / funding of that snapshot, percent, one decimal (its page's figure)
    objectives: list[str]  # codes of its confirmed objectives
    provenance: str  # the provenance's Italian label


def project_progress(project: Project, *, provenance_words: dict[str, str] | None = None) -> ProjectProgress:
    """The list figures of a project from `projects_with_progress` (no query). The progress is the project
    page's: `round(paid_share * 100, 1)` of its latest snapshot. `provenance_words`: the provenances'
    labels in the active language, when the caller has them (`provenance_labels`)."""
    # (A subquery's decimals come back as the database keeps them: "1500" on SQLite; amounts have cents.)
    paid, funded = (
        None if v is None else Decimal(v).quantize(CENT)
        for v in (getattr(project, "latest_paid", None), getattr(project, "latest_funded", None))
    )
    return ProjectProgress(
        paid=paid,
        progress_pct=_progress_pct(paid, funded),
        objectives=[link.objective.code for link in getattr(project, "confirmed_objective_links", [])],
        provenance=(
            provenance_words.get(project.provenance, project.provenance)
            if provenance_words is not None
            else str(project.get_provenance_display())
        ),
    )


def provenance_labels() -> dict[str, str]:
    """Each provenance's label in the active language (a row's `get_provenance_display` translated it again
    for every row: a twentieth of the list's CPU time)."""
    return {value: str(label) for value, label in Provenance.choices}


def _progress_pct(paid: Decimal | None, funded: Decimal | None) -> float | None:
    share = paid_share(paid, funded)
    return round(share * 100, 1) if share is not None else None


def with_progress(projects: Iterable[Project]) -> Iterator[Project]:
    """Each project with `row_progress` set (a `ProjectProgress`), for the templates."""
    words = provenance_labels()
    for p in projects:
        p.row_progress = project_progress(p, provenance_words=words)  # type: ignore[attr-defined]
        yield p


# The national project export: the same figures as the list's rows (`project_progress`, `Place.label`), read
# as plain rows (221,685 projects: a model instance per project, place and link made the export take minutes).
# The places, the payments and the confirmed objectives come as three more streams in the projects' very
# order (`project_order(sort, through="project__")`), merged here: four streaming cursors, one pass each,
# memory flat whatever the number of projects (asking for each chunk's places by id took ten times longer).

EXPORT_FIELDS = (
    "pk",
    "cup",
    "local_code",
    "submeasure__code",
    "submeasure__measure__code",
    "submeasure__measure__component__code",
    "submeasure__measure__component__mission__code",
    "title",
    "implementing_body__name",
    "implementing_body__fiscal_code",
    "provenance",
    "fin_pnrr",
    "fin_totale",
    "updated_on",
)
_PLACE_FIELDS = ("project_id", "dataset", *PLACE_LABEL_FIELDS)


class ProjectExportRow(NamedTuple):
    """A project of the export: `values` in the order of EXPORT_FIELDS, its own places as (ISTAT code,
    label) in the list's order, its latest payments' release date and its list figures (those of
    `ProjectProgress`; a plain tuple: 221,685 of them for the national export)."""

    values: tuple[Any, ...]
    places: list[tuple[str, str]]
    latest_release: Any
    paid: Decimal | None
    progress_pct: float | None
    objectives: list[str]
    provenance: str


def project_export_rows(
    projects: QuerySet[Project], *, sort: str, chunk_size: int
) -> Iterator[ProjectExportRow]:
    """Every project of `projects` in the list's order `sort`, with its own places, latest payments and
    confirmed objectives of the current plan. Each stream is read `chunk_size` rows at a time (a server-side
    cursor on PostgreSQL). On PostgreSQL the streams are read inside one transaction (it only reads):
    outside one, each cursor is declared WITH HOLD and PostgreSQL copies its whole result before the first
    row (about a second of the national export on a loaded machine). The export slot's refresh
    (`reports.limits`, every 60 s) is then committed with the transaction."""
    held = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    with held:
        yield from _project_export_rows(projects, sort=sort, chunk_size=chunk_size)


def _project_export_rows(
    projects: QuerySet[Project], *, sort: str, chunk_size: int
) -> Iterator[ProjectExportRow]:
    order = pnrr_sel.project_order(sort)
    through = pnrr_sel.project_order(sort, through="project__")
    provenance_words = {value: str(label) for value, label in Provenance.choices}
    rows = projects.order_by(*order).values_list(*EXPORT_FIELDS).iterator(chunk_size=chunk_size)
    # The other streams keep to the chosen projects; without a filter that is every project (no semi-join).
    chosen = {"project__in": projects.order_by().values("pk")} if projects.query.where else {}
    places = iter(
        Place.objects.filter(**chosen)
        .order_by(*through, "region_code", "province_code", "comune_code")
        .values_list(*_PLACE_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    payments = iter(
        PaymentSnapshot.objects.filter(**chosen)
        .order_by(*through, "-release_date")
        .values_list("project_id", "release_date", "paid_total", "fin_totale")
        .iterator(chunk_size=chunk_size)
    )
    links = iter(
        ProjectObjectiveLink.objects.filter(
            **chosen, status=LinkStatus.CONFIRMED, objective__edition__is_current=True
        )
        .order_by(*through, "objective__code")
        .values_list("project_id", "objective__code")
        .iterator(chunk_size=chunk_size)
    )
    # The streams merged by hand (a project has a place or two, a snapshot or two, rarely an objective): the
    # next row of each stream waits in `place`, `payment`, `link` until its project comes.
    place, payment, link = next(places, None), next(payments, None), next(links, None)
    for r in rows:
        pid, provenance = r[0], r[10]
        own = []
        while place is not None and place[0] == pid:
            _pid, dataset, istat, rc, rn, pc, pn, cn, ours = place
            if dataset == provenance:
                own.append(
                    (
                        istat,
                        place_label(
                            istat_code=istat,
                            region_code=rc,
                            region_name=rn,
                            province_code=pc,
                            province_name=pn,
                            comune_name=cn,
                            our_comune_name=ours,
                        ),
                    )
                )
            place = next(places, None)
        release = paid = funded = None
        if payment is not None and payment[0] == pid:
            _pid, release, paid, funded = payment  # the latest: the stream is newest first per project
            if paid is not None:
                paid = Decimal(paid).quantize(CENT)
            if funded is not None:
                funded = Decimal(funded).quantize(CENT)
            while payment is not None and payment[0] == pid:
                payment = next(payments, None)
        codes = []
        while link is not None and link[0] == pid:
            codes.append(link[1])
            link = next(links, None)
        yield ProjectExportRow(
            r,
            own,
            release,
            paid,
            _progress_pct(paid, funded),
            codes,
            provenance_words.get(provenance, provenance),
        )
