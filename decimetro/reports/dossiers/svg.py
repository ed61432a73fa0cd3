"""The charts of a dossier, drawn on the server as SVG from the same chart specs as the web charts
(`insights.charts.chart`: labels, datasets, unit), so the PDF shows the same numbers as the page, without
JavaScript. Plain shapes and text only (what WeasyPrint's SVG renderer draws); every chart is followed in
the dossier by its table twin, so the SVG is an illustration and its `alt` text is the chart's title."""

from __future__ import annotations

import base64
from typing import Any
from xml.sax.saxutils import escape

from decimetro.insights.charts import format_value

WIDTH = 680
COLOURS = ("#0066cc", "#e6a700", "#00805f", "#b71918")
FONT = "DejaVu Sans, sans-serif"


def _text(
    x: float, y: float, text: str, *, size: int = 10, anchor: str = "start", fill: str = "#1a1a1a"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _legend(datasets: list[dict[str, Any]], y: float) -> list[str]:
    out, x = [], 10.0
    for i, d in enumerate(datasets):
        out.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>'
        )
        out.append(_text(x + 14, y, str(d["label"]), size=9))
        x += 24 + 6.2 * len(str(d["label"]))
    return out


def _max(datasets: list[dict[str, Any]], *, stacked: bool = False) -> float:
    values: list[float] = []
    if stacked and datasets:
        for i in range(len(datasets[0]["data"])):
            values.append(sum(float(d["data"][i] or 0) for d in datasets))
    else:
        values = [float(v) for d in datasets for v in d["data"] if v is not None]
    top = max(values, default=0.0)
    return top if top > 0 else 1.0


def _hbar(spec: dict[str, Any]) -> tuple[str, int]:
    labels, datasets, unit = spec["labels"], spec["datasets"], spec["unit"]
    n_sets = max(1, len(datasets))
    bar_h, gap, label_w = 9, 8, 200
    row_h = bar_h * n_sets + gap
    top_y = 22
    height = top_y + row_h * len(labels) + 10
    plot_w = WIDTH - label_w - 120
    top = _max(datasets)
    parts = _legend(datasets, 12)
    for i, label in enumerate(labels):
        y0 = top_y + i * row_h
        parts.append(_text(label_w - 6, y0 + row_h / 2, _short(label, 30), size=8, anchor="end"))
        for j, d in enumerate(datasets):
            v = d["data"][i]
            w = 0.0 if v is None else max(0.0, float(v)) / top * plot_w
            y = y0 + j * bar_h
            parts.append(
                f'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            )
            parts.append(_text(label_w + w + 4, y + bar_h - 2, format_value(v, unit), size=7))
    return "".join(parts), height


def _vertical(spec: dict[str, Any], *, line: bool, stacked: bool) -> tuple[str, int]:
    labels, datasets, unit = spec["labels"], spec["datasets"], spec["unit"]
    height, left, right, top_y, bottom = 260, 110, 10, 24, 50
    plot_w, plot_h = WIDTH - left - right, height - top_y - bottom
    top = _max(datasets, stacked=stacked)
    parts = _legend(datasets, 12)
    for k in range(5):  # the value axis: 0, ¼, ½, ¾, max
        value = top * k / 4
        y = top_y + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#d9d9d9"/>')
        parts.append(
            _text(
                left - 4,
                y + 3,
                format_value(value if unit != "" else round(value), unit),
                size=7,
                anchor="end",
            )
        )
    n = max(1, len(labels))
    step = plot_w / n
    every = max(1, n // 12)  # at most about twelve labels under the axis
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + step * i + step / 2
            parts.append(_text(x, top_y + plot_h + 14, _short(label, 14), size=7, anchor="middle"))

    def y_of(v: float) -> float:
        return top_y + plot_h - max(0.0, v) / top * plot_h

    if line:
        for j, d in enumerate(datasets):
            points = [
                f"{left + step * i + step / 2:.1f},{y_of(float(v)):.1f}"
                for i, v in enumerate(d["data"])
                if v is not None
            ]
            colour = COLOURS[j % len(COLOURS)]
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
            for p in points:
                cx, cy = p.split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
    else:
        sets = max(1, len(datasets))
        bar_w = step * 0.8 / (1 if stacked else sets)
        for i in range(len(labels)):
            base = 0.0
            for j, d in enumerate(datasets):
                v = float(d["data"][i] or 0)
                x = left + step * i + step * 0.1 + (0 if stacked else j * bar_w)
                y1 = y_of(base + v) if stacked else y_of(v)
                y2 = y_of(base) if stacked else y_of(0)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{max(0.0, y2 - y1):.1f}" '
                    f'fill="{COLOURS[j % len(COLOURS)]}"/>'
                )
                if stacked:
                    base += v
    parts.append(
        f'<line x1="{left}" y1="{top_y + plot_h}" x2="{WIDTH - right}" y2="{top_y + plot_h}" stroke="#555"/>'
    )
    return "".join(parts), height


def chart_svg(chart: dict[str, Any]) -> str:
    """The SVG document of a chart (`insights.charts.chart`'s dict); empty for a chart without data."""
    spec = chart["spec"]
    if not spec["labels"]:
        return ""
    kind = spec["kind"]
    if kind == "hbar":
        body, height = _hbar(spec)
    else:
        body, height = _vertical(spec, line=kind == "line", stacked=kind == "stacked")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">{body}</svg>'
    )


def chart_data_uri(chart: dict[str, Any]) -> str:
    """The chart as a `data:` URL for an `<img>` (its `alt` then names it in the tagged PDF)."""
    svg = chart_svg(chart)
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
