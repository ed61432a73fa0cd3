from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from decimetro.core.audit import audit_history
from decimetro.core.permissions import can_edit_plan
from decimetro.monitoring import selectors as monitoring_sel
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import ACTOR_FIELDS, ACTOR_LABELS, Edition
from decimetro.plan.services import component_update, mission_update, objective_update
from decimetro.territory import selectors as terr_sel
from decimetro.web.dashboards import home_dashboard, mission_dashboard, objective_dashboard
from decimetro.web.forms import ComponentForm, MissionForm, ObjectiveForm
from decimetro.web.views_map import area_where
from decimetro.web.views_pnrr import area_pnrr_context


def _edition() -> Edition:
    edition = plan_sel.current_edition()
    if edition is None:
        raise Http404("Nessuna edizione del piano caricata (eseguire `manage.py plan_load`).")
    return edition


def _actors() -> list[tuple[str, str]]:
    return [(a, str(ACTOR_LABELS[a])) for a in ACTOR_FIELDS]


HISTORY_FIELDS = {
    "title": _("Titolo"),
    "introduction": _("Introduzione"),
    "matrix_title": _("Titolo nella matrice della visione"),
    "number": _("Numero"),
    "position": _("Posizione"),
    "mission": _("Missione"),
    "keywords": _("Parole chiave"),
    **ACTOR_LABELS,
}
HISTORY_ACTIONS = {"create": _("creazione"), "update": _("modifica"), "keywords": _("parole chiave")}


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    action: str
    changes: list[tuple[str, str, str]]


def _shown(value: object) -> str:
    if value is True:
        return _t("sì")
    if value is False:
        return _t("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _history(target: models.Model) -> list[HistoryRow]:
    """The last 20 audit rows of an entry, in words: field labels, sì/no for flags, '—' for nothing."""
    return [
        HistoryRow(
            when=entry.created_at,
            who=entry.actor_label,
            action=str(HISTORY_ACTIONS.get(entry.action.rsplit(".", 1)[-1], entry.action)),
            changes=[(str(HISTORY_FIELDS.get(f, f)), _shown(b), _shown(a)) for f, b, a in entry.changes],
        )
        for entry in audit_history(target)[:20]
    ]


def home(request: HttpRequest) -> HttpResponse:
    edition = _edition()
    keywords = list(plan_sel.keywords_for(edition))
    missions = list(plan_sel.missions_for(edition))
    for m in missions:
        slugs = {k.slug for k in m.keywords.all()}
        m.keyword_cells = [k.slug in slugs for k in keywords]  # type: ignore[attr-defined]
    components = list(plan_sel.components_for(edition))
    dashboard = home_dashboard(components, missions, list(plan_sel.objectives_for(edition)))
    return render(
        request,
        "web/home.html",
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
    edition = _edition()
    mission = get_object_or_404(plan_sel.mission_detail(edition), code=code.upper())
    dashboard = mission_dashboard(mission)
    return render(
        request,
        "web/mission_detail.html",
        {
            "edition": edition,
            "mission": mission,
            "dashboard": dashboard,
            "pnrr_freshness": dashboard["freshness"],
            "actors": _actors(),
            "history": _history(mission),
            "can_edit": can_edit_plan(request.user),
        },
    )


def objective_list(request: HttpRequest) -> HttpResponse:
    edition = _edition()
    actor = request.GET.get("attore") or None
    keyword = request.GET.get("parola_chiave") or None
    mission = request.GET.get("missione") or None
    q = (request.GET.get("q") or "").strip() or None
    if actor and actor not in ACTOR_FIELDS:
        actor = None
    objectives = plan_sel.objectives_for(edition, mission=mission, actor=actor, keyword=keyword, q=q)
    return render(
        request,
        "web/objective_list.html",
        {
            "edition": edition,
            "objectives": objectives,
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
    edition = _edition()
    objective = get_object_or_404(plan_sel.objectives_for(edition), code=code.upper())
    dashboard = objective_dashboard(objective)
    return render(
        request,
        "web/objective_detail.html",
        {
            "edition": edition,
            "objective": objective,
            "dashboard": dashboard,
            "pnrr_freshness": dashboard["freshness"],
            "actors": _actors(),
            "keywords": objective.mission.keywords.all(),
            "history": _history(objective),
            "can_edit": can_edit_plan(request.user),
            "objective_indicators": monitoring_sel.indicators_for_objective(objective),
        },
    )


# Territory -------------------------------------------------------------------------------------------------

# Numbers are most useful largest first; names and codes A→Z.
_DESCENDING_FIRST = {"population", "area"}


def _sorting(sort: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the `ordina` value its header links to, and its aria-sort state."""
    columns = {}
    for key in terr_sel.COMUNE_SORTS:
        if sort == key:
            columns[key] = {"next": f"-{key}", "aria": "ascending"}
        elif sort == f"-{key}":
            columns[key] = {"next": key, "aria": "descending"}
        else:
            columns[key] = {"next": f"-{key}" if key in _DESCENDING_FIRST else key, "aria": ""}
    return columns


def comune_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    zone = (request.GET.get("zona") or "").strip()
    sort = request.GET.get("ordina") or terr_sel.DEFAULT_SORT
    if not terr_sel.comune_sort_is_valid(sort):
        sort = terr_sel.DEFAULT_SORT
    comuni = terr_sel.comuni_list(q=q, zone=zone, sort=sort)
    return render(
        request,
        "web/comune_list.html",
        {
            "nav": "comuni",
            "comuni": comuni,
            "zones": terr_sel.zones_with_totals(),
            "sort": sort,
            "sorting": _sorting(sort),
            "filters": {"q": q, "zona": zone},
        },
    )


def comune_detail(request: HttpRequest, codice_istat: str) -> HttpResponse:
    comune = get_object_or_404(terr_sel.comune_detail(), codice_istat=codice_istat)
    pnrr = area_pnrr_context(request, comuni=[comune], list_query=f"comune={comune.codice_istat}")
    indicators = monitoring_sel.indicators_for_comune(comune)
    return render(
        request,
        "web/comune_detail.html",
        {
            "nav": "comuni",
            "comune": comune,
            "pnrr": pnrr,
            "objective_indicators": indicators,
            "where": area_where(pnrr, comune.codice_istat),
        },
    )


def zone_detail(request: HttpRequest, slug: str) -> HttpResponse:
    zone = get_object_or_404(terr_sel.zones_with_totals(), slug=slug)
    comuni = list(terr_sel.comuni_list(zone=slug))
    pnrr = area_pnrr_context(request, comuni=comuni, list_query=f"zona={zone.slug}")
    return render(
        request,
        "web/zone_detail.html",
        {"nav": "zone", "zone": zone, "comuni": comuni, "pnrr": pnrr, "where": area_where(pnrr, zone.slug)},
    )


def zone_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/zone_list.html", {"nav": "zone", "zones": terr_sel.zones_with_totals()})


# Back office ------------------------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not can_edit_plan(request.user):
        raise PermissionDenied


@login_required
def backoffice(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    edition = _edition()
    return render(
        request,
        "web/backoffice.html",
        {
            "edition": edition,
            "missions": plan_sel.mission_detail(edition),
        },
    )


def _edit_entry(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    context: dict[str, Any],
    success: str,
    back_url: str,
) -> HttpResponse:
    """The shared flow of the back-office edit pages: validate, call the service, report, redirect."""
    if form.is_bound and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success)
            return redirect(back_url)
    return render(request, "web/edit_form.html", {"form": form, "back_url": back_url, **context})


def _post_data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    objective = get_object_or_404(plan_sel.objectives_for(_edition()), code=code.upper())
    return _edit_entry(
        request,
        form=ObjectiveForm(_post_data(request), initial={"title": objective.title, **objective.actors}),
        save=lambda data: objective_update(
            objective=objective,
            by=request.user,  # type: ignore[arg-type]
            title=data["title"],
            actors={a: data[a] for a in ACTOR_FIELDS},
        ),
        context={"entry": objective, "kind": _("obiettivo")},
        success=_t("Obiettivo %(code)s aggiornato.") % {"code": objective.code},
        back_url=reverse("web:objective", args=[objective.code]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    mission = get_object_or_404(plan_sel.missions_for(_edition()), code=code.upper())
    return _edit_entry(
        request,
        form=MissionForm(
            _post_data(request), initial={"title": mission.title, "introduction": mission.introduction}
        ),
        save=lambda data: mission_update(
            mission=mission,
            by=request.user,  # type: ignore[arg-type]
            title=data["title"],
            introduction=data["introduction"],
        ),
        context={"entry": mission, "kind": _("missione")},
        success=_t("Missione %(code)s aggiornata.") % {"code": mission.code},
        back_url=reverse("web:mission", args=[mission.code]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def component_edit(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    component = get_object_or_404(plan_sel.components_for(_edition()), code=code.upper())
    return _edit_entry(
        request,
        form=ComponentForm(_post_data(request), initial={"title": component.title, **component.actors}),
        save=lambda data: component_update(
            component=component,
            by=request.user,  # type: ignore[arg-type]
            title=data["title"],
            actors={a: data[a] for a in ACTOR_FIELDS},
        ),
        context={"entry": component, "kind": _("componente"), "history": _history(component)},
        success=_t("Componente %(code)s aggiornata.") % {"code": component.code},
        back_url=reverse("web:mission", args=[component.mission.code]),
    )
