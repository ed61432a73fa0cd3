"""Charts with everything a figure must say: the reusable chart component of the web pages.

Build the chart in the view (or a context helper) with `chart(...)`, pass it to the template and include the
component::

    from decimetro.insights.charts import chart, PNRR_SOURCE

    funding = chart(
        "funding-by-component",            # unique on the page: the canvas id, the data id, the file names
        kind="bar",                        # bar | hbar (horizontal bars) | line | stacked (stacked bars)
        title=_("Finanziamento per componente"),
        labels=["M1C1", "M1C2"],           # x axis (or y axis for hbar): one row of the table each
        datasets=[                         # one series each: one column of the table each
            {"label": _("Finanziato PNRR"), "data": [Decimal("1000.50"), 20]},
            {"label": _("Pagato"), "data": [300, None]},       # None = no value (shown as "—")
        ],
        unit="€",                          # "€" (money), "%" or any word; used in axis, table, tooltips
        source=PNRR_SOURCE,                # the credit line ("Fonte: …")
        as_of=date(2026, 9, 30),           # the "data as of" date (None: "data non disponibile")
        how_to_read=_("Finanziato non vuol dire pagato: …"),   # one line
        label_header=_("Componente"),      # the header of the first column of the table
    )
    return render(request, "page.html", {"funding": funding})

    {% include "public/_chart.html" with chart=funding %}

and load the script once per page (after the chart library)::

    {% block extra_js %}
    <script src="{% static 'vendor/chartjs/chart.umd.min.js' %}" defer></script>
    <script src="{% static 'js/charts.js' %}" defer></script>
    {% endblock %}

The component renders a `<figure>` with: the title (figcaption), the "how to read" line, the canvas (the data
go to the page as JSON with `json_script`, no inline JavaScript; `static/js/charts.js` draws every
`figure[data-chart]`), a real `<table>` with a caption holding the same numbers (inside a `<details>`, so
it can be collapsed but is always in the page for screen readers and without JavaScript), the source and
"data as of" line, a CSV download (a `data:` URL written by `reports.writers` through the template tag
`{% chart_csv_href chart %}`: it works without JavaScript) and a PNG download (made by charts.js from the
canvas, with the title, source and date drawn in; hidden until the chart is drawn).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from decimetro.pnrr.credits import PNRR

PNRR_SOURCE = str(PNRR)
KINDS = ("bar", "hbar", "line", "stacked")
_ID = re.compile(r"^[a-z][a-z0-9-]*$")

Number = int | float | Decimal | None


def _number(value: Number) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return float(value)


def format_value(value: Number, unit: str = "") -> str:
    """A value as the table shows it: grouped digits in the active language, money with 2 decimals."""
    if value is None:
        return "—"
    if unit == "€":
        text = formats.number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)
        return f"{text} €"
    if isinstance(value, int):
        text = formats.number_format(value, 0, use_l10n=True, force_grouping=True)
    else:
        text = formats.number_format(Decimal(str(value)), 1 if unit == "%" else 2, use_l10n=True)
    return f"{text} {unit}".strip() if unit and unit != "%" else f"{text}{unit}"


def chart(
    id: str,
    *,
    kind: str,
    title: str,
    labels: Sequence[Any],
    datasets: Sequence[dict[str, Any]],
    unit: str = "",
    source: str = PNRR_SOURCE,
    as_of: date | None = None,
    how_to_read: str = "",
    label_header: str = "",
    height: int = 300,
    dates: Sequence[Any] = (),
) -> dict[str, Any]:
    """Everything `web/_chart.html` needs, as a dict of plain values (see the module docstring).

    Raises ValueError on an unknown kind, a bad id or a dataset whose length differs from the labels."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if not _ID.match(id):
        raise ValueError(f"chart id {id!r}: lowercase letters, digits and '-', starting with a letter")
    labels = [str(label) for label in labels]
    clean: list[dict[str, Any]] = []
    for d in datasets:
        data = [_number(v) for v in d["data"]]
        if len(data) != len(labels):
            raise ValueError(f"dataset {d['label']!r} has {len(data)} values for {len(labels)} labels")
        clean.append({"label": str(d["label"]), "data": data, **({"type": d["type"]} if "type" in d else {})})
    label_header = str(label_header) or _("Voce")
    rows = [
        {"label": label, "cells": [format_value(d["data"][i], unit) for d in clean]}
        for i, label in enumerate(labels)
    ]
    return {
        "id": id,
        "data_id": f"{id}-data",
        "kind": kind,
        "title": str(title),
        "unit": unit,
        "source": str(source),
        "as_of": as_of,
        # The release date of each dataset behind the chart (`insights.freshness.DateGroup`s): when given, the
        # source line states them in place of the single `as_of` date.
        "dates": list(dates),
        "how_to_read": str(how_to_read),
        "label_header": label_header,
        "height": height,
        "columns": [d["label"] for d in clean],
        "rows": rows,
        "empty": not labels,
        "spec": {
            "kind": kind,
            "title": str(title),
            "unit": unit,
            "labels": labels,
            "datasets": clean,
        },
    }
