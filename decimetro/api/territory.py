from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema

from decimetro.territory import selectors

router = Router()

ATTRIBUTION = "Fonte: ISTAT; © ISTAT, elaborazione openpolis (CC BY 4.0)"


class ComuneOut(Schema):
    codice_istat: str
    name: str
    zona_omogenea: str | None
    population: int | None
    area_kmq: float | None


def _props(c: Any) -> dict[str, Any]:
    return {
        "codice_istat": c.codice_istat,
        "name": c.name,
        "zona_omogenea": c.zone.name if c.zone else None,
        "population": c.population_resident,
        "area_kmq": float(c.area_kmq) if c.area_kmq is not None else None,
    }


@router.get("/comuni", response=list[ComuneOut], summary="Comuni del territorio")
def list_comuni(request: HttpRequest) -> list[dict[str, Any]]:
    return [_props(c) for c in selectors.comuni_list()]


@router.get("/comuni.geojson", summary="Comuni del territorio come GeoJSON FeatureCollection")
def comuni_geojson(request: HttpRequest) -> JsonResponse:
    features = [
        {"type": "Feature", "id": c.codice_istat, "geometry": c.geometry, "properties": _props(c)}
        for c in selectors.comuni_of_territory().select_related("zone").order_by("name")
    ]
    response = JsonResponse({"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features})
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response
