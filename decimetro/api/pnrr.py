"""PNRR API: projects (filtered, paginated), a CUP's projects, measures, and the PNRR totals of a comune.

Amounts are decimal strings in euro with two decimals ("121992.00"), so that totals add up to the cent.
Data credit: `ATTRIBUTION` (`pnrr.credits.PNRR`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from decimetro.api.errors import MAX_AMOUNT, MAX_LIMIT, MAX_OFFSET, responses
from decimetro.insights import figures
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE
from decimetro.pnrr import selectors
from decimetro.pnrr.credits import PNRR
from decimetro.pnrr.models import FUNDING_SOURCES, Project
from decimetro.territory import selectors as terr_sel

ATTRIBUTION = str(PNRR)
# A filter amount: a JSON number in the OpenAPI (a decimal string of digits is read exactly).
Amount = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT)}),
]

projects_router = Router()
measures_router = Router()
territory_router = Router()


class BodyOut(Schema):
    id: int
    fiscal_code: str
    name: str


class ProjectOut(Schema):
    id: int
    cup: str
    local_code: str
    submeasure: str
    measure: str
    component: str
    mission: str
    title: str
    provenance: Literal["validated", "universe"]
    implementing_body: BodyOut | None
    fin_pnrr: Decimal | None
    fin_totale: Decimal | None
    updated_on: date | None
    url: str


class ProjectPage(Schema):
    count: int
    items: list[ProjectOut]


class PlaceOut(Schema):
    label: str
    scope: Literal["comune", "provincia", "regione", "nazionale"]
    istat_code: str
    in_territory: bool


class PaymentOut(Schema):
    release_date: date
    fin_totale: Decimal | None
    fin_pnrr: Decimal | None
    paid_total: Decimal | None
    paid_pnrr: Decimal | None


class ProjectDetailOut(ProjectOut):
    synthesis: str
    opencup_url: str
    funding: dict[str, Decimal] = Field(description="Importi per fonte (solo quelli valorizzati)")
    places: list[PlaceOut]
    payments: list[PaymentOut]


class CupOut(Schema):
    cup: str
    opencup_url: str
    count: int
    items: list[ProjectDetailOut]
    attribution: str


class MeasureOut(Schema):
    code: str
    name: str
    kind: str
    component: str
    mission: str
    frame_total: Decimal | None
    milestone_count: int
    project_count: int
    territory_project_count: int


class MissionTotalOut(Schema):
    code: str
    name: str
    projects: int
    amount: Decimal


class AreaTotalsOut(Schema):
    rule: Literal["full", "equal", "population"]
    rule_label: str
    amount_field: str
    projects: int
    total: Decimal
    per_resident: Decimal | None
    not_attributed: Decimal
    population_fallbacks: int
    by_mission: list[MissionTotalOut]


class ComunePnrrOut(Schema):
    codice_istat: str
    name: str
    zona_omogenea: str | None
    population: int | None
    pnrr: AreaTotalsOut
    attribution: str


FUNDING_FIELDS = (*FUNDING_SOURCES, "fin_totale", "fin_totale_pubblico")


def _project(p: Project) -> dict[str, Any]:
    measure = p.submeasure.measure
    body = p.implementing_body
    return {
        "id": p.pk,
        "cup": p.cup,
        "local_code": p.local_code,
        "submeasure": p.submeasure.code,
        "measure": measure.code,
        "component": measure.component.code,
        "mission": measure.component.mission.code,
        "title": p.title,
        "provenance": p.provenance,
        "implementing_body": {"id": body.pk, "fiscal_code": body.fiscal_code, "name": body.name}
        if body
        else None,
        "fin_pnrr": p.fin_pnrr,
        "fin_totale": p.fin_totale,
        "updated_on": p.updated_on,
        "url": reverse("public:project", args=[p.pk]),
    }


def _project_detail(p: Project) -> dict[str, Any]:
    return {
        **_project(p),
        "synthesis": p.synthesis,
        "opencup_url": p.opencup_url,
        "funding": {f: getattr(p, f) for f in FUNDING_FIELDS if getattr(p, f) is not None},
        "places": [
            {
                "label": pl.label,
                "scope": pl.scope,
                "istat_code": pl.istat_code,
                "in_territory": pl.comune_id is not None,
            }
            for pl in p.located_places
        ],
        "payments": [
            {
                "release_date": s.release_date,
                "fin_totale": s.fin_totale,
                "fin_pnrr": s.fin_pnrr,
                "paid_total": s.paid_total,
                "paid_pnrr": s.paid_pnrr,
            }
            for s in p.payments.all()
        ],
    }


@projects_router.get(
    "",
    response=responses(ProjectPage, 422),
    summary="Progetti PNRR, filtrati e paginati",
    description=(
        "Gli stessi filtri dell'elenco web. `comune`: codice ISTAT di un luogo del progetto; `zone`: "
        "slug della zona omogenea; `body`: codice fiscale esatto o parte del nome del soggetto attuatore; "
        "`q`: testo in "
        "titolo, sintesi o CUP; `amount_min`/`amount_max`: sull'importo PNRR; `sort`: amount, total, "
        "title, cup, measure (prefisso `-` per decrescente). Paginazione con `limit` (1-500) e `offset` "
        "(0-1.000.000; oltre i risultati: pagina vuota). Parametri fuori dai limiti: 422. " + ATTRIBUTION
    ),
)
def list_projects(
    request: HttpRequest,
    mission: str = "",
    component: str = "",
    measure: str = "",
    comune: str = "",
    zone: str = "",
    body: str = "",
    provenance: Literal["", "validated", "universe"] = "",
    amount_min: Amount | None = None,
    amount_max: Amount | None = None,
    q: str = "",
    in_territory: bool = False,
    sort: str = selectors.DEFAULT_PROJECT_SORT,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0, le=MAX_OFFSET),  # type: ignore[type-arg]
) -> dict[str, Any]:
    filters = selectors.ProjectFilters(
        mission=mission,
        component=component,
        measure=measure,
        comune=comune,
        zone=zone,
        body=body,
        provenance=provenance,
        amount_min=amount_min,
        amount_max=amount_max,
        q=q,
        in_territory=in_territory,
    )
    qs = selectors.projects_filtered(filters=filters, sort=sort)
    return {"count": qs.count(), "items": [_project(p) for p in qs[offset : offset + limit]]}


@projects_router.get(
    "/{cup}",
    response=responses(CupOut, 404),
    summary="I progetti di un CUP",
    description=(
        "Un CUP può avere più progetti (altro codice locale o submisura): sono tutti in `items`. "
        "404 se nessun progetto ha quel CUP."
    ),
)
def get_cup(request: HttpRequest, cup: str) -> dict[str, Any]:
    projects = selectors.projects_by_cup(cup=cup)
    if not projects:
        raise Http404("CUP non trovato")
    return {
        "cup": projects[0].cup,
        "opencup_url": projects[0].opencup_url,
        "count": len(projects),
        "items": [_project_detail(p) for p in projects],
        "attribution": ATTRIBUTION,
    }


@measures_router.get(
    "/measures",
    response=list[MeasureOut],
    summary="Misure PNRR con quadro finanziario e conteggi",
    description=(
        "`project_count`: tutti i progetti nel database; `territory_project_count`: quelli con almeno "
        "un luogo in un comune del territorio caricato. " + ATTRIBUTION
    ),
)
def list_measures(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": m.code,
            "name": m.name,
            "kind": m.kind,
            "component": m.component.code,
            "mission": m.component.mission.code,
            "frame_total": m.frame_total,
            "milestone_count": m.milestone_count,
            "project_count": m.project_count,
            "territory_project_count": m.territory_project_count,
        }
        for m in cast(Iterable[Any], selectors.measures_index())  # annotated: frame_total, counts
    ]


@territory_router.get(
    "/comuni/{codice_istat}",
    response=responses(ComunePnrrOut, 404, 422),
    summary="Un comune con i totali PNRR",
    description=(
        "Totali dei progetti PNRR localizzati nel comune, per missione e per residente, secondo la regola di "
        "attribuzione `rule` dei progetti con più luoghi: `equal` (predefinita: importo diviso in "
        "parti uguali "
        "tra i luoghi), `full` (importo pieno a ogni luogo), `population` (per residenti). "
        "`not_attributed` è "
        "la parte degli importi di questi progetti che non va ad alcun comune del territorio (luoghi "
        "nazionali, regionali, provinciali o comuni di altri territori; non le quote degli altri comuni del "
        "territorio). 404 se il comune non è del territorio; `rule` o `amount` sconosciuti: 422. "
        + ATTRIBUTION
    ),
)
def comune_with_totals(
    request: HttpRequest,
    codice_istat: str,
    rule: Literal["full", "equal", "population"] = DEFAULT_ALLOCATION_RULE.value,  # type: ignore[assignment]
    amount: Literal["fin_pnrr", "fin_totale"] = "fin_pnrr",
) -> dict[str, Any]:
    comune = terr_sel.comune_detail().filter(codice_istat=codice_istat).first()
    if comune is None:
        raise Http404("Comune non trovato")
    t = figures.comune_totals(comune=comune, rule=rule, amount_field=amount)
    return {
        "codice_istat": comune.codice_istat,
        "name": comune.name,
        "zona_omogenea": comune.zone.name if comune.zone else None,
        "population": comune.population_resident,
        "pnrr": {
            "rule": t.rule.value,
            "rule_label": t.rule_label,
            "amount_field": t.amount_field,
            "projects": t.projects,
            "total": t.total,
            "per_resident": t.per_resident,
            "not_attributed": t.not_attributed,
            "population_fallbacks": t.population_fallbacks,
            "by_mission": [
                {"code": m.code, "name": m.name, "projects": m.projects, "amount": m.amount}
                for m in t.by_mission
            ],
        },
        "attribution": ATTRIBUTION,
    }
