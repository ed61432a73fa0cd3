"""Exports of the PNRR data: the project list and the data-quality problems as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

from decimetro.core.permissions import can_edit_plan
from decimetro.insights.params import filters_from, quality_filters_from
from decimetro.pnrr import quality as pnrr_quality
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import Project

CREDIT = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001 (the credit as Italia Domani spells it)


def project_list_csv(request: HttpRequest) -> HttpResponseBase:
    filters, _values = filters_from(request.GET)
    sort = request.GET.get("ordina") or pnrr_sel.DEFAULT_PROJECT_SORT
    return projects_csv_response(pnrr_sel.projects_filtered(filters=filters, sort=sort))


CSV_HEADER = [
    "cup",
    "codice_locale_progetto",
    "codice_submisura",
    "codice_misura",
    "componente",
    "missione",
    "titolo",
    "soggetto_attuatore",
    "codice_fiscale_attuatore",
    "provenienza",
    "finanziamento_pnrr",
    "finanziamento_totale",
    "comuni_istat",
    "luoghi",
    "data_aggiornamento",
]


def _csv_rows(projects: Iterable[Project]) -> Iterator[list[str]]:
    yield [CREDIT]
    yield CSV_HEADER
    for p in projects:
        measure = p.submeasure.measure
        body = p.implementing_body
        places = getattr(p, "list_places", [])
        yield [
            p.cup,
            p.local_code,
            p.submeasure.code,
            measure.code,
            measure.component.code,
            measure.component.mission.code,
            p.title,
            body.name if body else "",
            body.fiscal_code if body else "",
            p.provenance,
            "" if p.fin_pnrr is None else str(p.fin_pnrr),
            "" if p.fin_totale is None else str(p.fin_totale),
            " ".join(pl.istat_code for pl in places if pl.istat_code),
            "; ".join(pl.label for pl in places),
            p.updated_on.isoformat() if p.updated_on else "",
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def projects_csv_response(projects: QuerySet[Project]) -> StreamingHttpResponse:
    """The filtered set as CSV (UTF-8, comma-separated, dot decimals), first line the credit. Streamed in
    chunks of 2000 projects, each with its places prefetched."""
    writer = csv.writer(_Echo())
    rows = pnrr_sel.with_list_places(projects).iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="progetti_pnrr.csv"'
    return response


QUALITY_CSV_HEADER = [
    "controllo",
    "descrizione_controllo",
    "cup",
    "codice_locale_progetto",
    "codice_submisura",
    "titolo",
    "provenienza",
    "rilascio",
    "codice_istat_luogo",
    "luogo",
    "dettaglio",
]


def _staff_only(request: HttpRequest) -> None:
    if not can_edit_plan(request.user):
        raise PermissionDenied


def _quality_csv_rows(problems: Iterable[pnrr_quality.QualityProblem]) -> Iterator[list[str]]:
    yield [CREDIT]
    yield QUALITY_CSV_HEADER
    for p in problems:
        yield [
            p.check,
            str(pnrr_quality.QUALITY_CHECKS[p.check]),
            p.cup,
            p.local_code,
            p.submeasure,
            p.title,
            p.provenance,
            p.release.isoformat() if p.release else "",
            p.istat_code,
            p.place_name,
            p.detail,
        ]


@login_required
def data_quality_csv(request: HttpRequest) -> HttpResponseBase:
    """Every listed problem (same filters as the page), first line the credit."""
    _staff_only(request)
    release, comune, _values = quality_filters_from(request.GET)
    writer = csv.writer(_Echo())
    problems = pnrr_quality.data_quality_problems(release=release, comune=comune)
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _quality_csv_rows(problems)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="qualita_dati_pnrr.csv"'
    return response
