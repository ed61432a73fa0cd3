"""Public pages of the territory: comuni and zones."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from decimetro.monitoring import selectors as monitoring_sel
from decimetro.public.views.map import area_where
from decimetro.public.views.pnrr import area_pnrr_context
from decimetro.territory import selectors as terr_sel

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
        "public/comune_list.html",
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
        "public/comune_detail.html",
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
        "public/zone_detail.html",
        {"nav": "zone", "zone": zone, "comuni": comuni, "pnrr": pnrr, "where": area_where(pnrr, zone.slug)},
    )


def zone_list(request: HttpRequest) -> HttpResponse:
    return render(request, "public/zone_list.html", {"nav": "zone", "zones": terr_sel.zones_with_totals()})
