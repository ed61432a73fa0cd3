"""Reads for the Web GIS: one value per comune (and per zona omogenea) of a PNRR metric, with filters.

The values of every comune come from ONE aggregate query over the places of the territory (grouped by
comune), not one query per comune; a whole map costs a fixed number of queries whatever the number of comuni
and projects (comuni list, per-comune aggregate, per-zone project counts, territory totals, latest payment
release).

Metrics (`METRICS`):
- `funding`: PNRR amount (`fin_pnrr`) attributed to the comune under the allocation rule;
- `funding_per_resident`: the same divided by the resident population (31/12/2022);
- `projects`: projects with at least one place in the comune (a multi-place project counts once in each of
  its comuni, whatever the rule);
- `payment_progress`: paid / funded over the same projects (`insights.definitions`, "progress_pct"): paid is
  `paid_total` of each project's *latest* payment snapshot (0 for a project without payments), funded its
  `fin_totale`, both allocated with the same rule — the dashboards' and the API's definition;
- `projects_per_1000`: projects per 1,000 residents.

Multi-place projects follow the allocation rule (`insights.allocation`, its SQL form; default: equal split
among the project's places); the shares of places that are not a comune of the territory (national,
regional, provincial places, comuni of other territories) are *not attributed* and are counted in
`MapData.not_attributed`, as in the area totals.

Filters (`MapFilters`, empty = any): PNRR mission, component, measure; strategic objective of the plan
(projects with a CONFIRMED `ProjectObjectiveLink` to it); zona omogenea (only its comuni get a value); actor
of the plan (`ACTOR_RULE`): projects whose PNRR component is, in the plan's current edition, a component
marked for that actor, or that have a CONFIRMED link to an objective marked for that actor.

Breaks: quantiles, 5 classes, over the comuni (or zones) that have a value; equal cut points are merged, so
there can be fewer classes. Counts (`INTEGER_METRICS`) get integer limits, so that the legend's classes never
overlap ("0 to 1", "2 to 118", not "0 to 1", "1 to 118"); `legend_classes` writes each class's limits as the
legend shows them. An empty map says why (`empty_reason`).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from decimetro.insights import freshness as fresh
from decimetro.insights.allocation import (
    DEFAULT_ALLOCATION_RULE,
    FLOAT,
    PROJECT_STATS_SQL,
    RULE_NOTES,
    AllocationRule,
    outside_sql,
    share_sql,
)
from decimetro.insights.cache import SCOPE_ALL, SCOPE_PNRR, cached_for_data_version
from decimetro.insights.definitions import DASHBOARD_DATASETS, Dataset
from decimetro.insights.figures import CENT, ZERO
from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import ACTOR_FIELDS, ACTOR_LABELS
from decimetro.plan.models import Component as PlanComponent
from decimetro.pnrr.credits import PNRR as PNRR_CREDIT
from decimetro.pnrr.models import PaymentSnapshot, Place, Project
from decimetro.pnrr.selectors import MISSION_PATH
from decimetro.territory.credits import ISTAT as ISTAT_CREDIT
from decimetro.territory.models import Comune

METRICS: dict[str, Any] = {
    "funding": _("Importo PNRR (€)"),
    "funding_per_resident": _("Importo PNRR per residente (€)"),
    "projects": _("Numero di progetti"),
    "payment_progress": _("Avanzamento dei pagamenti (% pagato sul finanziato)"),
    "projects_per_1000": _("Progetti ogni 1.000 residenti"),
}
METRIC_UNITS = {
    "funding": "€",
    "funding_per_resident": "€",
    "projects": "",
    "payment_progress": "%",
    "projects_per_1000": "",
}
DEFAULT_METRIC = "funding_per_resident"
INTEGER_METRICS = frozenset({"projects"})
CLASSES = 5
BREAKS_METHOD = _(
    "quantili, 5 classi con circa lo stesso numero di aree con un valore (le classi con gli stessi limiti "
    "sono unite; per i conteggi i limiti sono numeri interi)"
)
FILTER_LABELS: dict[str, Any] = {
    "mission": _("Missione PNRR"),
    "component": _("Componente PNRR"),
    "measure": _("Misura PNRR"),
    "objective": _("Obiettivo strategico"),
    "zone": _("Zona omogenea"),
    "actor": _("Attore del piano"),
}
ACTOR_RULE = _(
    "Un progetto è di un attore se la sua componente PNRR è, nel piano, una componente segnata per "
    "quell'attore, oppure se è collegato (collegamento confermato) a un obiettivo strategico segnato per "
    "quell'attore."
)
PAYMENT_RULE = _(
    "Avanzamento: pagamenti totali dell'ultima rilevazione di ogni progetto diviso il suo finanziamento "
    "totale, sugli stessi progetti (un progetto senza pagamenti conta zero pagato), ripartiti con la stessa "
    "regola: la cifra «Pagato sul finanziato» delle altre pagine. Finanziato non vuol dire pagato."
)


@dataclass(frozen=True)
class MapFilters:
    """Empty values mean "any"."""

    mission: str = ""  # PNRR mission, M1 … M7
    component: str = ""  # PNRR component, M1C1 …
    measure: str = ""  # PNRR measure, M1C1I1.02 …
    objective: str = ""  # objective of the plan, M1.17 … (CONFIRMED links only)
    zone: str = ""  # slug of a zona omogenea
    actor: str = ""  # one of plan.models.ACTOR_FIELDS

    def cleaned(self) -> MapFilters:
        return MapFilters(
            mission=self.mission.strip().upper()[:4],
            component=self.component.strip().upper()[:6],
            measure=self.measure.strip().upper()[:16],
            objective=self.objective.strip().upper()[:8],
            zone=self.zone.strip().lower()[:50],
            actor=self.actor if self.actor in ACTOR_FIELDS else "",
        )

    @property
    def is_empty(self) -> bool:
        return not any(vars(self).values())

    def project_filters(self) -> MapFilters:
        """The same without the zone (which restricts comuni, not projects)."""
        return replace(self, zone="")


@dataclass
class AreaValue:
    """The values of one comune or one zone (or of the whole territory)."""

    key: str  # ISTAT code, zone slug, or "" for the territory
    name: str
    population: int | None = None
    zone_slug: str = ""
    zone_name: str = ""
    projects: int = 0
    amount: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    funded: Decimal = Decimal("0.00")
    in_filter: bool = True  # False: outside the zone filter (no value shown)

    @property
    def per_resident(self) -> Decimal | None:
        if not self.population:
            return None
        return (self.amount / self.population).quantize(CENT, ROUND_HALF_EVEN)

    @property
    def payment_progress(self) -> float | None:
        """Paid / funded in percent (None without payment data)."""
        if not self.funded:
            return None
        # One decimal, computed once: the "Pagato sul finanziato" of the dashboards (`Totals.paid_share`);
        # rounding to two decimals first would round 25,148 to 25,15 and then to 25,2.
        return round(float(self.paid / self.funded * 100), 1)

    @property
    def projects_per_1000(self) -> float | None:
        if not self.population:
            return None
        return round(self.projects * 1000 / self.population, 3)

    def metric(self, metric: str) -> float | None:
        """The value of `metric` (None: no value)."""
        if not self.in_filter:
            return None
        value: Any = {
            "funding": self.amount,
            "funding_per_resident": self.per_resident,
            "projects": self.projects,
            "payment_progress": self.payment_progress,
            "projects_per_1000": self.projects_per_1000,
        }[metric]
        return None if value is None else float(value)


@dataclass
class MapData:
    metric: str
    rule: AllocationRule
    filters: MapFilters
    comuni: list[AreaValue]
    zones: list[AreaValue]
    territory: AreaValue
    not_attributed: Decimal
    payments_as_of: Any  # date | None
    dates: Any = None  # insights.freshness.DatasetDates: the release date of each dataset behind the values
    breaks: list[float] = field(default_factory=list)
    zone_breaks: list[float] = field(default_factory=list)

    @property
    def date_groups(self) -> list[Any]:
        """The dates line of the values: the release date of each dataset behind them."""
        return self.dates.groups(DASHBOARD_DATASETS) if self.dates is not None else []

    @property
    def metric_label(self) -> str:
        return str(METRICS[self.metric])

    @property
    def unit(self) -> str:
        return METRIC_UNITS[self.metric]

    @property
    def rule_label(self) -> str:
        return str(self.rule.label)

    @property
    def median_per_resident(self) -> Decimal | None:
        """The median over the comuni of the funding per resident (comuni with a population)."""
        values = [c.per_resident for c in self.comuni if c.per_resident is not None and c.in_filter]
        return Decimal(statistics.median(values)).quantize(CENT) if values else None


# Breaks -----------------------------------------------------------------------------------------------------


def quantile_breaks(values: list[float], classes: int = CLASSES, *, integer: bool = False) -> list[float]:
    """Class limits [min, q1, …, max] of `values` by quantiles (linear interpolation between ranks), with
    equal limits merged. Empty input → []. One distinct value → [v, v] (one class). `integer` (counts): the
    limits are rounded down to whole numbers, which for whole values puts every value in the same class as
    before (v ≤ 2.6 ⇔ v ≤ 2) and lets the legend write classes that do not overlap (see `legend_classes`)."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return []
    limits = []
    for i in range(classes + 1):
        pos = (len(data) - 1) * i / classes
        low = int(pos)
        high = min(low + 1, len(data) - 1)
        limits.append(round(data[low] + (data[high] - data[low]) * (pos - low), 4))
    merged = [limits[0]]
    for v in limits[1:]:
        if v > merged[-1]:
            merged.append(v)
    if len(merged) == 1:
        merged.append(merged[0])
    if integer:
        # A whole value v is in (a, b] exactly when it is in (floor a, floor b]: the same groups, minus the
        # classes with no whole value, which merge away; the first class [min, min] (only the minimum) stays.
        whole = [float(math.floor(v)) for v in merged]
        merged = whole[:2]
        merged += [v for i, v in enumerate(whole[2:], 2) if v > whole[i - 1]]
    return merged


def legend_classes(breaks: list[float], *, integer: bool = False) -> list[dict[str, Any]]:
    """The classes as the legend writes them: class i holds (breaks[i], breaks[i+1]] (the first also
    breaks[0]). For counts the lower limit of a class after the first is breaks[i] + 1 ("0 to 1", "2 to 118");
    for amounts it is open ("oltre 1,5 fino a 3"): no value can be read in two classes."""
    out = []
    for i in range(len(breaks) - 1):
        low, high = breaks[i], breaks[i + 1]
        if integer and i > 0:
            out.append({"low": low + 1, "high": high, "lower_open": False})
        else:
            out.append({"low": low, "high": high, "lower_open": i > 0})
    return out


def empty_reason(data: MapData) -> str | None:
    """Why the map has no project, in words (None when it has some): a uniform "0 to 0" map says nothing."""
    if any(c.projects for c in data.comuni if c.in_filter):
        return None
    f = data.filters
    if f.objective:
        return str(
            _(
                "Nessun progetto confermato per questo obiettivo: un progetto conta per un obiettivo solo "
                "quando il suo collegamento è confermato dall'Ente."
            )
        )
    if f.zone and not any(vars(replace(f, zone="")).values()):
        return str(_("Nessun progetto con un luogo nei comuni di questa zona omogenea."))
    if not f.is_empty:
        return str(_("Nessun progetto corrisponde ai filtri scelti: prova a toglierne qualcuno."))
    return str(_("Nessun progetto PNRR con un luogo nel territorio nei dati caricati."))


def class_of(value: float | None, breaks: list[float]) -> int | None:
    """Index of the class of `value` (0 = lowest): class i holds values in (breaks[i], breaks[i+1]], the first
    class also holds breaks[0]. None without a value."""
    if value is None or len(breaks) < 2:
        return None
    for i in range(1, len(breaks)):
        if value <= breaks[i]:
            return i - 1
    return len(breaks) - 2


# The aggregate ----------------------------------------------------------------------------------------------


def filtered_projects(filters: MapFilters) -> QuerySet[Project]:
    """Projects matching the project filters (mission, component, measure, objective, actor)."""
    f = filters.cleaned()
    qs = Project.objects.all()
    if f.mission:
        qs = qs.filter(**{f"{MISSION_PATH}__code": f.mission})
    if f.component:
        qs = qs.filter(submeasure__measure__component__code=f.component)
    if f.measure:
        qs = qs.filter(submeasure__measure__code=f.measure)
    confirmed = ProjectObjectiveLink.objects.filter(
        status=LinkStatus.CONFIRMED, objective__edition__is_current=True
    )
    if f.objective:
        qs = qs.filter(pk__in=confirmed.filter(objective__code=f.objective).values("project_id"))
    if f.actor:
        codes = PlanComponent.objects.filter(edition__is_current=True, **{f.actor: True}).values("code")
        linked = confirmed.filter(**{f"objective__{f.actor}": True}).values("project_id")
        qs = qs.filter(Q(submeasure__measure__component__code__in=codes) | Q(pk__in=linked))
    return qs


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, ROUND_HALF_EVEN)


def _aggregate_sql(f: MapFilters, rule: AllocationRule) -> tuple[str, list[Any]]:
    """ONE statement for the whole map: per comune ('c'), per zone ('z') and for the territory ('t').

    located: projects (with their amount) with an own place in a comune of the territory (and zone, and
    matching the filters);
    own: all the own places of those projects (also outside the territory: they take their share);
    stats: per project, places, non-comune places, comuni without population, population sum, amount;
    pay: the latest payment snapshot of each of those projects;
    shares: the places in the territory with their share of the project under `rule`.
    (`comune_id IS NOT NULL` is redundant but lets PostgreSQL estimate the rows: without it the planner
    expects every place and scans whole tables.)"""
    place, project = Place._meta.db_table, Project._meta.db_table
    comune, payment = Comune._meta.db_table, PaymentSnapshot._meta.db_table
    zone_table = Comune._meta.get_field("zone").related_model._meta.db_table  # type: ignore[union-attr]
    params: list[Any] = [settings.DECIMETRO_TERRITORY_UTS]
    where = ""
    in_zone = f"IN (SELECT z.id FROM {zone_table} z WHERE z.slug = %s)"  # noqa: S608 (a table name)
    if f.zone:
        where += f" AND c.zone_id {in_zone}"
        params.append(f.zone)
    if not f.project_filters().is_empty:
        sql, sub_params = filtered_projects(f).values("pk").query.sql_with_params()
        where += f" AND pl.project_id IN ({sql})"
        params.extend(sub_params)
    in_territory = "c2.codice_uts = %s" + (f" AND c2.zone_id {in_zone}" if f.zone else "")
    params += (
        [settings.DECIMETRO_TERRITORY_UTS] + ([f.zone] if f.zone else []) + [settings.DECIMETRO_TERRITORY_UTS]
    )
    statement = f"""
WITH located AS (
  SELECT pl.project_id, pl.dataset, MAX(CAST(p.fin_pnrr AS {FLOAT})) AS amount,
         MAX(CAST(COALESCE(p.fin_totale, 0) AS {FLOAT})) AS fin FROM {place} pl
  JOIN {project} p ON p.id = pl.project_id AND pl.dataset = p.provenance
  JOIN {comune} c ON c.id = pl.comune_id
  WHERE pl.comune_id IS NOT NULL AND c.codice_uts = %s{where}
  GROUP BY pl.project_id, pl.dataset
), own AS (
  SELECT pl.project_id, pl.comune_id, pl.istat_code, c2.population_resident AS pop,
         CASE WHEN {in_territory} THEN 1 ELSE 0 END AS here,
         CASE WHEN c2.codice_uts = %s THEN 1 ELSE 0 END AS terr, c2.zone_id
  FROM {place} pl
  JOIN located l ON l.project_id = pl.project_id AND l.dataset = pl.dataset
  LEFT JOIN {comune} c2 ON c2.id = pl.comune_id
), stats AS (
  SELECT o.project_id, {PROJECT_STATS_SQL},
         MAX(l.amount) AS amount, MAX(l.fin) AS fin
  FROM own o JOIN located l ON l.project_id = o.project_id
  GROUP BY o.project_id
), pay AS MATERIALIZED (
  SELECT ps.project_id, CAST(ps.paid_total AS {FLOAT}) AS paid
  FROM {payment} ps
  JOIN (SELECT project_id, MAX(release_date) AS d FROM {payment}
        WHERE project_id IN (SELECT project_id FROM located) GROUP BY project_id) m
    ON m.project_id = ps.project_id AND m.d = ps.release_date
), shares AS (
  SELECT o.comune_id, o.zone_id, o.project_id, s.amount, {share_sql(rule)} AS share,
         COALESCE(pay.paid, 0.0) AS paid, s.fin AS funded
  FROM own o JOIN stats s ON s.project_id = o.project_id LEFT JOIN pay ON pay.project_id = o.project_id
  WHERE o.here = 1
), terr AS (
  SELECT o.project_id, MAX(s.amount) AS amount,
         SUM(CASE WHEN o.terr = 1 THEN {share_sql(rule)} ELSE 0.0 END) AS inside
  FROM own o JOIN stats s ON s.project_id = o.project_id
  GROUP BY o.project_id
)
SELECT 'c', comune_id, COUNT(DISTINCT project_id), SUM(amount * share), SUM(paid * share), SUM(funded * share)
FROM shares GROUP BY comune_id
UNION ALL
SELECT 'z', zone_id, COUNT(DISTINCT project_id), NULL, NULL, NULL FROM shares GROUP BY zone_id
UNION ALL
SELECT 't', NULL, COUNT(*), SUM({outside_sql(rule)}), NULL, NULL FROM terr
"""  # noqa: S608 (table names from the models' meta; every value is a parameter)
    return statement, params


def map_data(
    *,
    filters: MapFilters = MapFilters(),
    metric: str = DEFAULT_METRIC,
    rule: AllocationRule | str = DEFAULT_ALLOCATION_RULE,
) -> MapData:
    """The values of `metric` for every comune and zone of the territory under `filters` and `rule`, with
    quantile breaks. Three queries (comuni, the aggregate, the dataset dates), whatever the number of
    comuni and projects; with `DECIMETRO_MAP_CACHE_SECONDS` set (production), one query (the data version)
    when this process has already computed the same state for the same data."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}")
    rule = AllocationRule(rule)
    f = filters.cleaned()
    # Without an objective or an actor filter the values read only PNRR and territory data: kept per PNRR
    # data version (a link decision or a plan edit leaves them valid).
    scope = SCOPE_ALL if f.objective or f.actor else SCOPE_PNRR
    data = cached_for_data_version("map", (rule.value, f), lambda: _map_values(f, rule), scope=scope)
    return replace(
        data,
        metric=metric,
        breaks=quantile_breaks(
            [v for c in data.comuni if (v := c.metric(metric)) is not None], integer=metric in INTEGER_METRICS
        ),
        zone_breaks=quantile_breaks(
            [v for z in data.zones if (v := z.metric(metric)) is not None], integer=metric in INTEGER_METRICS
        ),
    )


def _map_values(f: MapFilters, rule: AllocationRule) -> MapData:
    """The values of every comune and zone (no metric chosen, no breaks yet)."""
    dates = fresh.dataset_dates()
    comuni = (
        Comune.objects.filter(codice_uts=settings.DECIMETRO_TERRITORY_UTS)
        .select_related("zone")
        .only("codice_istat", "name", "population_resident", "zone__slug", "zone__name")
        .order_by("name", "codice_istat")
    )
    areas: dict[int, AreaValue] = {}
    zones: dict[str, AreaValue] = {}
    zone_ids: dict[int, str] = {}
    for c in comuni:
        z = c.zone
        in_filter = not f.zone or (z is not None and z.slug == f.zone)
        areas[c.pk] = AreaValue(
            key=c.codice_istat,
            name=c.name,
            population=c.population_resident,
            zone_slug=z.slug if z else "",
            zone_name=z.name if z else "",
            in_filter=in_filter,
        )
        if z is not None:
            zone_ids[z.pk] = z.slug
            zone = zones.setdefault(z.slug, AreaValue(key=z.slug, name=z.name, in_filter=in_filter))
            if c.population_resident:
                zone.population = (zone.population or 0) + c.population_resident

    if f.zone and f.zone not in zones:  # an unknown zone is no filter (as an unknown actor)
        f = replace(f, zone="")
        for area in [*areas.values(), *zones.values()]:
            area.in_filter = True
    statement, params = _aggregate_sql(f, rule)
    located = 0
    not_attributed: Any = 0
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    # A total is rounded once, after summing (as the dashboards and the area totals do), not summed from
    # rounded parts: the zones and the territory add up their comuni's unrounded sums.
    raw: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for kind, key, n, amount, paid, funded in rows:
        if kind == "c" and key in areas:
            area = areas[key]
            area.projects, area.amount, area.paid, area.funded = (
                n,
                _money(amount),
                _money(paid),
                _money(funded),
            )
            exact = [Decimal(str(v or 0)) for v in (amount, paid, funded)]
            for slug in ("", area.zone_slug) if area.zone_slug in zones else ("",):
                raw[slug] = [a + b for a, b in zip(raw[slug], exact, strict=True)]
        elif kind == "z" and zone_ids.get(key) in zones:
            zones[zone_ids[key]].projects = n
        elif kind == "t":
            located, not_attributed = n, amount
    for slug, zone in zones.items():
        zone.amount, zone.paid, zone.funded = (_money(v) for v in raw[slug])

    comune_list = list(areas.values())
    zone_list = sorted(zones.values(), key=lambda z: z.name)
    territory = AreaValue(
        key="",
        name=str(_("Città metropolitana (comuni selezionati)")) if f.zone else str(_("Città metropolitana")),
        population=sum((c.population or 0) for c in comune_list if c.in_filter) or None,
        projects=located,
        amount=_money(raw[""][0]),
        paid=_money(raw[""][1]),
        funded=_money(raw[""][2]),
    )
    return MapData(
        metric=DEFAULT_METRIC,
        rule=rule,
        filters=f,
        comuni=comune_list,
        zones=zone_list,
        territory=territory,
        not_attributed=_money(not_attributed),
        payments_as_of=dates.release(Dataset.PAYMENTS),
        dates=dates,
    )


def actor_choices() -> list[tuple[str, str]]:
    return [(a, str(ACTOR_LABELS[a])) for a in ACTOR_FIELDS]


# Comune / zone comparison -----------------------------------------------------------------------------------


def area_standing(*, data: MapData, key: str) -> dict[str, Any] | None:
    """Where one comune (ISTAT code) or zone (slug) stands among its peers for funding per resident: its
    value, the metropolitan median of the comuni, the rank (1 = highest) and the number ranked."""
    pool = data.comuni if any(c.key == key for c in data.comuni) else data.zones
    area = next((a for a in pool if a.key == key), None)
    if area is None:
        return None
    ranked = sorted((a for a in pool if a.per_resident is not None), key=lambda a: -(a.per_resident or 0))
    rank = next((i + 1 for i, a in enumerate(ranked) if a.key == key), None)
    peers = [a.per_resident for a in ranked if a.per_resident is not None]
    return {
        "area": area,
        "median_comuni": data.median_per_resident,
        "median_peers": Decimal(statistics.median(peers)).quantize(CENT) if peers else None,
        "territory_per_resident": data.territory.per_resident,
        "rank": rank,
        "ranked": len(ranked),
    }


# The JSON document of a map state (API, GeoJSON, CSV, page) -------------------------------------------------

ATTRIBUTION = f"{PNRR_CREDIT}; {ISTAT_CREDIT}"


def _area(a: AreaValue, metric: str, breaks: list[float], *, zone: bool) -> dict[str, Any]:
    value = a.metric(metric)
    return {
        "key": a.key,
        "name": a.name,
        "zone": None if zone else (a.zone_slug or None),
        "population": a.population,
        "projects": a.projects,
        "funding": float(a.amount),
        "funding_per_resident": float(a.per_resident) if a.per_resident is not None else None,
        "paid": float(a.paid),
        "funded": float(a.funded),
        "payment_progress": a.payment_progress,
        "projects_per_1000": a.projects_per_1000,
        "value": value,
        "class_index": class_of(value, breaks),
    }


def map_payload(data: MapData) -> dict[str, Any]:
    """The JSON document of a map state (shared by the API and the web pages)."""
    t = data.territory
    median = data.median_per_resident
    return {
        "metric": data.metric,
        "metric_label": data.metric_label,
        "unit": data.unit,
        "rule": data.rule.value,
        "rule_label": data.rule_label,
        "filters": {k: v for k, v in vars(data.filters).items() if v},
        "filter_labels": {k: str(FILTER_LABELS[k]) for k, v in vars(data.filters).items() if v},
        "breaks_method": str(BREAKS_METHOD),
        "breaks": data.breaks,
        "zone_breaks": data.zone_breaks,
        "integer": data.metric in INTEGER_METRICS,
        "classes": legend_classes(data.breaks, integer=data.metric in INTEGER_METRICS),
        "zone_classes": legend_classes(data.zone_breaks, integer=data.metric in INTEGER_METRICS),
        "empty_reason": empty_reason(data),
        "comuni": [_area(c, data.metric, data.breaks, zone=False) for c in data.comuni],
        "zones": [_area(z, data.metric, data.zone_breaks, zone=True) for z in data.zones],
        "totals": {
            "name": t.name,
            "population": t.population,
            "projects": t.projects,
            "funding": float(t.amount),
            "funding_per_resident": float(t.per_resident) if t.per_resident is not None else None,
            "paid": float(t.paid),
            "funded": float(t.funded),
            "payment_progress": t.payment_progress,
            "projects_per_1000": t.projects_per_1000,
            "not_attributed": float(data.not_attributed),
            "median_funding_per_resident": float(median) if median is not None else None,
        },
        "payments_as_of": data.payments_as_of,
        "notes": [str(RULE_NOTES[data.rule]), str(PAYMENT_RULE), str(ACTOR_RULE)],
        "attribution": ATTRIBUTION,
    }
