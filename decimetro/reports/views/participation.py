"""Exports of the DUP alignment (CSV, XLSX) and the DUP import template."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _t

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.participation import selectors_dup as dup_sel
from decimetro.participation.models import DupObjective
from decimetro.participation.services_dup import CSV_COLUMNS
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Edition
from decimetro.territory.models import Comune

DUP_CREDIT = (
    "Fonte: Città metropolitana di Milano, Piano strategico metropolitano; "
    "DUP dei Comuni come registrati in Decimetro dai Comuni stessi"
)


def _public_owner(key: str) -> tuple[Organisation | None, str, Comune | None]:
    """The organisation behind a DUP page (None if the comune has no account yet), its label, its comune."""
    if key == "ente":
        organisation = dup_sel.dup_organisation("ente")
        if organisation is None:
            raise Http404
        return organisation, organisation.name, None
    comune = get_object_or_404(Comune, codice_istat=key)
    return dup_sel.dup_organisation(key), _t("Comune di %(name)s") % {"name": comune.name}, comune


def _territory_rows(edition: Edition) -> Iterator[list[Any]]:
    yield [
        "codice_obiettivo",
        "obiettivo",
        "missione",
        "comuni_che_lo_coprono",
        "comuni",
        "coperto_dall_ente",
    ]
    covering: dict[int, list[str]] = {}
    for objective_id, name in (
        DupObjective.plan_objectives.through.objects.filter(
            dupobjective__organisation__kind=OrganisationKind.COMUNE
        )
        .values_list("objective_id", "dupobjective__organisation__comune__name")
        .distinct()
        .order_by("dupobjective__organisation__comune__name")
    ):
        covering.setdefault(objective_id, []).append(name)
    for o in dup_sel.territory_matrix(edition):
        names = list(dict.fromkeys(covering.get(o.pk, [])))
        yield [
            o.code,
            o.title,
            o.mission.code,
            getattr(o, "comuni_count", 0),
            "; ".join(names),
            "sì" if getattr(o, "ente_covers", False) else "no",
        ]  # type: ignore[attr-defined]


def _organisation_rows(edition: Edition, organisation: Organisation | None) -> Iterator[list[Any]]:
    yield ["codice_obiettivo", "obiettivo", "missione", "coperto", "obiettivi_dup"]
    if organisation is None:
        for o in plan_sel.objectives_for(edition).order_by("mission__number", "number"):
            yield [o.code, o.title, o.mission.code, "no", ""]
        return
    for o in dup_sel.organisation_matrix(edition, organisation):
        covering = o.covering  # type: ignore[attr-defined]
        yield [
            o.code,
            o.title,
            o.mission.code,
            "sì" if covering else "no",
            "; ".join(f"{d.code} {d.title}" for d in covering),
        ]


EXPORT_FORMATS = ("csv", "xlsx")


def _export(rows: Iterable[list[Any]], *, fmt: str, filename: str, title: str) -> HttpResponse:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([DUP_CREDIT])
        writer.writerow([title])
        for row in rows:
            writer.writerow(row)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("DUP")
        sheet.append([title])
        for row in rows:
            sheet.append(row)
        sheet.append([])
        sheet.append([DUP_CREDIT])
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def dup_territory_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    edition = plan_sel.current_edition_or_404()
    return _export(
        _territory_rows(edition),
        fmt=fmt,
        filename="dup-copertura-territorio",
        title=_t("Copertura degli obiettivi del piano nei DUP dei comuni"),
    )


def dup_detail_export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    edition = plan_sel.current_edition_or_404()
    organisation, label, _comune = _public_owner(key)
    return _export(
        _organisation_rows(edition, organisation),
        fmt=fmt,
        filename=f"dup-copertura-{key}",
        title=_t("Copertura degli obiettivi del piano nel DUP: %(who)s") % {"who": label},
    )


def dup_csv_template(request: HttpRequest) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["SO.1", "Una città più verde", "9", "2025", "2027", "M1.1 M1.2"])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dup-modello.csv"'
    return response
