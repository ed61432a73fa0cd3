"""The dashboards of the objective, mission and home pages: their context, from the figures engine, with the
charts built by `insights.charts`.

The objective page's data path (a mission's and the home page's are the same with `projects_of_components`
in place of `confirmed_projects`; every step stays in `insights` or below, none comes back to an interface
app):

    public.views.plan.objective_detail               the view: the objective, then one call
      → insights.dashboards.objective_dashboard       this module: cache, then the context and its charts
          → insights.cache.cached_for_data_version    the per-process cache (production), keyed on the data
          → insights.freshness.dataset_dates          the release date of each dataset (and the banner's copy)
          → insights.objectives                       confirmed_projects, objective_links (linking.models)
          → insights.figures                          project_set_data (totals, progress, comuni, zones),
                                                      milestones_of_projects (pnrr.models, pnrr.selectors)
              → insights.allocation                   the allocation rule (Python form)
          → insights.charts                           the chart component's specs

Rules written on the pages (and in the "how to read" line of every figure):
- only CONFIRMED project ↔ objective links count; suggestions are listed apart and never summed;
- a mission's projects are those whose DECLARED PNRR component is one of the mission's components and that
  have at least one place in a comune of the territory;
- amounts are the part attributed to the territory's comuni under the allocation rule
  (`insights.allocation`: equal split among a project's places); payments are allocated in the same
  proportion;
- funded is not paid: paid comes from the latest payments snapshot of each project.

In production (`DECIMETRO_MAP_CACHE_SECONDS` > 0) each dashboard is remembered by the process under the data
version, as the map is (`insights.cache.cached_for_data_version`): a page then costs one query for its
dashboard (the version) until the data change. The stale-data banner of the other pages is not written
here: `insights.freshness.data_as_of` keeps it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from decimetro.insights import definitions
from decimetro.insights import figures as dash
from decimetro.insights import freshness as fresh
from decimetro.insights import objectives as link_sel
from decimetro.insights.cache import cached_for_data_version
from decimetro.insights.charts import chart
from decimetro.plan.models import Component, Mission, Objective

TOP_COMUNI = 15
TOP_OBJECTIVES = 10


def how_progress() -> str:
    return _(
        "Ogni punto è un rilascio dei dati sui pagamenti: pagato cumulato e finanziamento dei progetti a "
        "quella data (per ogni progetto la sua ultima istantanea). Finanziato non vuol dire pagato."
    )


def how_areas() -> str:
    return _(
        "Finanziamento attribuito a ciascun comune o zona: i progetti in più luoghi sono divisi secondo la "
        "regola «%(rule)s»; un progetto può quindi comparire in più comuni con una parte del suo importo."
    ) % {"rule": definitions.default_rule_label()}


def _money_chart(
    id: str,
    *,
    title: str,
    labels: list[str],
    funded: list[Decimal],
    paid: list[Decimal],
    as_of: date | None,
    how: str,
    label_header: str,
    kind: str = "bar",
    height: int = 300,
) -> dict[str, Any]:
    return chart(
        id,
        kind=kind,
        title=title,
        labels=labels,
        datasets=[{"label": _("Finanziato"), "data": funded}, {"label": _("Pagato"), "data": paid}],
        unit="€",
        as_of=as_of,
        how_to_read=how,
        label_header=label_header,
        height=height,
    )


def progress_chart(id: str, points: list[dash.ProgressPoint], *, title: str) -> dict[str, Any]:
    return _money_chart(
        id,
        kind="line",
        title=title,
        labels=[p.day.strftime("%d/%m/%Y") for p in points],
        funded=[p.funded for p in points],
        paid=[p.paid for p in points],
        as_of=points[-1].day if points else None,
        how=how_progress(),
        label_header=_("Rilascio dei pagamenti"),
    )


def _hbar_height(bars: int) -> int:
    """Height of a horizontal bar chart with this many bars."""
    return max(220, 28 * bars + 80)


def _area_chart(
    id: str, areas: list[dash.Part], *, title: str, label_header: str, as_of: date | None
) -> dict[str, Any]:
    """Funded and paid per area (comune or zone: each with .name, .amount, .paid), one horizontal bar each."""
    return _money_chart(
        id,
        kind="hbar",
        title=title,
        labels=[a.name for a in areas],
        funded=[a.amount for a in areas],
        paid=[a.paid for a in areas],
        as_of=as_of,
        how=how_areas(),
        label_header=label_header,
        height=_hbar_height(len(areas)),
    )


def area_charts(
    data: dash.ProjectSetData, *, prefix: str, as_of: date | None, project_ids: Any = None
) -> dict[str, Any]:
    """Distribution over comuni (largest TOP_COMUNI in the chart, all in the map) and zones."""
    comuni = data.by_comune(project_ids)
    zones = data.by_zone(dash.zones(), project_ids, comuni=comuni)
    top = comuni[:TOP_COMUNI]
    return {
        "comuni": comuni,
        "zones": zones,
        "comuni_chart": _area_chart(
            f"{prefix}-comuni",
            top,
            title=_("Comuni con più finanziamento (primi %(n)s)") % {"n": len(top)},
            label_header=_("Comune"),
            as_of=as_of,
        ),
        "zones_chart": _area_chart(
            f"{prefix}-zone",
            zones,
            title=_("Finanziamento per zona omogenea"),
            label_header=_("Zona omogenea"),
            as_of=as_of,
        ),
        "map_values": {c.key: float(c.amount) for c in comuni},
    }


def _dates(dates: fresh.DatasetDates) -> dict[str, Any]:
    """The dates of the datasets behind the dashboard's figures (`dates`: the dates line of every figure
    block; `milestone_dates`: the milestones') and how old the oldest is (the stale-data banner)."""
    return {
        "as_of": dates.latest,
        "dataset_dates": dates,
        "dates": dates.groups(definitions.DASHBOARD_DATASETS),
        "milestone_dates": dates.groups(definitions.MILESTONE_DATASETS),
        "freshness": dates.freshness(definitions.DASHBOARD_DATASETS),
    }


def _cached(parts: tuple[Any, ...], compute: Any) -> dict[str, Any]:
    """A dashboard from the per-process cache (production) or computed; the freshness (which depends on
    today) is set on every request."""
    ctx: dict[str, Any] = cached_for_data_version("dashboard", (*parts, timezone.localdate()), compute)
    ctx["freshness"] = ctx["dataset_dates"].freshness(definitions.DASHBOARD_DATASETS)
    ctx["figures"] = definitions.FIGURES  # the labels and definitions of the totals (not cached: lazy texts)
    _date_charts(ctx)
    return ctx


def _date_charts(ctx: dict[str, Any]) -> None:
    """The charts dated with the dashboard's single "data as of" date (funding and payments of its
    projects) state the dates of their datasets instead (the dashboard's `dates`). The progress charts keep
    their own date: the last payments release they plot."""
    for value in ctx.values():
        if isinstance(value, dict) and "spec" in value and value["as_of"] == ctx["as_of"]:
            value["dates"] = ctx["dates"]


# Objective --------------------------------------------------------------------------------------------------


def objective_dashboard(objective: Objective) -> dict[str, Any]:
    """The objective page's dashboard. Fixed number of queries (see tests/public/test_dashboards.py)."""
    return _cached(("objective", objective.pk), lambda: _objective_dashboard(objective))


def _objective_dashboard(objective: Objective) -> dict[str, Any]:
    dates = fresh.dataset_dates()
    as_of = dates.latest
    projects_qs = link_sel.confirmed_projects(objective=objective)
    projects = list(projects_qs)
    data = dash.project_set_data(projects_qs)
    totals = data.totals()
    points = data.progress()
    rows = [{"project": p, "amounts": data.amounts[p.pk]} for p in projects]
    return {
        **_dates(dates),
        "rule_label": definitions.default_rule_label(),
        "how_funded": definitions.how_funded(),
        "totals": totals,
        "projects": rows,
        "links": link_sel.objective_links(objective=objective),
        "milestones": dash.milestones_of_projects(projects_qs),
        "progress_chart": progress_chart(
            "objective-progress", points, title=_("Avanzamento dei pagamenti nel tempo")
        ),
        **area_charts(data, prefix="objective", as_of=as_of),
    }


# Mission and home -------------------------------------------------------------------------------------------


def _components_summary(
    data: dash.ProjectSetData, components: list[Component], component_of: dict[int, str]
) -> list[dict[str, Any]]:
    by_code: dict[str, list[int]] = {c.code: [] for c in components}
    for pid, code in component_of.items():
        if code in by_code:
            by_code[code].append(pid)
    return [
        {"component": c, "project_ids": by_code[c.code], "totals": data.totals(by_code[c.code])}
        for c in components
    ]


def _objectives_context(
    overview: link_sel.ObjectivesOverview, *, prefix: str, as_of: date | None
) -> dict[str, Any]:
    by_funding = overview.by_funding
    by_progress = overview.by_progress
    top_funding = by_funding[:TOP_OBJECTIVES]
    top_progress = by_progress[:TOP_OBJECTIVES]
    how_links = _(
        "Solo i progetti collegati all'obiettivo con un collegamento confermato; un progetto che serve più "
        "obiettivi conta in ciascuno. "
    )
    return {
        "objectives_by_funding": by_funding,
        "objectives_by_progress": by_progress,
        "gaps": overview.gaps,
        "objectives_funding_chart": _money_chart(
            f"{prefix}-objectives-funding",
            kind="hbar",
            title=_("Obiettivi per finanziamento dei progetti confermati"),
            labels=[r.objective.code for r in top_funding],
            funded=[r.totals.funded for r in top_funding],
            paid=[r.totals.paid for r in top_funding],
            as_of=as_of,
            how=how_links + definitions.how_funded(),
            label_header=_("Obiettivo"),
            height=_hbar_height(len(top_funding)),
        ),
        "objectives_progress_chart": chart(
            f"{prefix}-objectives-progress",
            kind="hbar",
            title=_("Obiettivi per avanzamento (pagato sul finanziato)"),
            labels=[r.objective.code for r in top_progress],
            datasets=[
                {"label": _("Pagato sul finanziato"), "data": [r.totals.paid_share for r in top_progress]}
            ],
            unit="%",
            as_of=as_of,
            how_to_read=how_links + _("La barra è la quota del finanziamento già pagata."),
            label_header=_("Obiettivo"),
            height=_hbar_height(len(top_progress)),
        ),
    }


def _projects_dashboard(
    data: dash.ProjectSetData,
    components: list[Component],
    objectives: QuerySet[Objective] | list[Objective],
    *,
    prefix: str,
    per_component_progress: bool,
) -> dict[str, Any]:
    dates = fresh.dataset_dates()
    as_of = dates.latest
    summary = _components_summary(data, components, data.components)
    if per_component_progress:
        for row in summary:
            row["chart"] = progress_chart(
                f"{prefix}-progress-{row['component'].code.lower()}",
                data.progress(row["project_ids"]),
                title=_("%(code)s: avanzamento dei pagamenti nel tempo") % {"code": row["component"].code},
            )
    overview = link_sel.objectives_overview(objectives=objectives)
    return {
        **_dates(dates),
        "rule_label": definitions.default_rule_label(),
        "how_funded": definitions.how_funded(),
        "totals": data.totals(),
        "components_summary": summary,
        "components_chart": _money_chart(
            f"{prefix}-components",
            title=_("Finanziato e pagato per componente PNRR"),
            labels=[r["component"].code for r in summary],
            funded=[r["totals"].funded for r in summary],
            paid=[r["totals"].paid for r in summary],
            as_of=as_of,
            how=_(
                "Progetti assegnati alla componente dichiarata nei dati PNRR, con almeno un luogo nel "
                "territorio. "
            )
            + definitions.how_funded(),
            label_header=_("Componente"),
        ),
        "progress_chart": progress_chart(
            f"{prefix}-progress", data.progress(), title=_("Avanzamento dei pagamenti nel tempo")
        ),
        **area_charts(data, prefix=prefix, as_of=as_of),
        **_objectives_context(overview, prefix=prefix, as_of=as_of),
    }


def mission_dashboard(mission: Mission) -> dict[str, Any]:
    """The mission page's dashboard (`mission` from `plan.selectors.mission_detail`, components and
    objectives prefetched). Fixed number of queries."""
    components = list(mission.components.all())
    objectives = list(mission.objectives.all())

    def compute() -> dict[str, Any]:
        data = dash.components_set_data(codes=[c.code for c in components])
        return _projects_dashboard(
            data, components, objectives, prefix="mission", per_component_progress=True
        )

    parts = ("mission", mission.pk, tuple(c.pk for c in components), tuple(o.pk for o in objectives))
    return _cached(parts, compute)


def home_dashboard(
    components: list[Component], missions: list[Mission], objectives: list[Objective]
) -> dict[str, Any]:
    """The home page's dashboard over every component of the plan. Fixed number of queries."""
    parts = ("home", *(tuple(x.pk for x in xs) for xs in (components, missions, objectives)))
    return _cached(parts, lambda: _home_dashboard(components, missions, objectives))


def _home_dashboard(
    components: list[Component], missions: list[Mission], objectives: list[Objective]
) -> dict[str, Any]:
    data = dash.components_set_data(codes=[c.code for c in components])
    ctx = _projects_dashboard(data, components, objectives, prefix="home", per_component_progress=False)
    by_mission: dict[int, list[dict[str, Any]]] = {}
    for row in ctx["components_summary"]:
        by_mission.setdefault(row["component"].mission_id, []).append(row)
    mission_rows: list[tuple[Mission, Decimal, Decimal]] = []
    for m in missions:
        rows = by_mission.get(m.pk, [])
        funded = sum((r["totals"].funded for r in rows), Decimal("0"))
        paid = sum((r["totals"].paid for r in rows), Decimal("0"))
        mission_rows.append((m, funded, paid))
    ctx["missions_chart"] = _money_chart(
        "home-missions",
        title=_("Finanziato e pagato per missione del piano"),
        labels=[m.code for m, _f, _p in mission_rows],
        funded=[f for _m, f, _p in mission_rows],
        paid=[p for _m, _f, p in mission_rows],
        as_of=ctx["as_of"],
        how=_("Somma delle componenti PNRR di ogni missione. ") + definitions.how_funded(),
        label_header=_("Missione"),
    )
    gaps_by_mission: dict[int, list[link_sel.ObjectiveRow]] = {}
    for r in ctx["gaps"]:
        gaps_by_mission.setdefault(r.objective.mission_id, []).append(r)
    ctx["gaps_by_mission"] = [(m, gaps_by_mission.get(m.pk, [])) for m in missions]
    return ctx


# Project ----------------------------------------------------------------------------------------------------


def project_payments_chart(payments: list[Any]) -> dict[str, Any]:
    """A project's payments over time from its snapshots (oldest first, already fetched: no query)."""
    return chart(
        "project-payments",
        kind="line",
        title=_("Pagamenti del progetto nel tempo"),
        labels=[s.release_date.strftime("%d/%m/%Y") for s in payments],
        datasets=[
            {"label": _("Finanziamento totale"), "data": [s.fin_totale for s in payments]},
            {"label": _("Pagamenti totali"), "data": [s.paid_total for s in payments]},
            {"label": _("di cui PNRR"), "data": [s.paid_pnrr for s in payments]},
        ],
        unit="€",
        as_of=payments[-1].release_date if payments else None,
        how_to_read=_(
            "Ogni punto è un rilascio dei dati sui pagamenti; i pagamenti sono cumulati. Finanziato non vuol "
            "dire pagato."
        ),
        label_header=_("Dati al"),
    )
