"""Exports of the Web GIS: the map's values as GeoJSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _t

from decimetro.insights import map as sm
from decimetro.insights.params import map_data_for, map_state
from decimetro.territory import selectors as terr_sel


def map_geojson(request: HttpRequest) -> HttpResponse:
    """The current map state as a GeoJSON FeatureCollection: the comuni with their geometry and values."""
    state = map_state(request.GET)
    payload = sm.map_payload(map_data_for(state))
    geometry = {
        c.codice_istat: c.geometry for c in terr_sel.comuni_of_territory().only("codice_istat", "geometry")
    }
    features = [
        {"type": "Feature", "id": a["key"], "geometry": geometry.get(a["key"]), "properties": a}
        for a in payload["comuni"]
    ]
    doc = {
        "type": "FeatureCollection",
        "features": features,
        **{k: v for k, v in payload.items() if k != "comuni"},
        "attribution": f"{sm.ATTRIBUTION}; © ISTAT, elaborazione openpolis (CC BY 4.0)",
    }
    response = HttpResponse(
        json.dumps(doc, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")),
        content_type="application/geo+json",
    )
    response["Content-Disposition"] = 'attachment; filename="mappa_pnrr.geojson"'
    return response


CSV_HEADER = [
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


def map_csv(request: HttpRequest) -> HttpResponse:
    """The current map state as CSV (UTF-8, comma, dot decimals): first line the credit and the rule, then a
    row per comune, per zone and for the territory."""
    state = map_state(request.GET)
    payload = sm.map_payload(map_data_for(state))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            f"{sm.ATTRIBUTION}. {_t('Metrica')}: {payload['metric_label']}. "
            f"{_t('Regola di attribuzione')}: {payload['rule_label']}. "
            f"{_t('Filtri')}: {json.dumps(payload['filters'], ensure_ascii=False)}. "
            f"{_t('Pagamenti al')}: {payload['payments_as_of'] or '—'}."
        ]
    )
    writer.writerow(CSV_HEADER)

    def row(level: str, a: dict[str, Any]) -> list[Any]:
        return [
            level,
            a["key"],
            a["name"],
            a.get("zone") or "",
            a["population"] if a["population"] is not None else "",
            a["projects"],
            f"{a['funding']:.2f}",
            "" if a["funding_per_resident"] is None else f"{a['funding_per_resident']:.2f}",
            f"{a['paid']:.2f}",
            f"{a['funded']:.2f}",
            "" if a["payment_progress"] is None else a["payment_progress"],
            "" if a["projects_per_1000"] is None else a["projects_per_1000"],
            "" if a["value"] is None else a["value"],
            "" if a["class_index"] is None else a["class_index"] + 1,
        ]

    for a in payload["comuni"]:
        writer.writerow(row("comune", a))
    for a in payload["zones"]:
        writer.writerow(row("zona", a))
    t = payload["totals"]
    writer.writerow(
        [
            "territorio",
            "",
            t["name"],
            "",
            t["population"] or "",
            t["projects"],
            f"{t['funding']:.2f}",
            "" if t["funding_per_resident"] is None else f"{t['funding_per_resident']:.2f}",
            "",
            "",
            "" if t["payment_progress"] is None else t["payment_progress"],
            "" if t["projects_per_1000"] is None else t["projects_per_1000"],
            "",
            "",
        ]
    )
    writer.writerow(
        [
            "non_attribuito",
            "",
            _t("Importo non attribuibile a nessun comune"),
            "",
            "",
            "",
            f"{t['not_attributed']:.2f}",
        ]
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mappa_pnrr.csv"'
    return response
