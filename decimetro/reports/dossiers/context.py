"""What each dossier shows: the context of its template, read through the same `insights` functions and
selectors as the web page it comes from (`objective_dashboard`, `mission_dashboard`, `area_pnrr`,
`area_where`, the monitoring and participation selectors), so a figure in the PDF is the figure on the page.

Bounded size: an objective with thousands of confirmed projects lists the largest `MAX_PROJECTS` (the
dashboard's order: largest PNRR amount first) and says how many more the site and its CSV have; the same for
milestones and the DUP alignment lists."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE
from decimetro.insights.areas import area_pnrr, area_where
from decimetro.insights.dashboards import mission_dashboard, objective_dashboard
from decimetro.insights.definitions import FIGURES
from decimetro.monitoring import selectors as monitoring_sel
from decimetro.participation import selectors_consultations as cons_sel
from decimetro.participation import selectors_dup as dup_sel
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Mission, Objective
from decimetro.reports.dossiers.svg import chart_data_uri
from decimetro.territory import selectors as terr_sel
from decimetro.territory.models import Comune, Zone

MAX_PROJECTS = 100
MAX_ROWS = 60  # milestones, comuni covering an objective, consultations


def _bounded(rows: list[Any], limit: int) -> tuple[list[Any], int]:
    return rows[:limit], max(0, len(rows) - limit)


def _with_svg(*charts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The charts to draw, each with its SVG (`svg`) beside the table twin it already has."""
    return [{**c, "svg": chart_data_uri(c)} for c in charts if c and not c["empty"]]


def _consultations(**subject: Any) -> tuple[list[Any], int]:
    qs = cons_sel.consultations_public().filter(**subject)
    return _bounded(list(qs[: MAX_ROWS + 1]), MAX_ROWS)


def objective_context(objective: Objective) -> dict[str, Any]:
    d = objective_dashboard(objective)
    projects, more_projects = _bounded(d["projects"], MAX_PROJECTS)
    milestones, more_milestones = _bounded(list(d["milestones"]), MAX_ROWS)
    covering, more_covering = _bounded(list(dup_sel.comuni_covering(objective)), MAX_ROWS)
    consultations, more_consultations = _consultations(objective=objective)
    return {
        "d": d,
        "dates_line": d["dates"],
        "subtitle": _("Obiettivo strategico %(code)s · Missione %(n)s. %(mission)s")
        % {"code": objective.code, "n": objective.mission.number, "mission": objective.mission.title},
        "objective": objective,
        "projects": projects,
        "more_projects": more_projects,
        "milestones": milestones,
        "more_milestones": more_milestones,
        "charts": _with_svg(d["progress_chart"], d["zones_chart"], d["comuni_chart"]),
        "indicators": monitoring_sel.indicators_for_objective(objective),
        "dup_comuni": covering,
        "more_dup_comuni": more_covering,
        "consultations": consultations,
        "more_consultations": more_consultations,
        "page_path": reverse("public:objective", args=[objective.code]),
        "csv_path": "",
        "credits": ["pnrr", "pnrr_milestones", "plan", "dup"],
    }


def mission_context(mission: Mission) -> dict[str, Any]:
    d = mission_dashboard(mission)
    consultations, more_consultations = _consultations(mission=mission)
    component_charts = [row.get("chart") for row in d["components_summary"]]
    return {
        "d": d,
        "dates_line": d["dates"],
        "subtitle": _("Missione %(n)s del piano") % {"n": mission.number},
        "mission": mission,
        "components": list(mission.components.all()),
        "objective_rows": d["objectives_by_funding"],
        "charts": _with_svg(
            d["components_chart"],
            d["progress_chart"],
            d["objectives_funding_chart"],
            d["zones_chart"],
            d["comuni_chart"],
            *component_charts,
        ),
        "dup_objectives": [
            o
            for o in dup_sel.territory_matrix(plan_sel.current_edition_or_404())
            if o.mission_id == mission.pk
        ],
        "consultations": consultations,
        "more_consultations": more_consultations,
        "page_path": reverse("public:mission", args=[mission.code]),
        "csv_path": "",
        "credits": ["pnrr", "plan", "dup"],
    }


def _area(comuni: list[Comune], key: str, list_query: str) -> dict[str, Any]:
    """The area page's PNRR block and "where it stands" block under the default allocation rule (the page's
    default: the dossier has no `?ripartizione=`)."""
    pnrr = area_pnrr(comuni=comuni, rule=DEFAULT_ALLOCATION_RULE)
    where = area_where(key=key, totals=pnrr["totals"])
    return {
        "pnrr": pnrr,
        "where": where,
        "dates_line": where["data"].date_groups,
        "charts": _with_svg(where["mix"]),
        "csv_path": f"{reverse('reports:projects_csv')}?{list_query}",
        "figures": FIGURES,
    }


def comune_context(comune: Comune) -> dict[str, Any]:
    organisation = dup_sel.dup_organisation(comune.codice_istat)
    dup = list(dup_sel.dup_objectives_of(organisation)) if organisation is not None else []
    dup_rows, more_dup = _bounded(dup, MAX_ROWS)
    return {
        **_area([comune], comune.codice_istat, f"comune={comune.codice_istat}"),
        "subtitle": _("Comune · codice ISTAT %(code)s") % {"code": comune.codice_istat},
        "comune": comune,
        "indicators": monitoring_sel.indicators_for_comune(comune),
        "dup_objectives": dup_rows,
        "more_dup": more_dup,
        "page_path": reverse("public:comune", args=[comune.codice_istat]),
        "credits": ["pnrr", "istat", "boundaries", "dup"],
    }


def zone_context(zone: Zone) -> dict[str, Any]:
    comuni = list(terr_sel.comuni_list(zone=zone.slug))
    ids = {c.pk for c in comuni}
    summary = [c for c in dup_sel.comuni_dup_summary(plan_sel.current_edition_or_404()) if c.pk in ids]
    return {
        **_area(comuni, zone.slug, f"zona={zone.slug}"),
        "subtitle": zone.get_kind_display(),
        "zone": zone,
        "comuni": comuni,
        "dup_summary": summary,
        "page_path": reverse("public:zone", args=[zone.slug]),
        "credits": ["pnrr", "istat", "plan", "dup"],
    }
