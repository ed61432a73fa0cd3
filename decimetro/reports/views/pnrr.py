"""Exports of the PNRR data: the project list and the data-quality problems as CSV or XLSX (contents in
`reports.exports`; `public` calls `exports.projects_download` itself for /progetti/?format=csv). Both are
heavy exports: they take one of the instance's export slots (`reports.limits`), a 429 beyond them."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from decimetro.core.http import require_perm
from decimetro.insights.params import filters_from, quality_filters_from
from decimetro.pnrr import quality as pnrr_quality
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.reports import exports


def project_list_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered list (same filters and order as /progetti/): Italian CSV, `?formato=standard|xlsx`."""
    filters, _values = filters_from(request.GET)
    sort = request.GET.get("ordina") or pnrr_sel.DEFAULT_PROJECT_SORT
    return exports.projects_download(
        request, pnrr_sel.projects_filtered(filters=filters, sort=sort), sort=sort
    )


@require_perm("pnrr.quality.view")
def data_quality_csv(request: HttpRequest) -> HttpResponseBase:
    """Every listed problem (same filters as the page)."""
    release, comune, _values = quality_filters_from(request.GET)
    return exports.heavy_download(
        request,
        lambda asked: exports.quality_problems_table(
            pnrr_quality.data_quality_problems(release=release, comune=comune), fmt=asked
        ),
    )
