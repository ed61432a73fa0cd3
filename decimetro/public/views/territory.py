"""Public pages of the territory: comuni and zones."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from decimetro.insights.areas import area_pnrr, area_where
from decimetro.insights.params import allocation_rule_from
from decimetro.monitoring import selectors as monitoring_sel
from decimetro.territory import selectors as terr_sel
from decimetro.territory.models import Comune

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


def _area_pnrr(request: HttpRequest, comuni: list[Comune], list_query: str) -> dict[str, Any]:
    """The PNRR block of an area page under the rule of `?ripartizione=`, with the link to its projects."""
    pnrr = area_pnrr(comuni=comuni, rule=allocation_rule_from(request.GET))
    pnrr["list_url"] = f"{reverse('public:projects')}?{list_query}"
    return pnrr


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
    pnrr = _area_pnrr(request, [comune], f"comune={comune.codice_istat}")
    indicators = monitoring_sel.indicators_for_comune(comune)
    return render(
        request,
        "public/comune_detail.html",
        {
            "nav": "comuni",
            "comune": comune,
            "pnrr": pnrr,
            "objective_indicators": indicators,
            "where": area_where(key=comune.codice_istat, totals=pnrr["totals"]),
        },
    )


def zone_detail(request: HttpRequest, slug: str) -> HttpResponse:
    zone = get_object_or_404(terr_sel.zones_with_totals(), slug=slug)
    comuni = list(terr_sel.comuni_list(zone=slug))
    pnrr = _area_pnrr(request, comuni, f"zona={zone.slug}")
    where = area_where(key=zone.slug, totals=pnrr["totals"])
    return render(
        request,
        "public/zone_detail.html",
        {"nav": "zone", "zone": zone, "comuni": comuni, "pnrr": pnrr, "where": where},
    )


def zone_list(request: HttpRequest) -> HttpResponse:
    return render(request, "public/zone_list.html", {"nav": "zone", "zones": terr_sel.zones_with_totals()})
