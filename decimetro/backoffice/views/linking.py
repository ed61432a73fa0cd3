"""Back-office pages of the project ↔ objective links: the review queue, one link's decision page, the
measure → objective crosswalk editor. Staff only (anonymous → login, others → 403). Thin: reads in
`linking.selectors`, writes in `linking.services`. Every page works without JavaScript; with htmx the queue's
per-row buttons replace just their row."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from decimetro.core.http import AuthenticatedHttpRequest, require_perm
from decimetro.linking import selectors as link_sel
from decimetro.linking import services as link_svc
from decimetro.linking.models import LinkStatus, MeasureObjective, ProjectObjectiveLink
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Measure
from decimetro.territory.models import Comune

PAGE_SIZE = 50
STATUSES = {
    "suggeriti": LinkStatus.SUGGESTED,
    "confermati": LinkStatus.CONFIRMED,
    "respinti": LinkStatus.REJECTED,
}


def _objectives() -> list[Objective]:
    edition = plan_sel.current_edition()
    if edition is None:
        raise Http404("Nessuna edizione del piano caricata.")
    return list(plan_sel.objectives_for(edition))


def _filters(params: Any) -> tuple[link_sel.QueueFilters, dict[str, str]]:
    mission = (params.get("missione") or "").strip().upper()[:4]
    comune = (params.get("comune") or "").strip()[:6]
    status_key = params.get("stato") or "suggeriti"
    if status_key not in STATUSES:
        status_key = "suggeriti"
    query = {k: v for k, v in {"missione": mission, "comune": comune, "stato": status_key}.items() if v}
    return link_sel.QueueFilters(mission=mission, comune=comune, status=STATUSES[status_key]), query


def _queue_url(query: dict[str, str]) -> str:
    url = reverse("backoffice:link_queue")
    return f"{url}?{urlencode(query)}" if query else url


def _link_or_404(pk: int | str) -> ProjectObjectiveLink:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    return get_object_or_404(
        ProjectObjectiveLink.objects.select_related("objective__mission", "project__submeasure__measure"),
        pk=pk,
    )


def _objective_or_404(code: str) -> Objective:
    edition = plan_sel.current_edition()
    return get_object_or_404(Objective, edition=edition, code=(code or "").strip().upper())


def _apply(
    request: AuthenticatedHttpRequest, link: ProjectObjectiveLink, action: str, objective_code: str = ""
) -> str:
    """Run one decision; returns the message to show."""
    user = request.user
    if action == "conferma":
        link_svc.link_confirm(by=user, link=link)
        return _("Collegamento %(project)s → %(objective)s confermato.") % {
            "project": link.project.cup,
            "objective": link.objective.code,
        }
    if action == "respingi":
        link_svc.link_reject(by=user, link=link)
        return _("Suggerimento %(project)s → %(objective)s respinto.") % {
            "project": link.project.cup,
            "objective": link.objective.code,
        }
    if action == "altro":
        objective = _objective_or_404(objective_code)
        link_svc.link_choose_other(by=user, link=link, objective=objective)
        return _("Progetto %(project)s collegato all'obiettivo %(objective)s.") % {
            "project": link.project.cup,
            "objective": objective.code,
        }
    raise Http404("azione sconosciuta")


@require_http_methods(["GET", "POST"])
@require_perm("link.review")
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        query = _filters(request.POST)[1]
        bulk = request.POST.get("azione_multipla", "")
        ids = request.POST.getlist("collegamento")
        if bulk not in {"conferma", "respingi"}:
            return HttpResponseBadRequest(_("Azione non valida."))
        if not ids:
            messages.warning(request, _("Nessun collegamento selezionato."))
            return redirect(_queue_url(query))
        try:
            link_ids = [int(i) for i in ids]
        except ValueError as exc:
            raise Http404 from exc
        try:
            if bulk == "conferma":
                n = link_svc.links_confirm_bulk(by=request.user, link_ids=link_ids)
                messages.success(request, _("%(n)d collegamenti confermati.") % {"n": n})
            else:
                n = link_svc.links_reject_bulk(by=request.user, link_ids=link_ids)
                messages.success(request, _("%(n)d suggerimenti respinti.") % {"n": n})
        except ProjectObjectiveLink.DoesNotExist as exc:
            raise Http404 from exc
        return redirect(_queue_url(query))

    filters, query = _filters(request.GET)
    page = Paginator(link_sel.review_queue(filters), PAGE_SIZE).get_page(request.GET.get("pagina"))
    edition = plan_sel.current_edition()
    return render(
        request,
        "backoffice/linking/queue.html",
        {
            "page": page,
            "links": list(page.object_list),
            "filters": filters,
            "query": query,
            "status_key": query.get("stato", "suggeriti"),
            "statuses": [
                ("suggeriti", _("Suggeriti")),
                ("confermati", _("Confermati")),
                ("respinti", _("Respinti")),
            ],
            "missions": plan_sel.missions_for(edition) if edition else [],
            "comuni": Comune.objects.order_by("name").only("codice_istat", "name"),
            "counts": link_sel.queue_counts(),
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm("link.review")
def link_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One link: confirm, reject or choose another objective. With htmx (HX-Request) the answer is the queue's
    row; otherwise a redirect to the queue (or this page again for a GET)."""
    link = _link_or_404(pk)
    if request.method == "POST":
        action = request.POST.get("azione", "")
        objective_code = request.POST.get(f"obiettivo-{link.pk}") or request.POST.get("obiettivo", "")
        message = _apply(request, link, action, objective_code)
        query = _filters(request.POST)[1]
        if request.headers.get("HX-Request"):
            link = link_sel.review_queue(link_sel.QueueFilters(status="")).get(pk=link.pk)
            return render(
                request,
                "backoffice/linking/_queue_row.html",
                {"link": link, "message": message, "decided": True},
            )
        messages.success(request, message)
        return redirect(_queue_url(query))
    return render(
        request,
        "backoffice/linking/decide.html",
        {
            "link": link,
            "project": link.project,
            "objectives": _objectives(),
            "other_links": link_sel.links_of_project(link.project),
            "history": link_sel.link_history(link.project)[:20],
        },
    )


@require_POST
@require_perm("link.review")
def links_recompute(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Recompute the suggestions of the territory's projects (decisions stay)."""
    summary = link_svc.links_suggest_all(by=request.user)
    messages.success(
        request,
        _("Suggerimenti ricalcolati: %(projects)d progetti, %(created)d nuovi, %(withdrawn)d superati.")
        % {"projects": summary.projects, "created": summary.created, "withdrawn": summary.withdrawn},
    )
    return redirect("backoffice:link_queue")


@require_http_methods(["GET", "POST"])
@require_perm("link.review")
def crosswalk(request: AuthenticatedHttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        measure = Measure.objects.filter(code=(request.POST.get("misura") or "").strip().upper()).first()
        objective = Objective.objects.filter(
            edition=plan_sel.current_edition(), code=(request.POST.get("obiettivo") or "").strip().upper()
        ).first()
        note = (request.POST.get("nota") or "").strip()
        if measure is None:
            errors.append(_("Misura: scegliere una misura PNRR esistente."))
        if objective is None:
            errors.append(_("Obiettivo: scegliere un obiettivo del piano."))
        if len(note) > 300:
            errors.append(_("Motivazione: al massimo 300 caratteri."))
        if not errors and measure is not None and objective is not None:
            link_svc.crosswalk_add(by=request.user, measure=measure, objective=objective, note=note)
            messages.success(
                request,
                _("Corrispondenza %(measure)s → %(objective)s salvata.")
                % {"measure": measure.code, "objective": objective.code},
            )
            return redirect("backoffice:crosswalk")
    q = (request.GET.get("q") or "").strip()[:50]
    return render(
        request,
        "backoffice/linking/crosswalk.html",
        {
            "rows": link_sel.crosswalk_rows(q=q),
            "q": q,
            "measures": Measure.objects.order_by("code").only("code", "name"),
            "objectives": _objectives(),
            "errors": errors,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=400 if errors else 200,
    )


@require_POST
@require_perm("link.review")
def crosswalk_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(MeasureObjective.objects.select_related("measure", "objective"), pk=pk)
    link_svc.crosswalk_remove(by=request.user, entry=entry)
    messages.success(
        request,
        _("Corrispondenza %(measure)s → %(objective)s rimossa.")
        % {"measure": entry.measure.code, "objective": entry.objective.code},
    )
    return redirect("backoffice:crosswalk")
