from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from decimetro.core.audit import audit_history
from decimetro.core.permissions import can_edit_plan
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import ACTOR_FIELDS, ACTOR_LABELS, Edition
from decimetro.plan.services import component_update, mission_update, objective_update
from decimetro.territory import selectors as terr_sel
from decimetro.web.forms import ComponentForm, MissionForm, ObjectiveForm


def _edition() -> Edition:
    edition = plan_sel.current_edition()
    if edition is None:
        raise Http404("Nessuna edizione del piano caricata (eseguire `manage.py plan_load`).")
    return edition


def _actors() -> list[tuple[str, str]]:
    return [(a, str(ACTOR_LABELS[a])) for a in ACTOR_FIELDS]


def home(request: HttpRequest) -> HttpResponse:
    edition = _edition()
    keywords = list(plan_sel.keywords_for(edition))
    missions = list(plan_sel.missions_for(edition))
    for m in missions:
        slugs = {k.slug for k in m.keywords.all()}
        m.keyword_cells = [k.slug in slugs for k in keywords]  # type: ignore[attr-defined]
    return render(request, "web/home.html", {
        "edition": edition, "keywords": keywords, "missions": missions,
        "components": plan_sel.components_for(edition), "actors": _actors(),
        "directions": edition.directions.all(),
    })


def mission_detail(request: HttpRequest, code: str) -> HttpResponse:
    edition = _edition()
    mission = get_object_or_404(plan_sel.mission_detail(edition), code=code.upper())
    return render(request, "web/mission_detail.html", {
        "edition": edition, "mission": mission, "actors": _actors(),
        "history": audit_history(mission)[:20], "can_edit": can_edit_plan(request.user),
    })


def objective_list(request: HttpRequest) -> HttpResponse:
    edition = _edition()
    actor = request.GET.get("attore") or None
    keyword = request.GET.get("parola_chiave") or None
    mission = request.GET.get("missione") or None
    q = (request.GET.get("q") or "").strip() or None
    if actor and actor not in ACTOR_FIELDS:
        actor = None
    objectives = plan_sel.objectives_for(edition, mission=mission, actor=actor, keyword=keyword, q=q)
    return render(request, "web/objective_list.html", {
        "edition": edition, "objectives": objectives, "actors": _actors(),
        "keywords": plan_sel.keywords_for(edition), "missions": plan_sel.missions_for(edition),
        "filters": {"attore": actor or "", "parola_chiave": keyword or "", "missione": mission or "", "q": q or ""},
    })


def objective_detail(request: HttpRequest, code: str) -> HttpResponse:
    edition = _edition()
    objective = get_object_or_404(plan_sel.objectives_for(edition), code=code.upper())
    return render(request, "web/objective_detail.html", {
        "edition": edition, "objective": objective, "actors": _actors(),
        "keywords": objective.mission.keywords.all(),
        "history": audit_history(objective)[:20], "can_edit": can_edit_plan(request.user),
    })


def comune_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip() or None
    zone = request.GET.get("zona") or None
    sort = request.GET.get("ordina") or "name"
    comuni = terr_sel.comuni_list(q=q, zone=zone, sort=sort)
    return render(request, "web/comune_list.html", {
        "comuni": comuni, "zones": terr_sel.zones_with_totals(), "sort": sort,
        "filters": {"q": q or "", "zona": zone or ""},
    })


def comune_detail(request: HttpRequest, codice_istat: str) -> HttpResponse:
    comune = get_object_or_404(terr_sel.comuni_of_territory().select_related("zone"), codice_istat=codice_istat)
    return render(request, "web/comune_detail.html", {"comune": comune})


def zone_detail(request: HttpRequest, slug: str) -> HttpResponse:
    zone = get_object_or_404(terr_sel.zones_with_totals(), slug=slug)
    comuni = terr_sel.comuni_list(zone=slug)
    return render(request, "web/zone_detail.html", {"zone": zone, "comuni": comuni})


def zone_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/zone_list.html", {"zones": terr_sel.zones_with_totals()})


def territory_map(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map.html", {"zones": terr_sel.zones_with_totals()})


# Back office ------------------------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not can_edit_plan(request.user):
        raise PermissionDenied


@login_required
def backoffice(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    edition = _edition()
    return render(request, "web/backoffice.html", {
        "edition": edition, "missions": plan_sel.mission_detail(edition),
    })


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    objective = get_object_or_404(plan_sel.objectives_for(_edition()), code=code.upper())
    form = ObjectiveForm(request.POST or None, initial={"title": objective.title, **objective.actors})
    if request.method == "POST" and form.is_valid():
        objective_update(objective=objective, by=request.user,  # type: ignore[arg-type]
                         title=form.cleaned_data["title"],
                         actors={a: form.cleaned_data[a] for a in ACTOR_FIELDS})
        messages.success(request, f"Obiettivo {objective.code} aggiornato.")
        return redirect(reverse("web:objective", args=[objective.code]))
    return render(request, "web/edit_form.html", {
        "form": form, "entry": objective, "kind": "obiettivo",
        "back_url": reverse("web:objective", args=[objective.code]),
    })


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    mission = get_object_or_404(plan_sel.missions_for(_edition()), code=code.upper())
    form = MissionForm(request.POST or None, initial={"title": mission.title, "introduction": mission.introduction})
    if request.method == "POST" and form.is_valid():
        mission_update(mission=mission, by=request.user,  # type: ignore[arg-type]
                       title=form.cleaned_data["title"], introduction=form.cleaned_data["introduction"])
        messages.success(request, f"Missione {mission.code} aggiornata.")
        return redirect(reverse("web:mission", args=[mission.code]))
    return render(request, "web/edit_form.html", {
        "form": form, "entry": mission, "kind": "missione", "back_url": reverse("web:mission", args=[mission.code]),
    })


@login_required
@require_http_methods(["GET", "POST"])
def component_edit(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    component = get_object_or_404(plan_sel.components_for(_edition()), code=code.upper())
    form = ComponentForm(request.POST or None, initial={"title": component.title, **component.actors})
    back = reverse("web:mission", args=[component.mission.code])
    if request.method == "POST" and form.is_valid():
        component_update(component=component, by=request.user,  # type: ignore[arg-type]
                         title=form.cleaned_data["title"],
                         actors={a: form.cleaned_data[a] for a in ACTOR_FIELDS})
        messages.success(request, f"Componente {component.code} aggiornata.")
        return redirect(back)
    return render(request, "web/edit_form.html", {
        "form": form, "entry": component, "kind": "componente", "back_url": back,
        "history": audit_history(component)[:20],
    })
