"""Exports of the Web GIS: the map's values as GeoJSON and CSV (contents in `reports.exports`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from decimetro.insights import map as sm
from decimetro.insights.params import map_data_for, map_state
from decimetro.reports import exports


def map_geojson(request: HttpRequest) -> HttpResponse:
    """The current map state as a GeoJSON FeatureCollection: the comuni with their geometry and values."""
    return exports.map_geojson(sm.map_payload(map_data_for(map_state(request.GET))))


def map_csv(request: HttpRequest) -> HttpResponseBase:
    """The current map state as CSV (UTF-8, comma, dot decimals): first line the credit and the rule, then a
    row per comune, per zone and for the territory."""
    return exports.map_csv(sm.map_payload(map_data_for(map_state(request.GET))))
