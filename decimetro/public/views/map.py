"""The Web GIS, the comparison of two areas, the health check."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _t

from decimetro.core.workers import worker_status
from decimetro.insights import figures
from decimetro.insights import map as sm
from decimetro.insights.allocation import RULE_NOTES, AllocationRule
from decimetro.insights.areas import area_standing_context
from decimetro.insights.charts import PNRR_SOURCE, chart
from decimetro.insights.params import LEVELS, allocation_rule_from, map_data_for, map_state
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Measure, PnrrComponent, PnrrMission
from decimetro.territory import selectors as terr_sel
from decimetro.territory.models import Comune, Zone


def _query(state: dict[str, str]) -> str:
    q = QueryDict(mutable=True)
    for k, v in state.items():
        if v and not (k == "livello" and v == "comuni"):
            q[k] = v
    return q.urlencode()


def territory_map(request: HttpRequest) -> HttpResponse:
    """The Web GIS. With `?frammento=tabelle`, only its tables (the text alternative, same state): the
    script puts them in place after a change of the filters, so that their rows are written once, here."""
    state = map_state(request.GET)
    data = map_data_for(state)
    payload = sm.map_payload(data)
    tables = {"data": data, "state": state, "table": _table_rows(payload)}
    if request.GET.get("frammento") == "tabelle":
        return render(request, "public/_map_tables.html", tables)
    query = _query(state)
    zones = list(Zone.objects.order_by("kind", "name"))
    return render(
        request,
        "public/map.html",
        {
            **tables,
            "nav": "mappa",
            "payload": payload,
            "metrics": [(k, str(v)) for k, v in sm.METRICS.items()],
            "rules": AllocationRule.choices,
            "levels": [(k, str(v)) for k, v in LEVELS.items()],
            "missions": PnrrMission.objects.order_by("code"),
            "components": PnrrComponent.objects.order_by("code"),
            "measures": Measure.objects.only("code", "name").order_by("code"),
            "objectives": Objective.objects.filter(edition__is_current=True)
            .only("code", "title")
            .order_by("mission__number", "number"),
            "zones": zones,
            "actors": sm.actor_choices(),
            "actor_rule": sm.ACTOR_RULE,
            "payment_rule": sm.PAYMENT_RULE,
            "rule_note": RULE_NOTES[data.rule],
            "breaks_method": sm.BREAKS_METHOD,
            "classes": _classes(payload, state["livello"]),
            "class_format": "0g" if payload["integer"] else "2g",
            "filter_badges": _filter_badges(payload),
            "active_filters": sum(
                1 for k in ("missione", "componente", "misura", "obiettivo", "zona", "attore") if state[k]
            ),
            "comuni_names": sorted(a["name"] for a in payload["comuni"]),  # "trova il tuo comune", no query
            "query": query,
            "geojson_url": f"{reverse('reports:map_geojson')}?{query}",
            "csv_url": f"{reverse('reports:map_csv')}?{query}",
            "map_zones": [{"slug": z.slug, "name": z.name} for z in zones],
            "selected_zone": next((z for z in payload["zones"] if z["key"] == state["zona"]), None),
        },
    )


def _fmt(value: Any, digits: int, *, italian: bool) -> str:
    """A number as the tables show it (grouped digits, `digits` decimals) without the template filters: the
    map page formats ~1 000 cells and the filters were most of its time."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".") if italian else text


def _table_rows(payload: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of the two tables (the text alternative of the map), formatted."""
    italian = (translation.get_language() or "it").startswith("it")
    comune_url = reverse("public:comune", args=["000000"])
    zone_url = reverse("public:zone", args=["zona-slug"])
    zone_names = {z["key"]: z["name"] for z in payload["zones"]}

    def cells(a: dict[str, Any]) -> list[str]:
        return [
            _fmt(a["value"], 2, italian=italian),
            _fmt(a["projects"], 0, italian=italian),
            _fmt(a["funding"], 2, italian=italian),
            _fmt(a["funding_per_resident"], 2, italian=italian),
            "—" if a["payment_progress"] is None else _fmt(a["payment_progress"], 1, italian=italian),
        ]

    comuni = [
        {
            "key": a["key"],
            "name": a["name"],
            "href": comune_url.replace("000000", a["key"]),
            "zone": zone_names.get(a["zone"] or "", "—"),
            "cells": cells(a),
            "class": "—" if a["class_index"] is None else str(a["class_index"] + 1),
        }
        for a in payload["comuni"]
    ]
    zones = [
        {
            "key": z["key"],
            "name": z["name"],
            "href": zone_url.replace("zona-slug", z["key"]),
            "cells": cells(z),
        }
        for z in payload["zones"]
    ]
    return comuni, zones


def _classes(payload: dict[str, Any], level: str) -> list[dict[str, Any]]:
    """The legend: one row per class (from, to, open below) for the server-rendered legend."""
    return payload["zone_classes" if level == "zone" else "classes"]


def _filter_badges(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The active filters as "Missione PNRR: M2" (the zone is named apart, as the highlighted zone)."""
    return [(payload["filter_labels"][k], v) for k, v in payload["filters"].items() if k != "zone"]


def _area_for(key: str) -> tuple[str, str, list[Comune], str] | None:
    """(kind, name, comuni, url) of a comune (ISTAT code) or a zone (slug), or None."""
    key = (key or "").strip()[:50]
    if not key:
        return None
    comune = terr_sel.comune_detail().defer("geometry").filter(codice_istat=key).first()
    if comune is not None:
        return "comune", comune.name, [comune], reverse("public:comune", args=[comune.codice_istat])
    zone = Zone.objects.filter(slug=key).first()
    if zone is not None:
        comuni = list(terr_sel.comuni_list(zone=zone.slug))
        return "zona", zone.name, comuni, reverse("public:zone", args=[zone.slug])
    return None


def compare(request: HttpRequest) -> HttpResponse:
    """Two comuni or zones side by side: `?a=<ISTAT code|zone slug>&b=…`."""
    rule = allocation_rule_from(request.GET)
    keys = {"a": (request.GET.get("a") or "").strip()[:50], "b": (request.GET.get("b") or "").strip()[:50]}
    found = {k: _area_for(v) for k, v in keys.items()}
    errors = [k for k, v in keys.items() if v and found[k] is None]
    sides: list[dict[str, Any]] = []
    if all(found.values()):
        data = sm.map_data(rule=rule, metric="funding_per_resident")
        for side, key in keys.items():
            kind, name, comuni, url = found[side]  # type: ignore[misc]
            totals = figures.area_totals(comuni=comuni, rule=rule)
            sides.append(
                {
                    "side": side,
                    "key": key,
                    "kind": kind,
                    "name": name,
                    "url": url,
                    "totals": totals,
                    **area_standing_context(data=data, key=key, totals=totals, chart_id=f"missions-{side}"),
                }
            )
    missions = sorted({m.code: m.name for s in sides for m in s["totals"].by_mission}.items())
    mix_chart = None
    if len(sides) == 2:
        amounts = [{m.code: m.amount for m in s["totals"].by_mission} for s in sides]
        mix_chart = chart(
            "compare-missions",
            kind="bar",
            title=_t("Importo PNRR per residente, per missione"),
            labels=[f"{code} {name}" for code, name in missions],
            datasets=[
                {
                    "label": s["name"],
                    "data": [
                        (amounts[i].get(code, 0) / s["totals"].population) if s["totals"].population else None
                        for code, _name in missions
                    ],
                }
                for i, s in enumerate(sides)
            ],
            unit="€",
            source=PNRR_SOURCE,
            as_of=sides[0]["data"].payments_as_of,
            dates=sides[0]["data"].date_groups,
            how_to_read=_t("Euro PNRR attribuiti per residente in ciascuna missione (%(rule)s).")
            % {"rule": str(rule.label)},
            label_header=_t("Missione"),
        )
    choices_comuni = Comune.objects.filter(pk__in=terr_sel.comuni_of_territory()).only("codice_istat", "name")
    return render(
        request,
        "public/compare.html",
        {
            "nav": "mappa",
            "keys": keys,
            "errors": errors,
            "sides": sides,
            "mix_chart": mix_chart,
            "rule": rule,
            "rules": AllocationRule.choices,
            "comuni": choices_comuni.order_by("name"),
            "zones": Zone.objects.order_by("kind", "name"),
            "rule_note": RULE_NOTES[rule],
        },
        status=404 if errors else 200,
    )


def salute(request: HttpRequest) -> HttpResponse:
    """Health check: the database (one query, the workers' latest heartbeat) and the task worker. 200 while
    the database answers, whatever the worker (a missing worker delays background work, the site still
    serves); 503 when the database does not. Plain text (first line "ok"), JSON when asked with `Accept:
    application/json`. No template: still near the ceiling of the page benchmark."""
    body: dict[str, Any]
    try:
        worker = worker_status()
    except DatabaseError:
        body = {
            "status": "errore",
            "database": "errore",
            "worker": "sconosciuto",
            "worker_heartbeat_age_s": None,
        }
        return _health_response(request, body, status=503)
    body = {
        "status": "ok",
        "database": "ok",
        "worker": "attivo" if worker.alive else "assente",
        "worker_heartbeat_age_s": None if worker.age is None else round(worker.age, 1),
    }
    return _health_response(request, body, status=200)


def _health_response(request: HttpRequest, body: dict[str, Any], *, status: int) -> HttpResponse:
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(body, status=status)
    age = body["worker_heartbeat_age_s"]
    heartbeat = "" if age is None else f" (ultimo battito {age:.0f} s fa)"
    text = f"{body['status']}\ndatabase: {body['database']}\nworker: {body['worker']}{heartbeat}\n"
    return HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)
