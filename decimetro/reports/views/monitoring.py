"""Export of an indicator's values as CSV or XLSX (contents in `reports.exports`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from decimetro.core.permissions import can
from decimetro.monitoring import selectors as sel
from decimetro.reports import exports
from decimetro.reports.writers import request_format


def indicator_values_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    asked = request_format(request.GET)
    ind = sel.indicator_detail_or_404(pk=pk)
    if not ind.active and not can(request.user, "indicator.manage"):
        raise Http404
    return exports.indicator_values_table(ind, fmt=asked)
