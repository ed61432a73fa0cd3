"""Context for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from decimetro.insights.freshness import banner_freshness


def pnrr_freshness(request: HttpRequest) -> dict[str, Any]:
    """`pnrr_freshness` for the stale-data banner of base.html, without a query: the last PNRR "data as of"
    date computed by the pages that state it (the dashboards of home, missions and objectives, through
    `insights.freshness.data_as_of`), kept for an hour. A page that computes it itself passes its own
    `pnrr_freshness`, which wins over this one. Nothing known yet: no banner."""
    known = banner_freshness()
    return {"pnrr_freshness": known} if known else {}
