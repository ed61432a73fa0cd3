"""The search page: one box over comuni, zones, the plan, the PNRR measures, bodies, projects and
consultations (the index and its engine: `decimetro.search`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from decimetro.search.engine import DEFAULT_LIMIT, MAX_LIMIT, search
from decimetro.search.models import Kind


def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    kind = request.GET.get("tipo") or None
    if kind not in Kind.values:
        kind = None
    results = None
    if "q" in request.GET:
        results = search(query, kind=kind, limit=MAX_LIMIT if kind else DEFAULT_LIMIT)
    return render(
        request,
        "public/search/search.html",
        {"query": query[:200], "kind": kind, "kinds": Kind.choices, "results": results},
    )
