"""Back-office pages of the project ↔ objective links: the review queue (filters, decisions by row, by
selection, on all N matching links, by measure), one link's decision page, the measure → objective crosswalk
editor. Staff only (anonymous → login, others → 403). Thin: reads in `linking.selectors`, writes in
`linking.services`. Every page works without JavaScript; with htmx the queue's per-row buttons replace just
their row and the counters reload."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from decimetro.core.http import AuthenticatedHttpRequest, require_perm
from decimetro.linking import selectors as link_sel
from decimetro.linking import services as link_svc
from decimetro.linking.models import LinkOrigin, LinkStatus, MeasureObjective, ProjectObjectiveLink, RuleState
from decimetro.linking.tasks import suggestions_refresh_enqueue
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Measure
from decimetro.territory.models import Comune

PAGE_SIZE = 50
STATUSES = {
    "suggeriti": LinkStatus.SUGGESTED,
    "confermati": LinkStatus.CONFIRMED,
    "respinti": LinkStatus.REJECTED,
    "tutti": "",
}
BANDS = {"alto": "≥ 0,8", "medio": "da 0,5 a 0,8", "basso": "< 0,5"}
# "azione" of a decision on every matching link → (service decision, the status it gives).
MATCHING_ACTIONS = {
    "conferma": ("confirm", LinkStatus.CONFIRMED),
    "respingi": ("reject", LinkStatus.REJECTED),
}


def _objectives() -> list[Objective]:
    edition = plan_sel.current_edition()
    if edition is None:
        raise Http404("Nessuna edizione del piano caricata.")
    return list(plan_sel.objectives_for(edition))


def _filters(params: Any) -> tuple[link_sel.QueueFilters, dict[str, str]]:
    """The queue's filters from a query string (or a POST carrying them); the query keeps only the filters
    set, in a fixed order, so that a URL can be shared and the forms carry it on."""

    def code(name: str, size: int) -> str:
        return (params.get(name) or "").strip().upper()[:size]

    origin = params.get("origine") or ""
    band = params.get("punteggio") or ""
    status_key = params.get("stato") or "suggeriti"
    if status_key not in STATUSES:
        status_key = "suggeriti"
    filters = link_sel.QueueFilters(
        mission=code("missione", 4),
        objective=code("obiettivo", 10),
        measure=code("misura", 16),
        component=code("componente", 6),
        comune=(params.get("comune") or "").strip()[:6],
        origin=origin if origin in LinkOrigin.values else "",
        band=band if band in link_sel.SCORE_BANDS else "",
        status=STATUSES[status_key],
    )
    query = {
        "missione": filters.mission,
        "obiettivo": filters.objective,
        "misura": filters.measure,
        "componente": filters.component,
        "comune": filters.comune,
        "origine": filters.origin,
        "punteggio": filters.band,
        "stato": status_key,
    }
    return filters, {k: v for k, v in query.items() if v}


def _order(params: Any) -> str:
    order = params.get("ordine") or ""
    return order if order in link_sel.QUEUE_ORDERS else "importo"


def _filter_labels(filters: link_sel.QueueFilters, status_key: str) -> list[tuple[str, str]]:
    """The filters set, as the confirmation page names them."""
    labels = [
        (_("Stato"), dict(_statuses()).get(status_key, "")),
        (_("Missione dell'obiettivo"), filters.mission),
        (_("Obiettivo"), filters.objective),
        (_("Misura PNRR"), filters.measure),
        (_("Componente PNRR"), filters.component),
        (_("Comune (codice ISTAT)"), filters.comune),
        (_("Origine"), str(dict(LinkOrigin.choices).get(filters.origin, ""))),
        (_("Punteggio"), BANDS.get(filters.band, "")),
    ]
    return [(label, value) for label, value in labels if value]


def _statuses() -> list[tuple[str, str]]:
    return [
        ("suggeriti", _("Suggeriti")),
        ("confermati", _("Confermati")),
        ("respinti", _("Respinti")),
        ("tutti", _("Tutti")),
    ]


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


def _queue_context(
    filters: link_sel.QueueFilters, query: dict[str, str], matching: int | None = None
) -> dict[str, Any]:
    """The counters of the queue (by status, and the links the filters select now: `matching` when the
    caller has counted them) and the "all N results" actions they offer: the one partial the page and the
    htmx refresh both render."""
    status_key = query.get("stato", "suggeriti")
    return {
        "counts": link_sel.queue_counts(),
        "matching": link_sel.queue_matching(filters).count() if matching is None else matching,
        "querystring": urlencode(query),
        "can_confirm_all": status_key != "confermati",
        "can_reject_all": status_key != "respinti",
    }


@require_http_methods(["GET", "POST"])
@require_perm("link.review")
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The queue: filters in the query string (shareable), the biggest projects first (or the best score),
    per-row decisions, decisions on the selected rows (POST here) or on all N matching links
    (`links_matching`), and, for a measure, its suggestions grouped by objective."""
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
        except link_svc.LinkAlreadyDecided as exc:
            messages.error(request, str(exc))
        return redirect(_queue_url(query))

    filters, query = _filters(request.GET)
    order = _order(request.GET)
    page = Paginator(link_sel.review_queue(filters, order=order), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    edition = plan_sel.current_edition()
    status_key = query.get("stato", "suggeriti")
    groups = link_sel.pending_groups(filters, limit=None if filters.measure else 10)
    proposed = (request.GET.get("regola") or "").strip().upper()[:10] if filters.measure else ""
    return render(
        request,
        "backoffice/linking/queue.html",
        {
            "page": page,
            "links": list(page.object_list),
            "filters": filters,
            "query": query,
            "order": order,
            "status_key": status_key,
            "statuses": _statuses(),
            "missions": plan_sel.missions_for(edition) if edition else [],
            "objectives": plan_sel.objectives_for(edition) if edition else [],
            "measures": link_sel.queue_measures(),
            "components": link_sel.queue_components(),
            "comuni": Comune.objects.order_by("name").only("codice_istat", "name"),
            "origins": LinkOrigin.choices,
            "bands": BANDS,
            "groups": groups,
            "proposed_rule": proposed,
            **_queue_context(filters, query, matching=page.paginator.count),
        },
    )


@require_GET
@require_perm("link.review")
def queue_counters(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The counters partial of the queue (for the filters in the query string): htmx reloads it after each
    decision taken on a row (the row's answer carries the `queue-changed` event)."""
    filters, query = _filters(request.GET)
    return render(request, "backoffice/linking/_counters.html", _queue_context(filters, query))


@require_http_methods(["GET", "POST"])
@require_perm("link.review")
def links_matching(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Confirm or reject every link the filters select. GET: the confirmation step, with N and the filters;
    POST (with the N that was shown, `attesi`): the decision, then back to the queue. If the matching links
    changed in between, the page asks again with the new N and nothing changes."""
    params = request.POST if request.method == "POST" else request.GET
    filters, query = _filters(params)
    action = params.get("azione", "")
    if action not in MATCHING_ACTIONS:
        if request.method == "GET":
            return redirect(_queue_url(query))
        return HttpResponseBadRequest(_("Azione non valida."))
    decision, target = MATCHING_ACTIONS[action]
    to_decide = link_sel.links_to_decide(filters, target)
    changed = False
    if request.method == "POST":
        try:
            expected = int(request.POST.get("attesi", ""))
        except ValueError:
            return HttpResponseBadRequest(_("Numero di collegamenti mancante."))
        try:
            n = link_svc.links_decide_matching(
                by=request.user, filters=filters, decision=decision, expected=expected
            )
        except (link_svc.QueueChanged, link_svc.LinkAlreadyDecided):
            changed = True
        else:
            if decision == "confirm":
                messages.success(request, _("%(n)d collegamenti confermati.") % {"n": n})
            else:
                messages.success(request, _("%(n)d collegamenti respinti.") % {"n": n})
            back = dict(query)
            if decision == "confirm" and filters.measure and filters.objective:
                # A whole measure confirmed for an objective: the queue offers to make it a rule.
                back = {"misura": filters.measure, "stato": query.get("stato", "suggeriti")}
                back["regola"] = filters.objective
            return redirect(_queue_url(back))
    n = to_decide.count()
    return render(
        request,
        "backoffice/linking/confirm_matching.html",
        {
            "n": n,
            "action": action,
            "decision": decision,
            "query": query,
            "querystring": urlencode(query),
            "labels": _filter_labels(filters, query.get("stato", "suggeriti")),
            "sample": link_sel.review_queue(filters).exclude(status=target)[:10] if n else [],
            "changed": changed,
        },
        status=409 if changed else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm("link.review")
def link_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One link: confirm, reject or choose another objective. With htmx (HX-Request) the answer is the queue's
    row, with the `queue-changed` event that makes the counters reload; otherwise a redirect to the queue
    (or this page again for a GET)."""
    link = _link_or_404(pk)
    if request.method == "POST":
        action = request.POST.get("azione", "")
        objective_code = request.POST.get(f"obiettivo-{link.pk}") or request.POST.get("obiettivo", "")
        try:
            message = _apply(request, link, action, objective_code)
        except link_svc.LinkAlreadyDecided as exc:  # a colleague decided it meanwhile: nothing changed
            message = str(exc)
            if not request.headers.get("HX-Request"):
                messages.error(request, message)
                return redirect(_queue_url(_filters(request.POST)[1]))
        query = _filters(request.POST)[1]
        if request.headers.get("HX-Request"):
            link = link_sel.review_queue(link_sel.QueueFilters(status="")).get(pk=link.pk)
            response = render(
                request,
                "backoffice/linking/_queue_row.html",
                {"link": link, "message": message, "decided": True},
            )
            response["HX-Trigger"] = "queue-changed"
            return response
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
    """Recompute the suggestions of the territory's projects (decisions stay), in a task: the job's page
    shows its progress and summary."""
    job = suggestions_refresh_enqueue(by=request.user)
    messages.success(
        request, _("Ricalcolo dei suggerimenti in coda: il riepilogo comparirà in questa pagina.")
    )
    return redirect("backoffice:job_detail", pk=job.pk)


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
    state = request.GET.get("stato") or ""
    state = state if state in RuleState.values else ""
    return render(
        request,
        "backoffice/linking/crosswalk.html",
        {
            "rows": link_sel.crosswalk_rules(q=q, state=state),
            "q": q,
            "state": state,
            "states": RuleState.choices,
            "state_counts": link_sel.crosswalk_state_counts(),
            "measure_projects": link_sel.territory_projects_by_measure(),
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


def _back_to_crosswalk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Back to the crosswalk page with its search and state filter (from the form's hidden fields)."""
    query = {k: (request.POST.get(k) or "").strip()[:50] for k in ("q", "stato")}
    query = {k: v for k, v in query.items() if v}
    url = reverse("backoffice:crosswalk")
    return redirect(f"{url}?{urlencode(query)}" if query else url)


@require_POST
@require_perm("link.review")
def crosswalk_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Approve a crosswalk row: it becomes a rule and links every project of its measure (plain POST; a
    redirect back to the page with a message)."""
    entry = get_object_or_404(MeasureObjective.objects.select_related("measure", "objective"), pk=pk)
    linked = link_svc.crosswalk_approve(by=request.user, entry=entry)
    messages.success(
        request,
        _("Regola %(measure)s → %(objective)s approvata: %(n)d progetti collegati per regola.")
        % {"measure": entry.measure.code, "objective": entry.objective.code, "n": linked},
    )
    return _back_to_crosswalk(request)


@require_POST
@require_perm("link.review")
def crosswalk_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Revoke a crosswalk row: the links it made that no one decided are withdrawn."""
    entry = get_object_or_404(MeasureObjective.objects.select_related("measure", "objective"), pk=pk)
    withdrawn = link_svc.crosswalk_revoke(by=request.user, entry=entry)
    messages.success(
        request,
        _(
            "Regola %(measure)s → %(objective)s revocata: %(n)d collegamenti per regola ritirati "
            "(le decisioni prese progetto per progetto restano)."
        )
        % {"measure": entry.measure.code, "objective": entry.objective.code, "n": withdrawn},
    )
    return _back_to_crosswalk(request)
