"""Export of an indicator's values as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from decimetro.monitoring import permissions as perms
from decimetro.monitoring import selectors as sel
from decimetro.monitoring.status import plain_decimal


def _get_indicator(pk: int) -> Any:
    indicator = sel.indicator_detail(pk=pk)
    if indicator is None:
        raise Http404
    return indicator


def indicator_values_csv(request: HttpRequest, pk: int) -> HttpResponse:
    ind = _get_indicator(pk)
    if not ind.active and not perms.can_manage_indicators(request.user):
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicatore_{ind.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["indicatore", "data", "valore", "fonte", "nota"])
    for v in ind.value_list:
        writer.writerow([ind.code, v.date.isoformat(), plain_decimal(v.value), v.source, v.note])
    return response
