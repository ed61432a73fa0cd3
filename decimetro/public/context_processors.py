"""Context for every page."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from decimetro.insights.freshness import AS_OF_CACHE_KEY, freshness


def pnrr_freshness(request: HttpRequest) -> dict[str, Any]:
    """`pnrr_freshness` for the stale-data banner of base.html, read from the cache (no query): the PNRR
    "data as of" date is put there by the pages that compute it (`web.dashboards.data_as_of`: home, missions,
    objectives, projects), for an hour. A page that computes it itself passes its own `pnrr_freshness`, which
    wins over this one. Nothing cached yet: no banner."""
    cached = cache.get(AS_OF_CACHE_KEY)
    if not cached:
        return {}
    return {"pnrr_freshness": freshness(cached[1])}
