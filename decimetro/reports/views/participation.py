"""Exports of the DUP alignment (CSV, XLSX) and the DUP import template (contents in `reports.exports`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from decimetro.participation import selectors_dup as dup_sel
from decimetro.plan import selectors as plan_sel
from decimetro.reports import exports
from decimetro.reports.writers import CSV_ITALIAN, CSV_STANDARD, request_format


def dup_territory_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    asked = request_format(request.GET, suffix=fmt)
    return exports.dup_territory_table(plan_sel.current_edition_or_404(), fmt=asked)


def dup_detail_export(request: HttpRequest, key: str, fmt: str) -> HttpResponseBase:
    asked = request_format(request.GET, suffix=fmt)
    edition = plan_sel.current_edition_or_404()
    organisation, label, _comune = dup_sel.dup_owner_or_404(key)
    return exports.dup_organisation_table(edition, organisation, key=key, label=label, fmt=asked)


def dup_csv_template(request: HttpRequest) -> HttpResponseBase:
    """The import template: the Italian CSV (the import reads it), or `?formato=standard`."""
    asked = request_format(request.GET)
    if asked not in (CSV_ITALIAN, CSV_STANDARD):
        raise Http404
    return exports.dup_csv_template(fmt=asked)
