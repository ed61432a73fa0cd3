"""The values of the Web GIS: one PNRR metric per comune and per zona omogenea, with the class breaks.

Geometry is not repeated here: it is served once (cached, strong ETag, gzip) by `/territory/comuni.geojson`;
the client joins the values to it by ISTAT code.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from decimetro.api.errors import responses
from decimetro.insights import map as sm
from decimetro.insights.allocation import AllocationRule

router = Router()

ATTRIBUTION = sm.ATTRIBUTION

Metric = Literal["funding", "funding_per_resident", "projects", "payment_progress", "projects_per_1000"]
Rule = Literal["equal", "full", "population"]
Actor = Literal["", "citta_metropolitana", "comuni", "corpi_intermedi"]


class AreaOut(Schema):
    key: str
    name: str
    zone: str | None = None
    population: int | None
    projects: int
    funding: float
    funding_per_resident: float | None
    paid: float
    funded: float
    payment_progress: float | None
    projects_per_1000: float | None
    value: float | None
    class_index: int | None


class TotalsOut(Schema):
    name: str
    population: int | None
    projects: int
    funding: float
    funding_per_resident: float | None
    paid: float
    funded: float
    payment_progress: float | None
    projects_per_1000: float | None
    not_attributed: float
    median_funding_per_resident: float | None


class ClassOut(Schema):
    low: float
    high: float
    lower_open: bool  # True: the class starts above `low` ("oltre low fino a high")


class MapOut(Schema):
    metric: str
    metric_label: str
    unit: str
    rule: str
    rule_label: str
    filters: dict[str, str]
    filter_labels: dict[str, str]
    breaks_method: str
    breaks: list[float]
    zone_breaks: list[float]
    integer: bool
    classes: list[ClassOut]
    zone_classes: list[ClassOut]
    empty_reason: str | None
    comuni: list[AreaOut]
    zones: list[AreaOut]
    totals: TotalsOut
    payments_as_of: date | None
    notes: list[str]
    attribution: str


@router.get(
    "/map",
    response=responses(MapOut, 422),
    summary="Valori della mappa: una metrica PNRR per comune e per zona omogenea",
    description=(
        "Una metrica (`metric`) per ogni comune del territorio e per ogni zona omogenea (somma dei comuni), "
        "con i limiti delle classi (quantili, 5 classi) per la mappa coropletica. Metriche: `funding` "
        "(importo "
        "PNRR attribuito, €), `funding_per_resident` (€ per residente), `projects` (progetti con almeno un "
        "luogo "
        "nel comune), `payment_progress` (% pagato sul finanziato, dall'ultima rilevazione dei pagamenti di "
        "ogni progetto), `projects_per_1000` (progetti ogni 1.000 residenti). Filtri: `mission`, "
        "`component`, "
        "`measure` (codici PNRR), `objective` (obiettivo strategico del piano: progetti con collegamento "
        "confermato), `zone` (slug della zona omogenea), `actor` (attore del piano: componente o obiettivo "
        "collegato segnato per quell'attore). `rule`: regola di attribuzione dei progetti con più luoghi "
        "(`equal` predefinita). I confini sono in `/territory/comuni.geojson` (da scaricare una volta). "
        + ATTRIBUTION
    ),
)
def map_values(
    request: HttpRequest,
    metric: Metric = sm.DEFAULT_METRIC,  # type: ignore[assignment]
    rule: Rule = AllocationRule.EQUAL.value,  # type: ignore[assignment]
    mission: str = "",
    component: str = "",
    measure: str = "",
    objective: str = "",
    zone: str = "",
    actor: Actor = "",
) -> HttpResponse:
    filters = sm.MapFilters(
        mission=mission, component=component, measure=measure, objective=objective, zone=zone, actor=actor
    )
    payload = sm.map_payload(sm.map_data(filters=filters, metric=metric, rule=rule))
    # Serialised here (the schema above documents it): validating 133 + 8 areas again costs more than the
    # cached values themselves.
    return HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json",
    )
