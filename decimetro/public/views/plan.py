"""Public pages of the plan: the dashboard home, missions, objectives."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from decimetro.core.permissions import can
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE
from decimetro.insights.dashboards import home_dashboard, mission_dashboard, objective_dashboard
from decimetro.insights.lists import objective_status_rule, objectives_with_progress
from decimetro.monitoring import selectors as monitoring_sel
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import ACTOR_FIELDS, ACTOR_LABELS


def _actors() -> list[tuple[str, str]]:
    return [(a, str(ACTOR_LABELS[a])) for a in ACTOR_FIELDS]


def home(request: HttpRequest) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    keywords = list(plan_sel.keywords_for(edition))
    missions = list(plan_sel.missions_for(edition))
    for m in missions:
        slugs = {k.slug for k in m.keywords.all()}
        m.keyword_cells = [k.slug in slugs for k in keywords]  # type: ignore[attr-defined]
    components = list(plan_sel.components_for(edition))
    dashboard = home_dashboard(components, missions, list(plan_sel.objectives_for(edition)))
    return render(
        request,
        "public/home.html",
        {
            "edition": edition,
            "keywords": keywords,
            "missions": missions,
            "components": components,
            "dashboard": dashboard,
            "pnrr_freshness": dashboard["freshness"],
            "actors": _actors(),
            "directions": edition.directions.all(),
        },
    )


def mission_detail(request: HttpRequest, code: str) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    mission = get_object_or_404(plan_sel.mission_detail(edition), code=code.upper())
    dashboard = mission_dashboard(mission)
    return render(
        request,
        "public/mission_detail.html",
        {
            "edition": edition,
            "mission": mission,
            "dashboard": dashboard,
            "pnrr_freshness": dashboard["freshness"],
            "actors": _actors(),
            "history": plan_sel.plan_history(mission),
            "can_edit": can(request.user, "plan.edit"),
        },
    )


def objective_list(request: HttpRequest) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    actor = request.GET.get("attore") or None
    keyword = request.GET.get("parola_chiave") or None
    mission = request.GET.get("missione") or None
    q = (request.GET.get("q") or "").strip() or None
    if actor and actor not in ACTOR_FIELDS:
        actor = None
    objectives = plan_sel.objectives_for(edition, mission=mission, actor=actor, keyword=keyword, q=q)
    return render(
        request,
        "public/objective_list.html",
        {
            "edition": edition,
            "objectives": objectives_with_progress(objectives),
            "status_rule": objective_status_rule(),
            "rule_label": DEFAULT_ALLOCATION_RULE.label,
            "actors": _actors(),
            "keywords": plan_sel.keywords_for(edition),
            "missions": plan_sel.missions_for(edition),
            "filters": {
                "attore": actor or "",
                "parola_chiave": keyword or "",
                "missione": mission or "",
                "q": q or "",
            },
        },
    )


def objective_detail(request: HttpRequest, code: str) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    objective = get_object_or_404(plan_sel.objectives_for(edition), code=code.upper())
    dashboard = objective_dashboard(objective)
    return render(
        request,
        "public/objective_detail.html",
        {
            "edition": edition,
            "objective": objective,
            "dashboard": dashboard,
            "pnrr_freshness": dashboard["freshness"],
            "actors": _actors(),
            "keywords": objective.mission.keywords.all(),
            "history": plan_sel.plan_history(objective),
            "can_edit": can(request.user, "plan.edit"),
            "objective_indicators": monitoring_sel.indicators_for_objective(objective),
        },
    )


def edition_list(request: HttpRequest) -> HttpResponse:
    """The published editions of the plan: the current one (the one the site shows) and the earlier ones."""
    return render(
        request,
        "public/edition_list.html",
        {"editions": plan_sel.published_editions(), "current": plan_sel.current_edition()},
    )


def edition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A published edition read-only: its missions and objectives as the plan wrote them, no figures (the
    figures follow the current edition's objectives). Drafts are not public."""
    edition = get_object_or_404(plan_sel.published_editions(), slug=slug)
    return render(
        request,
        "public/edition_detail.html",
        {
            "edition": edition,
            "current": plan_sel.current_edition(),
            "missions": plan_sel.mission_detail(edition),
            "actors": _actors(),
        },
    )
