"""Public pages of the territory: comuni and zones."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from decimetro.insights import lists
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE
from decimetro.insights.areas import area_pnrr, area_where
from decimetro.insights.map import PAYMENT_RULE
from decimetro.insights.params import allocation_rule_from
from decimetro.monitoring import selectors as monitoring_sel
from decimetro.territory import selectors as terr_sel
from decimetro.territory.models import Comune


def _area_pnrr(request: HttpRequest, comuni: list[Comune], list_query: str) -> dict[str, Any]:
    """The PNRR block of an area page under the rule of `?ripartizione=`, with the link to its projects."""
    pnrr = area_pnrr(comuni=comuni, rule=allocation_rule_from(request.GET))
    pnrr["list_url"] = f"{reverse('public:projects')}?{list_query}"
    return pnrr


def comune_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    if q and request.GET.get("vai"):
        # "Trova il tuo comune" of the map without JavaScript: one comune by that name → its page.
        found = terr_sel.comune_by_name(q)
        if found is not None:
            return redirect("public:comune", codice_istat=found.codice_istat)
    zone = (request.GET.get("zona") or "").strip()
    sort = request.GET.get("ordina") or terr_sel.DEFAULT_SORT
    if not lists.comune_sort_is_valid(sort):
        sort = terr_sel.DEFAULT_SORT
    return render(
        request,
        "public/comune_list.html",
        {
            "nav": "comuni",
            "comuni": lists.comuni_with_figures(q=q, zone=zone, sort=sort),
            "zones": terr_sel.zones_with_totals(),
            "sort": sort,
            "sorting": lists.sorting(sort, lists.COMUNE_SORTS),
            "filters": {"q": q, "zona": zone},
            "rule_label": DEFAULT_ALLOCATION_RULE.label,
            "payment_rule": PAYMENT_RULE,
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
    sort = request.GET.get("ordina") or ""
    if not lists.zone_sort_is_valid(sort):
        sort = ""
    return render(
        request,
        "public/zone_list.html",
        {
            "nav": "zone",
            "zones": lists.zones_with_figures(sort=sort),
            "sort": sort,
            "sorting": lists.sorting(sort, lists.ZONE_SORTS),
            "rule_label": DEFAULT_ALLOCATION_RULE.label,
            "payment_rule": PAYMENT_RULE,
        },
    )
