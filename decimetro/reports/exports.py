"""What each download contains: its rows (header first), what the table is (`writers.About`: its credit,
the release date of its data, its columns' definitions) and its file name, handed to `reports.writers`, which
writes the Italian or standard CSV or the XLSX, neutralises formulas and puts the credit in a `fonte` column.

The views of `reports.views` only read the request and check access; `public` calls `projects_download`
for `/progetti/?format=csv`. The columns are part of the exports' contract: users' scripts read them, so
they change only on purpose (and new ones go at the end).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _t

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.insights import map as sm
from decimetro.insights.definitions import Dataset
from decimetro.insights.freshness import dataset_dates
from decimetro.insights.lists import ProjectExportRow, project_export_rows
from decimetro.monitoring.services import CSV_EXAMPLE, CSV_OPTIONAL, CSV_REQUIRED
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
from decimetro.pnrr.models import Project, Provenance
from decimetro.reports.limits import HeldStream, acquire_slot, busy_response
from decimetro.reports.writers import (
    CSV_ITALIAN,
    About,
    Row,
    cents,
    csv_response,
    geojson_response,
    request_format,
    table_response,
)
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


# The provenance of a project in words (the codes stay in the database and the query string).
PROVENANCE_WORDS: dict[str, str] = {
    Provenance.VALIDATED.value: "validato",
    Provenance.UNIVERSE.value: "universo",
}

PROJECTS_DEFINITIONS = {
    "cup": "Codice unico di progetto",
    "codice_locale_progetto": "Codice del progetto presso il soggetto attuatore",
    "codice_submisura": "Codice della submisura PNRR",
    "codice_misura": "Codice della misura PNRR",
    "componente": "Codice della componente PNRR",
    "missione": "Codice della missione PNRR",
    "titolo": "Titolo del progetto",
    "soggetto_attuatore": "Soggetto attuatore",
    "codice_fiscale_attuatore": "Codice fiscale del soggetto attuatore",
    "provenienza": "validato: dati validati ReGiS; universo: progetti noti solo dalle localizzazioni o dai "
    "pagamenti (non validati)",
    "finanziamento_pnrr": "Finanziamento PNRR del progetto, in euro",
    "finanziamento_totale": "Finanziamento totale del progetto (tutte le fonti), in euro",
    "comuni_istat": "Codici ISTAT dei comuni in cui il progetto è localizzato",
    "luoghi": "Luoghi del progetto",
    "data_aggiornamento": "Data di aggiornamento del progetto nei dati ReGiS",
    "pagato_totale": "Pagamenti del progetto all'ultima estrazione, in euro",
    "data_pagamenti": "Data dell'estrazione dei pagamenti",
    "pagato_sul_finanziato_pct": "Pagato sul finanziamento totale, in percentuale",
    "obiettivi_piano": "Obiettivi del piano strategico collegati al progetto (solo collegamenti confermati)",
    "provenienza_descrizione": "La provenienza in parole",
    "fonte": "Fonte dei dati (la stessa per ogni riga)",
    "data_dati": "Data di rilascio dei dati dei progetti",
}


# Projects read (with their places, payments and objectives) per database round trip while streaming.
PROJECTS_CHUNK = 2000


def project_rows(projects: Iterable[ProjectExportRow]) -> Iterator[Row]:
    """The header, then a row per project (`insights.lists.project_export_rows`)."""
    yield PROJECTS_CSV_HEADER
    words = PROVENANCE_WORDS
    for values, places, latest_release, paid, progress_pct, objectives, provenance_label in projects:
        _pk, cup, local, sub, measure, component, mission, title, body, fiscal, provenance, *rest = values
        fin_pnrr, fin_totale, updated_on = rest
        if not places:
            istat_codes = labels = ""
        elif len(places) == 1:
            istat_codes, labels = places[0]
        else:
            istat_codes = " ".join([istat for istat, _label in places if istat])
            labels = "; ".join([label for _istat, label in places])
        yield [
            cup,
            local,
            sub,
            measure,
            component,
            mission,
            title,
            body or "",
            fiscal or "",
            words.get(provenance, provenance),
            fin_pnrr,
            fin_totale,
            istat_codes,
            labels,
            updated_on,
            paid,
            latest_release,
            progress_pct,
            " ".join(objectives),
            provenance_label,
        ]


def _pnrr_about(title: str, definitions: dict[str, str] | None = None) -> About:
    """The PNRR credit, the projects' release date in `data_dati`, every dataset's date on the sheet."""
    dates = dataset_dates()
    return About(
        title=title,
        credit=str(PNRR),
        release=dates.release(Dataset.PROJECTS),
        has_release=True,
        dates=[
            (f"{d.label}: data di rilascio", d.release_date)
            for d in dates.of([Dataset.PROJECTS, Dataset.PLACES, Dataset.PAYMENTS])
        ],
        definitions=definitions or {},
    )


def projects_table(
    projects: QuerySet[Project], *, sort: str = pnrr_sel.DEFAULT_PROJECT_SORT, fmt: str = CSV_ITALIAN
) -> HttpResponseBase:
    """The filtered set, header first, credit and release date in every row. Streamed in chunks of 2000
    projects read as plain rows, with their places, latest payments and confirmed objectives
    (`insights.lists.project_export_rows`: the list's figures): memory stays flat whatever the number of
    projects."""
    return table_response(
        project_rows(project_export_rows(projects, sort=sort, chunk_size=PROJECTS_CHUNK)),
        fmt=fmt,
        basename="progetti_pnrr",
        sheet="Progetti",
        about=_pnrr_about("Progetti PNRR", PROJECTS_DEFINITIONS),
        stream=True,
    )


def heavy_download(request: HttpRequest, build: Any, *, suffix: str = "csv") -> HttpResponseBase:
    """A heavy export (`build(fmt)` → response) inside one of the instance's export slots
    (`reports.limits`): beyond them a 429 with `Retry-After`. A streamed CSV holds its slot until the stream
    ends or the client leaves; an XLSX is written while the slot is held, then served from its file."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])  # a download is read, never posted: no slot taken
    fmt = request_format(request.GET, suffix=suffix)
    slot = acquire_slot()
    if slot is None:
        return busy_response(request)
    try:
        response = build(fmt)
    except BaseException:
        slot.release()
        raise
    if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
        response.streaming_content = HeldStream(cast(Iterator[bytes], response.streaming_content), slot)
    else:
        slot.release()
    return response


def projects_download(
    request: HttpRequest, projects: QuerySet[Project], *, sort: str = pnrr_sel.DEFAULT_PROJECT_SORT
) -> HttpResponseBase:
    """`/progetti/export.csv` and `/progetti/?format=csv`: the filtered set in the asked format and order."""
    return heavy_download(request, lambda fmt: projects_table(projects, sort=sort, fmt=fmt))


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
            PROVENANCE_WORDS.get(p.provenance, p.provenance),
            p.release,
            p.istat_code,
            p.place_name,
            p.detail,
        ]


def quality_problems_table(
    problems: Iterable[pnrr_quality.QualityProblem], *, fmt: str = CSV_ITALIAN
) -> HttpResponseBase:
    """Every listed problem, header first, credit in every row; streamed."""
    return table_response(
        quality_rows(problems),
        fmt=fmt,
        basename="qualita_dati_pnrr",
        sheet="Problemi",
        about=_pnrr_about("Problemi di qualità dei dati PNRR"),
        stream=True,
    )


def quality_problems_download(
    request: HttpRequest, problems: Iterable[pnrr_quality.QualityProblem]
) -> HttpResponseBase:
    return heavy_download(request, lambda fmt: quality_problems_table(problems, fmt=fmt))


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


MAP_DEFINITIONS = {
    "livello": "comune, zona (zona omogenea), territorio (la città metropolitana), non_attribuito "
    "(importo che non va a nessun comune del territorio)",
    "residenti": "Popolazione residente (ISTAT)",
    "progetti": "Numero di progetti PNRR localizzati nell'area",
    "importo_pnrr_eur": "Finanziamento PNRR attribuito all'area secondo la regola di attribuzione, in euro",
    "importo_pnrr_per_residente_eur": "Finanziamento PNRR attribuito per residente, in euro",
    "pagato_eur": "Pagamenti attribuiti all'area nella stessa proporzione, in euro",
    "finanziato_eur": "Finanziamento totale attribuito all'area, in euro",
    "avanzamento_pagamenti_pct": "Pagato sul finanziato, in percentuale",
    "progetti_ogni_1000_residenti": "Progetti ogni 1000 residenti",
    "valore_metrica": "Il valore della metrica scelta sulla mappa",
    "classe": "La classe della legenda (1 = la più bassa)",
    "fonte": "Fonte dei dati (la stessa per ogni riga)",
    "data_dati": "Data di estrazione dei pagamenti",
    "metrica": "La metrica della mappa",
    "regola_attribuzione": "Come l'importo di un progetto in più comuni è diviso tra i comuni",
    "filtri": "I filtri della mappa",
}


def map_table(payload: dict[str, Any], *, fmt: str = CSV_ITALIAN) -> HttpResponseBase:
    """A map state as a table; every row says what its figures are (metric, allocation rule, filters) and
    the payments' date, beside the credit."""
    return table_response(
        map_rows(payload),
        fmt=fmt,
        basename="mappa_pnrr",
        sheet="Mappa",
        about=About(
            title=f"Mappa PNRR: {payload['metric_label']}",
            credit=sm.ATTRIBUTION,
            release=payload["payments_as_of"],
            has_release=True,
            definitions=MAP_DEFINITIONS,
            columns=[
                ("metrica", payload["metric_label"]),
                ("regola_attribuzione", payload["rule_label"]),
                ("filtri", json.dumps(payload["filters"], ensure_ascii=False)),
            ],
        ),
    )


# Monitoring -----------------------------------------------------------------------------------------------


def indicator_value_rows(indicator: Any) -> Iterator[Row]:
    """`indicator` from `monitoring.selectors.indicator_detail` (its values in `value_list`)."""
    yield ["indicatore", "data", "valore", "fonte", "nota"]
    for v in indicator.value_list:
        yield [indicator.code, v.date, Decimal(plain_decimal(v.value)), v.source, v.note]


def indicator_values_table(indicator: Any, *, fmt: str = CSV_ITALIAN) -> HttpResponseBase:
    """An indicator's values. No `fonte` column added: each value names its own source (column `fonte`)."""
    return table_response(
        indicator_value_rows(indicator),
        fmt=fmt,
        basename=f"indicatore_{indicator.pk}",
        sheet="Valori",
        about=About(
            title=f"{indicator.code} {indicator.name}",
            credit="Fonte: la fonte indicata per ogni valore (colonna fonte)",
            credit_column=False,
        ),
    )


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


def _dup_about(title: str) -> About:
    return About(title=title, credit=str(DUP))


def dup_territory_table(edition: Edition, *, fmt: str) -> HttpResponseBase:
    return table_response(
        dup_territory_rows(edition),
        fmt=fmt,
        basename="dup-copertura-territorio",
        sheet="DUP",
        about=_dup_about(_t("Copertura degli obiettivi del piano nei DUP dei comuni")),
    )


def dup_organisation_table(
    edition: Edition, organisation: Organisation | None, *, key: str, label: str, fmt: str
) -> HttpResponseBase:
    return table_response(
        dup_organisation_rows(edition, organisation),
        fmt=fmt,
        basename=f"dup-copertura-{key}",
        sheet="DUP",
        about=_dup_about(_t("Copertura degli obiettivi del piano nel DUP: %(who)s") % {"who": label}),
    )


def dup_csv_template(*, fmt: str = CSV_ITALIAN) -> HttpResponse | StreamingHttpResponse:
    """The DUP import file with one example row. No credit column: the import reads these columns only."""
    rows = [CSV_COLUMNS, ["SO.1", "Una città più verde", "9", "2025", "2027", "M1.1 M1.2"]]
    return csv_response(rows, filename="dup-modello.csv", fmt=fmt)


def indicator_values_template(*, fmt: str = CSV_ITALIAN) -> HttpResponse | StreamingHttpResponse:
    """The indicator-values import file with one example row (no credit column: the import reads these
    columns only)."""
    rows = [[*CSV_REQUIRED, *CSV_OPTIONAL], list(CSV_EXAMPLE)]
    return csv_response(rows, filename="valori-indicatori-modello.csv", fmt=fmt)
