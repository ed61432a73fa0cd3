"""PNRR pages: project list (filters, sorting, pagination, CSV), project, measures, implementing bodies, the
PNRR section of the comune and zone pages, and the staff-only import log."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from decimetro.core.permissions import can_edit_plan
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import FUNDING_SOURCES, Component, ImplementingBody, Measure, Project, Provenance
from decimetro.pnrr.selectors_map import cached_for_data_version
from decimetro.territory.models import Comune, Zone
from decimetro.web.dashboards import project_payments_chart

CREDIT = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001 (the credit as Italia Domani spells it)
PAGE_SIZE = 25
PAGE_SIZES = (10, 25, 50, 100)

# Web parameter (Italian) → ProjectFilters field.
FILTER_PARAMS = {
    "missione": "mission",
    "componente": "component",
    "misura": "measure",
    "comune": "comune",
    "zona": "zone",
    "attuatore": "body",
    "provenienza": "provenance",
    "q": "q",
}
AMOUNT_PARAMS = {"importo_min": "amount_min", "importo_max": "amount_max"}

SORT_LABELS = {
    "-amount": _("Importo PNRR (decrescente)"),
    "amount": _("Importo PNRR (crescente)"),
    "-total": _("Finanziamento totale (decrescente)"),
    "title": _("Titolo (A-Z)"),
    "cup": _("CUP"),
    "measure": _("Misura"),
}


def parse_amount(raw: str | None) -> Decimal | None:
    """An amount typed by a person: "1.500.000,50", "1500000.5", "1 500 000" → Decimal; junk → None."""
    text = (raw or "").strip().replace(" ", "").replace("€", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def filters_from(params: QueryDict) -> tuple[pnrr_sel.ProjectFilters, dict[str, str]]:
    """The filters of a request, and the cleaned values to put back in the form."""
    values = {p: (params.get(p) or "").strip()[:200] for p in (*FILTER_PARAMS, *AMOUNT_PARAMS)}
    if values["provenienza"] not in Provenance.values:
        values["provenienza"] = ""
    amounts = {field: parse_amount(values[p]) for p, field in AMOUNT_PARAMS.items()}
    for p, field in AMOUNT_PARAMS.items():
        if amounts[field] is None:
            values[p] = ""
    filters = pnrr_sel.ProjectFilters(
        mission=values["missione"],
        component=values["componente"],
        measure=values["misura"],
        comune=values["comune"],
        zone=values["zona"],
        body=values["attuatore"],
        provenance=values["provenienza"],
        q=values["q"],
        amount_min=amounts["amount_min"],
        amount_max=amounts["amount_max"],
    )
    return filters, values


def _page(request: HttpRequest, qs: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    return Paginator(qs, per_page).get_page(request.GET.get("pagina"))


def _query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without `names` (for pagination and sort links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


# Project list and CSV ---------------------------------------------------------------------------------------


def project_list(request: HttpRequest) -> HttpResponseBase:
    filters, values = filters_from(request.GET)
    sort = request.GET.get("ordina") or pnrr_sel.DEFAULT_PROJECT_SORT
    if not pnrr_sel.project_sort_is_valid(sort):
        sort = pnrr_sel.DEFAULT_PROJECT_SORT
    projects = pnrr_sel.projects_filtered(filters=filters, sort=sort)
    if request.GET.get("format") == "csv":
        return projects_csv_response(projects)
    try:
        per_page = int(request.GET.get("per_pagina") or PAGE_SIZE)
    except ValueError:
        per_page = PAGE_SIZE
    if per_page not in PAGE_SIZES:
        per_page = PAGE_SIZE
    page = _page(request, pnrr_sel.with_list_places(projects), per_page)
    components = list(Component.objects.select_related("mission").order_by("code"))
    missions = list({c.mission.code: c.mission for c in components}.values())
    return render(
        request,
        "web/pnrr/project_list.html",
        {
            "nav": "progetti",
            "page": page,
            "filters": values,
            "sort": sort,
            "per_page": per_page,
            "sorts": SORT_LABELS,
            "page_sizes": PAGE_SIZES,
            "missions": missions,
            "components": components,
            "measures": Measure.objects.only("code", "name").order_by("code"),
            "zones": Zone.objects.order_by("kind", "name"),
            "comuni": Comune.objects.only("codice_istat", "name").order_by("name", "codice_istat"),
            "provenances": Provenance.choices,
            "page_query": _query_without(request, "pagina", "format"),
            "csv_query": _query_without(request, "pagina", "format", "per_pagina"),
        },
    )


def project_list_csv(request: HttpRequest) -> HttpResponseBase:
    filters, _values = filters_from(request.GET)
    sort = request.GET.get("ordina") or pnrr_sel.DEFAULT_PROJECT_SORT
    return projects_csv_response(pnrr_sel.projects_filtered(filters=filters, sort=sort))


CSV_HEADER = [
    "cup",
    "codice_locale_progetto",
    "codice_submisura",
    "codice_misura",
    "componente",
    "missione",
    "titolo",
    "soggetto_attuatore",
    "codice_fiscale_attuatore",
    "provenienza",
    "finanziamento_pnrr",
    "finanziamento_totale",
    "comuni_istat",
    "luoghi",
    "data_aggiornamento",
]


def _csv_rows(projects: Iterable[Project]) -> Iterator[list[str]]:
    yield [CREDIT]
    yield CSV_HEADER
    for p in projects:
        measure = p.submeasure.measure
        body = p.implementing_body
        places = getattr(p, "list_places", [])
        yield [
            p.cup,
            p.local_code,
            p.submeasure.code,
            measure.code,
            measure.component.code,
            measure.component.mission.code,
            p.title,
            body.name if body else "",
            body.fiscal_code if body else "",
            p.provenance,
            "" if p.fin_pnrr is None else str(p.fin_pnrr),
            "" if p.fin_totale is None else str(p.fin_totale),
            " ".join(pl.istat_code for pl in places if pl.istat_code),
            "; ".join(pl.label for pl in places),
            p.updated_on.isoformat() if p.updated_on else "",
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def projects_csv_response(projects: QuerySet[Project]) -> StreamingHttpResponse:
    """The filtered set as CSV (UTF-8, comma-separated, dot decimals), first line the credit. Streamed in
    chunks of 2000 projects, each with its places prefetched."""
    writer = csv.writer(_Echo())
    rows = pnrr_sel.with_list_places(projects).iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="progetti_pnrr.csv"'
    return response


# Project page -----------------------------------------------------------------------------------------------


def _funding_rows(project: Project) -> list[tuple[str, Decimal]]:
    return [
        (str(Project._meta.get_field(f).verbose_name), getattr(project, f))  # type: ignore[union-attr]
        for f in FUNDING_SOURCES
        if getattr(project, f)
    ]


def _places_geometry(project: Project) -> dict[str, Any] | None:
    geometries = [p.comune.geometry for p in project.located_places if p.comune and p.comune.geometry]
    return {"type": "GeometryCollection", "geometries": geometries} if geometries else None


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(pnrr_sel.project_detail_queryset(), pk=pk)
    payments = list(project.payments.all())
    latest = payments[-1] if payments else None
    return render(
        request,
        "web/pnrr/project_detail.html",
        {
            "nav": "progetti",
            "project": project,
            "places": project.located_places,
            "funding": _funding_rows(project),
            "payments": payments,
            "latest_payment": latest,
            "payments_chart": project_payments_chart(payments),
            "latest_share": round(latest.paid_share * 100, 1)
            if latest and latest.paid_share is not None
            else None,
            "geometry": _places_geometry(project),
        },
    )


def project_by_cup(request: HttpRequest, cup: str) -> HttpResponse:
    """A CUP's public address here: its project, or the list of its projects when it has several."""
    found = list(pnrr_sel.projects_for_list().filter(cup=cup.strip().upper()).order_by("pk")[:2])
    if not found:
        raise Http404("CUP non trovato")
    if len(found) == 1:
        return redirect("web:project", pk=found[0].pk)
    return redirect(f"{reverse('web:projects')}?q={cup.strip().upper()}")


# Measures ---------------------------------------------------------------------------------------------------


def measure_list(request: HttpRequest) -> HttpResponse:
    measures = list(pnrr_sel.measures_index())
    components: dict[str, dict[str, Any]] = {}
    for m in measures:
        group = components.setdefault(m.component.code, {"component": m.component, "measures": []})
        group["measures"].append(m)
    return render(
        request,
        "web/pnrr/measure_list.html",
        {"nav": "misure", "groups": list(components.values()), "count": len(measures)},
    )


def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    measure = get_object_or_404(pnrr_sel.measure_detail_queryset(), code=code.upper())
    projects = pnrr_sel.projects_of_measure_in_territory(measure=measure)
    return render(
        request,
        "web/pnrr/measure_detail.html",
        {
            "nav": "misure",
            "measure": measure,
            "milestones": pnrr_sel.milestones_for_measure(measure=measure),
            "totals": pnrr_sel.projects_totals(projects),
            "page": _page(request, projects),
            "page_query": _query_without(request, "pagina"),
        },
    )


# Implementing bodies ----------------------------------------------------------------------------------------


def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = get_object_or_404(ImplementingBody, pk=pk)
    projects = pnrr_sel.projects_of_body(body=body).order_by(*pnrr_sel.project_order("-amount"))
    return render(
        request,
        "web/pnrr/body_detail.html",
        {
            "nav": "progetti",
            "body": body,
            "totals": pnrr_sel.projects_totals(projects),
            "page": _page(request, pnrr_sel.with_list_places(projects)),
            "page_query": _query_without(request, "pagina"),
        },
    )


# The PNRR section of the comune and zone pages -------------------------------------------------------------


def allocation_rule_from(request: HttpRequest) -> pnrr_sel.AllocationRule:
    raw = request.GET.get("ripartizione") or ""
    if raw in pnrr_sel.AllocationRule.values:
        return pnrr_sel.AllocationRule(raw)
    return pnrr_sel.AllocationRule(pnrr_sel.DEFAULT_ALLOCATION_RULE)


def area_pnrr_context(
    request: HttpRequest, *, comuni: list[Comune], list_query: str, limit: int = 10
) -> dict[str, Any]:
    """Context for `web/pnrr/_area_projects.html`: totals per mission and per resident under the chosen
    allocation rule (`?ripartizione=`), the amount not attributable to any comune, and the largest projects.
    `comuni` must be a list (already fetched), so this costs three queries whatever the number of projects;
    in production one (the data version) when this process has already computed the same area and rule for
    the same data (`pnrr.selectors_map.cached_for_data_version`)."""
    rule = allocation_rule_from(request)
    totals, top_projects = cached_for_data_version(
        "area",
        (tuple(c.pk for c in comuni), rule.value, limit),
        lambda: (
            pnrr_sel.area_totals(comuni=comuni, rule=rule),
            pnrr_sel.area_top_projects(comuni=comuni, limit=limit),
        ),
    )
    missions = [
        {
            "code": m.code,
            "name": m.name,
            "projects": m.projects,
            "amount": m.amount,
            "per_resident": (m.amount / totals.population).quantize(pnrr_sel.CENT)
            if totals.population
            else None,
        }
        for m in totals.by_mission
    ]
    return {
        "totals": totals,
        "missions": missions,
        "top_projects": top_projects,
        "rule": rule,
        "rules": pnrr_sel.AllocationRule.choices,
        "default_rule": pnrr_sel.AllocationRule(pnrr_sel.DEFAULT_ALLOCATION_RULE),
        "list_url": f"{reverse('web:projects')}?{list_query}",
        "limit": limit,
    }


# Back office: import log and data quality ------------------------------------------------------------------

QUALITY_LABELS = {
    "progetti": _("Progetti"),
    "progetti_validati": _("Progetti validati (ReGiS)"),
    "progetti_solo_universo": _("Progetti solo nell'universo (non validati)"),
    "progetti_senza_luogo": _("Progetti senza localizzazione"),
    "pnrr_maggiore_del_totale": _("Progetti con quota PNRR maggiore del finanziamento totale"),
    "luoghi_nazionali_o_sovracomunali": _("Localizzazioni nazionali o sovracomunali"),
    "luoghi_con_comune_fuori_territorio": _("Localizzazioni in comuni fuori dal territorio caricato"),
    "righe_scartate_importazioni": _("Righe scartate nelle importazioni"),
}


@login_required
def import_log(request: HttpRequest) -> HttpResponse:
    if not can_edit_plan(request.user):
        raise PermissionDenied
    quality = pnrr_sel.data_quality()
    return render(
        request,
        "web/pnrr/import_log.html",
        {
            "page": _page(request, pnrr_sel.import_runs(), 50),
            "page_query": _query_without(request, "pagina"),
            "quality": [(str(QUALITY_LABELS.get(k, k)), v) for k, v in quality.items()],
            "latest_release": pnrr_sel.latest_payment_release(),
        },
    )


# Back office: data-quality report per release and per comune ------------------------------------------------

QUALITY_CSV_HEADER = [
    "controllo",
    "descrizione_controllo",
    "cup",
    "codice_locale_progetto",
    "codice_submisura",
    "titolo",
    "provenienza",
    "rilascio",
    "codice_istat_luogo",
    "luogo",
    "dettaglio",
]


def quality_filters_from(params: QueryDict) -> tuple[Any, str, dict[str, str]]:
    """(release date or None, ISTAT code or "", the cleaned values for the form). A release that is not a
    known release date and a code that is not 6 digits are ignored."""
    raw_release = (params.get("rilascio") or "").strip()[:10]
    release = None
    for day in pnrr_sel.quality_releases():
        if day.isoformat() == raw_release:
            release = day
    comune = (params.get("comune") or "").strip()[:6]
    if not (len(comune) == 6 and comune.isdigit()):
        comune = ""
    return release, comune, {"rilascio": release.isoformat() if release else "", "comune": comune}


def _staff_only(request: HttpRequest) -> None:
    if not can_edit_plan(request.user):
        raise PermissionDenied


@login_required
def data_quality(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    release, comune, values = quality_filters_from(request.GET)
    report = pnrr_sel.data_quality_report(release=release, comune=comune)
    labels = [str(label) for label in pnrr_sel.QUALITY_CHECKS.values()]
    return render(
        request,
        "web/pnrr/data_quality.html",
        {
            "report": report,
            "filters": values,
            "labels": labels,
            "comuni": Comune.objects.only("codice_istat", "name").order_by("name", "codice_istat"),
            "csv_query": _query_without(request, "pagina"),
        },
    )


def _quality_csv_rows(problems: Iterable[pnrr_sel.QualityProblem]) -> Iterator[list[str]]:
    yield [CREDIT]
    yield QUALITY_CSV_HEADER
    for p in problems:
        yield [
            p.check,
            str(pnrr_sel.QUALITY_CHECKS[p.check]),
            p.cup,
            p.local_code,
            p.submeasure,
            p.title,
            p.provenance,
            p.release.isoformat() if p.release else "",
            p.istat_code,
            p.place_name,
            p.detail,
        ]


@login_required
def data_quality_csv(request: HttpRequest) -> HttpResponseBase:
    """Every listed problem (same filters as the page), first line the credit."""
    _staff_only(request)
    release, comune, _values = quality_filters_from(request.GET)
    writer = csv.writer(_Echo())
    problems = pnrr_sel.data_quality_problems(release=release, comune=comune)
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _quality_csv_rows(problems)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="qualita_dati_pnrr.csv"'
    return response
