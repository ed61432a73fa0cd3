"""What each download contains: its rows (header first), its credit and its file name, handed to
`reports.writers`, which neutralises formulas, writes numbers one way and puts the credit in its place.

The views of `reports.views` only read the request and check access; `public` calls `projects_csv` for
`/progetti/?format=csv`. The columns and the credits are part of the exports' contract: users' scripts read
them, so they change only on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _t

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.insights import map as sm
from decimetro.insights.lists import project_progress, projects_with_progress
from decimetro.monitoring.status import plain_decimal
from decimetro.participation import selectors_dup as dup_sel
from decimetro.participation.credits import DUP
from decimetro.participation.models import DupObjective
from decimetro.participation.services_dup import CSV_COLUMNS
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Edition
from decimetro.pnrr import quality as pnrr_quality
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.credits import PNRR
from decimetro.pnrr.models import Project
from decimetro.reports.writers import Row, cents, csv_response, geojson_response, table_response
from decimetro.territory import selectors as terr_sel
from decimetro.territory.credits import BOUNDARIES

# PNRR projects --------------------------------------------------------------------------------------------

PROJECTS_CSV_HEADER = [
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
    # Added at the end (users' scripts read the columns above by position): the latest payments and the plan.
    "pagato_totale",
    "data_pagamenti",
    "pagato_sul_finanziato_pct",
    "obiettivi_piano",
    "provenienza_descrizione",
]


def project_rows(projects: Iterable[Project]) -> Iterator[Row]:
    yield PROJECTS_CSV_HEADER
    for p in projects:
        measure = p.submeasure.measure
        body = p.implementing_body
        places = getattr(p, "list_places", [])
        progress = project_progress(p)
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
            p.fin_pnrr,
            p.fin_totale,
            " ".join(pl.istat_code for pl in places if pl.istat_code),
            "; ".join(pl.label for pl in places),
            p.updated_on,
            progress.paid,
            getattr(p, "latest_release", None),
            progress.progress_pct,
            " ".join(progress.objectives),
            progress.provenance,
        ]


def projects_csv(projects: QuerySet[Project]) -> HttpResponse | StreamingHttpResponse:
    """The filtered set as CSV, first line the credit. Streamed in chunks of 2000 projects, each with its
    places and confirmed objectives prefetched and its latest payments annotated
    (`insights.lists.projects_with_progress`)."""
    rows = projects_with_progress(pnrr_sel.with_list_places(projects)).iterator(chunk_size=2000)
    return csv_response(project_rows(rows), filename="progetti_pnrr.csv", credit=str(PNRR), stream=True)


# Data-quality problems (staff) ----------------------------------------------------------------------------

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


def quality_rows(problems: Iterable[pnrr_quality.QualityProblem]) -> Iterator[Row]:
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
            p.release,
            p.istat_code,
            p.place_name,
            p.detail,
        ]


def quality_problems_csv(
    problems: Iterable[pnrr_quality.QualityProblem],
) -> HttpResponse | StreamingHttpResponse:
    """Every listed problem, first line the credit; streamed."""
    return csv_response(
        quality_rows(problems), filename="qualita_dati_pnrr.csv", credit=str(PNRR), stream=True
    )


# Web GIS --------------------------------------------------------------------------------------------------

MAP_CSV_HEADER = [
    "livello",
    "codice",
    "nome",
    "zona",
    "residenti",
    "progetti",
    "importo_pnrr_eur",
    "importo_pnrr_per_residente_eur",
    "pagato_eur",
    "finanziato_eur",
    "avanzamento_pagamenti_pct",
    "progetti_ogni_1000_residenti",
    "valore_metrica",
    "classe",
]


def map_geojson(payload: dict[str, Any]) -> HttpResponse:
    """A map state (`insights.map.map_payload`) as a FeatureCollection: the comuni with their geometry and
    values, the state's other members, the PNRR, ISTAT and boundaries credits."""
    geometry = {
        c.codice_istat: c.geometry for c in terr_sel.comuni_of_territory().only("codice_istat", "geometry")
    }
    features = [
        {"type": "Feature", "id": a["key"], "geometry": geometry.get(a["key"]), "properties": a}
        for a in payload["comuni"]
    ]
    return geojson_response(
        features,
        filename="mappa_pnrr.geojson",
        attribution=f"{sm.ATTRIBUTION}; {BOUNDARIES}",
        members={k: v for k, v in payload.items() if k not in {"comuni", "attribution"}},
    )


def _optional_cents(value: float | None) -> Decimal | None:
    return None if value is None else cents(value)


def _map_area_row(level: str, a: dict[str, Any]) -> Row:
    return [
        level,
        a["key"],
        a["name"],
        a.get("zone") or None,
        a["population"],
        a["projects"],
        cents(a["funding"]),
        _optional_cents(a["funding_per_resident"]),
        cents(a["paid"]),
        cents(a["funded"]),
        a["payment_progress"],
        a["projects_per_1000"],
        a["value"],
        None if a["class_index"] is None else a["class_index"] + 1,
    ]


def map_rows(payload: dict[str, Any]) -> Iterator[Row]:
    """A row per comune, per zone, the territory, and the amount that goes to no comune."""
    yield MAP_CSV_HEADER
    for a in payload["comuni"]:
        yield _map_area_row("comune", a)
    for a in payload["zones"]:
        yield _map_area_row("zona", a)
    t = payload["totals"]
    yield [
        "territorio",
        None,
        t["name"],
        None,
        t["population"] or None,
        t["projects"],
        cents(t["funding"]),
        _optional_cents(t["funding_per_resident"]),
        None,
        None,
        t["payment_progress"],
        t["projects_per_1000"],
        None,
        None,
    ]
    yield [
        "non_attribuito",
        None,
        _t("Importo PNRR non attribuito a comuni del territorio"),
        None,
        None,
        None,
        cents(t["not_attributed"]),
    ]


def map_csv(payload: dict[str, Any]) -> HttpResponse | StreamingHttpResponse:
    """A map state as CSV; the first line holds the credit and what the figures are (metric, allocation
    rule, filters, payments date)."""
    first_line = (
        f"{sm.ATTRIBUTION}. {_t('Metrica')}: {payload['metric_label']}. "
        f"{_t('Regola di attribuzione')}: {payload['rule_label']}. "
        f"{_t('Filtri')}: {json.dumps(payload['filters'], ensure_ascii=False)}. "
        f"{_t('Pagamenti al')}: {payload['payments_as_of'] or '—'}."
    )
    return csv_response(map_rows(payload), filename="mappa_pnrr.csv", credit=first_line)


# Monitoring -----------------------------------------------------------------------------------------------


def indicator_value_rows(indicator: Any) -> Iterator[Row]:
    """`indicator` from `monitoring.selectors.indicator_detail` (its values in `value_list`)."""
    yield ["indicatore", "data", "valore", "fonte", "nota"]
    for v in indicator.value_list:
        yield [indicator.code, v.date, Decimal(plain_decimal(v.value)), v.source, v.note]


def indicator_values_csv(indicator: Any) -> HttpResponse | StreamingHttpResponse:
    """An indicator's values. No credit line: each value names its own source (column `fonte`)."""
    return csv_response(indicator_value_rows(indicator), filename=f"indicatore_{indicator.pk}.csv")


# DUP alignment --------------------------------------------------------------------------------------------


def dup_territory_rows(edition: Edition) -> Iterator[Row]:
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
        ]


def dup_organisation_rows(edition: Edition, organisation: Organisation | None) -> Iterator[Row]:
    """`organisation` None: a comune without an account yet, so nothing is covered."""
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


def dup_territory_table(edition: Edition, *, fmt: str) -> HttpResponse | StreamingHttpResponse:
    return table_response(
        dup_territory_rows(edition),
        fmt=fmt,
        basename="dup-copertura-territorio",
        sheet="DUP",
        credit=str(DUP),
        title=_t("Copertura degli obiettivi del piano nei DUP dei comuni"),
    )


def dup_organisation_table(
    edition: Edition, organisation: Organisation | None, *, key: str, label: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    return table_response(
        dup_organisation_rows(edition, organisation),
        fmt=fmt,
        basename=f"dup-copertura-{key}",
        sheet="DUP",
        credit=str(DUP),
        title=_t("Copertura degli obiettivi del piano nel DUP: %(who)s") % {"who": label},
    )


def dup_csv_template() -> HttpResponse | StreamingHttpResponse:
    """The DUP import file with one example row. No credit line: the import reads the header first."""
    rows = [CSV_COLUMNS, ["SO.1", "Una città più verde", "9", "2025", "2027", "M1.1 M1.2"]]
    return csv_response(rows, filename="dup-modello.csv")
