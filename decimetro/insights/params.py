"""The public filters of the pages, exports and API, read from a query string (Italian parameter names)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from decimetro.core.tabular import parse_decimal
from decimetro.insights import map as sm
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE, AllocationRule
from decimetro.pnrr import quality as pnrr_quality
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.models import Provenance

# Web parameter (Italian) → ProjectFilters field.
FILTER_PARAMS = {
    "missione": "mission",
    "componente": "component",
    "misura": "measure",
    "comune": "comune",
    "zona": "zone",
    "attuatore": "body",
    "provenienza": "provenance",
    "q": "q",
}


AMOUNT_PARAMS = {"importo_min": "amount_min", "importo_max": "amount_max"}


def parse_amount(raw: str | None) -> Decimal | None:
    """An amount typed by a person: "1.500.000,50", "1500000.5", "1 500 000 €" → Decimal; junk or a negative
    amount → None. (A lone dot is a decimal mark: "1.500" is one and a half.)"""
    try:
        value = parse_decimal(raw or "", thousands_dots=True, ignore=" €")
    except ValueError:
        return None
    return value if value >= 0 else None


def filters_from(params: QueryDict) -> tuple[pnrr_sel.ProjectFilters, dict[str, str]]:
    """The filters of a request, and the cleaned values to put back in the form."""
    values = {p: (params.get(p) or "").strip()[:200] for p in (*FILTER_PARAMS, *AMOUNT_PARAMS)}
    if values["provenienza"] not in Provenance.values:
        values["provenienza"] = ""
    amounts = {field: parse_amount(values[p]) for p, field in AMOUNT_PARAMS.items()}
    for p, field in AMOUNT_PARAMS.items():
        if amounts[field] is None:
            values[p] = ""
    filters = pnrr_sel.ProjectFilters(
        mission=values["missione"],
        component=values["componente"],
        measure=values["misura"],
        comune=values["comune"],
        zone=values["zona"],
        body=values["attuatore"],
        provenance=values["provenienza"],
        q=values["q"],
        amount_min=amounts["amount_min"],
        amount_max=amounts["amount_max"],
    )
    return filters, values


def quality_filters_from(params: QueryDict) -> tuple[Any, str, dict[str, str]]:
    """(release date or None, ISTAT code or "", the cleaned values for the form). A release that is not a
    known release date and a code that is not 6 digits are ignored."""
    raw_release = (params.get("rilascio") or "").strip()[:10]
    release = None
    for day in pnrr_quality.quality_releases():
        if day.isoformat() == raw_release:
            release = day
    comune = (params.get("comune") or "").strip()[:6]
    if not (len(comune) == 6 and comune.isdigit()):
        comune = ""
    return release, comune, {"rilascio": release.isoformat() if release else "", "comune": comune}


def allocation_rule_from(params: QueryDict) -> AllocationRule:
    """The allocation rule chosen with `?ripartizione=` (the comune, zone and compare pages); anything else
    is the default rule."""
    raw = params.get("ripartizione") or ""
    return AllocationRule(raw if raw in AllocationRule.values else DEFAULT_ALLOCATION_RULE)


# Web parameter (Italian) → API parameter (English). The page form uses the Italian names; the script asks
# the API with the English ones.
MAP_PARAMS = {
    "metrica": "metric",
    "ripartizione": "rule",
    "missione": "mission",
    "componente": "component",
    "misura": "measure",
    "obiettivo": "objective",
    "zona": "zone",
    "attore": "actor",
}


LEVELS = {"comuni": _("Comuni"), "zone": _("Zone omogenee (somma dei comuni)")}


def map_state(params: QueryDict) -> dict[str, str]:
    """The cleaned state of the map from a query string (unknown values → defaults)."""
    state = {p: (params.get(p) or "").strip()[:50] for p in MAP_PARAMS}
    if state["metrica"] not in sm.METRICS:
        state["metrica"] = sm.DEFAULT_METRIC
    if state["ripartizione"] not in AllocationRule.values:
        state["ripartizione"] = DEFAULT_ALLOCATION_RULE.value
    if state["attore"] not in dict(sm.actor_choices()):
        state["attore"] = ""
    state["livello"] = params.get("livello") or "comuni"
    if state["livello"] not in LEVELS:
        state["livello"] = "comuni"
    return state


def map_data_for(state: dict[str, str]) -> sm.MapData:
    filters = sm.MapFilters(
        mission=state["missione"],
        component=state["componente"],
        measure=state["misura"],
        objective=state["obiettivo"],
        zone=state["zona"],
        actor=state["attore"],
    )
    return sm.map_data(filters=filters, metric=state["metrica"], rule=state["ripartizione"])
