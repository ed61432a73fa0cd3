"""Public pages of the PNRR data: projects, measures, implementing bodies."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from decimetro.core.http import page_of, query_without
from decimetro.insights import figures
from decimetro.insights.cache import SCOPE_PNRR, cached_for_data_version, one_data_version
from decimetro.insights.dashboards import project_payments_chart
from decimetro.insights.lists import projects_with_progress, with_progress
from decimetro.insights.params import filters_from
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import (
    FUNDING_SOURCES,
    ImplementingBody,
    Measure,
    PnrrComponent,
    Project,
    Provenance,
)
from decimetro.reports.exports import projects_download
from decimetro.territory.models import Comune, Zone

PAGE_SIZE = 25


PAGE_SIZES = (10, 25, 50, 100)


SORT_LABELS = {
    "-amount": _("Importo PNRR (decrescente)"),
    "amount": _("Importo PNRR (crescente)"),
    "-total": _("Finanziamento totale (decrescente)"),
    "title": _("Titolo (A-Z)"),
    "cup": _("CUP"),
    "measure": _("Misura"),
}


def project_list(request: HttpRequest) -> HttpResponseBase:
    filters, values = filters_from(request.GET)
    sort = request.GET.get("ordina") or pnrr_sel.DEFAULT_PROJECT_SORT
    if not pnrr_sel.project_sort_is_valid(sort):
        sort = pnrr_sel.DEFAULT_PROJECT_SORT
    projects = pnrr_sel.projects_filtered(filters=filters, sort=sort)
    if request.GET.get("format") == "csv":
        return projects_download(request, projects, sort=sort)
    try:
        per_page = int(request.GET.get("per_pagina") or PAGE_SIZE)
    except ValueError:
        per_page = PAGE_SIZE
    if per_page not in PAGE_SIZES:
        per_page = PAGE_SIZE
    # Keyset pages (`?dopo=` / `?prima=`, see pnrr.selectors.keyset_page): a cursor that is not ours gives the
    # first page. The count is the one figure that reads every matching row: remembered per data version.
    after = pnrr_sel.decode_cursor(request.GET.get("dopo", ""), sort=sort)
    before = None if after else pnrr_sel.decode_cursor(request.GET.get("prima", ""), sort=sort)
    page = pnrr_sel.keyset_page(
        projects,
        shown=_list_rows(),
        sort=sort,
        per_page=per_page,
        after=after,
        before=before,
    )
    page.rows = list(with_progress(page.rows))
    # Only PNRR and territory data behind the count: a link decision or a plan edit leaves it valid. Both
    # figures on one read of the data version.
    with one_data_version():
        count = cached_for_data_version("project_list_count", (filters,), projects.count, scope=SCOPE_PNRR)
        choices = cached_for_data_version("project_list_choices", (), _filter_choices, scope=SCOPE_PNRR)
    page_query = query_without(request, "pagina", "format", "dopo", "prima")
    return render(
        request,
        "public/pnrr/project_list.html",
        {
            "nav": "progetti",
            "page": page,
            "count": count,
            "filters": values,
            "sort": sort,
            "per_page": per_page,
            "sorts": SORT_LABELS,
            "page_sizes": PAGE_SIZES,
            "mission_options": _options(choices["missions"], values["missione"].upper()),
            "component_options": _options(choices["components"], values["componente"].upper()),
            "measure_options": _options(choices["measures"], values["misura"].upper()),
            "comune_options": _options(choices["comuni"], values["comune"]),
            "zone_options": _options(choices["zones"], values["zona"]),
            "provenances": Provenance.choices,
            "page_query": page_query,
            "first_url": f"?{page_query}" if page_query else "?",
            "next_url": _cursor_url(page_query, "dopo", page.next_cursor),
            "previous_url": _cursor_url(page_query, "prima", page.previous_cursor),
            "csv_query": query_without(request, "pagina", "format", "per_pagina", "dopo", "prima"),
        },
    )


@functools.cache
def _list_rows() -> QuerySet[Project]:
    """Every project as a row of the list shows it (nine columns, latest payments, places, objectives): a
    fixed queryset built once per process, never evaluated itself (each page filters a clone of it by its
    keys; its prefetch querysets are cloned too). Building its three annotations and two prefetches was a
    twentieth of the page's CPU time."""
    return projects_with_progress(pnrr_sel.with_list_places(pnrr_sel.only_list_rows(Project.objects.all())))


# A select box's options, escaped once: (value, `<option value="…"`, `>label</option>`).
Option = tuple[str, str, str]


def _filter_choices() -> dict[str, list[Option]]:
    """The options of the list's select boxes: the PNRR structure, the comuni and the zones. Remembered per
    PNRR data version (four queries and some 450 labels cut to length and escaped on a miss)."""
    components = list(PnrrComponent.objects.select_related("mission").order_by("code"))
    missions = {c.mission.code: c.mission for c in components}.values()
    pairs = {
        "missions": [(m.code, f"{m.code} {Truncator(m.name).chars(50)}") for m in missions],
        "components": [(c.code, f"{c.code} {Truncator(c.name).chars(50)}") for c in components],
        "measures": [
            (m.code, f"{m.code} {Truncator(m.name).chars(70)}")
            for m in Measure.objects.only("code", "name").order_by("code")
        ],
        "comuni": list(Comune.objects.order_by("name", "codice_istat").values_list("codice_istat", "name")),
        "zones": list(Zone.objects.order_by("kind", "name").values_list("slug", "name")),
    }
    return {
        name: [
            (value, f'<option value="{escape(value)}"', f">{escape(label)}</option>") for value, label in rows
        ]
        for name, rows in pairs.items()
    }


def _options(options: list[Option], selected: str) -> SafeString:
    """The `<option>`s, the one whose value is `selected` selected: hundreds of options joined in one pass
    (a template loop over them was most of the page's CPU time)."""
    return SafeString(
        "".join(
            f"{head} selected{tail}" if value == selected else head + tail for value, head, tail in options
        )
    )


def _cursor_url(query: str, name: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return f"?{query}&{name}={cursor}" if query else f"?{name}={cursor}"


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
        "public/pnrr/project_detail.html",
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
        return redirect("public:project", pk=found[0].pk)
    return redirect(f"{reverse('public:projects')}?q={cup.strip().upper()}")


def measure_list(request: HttpRequest) -> HttpResponse:
    measures = list(pnrr_sel.measures_index())
    components: dict[str, dict[str, Any]] = {}
    for m in measures:
        group = components.setdefault(m.component.code, {"component": m.component, "measures": []})
        group["measures"].append(m)
    return render(
        request,
        "public/pnrr/measure_list.html",
        {"nav": "misure", "groups": list(components.values()), "count": len(measures)},
    )


def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    measure = get_object_or_404(pnrr_sel.measure_detail_queryset(), code=code.upper())
    projects = pnrr_sel.projects_of_measure_in_territory(measure=measure)
    measure_payments = pnrr_sel.measure_payments(measure=measure)
    return render(
        request,
        "public/pnrr/measure_detail.html",
        {
            "nav": "misure",
            "measure": measure,
            "measure_payments": measure_payments,
            "measure_payment_totals": pnrr_sel.measure_payment_totals(measure_payments),
            "milestones": pnrr_sel.milestones_for_measure(measure=measure),
            "totals": figures.projects_totals(projects),
            "page": page_of(request, pnrr_sel.with_list_places(projects)),
            "page_query": query_without(request, "pagina"),
        },
    )


def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = get_object_or_404(ImplementingBody, pk=pk)
    projects = pnrr_sel.projects_of_body(body=body).order_by(*pnrr_sel.project_order("-amount"))
    return render(
        request,
        "public/pnrr/body_detail.html",
        {
            "nav": "progetti",
            "body": body,
            "totals": figures.projects_totals(projects),
            "page": page_of(request, pnrr_sel.with_list_places(projects)),
            "page_query": query_without(request, "pagina"),
        },
    )
