"""Exports of the Web GIS: the map's values as GeoJSON, CSV or XLSX (contents in `reports.exports`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from decimetro.insights import map as sm
from decimetro.insights.params import map_data_for, map_state
from decimetro.reports import exports
from decimetro.reports.writers import request_format


def map_geojson(request: HttpRequest) -> HttpResponse:
    """The current map state as a GeoJSON FeatureCollection: the comuni with their geometry and values."""
    return exports.map_geojson(sm.map_payload(map_data_for(map_state(request.GET))))


def map_csv(request: HttpRequest) -> HttpResponseBase:
    """The current map state as a table (Italian CSV by default, `?formato=standard|xlsx`): a row per
    comune, per zone and for the territory, each with the credit, the rule and the payments' date."""
    asked = request_format(request.GET)
    return exports.map_table(sm.map_payload(map_data_for(map_state(request.GET))), fmt=asked)
