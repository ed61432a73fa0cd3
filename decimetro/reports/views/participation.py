"""Exports of the DUP alignment (CSV, XLSX) and the DUP import template (contents in `reports.exports`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from decimetro.participation import selectors_dup as dup_sel
from decimetro.plan import selectors as plan_sel
from decimetro.reports import exports
from decimetro.reports.writers import TABLE_FORMATS


def dup_territory_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in TABLE_FORMATS:
        raise Http404
    return exports.dup_territory_table(plan_sel.current_edition_or_404(), fmt=fmt)


def dup_detail_export(request: HttpRequest, key: str, fmt: str) -> HttpResponseBase:
    if fmt not in TABLE_FORMATS:
        raise Http404
    edition = plan_sel.current_edition_or_404()
    organisation, label, _comune = dup_sel.dup_owner_or_404(key)
    return exports.dup_organisation_table(edition, organisation, key=key, label=label, fmt=fmt)


def dup_csv_template(request: HttpRequest) -> HttpResponseBase:
    return exports.dup_csv_template()
