"""The figures of the embeddable widgets (`/embed/…`, issue 17): what a comune or the Ente shows on its own
"Amministrazione trasparente" pages. The same figures as the site's pages, from the same engine
(`insights.areas.area_pnrr` for a comune, `insights.dashboards.objective_dashboard` for an objective), so a
number has the same value in the widget and on the page it links back to; plus a small map drawn here as SVG
paths (no JavaScript, no tiles), remembered per data version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from decimetro.insights import definitions
from decimetro.insights import freshness as fresh
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE
from decimetro.insights.areas import area_pnrr
from decimetro.insights.cache import cached_for_data_version
from decimetro.insights.dashboards import objective_dashboard
from decimetro.plan.models import Objective
from decimetro.territory import selectors as terr_sel
from decimetro.territory.models import Comune

TOP_PROJECTS = 5
MAP_SIZE = 240  # the SVG's viewBox side, in user units
MAP_PRECISION = 1  # decimals of the SVG coordinates: 0.1 unit of 240 is finer than any screen pixel here


@dataclass(frozen=True)
class Outline:
    """One comune on the widget's map: its SVG path and whether it is the widget's own."""

    name: str
    path: str
    own: bool


def _rings(geometry: dict[str, Any] | None) -> list[Sequence[Sequence[float]]]:
    """The outer and inner rings of a GeoJSON Polygon or MultiPolygon (anything else: none)."""
    if not geometry:
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def outlines_svg(shapes: Iterable[tuple[str, dict[str, Any] | None, bool]]) -> list[Outline]:
    """SVG paths of `shapes` (name, GeoJSON in WGS84, own?) fitted in a MAP_SIZE square: an equirectangular
    projection with the longitude scaled by cos(latitude) at the centre (true shape at this scale),
    coordinates rounded to MAP_PRECISION and repeated points dropped, so a zone of twenty comuni weighs a few
    kilobytes."""
    items = [(name, _rings(g), own) for name, g, own in shapes]
    points = [pt for _, rings, _ in items for ring in rings for pt in ring]
    if not points:
        return []
    min_x = min(p[0] for p in points)
    max_x = max(p[0] for p in points)
    min_y = min(p[1] for p in points)
    max_y = max(p[1] for p in points)
    kx = math.cos(math.radians((min_y + max_y) / 2))
    width, height = (max_x - min_x) * kx, max_y - min_y
    scale = (MAP_SIZE - 4) / max(width, height, 1e-9)
    off_x = (MAP_SIZE - width * scale) / 2
    off_y = (MAP_SIZE - height * scale) / 2
    out = []
    for name, rings, own in items:
        parts = []
        for ring in rings:
            coords: list[str] = []
            last = None
            for lon, lat, *_ in ring:
                xy = (
                    round(off_x + (lon - min_x) * kx * scale, MAP_PRECISION),
                    round(off_y + (max_y - lat) * scale, MAP_PRECISION),
                )
                if xy != last:
                    coords.append(f"{xy[0]:g},{xy[1]:g}")
                    last = xy
            if len(coords) >= 3:
                parts.append("M" + "L".join(coords) + "Z")
        if parts:
            out.append(Outline(name=name, path="".join(parts), own=own))
    out.sort(key=lambda o: o.own)  # the widget's own comune drawn last, on top
    return out


def _dates() -> dict[str, Any]:
    dates = fresh.dataset_dates()
    return {"dates": dates.groups(definitions.DASHBOARD_DATASETS), "as_of": dates.latest}


def comune_widget(comune: Comune) -> dict[str, Any]:
    """The comune widget: the PNRR totals of its page under the default allocation rule, the largest
    projects, the dates of the data and its zone's map."""
    pnrr = area_pnrr(comuni=[comune], rule=DEFAULT_ALLOCATION_RULE, limit=TOP_PROJECTS)

    def shapes() -> list[Outline]:
        if comune.zone_id is None:
            neighbours: list[Comune] = []
        else:
            neighbours = list(terr_sel.comuni_for_map().filter(zone_id=comune.zone_id).exclude(pk=comune.pk))
        return outlines_svg(
            [(c.name, c.geometry, False) for c in neighbours] + [(comune.name, comune.geometry, True)]
        )

    outlines = cached_for_data_version("widget-map", (comune.pk,), shapes)
    return {"pnrr": pnrr, "totals": pnrr["totals"], "outlines": outlines, "map_size": MAP_SIZE, **_dates()}


def objective_widget(objective: Objective) -> dict[str, Any]:
    """The objective widget: the headline totals of the objective's dashboard (confirmed links only) and its
    largest projects by PNRR amount attributed to the territory."""
    d = objective_dashboard(objective)
    rows = sorted(d["projects"], key=lambda r: (-r["amounts"].funded_pnrr, r["project"].pk))
    return {"d": d, "top_projects": [r["project"] for r in rows[:TOP_PROJECTS]], **_dates()}
