from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.text import compress_string
from ninja import Router, Schema

from decimetro.territory import selectors
from decimetro.territory.credits import BOUNDARIES, ISTAT
from decimetro.territory.models import Comune

router = Router()

ATTRIBUTION = f"{ISTAT.text}; {BOUNDARIES}"
GEOJSON_CACHE_CONTROL = "public, max-age=300"
_ZERO_Q = re.compile(r";\s*q=0(\.0*)?\s*$")


def _accepts_gzip(request: HttpRequest) -> bool:
    """True if Accept-Encoding lists gzip (or *) without q=0."""
    for item in request.headers.get("Accept-Encoding", "").lower().split(","):
        coding = item.split(";")[0].strip()
        if coding in {"gzip", "*"} and not _ZERO_Q.search(item):
            return True
    return False


class ComuneOut(Schema):
    codice_istat: str
    name: str
    zona_omogenea: str | None
    population: int | None
    area_kmq: float | None


def _props(c: Comune) -> dict[str, Any]:
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


def _geojson_bytes() -> bytes:
    features = [
        {"type": "Feature", "id": c.codice_istat, "geometry": c.geometry, "properties": _props(c)}
        for c in selectors.comuni_for_map()
    ]
    doc = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@router.get(
    "/comuni.geojson",
    summary="Comuni del territorio come GeoJSON FeatureCollection",
    description=(
        "Confini dei comuni (WGS84, RFC 7946) con le stesse proprietà di `/comuni`. "
        "La risposta ha un ETag forte (hash SHA-256 del contenuto): "
        "con `If-None-Match` si riceve 304 se nulla è cambiato. "
        "Compressa con gzip se il client lo accetta (`Accept-Encoding: gzip`)."
    ),
)
def comuni_geojson(request: HttpRequest) -> HttpResponse:
    body = _geojson_bytes()
    digest = hashlib.sha256(body).hexdigest()[:32]
    use_gzip = _accepts_gzip(request)
    # A strong ETag per representation: the gzip bytes differ from the identity bytes (RFC 9110 §8.8.3).
    etag = f'"{digest}-gz"' if use_gzip else f'"{digest}"'

    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix is ignored, and the tag of
    # either representation matches, since both stand for the same content.
    sent = {
        tag.removeprefix("W/").strip('"').removesuffix("-gz")
        for tag in parse_etags(request.headers.get("If-None-Match", ""))
    }
    if digest in sent or "*" in sent:
        response = HttpResponse(status=304)
    elif use_gzip:
        response = HttpResponse(compress_string(body), content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    response["Cache-Control"] = GEOJSON_CACHE_CONTROL
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
