"""`{% load exports %}` … `{% chart_csv_href chart %}`: a chart's data as a CSV download written by
`reports.writers`, like every other export (Italian CSV: BOM, `;`, decimal comma; formulas neutralised;
the chart's source in a `fonte` column and its data date in `data_dati`). A `data:` URL, so the download
works without JavaScript and without another request."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django import template

from decimetro.reports.writers import CSV_ITALIAN, About, Cell, csv_lines

register = template.Library()


def _data_date(chart: dict[str, Any]) -> Cell:
    """The chart's data date: its `as_of`, else the one release date of its datasets, else their dates in
    words ("progetti al 2023-02-24; pagamenti al 2025-03-31")."""
    if chart.get("as_of"):
        as_of: date = chart["as_of"]
        return as_of
    groups = [g for g in chart.get("dates") or [] if g.release_date is not None]
    if len(groups) == 1:
        release: date = groups[0].release_date
        return release
    return "; ".join(f"{g.label} al {g.release_date.isoformat()}" for g in groups) or None


def chart_csv_rows(chart: dict[str, Any]) -> list[list[Cell]]:
    spec = chart["spec"]
    rows: list[list[Cell]] = [[chart["label_header"], *[d["label"] for d in spec["datasets"]]]]
    for i, label in enumerate(spec["labels"]):
        rows.append([label, *[d["data"][i] for d in spec["datasets"]]])
    return rows


def chart_csv_text(chart: dict[str, Any]) -> str:
    about = About(title=chart["title"], credit=chart["source"], release=None, columns=[])
    constants = [*about.constants(), ("data_dati", _data_date(chart))]
    return "".join(csv_lines(chart_csv_rows(chart), fmt=CSV_ITALIAN, constants=constants))


@register.simple_tag
def chart_csv_href(chart: dict[str, Any]) -> str:
    return "data:text/csv;charset=utf-8," + quote(chart_csv_text(chart))
