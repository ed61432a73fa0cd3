"""API routes of the monitoring app (registered in decimetro/api/main.py): indicators with their status.

Values are decimal strings without trailing zeros ("71.4"); dates ISO.
The status rule: monitoring.status.STATUS_RULE.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Path, Query, Router, Schema

from decimetro.api.errors import MAX_ID, MAX_LIMIT, MAX_OFFSET, responses
from decimetro.monitoring import selectors
from decimetro.monitoring.models import Indicator
from decimetro.monitoring.status import STATUS_RULE, plain_decimal

router = Router()
StatusCode = Literal["no_data", "achieved", "late", "on_track", "at_risk"]


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    source: str
    objective: str
    mission: str
    comune: str | None
    baseline_value: Decimal
    baseline_date: date
    target_value: Decimal
    target_date: date
    polarity: Literal["higher", "lower"]
    frequency: Literal["monthly", "quarterly", "yearly"]
    last_value: Decimal | None
    last_date: date | None
    next_due: date
    status: StatusCode
    status_label: str
    progress: Decimal | None
    expected_progress: Decimal | None
    url: str


class IndicatorPage(Schema):
    count: int
    items: list[IndicatorOut]
    status_rule: str


class ValueOut(Schema):
    date: date
    value: Decimal
    source: str
    note: str


class IndicatorDetailOut(IndicatorOut):
    description: str
    values: list[ValueOut]
    status_rule: str


def _num(value: Decimal | None) -> Decimal | None:
    """Without trailing zeros, the same on every database: 20.0000 → "20", 12.5000 → "12.5"."""
    return None if value is None else Decimal(plain_decimal(value))


def _indicator(ind: Indicator) -> dict[str, Any]:
    status = ind.status  # type: ignore[attr-defined]
    return {
        "id": ind.pk,
        "code": ind.code,
        "name": ind.name,
        "unit": ind.unit,
        "source": ind.source,
        "objective": ind.objective.code,
        "mission": ind.objective.mission.code,
        "comune": ind.comune.codice_istat if ind.comune else None,
        "baseline_value": _num(ind.baseline_value),
        "baseline_date": ind.baseline_date,
        "target_value": _num(ind.target_value),
        "target_date": ind.target_date,
        "polarity": ind.polarity,
        "frequency": ind.frequency,
        "last_value": _num(ind.last_value),  # type: ignore[attr-defined]
        "last_date": ind.last_date,  # type: ignore[attr-defined]
        "next_due": status.next_due,
        "status": status.status,
        "status_label": status.label,
        "progress": None if status.progress is None else _num(round(status.progress, 4)),
        "expected_progress": None if status.expected is None else _num(round(status.expected, 4)),
        "url": reverse("public:indicator", args=[ind.pk]),
    }


@router.get(
    "/indicators",
    response=responses(IndicatorPage, 422),
    summary="Indicatori attivi con stato, filtrati e paginati",
    description=(
        "`objective`: codice dell'obiettivo (M2.05); `mission`: codice della missione (M2); `comune`: codice "
        "ISTAT (o `-` per i soli indicatori dell'intero territorio); `status`: no_data, achieved, late, "
        "on_track, at_risk. Paginazione con `limit` (1-500) e `offset` (0-1.000.000; oltre i risultati: "
        "pagina vuota); fuori dai limiti: 422. Regola dello stato: vedi "
        "`status_rule`."
    ),
)
def list_indicators(
    request: HttpRequest,
    objective: str = "",
    mission: str = "",
    comune: str = "",
    status: Literal["", "no_data", "achieved", "late", "on_track", "at_risk"] = "",
    limit: int = Query(50, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0, le=MAX_OFFSET),  # type: ignore[type-arg]
) -> dict[str, Any]:
    items = selectors.indicators_list(
        filters=selectors.IndicatorFilters(objective=objective, mission=mission, comune=comune, status=status)
    )
    return {
        "count": len(items),
        "items": [_indicator(i) for i in items[offset : offset + limit]],
        "status_rule": str(STATUS_RULE),
    }


@router.get(
    "/indicators/{indicator_id}",
    response=responses(IndicatorDetailOut, 404, 422),
    summary="Un indicatore con tutti i valori rilevati",
    description="404 se l'indicatore non esiste o è disattivato; un id che non è un intero positivo: 422.",
)
def get_indicator(
    request: HttpRequest,
    indicator_id: int = Path(..., ge=1, le=MAX_ID),  # type: ignore[type-arg]
) -> dict[str, Any]:
    ind = selectors.indicator_detail(pk=indicator_id)
    if ind is None or not ind.active:
        raise Http404("Indicatore non trovato")
    return {
        **_indicator(ind),
        "description": ind.description,
        "values": [
            {"date": v.date, "value": _num(v.value), "source": v.source, "note": v.note}
            for v in ind.value_list  # type: ignore[attr-defined]
        ],
        "status_rule": str(STATUS_RULE),
    }
