"""The chart component: decimetro/insights/charts.py builds it, public/_chart.html renders it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from decimetro.insights.charts import chart
from tests._dom import Node, parse


def _sample() -> dict:
    return chart(
        "funding-test",
        kind="bar",
        title="Finanziamento per componente",
        labels=["M1C1", "M2C2", "M5C2"],
        datasets=[
            {"label": "Finanziato", "data": [Decimal("1234567.50"), 20, Decimal("0")]},
            {"label": "Pagato", "data": [Decimal("1000"), None, Decimal("0.10")]},
        ],
        unit="€",
        as_of=date(2026, 9, 30),
        how_to_read="Finanziato non vuol dire pagato.",
        label_header="Componente",
    )


def _render(c: dict) -> Node:
    with translation.override("it"):
        return parse(render_to_string("public/_chart.html", {"chart": c}))


def test_table_alternative_matches_the_data():
    soup = _render(_sample())
    table = soup.find("table", id="funding-test-table")
    assert table.caption.get_text(" ", strip=True).startswith("Finanziamento per componente (€)")
    assert "30/09/2026" in table.caption.get_text()
    headers = [th.get_text(strip=True) for th in table.thead.find_all("th")]
    assert headers == ["Componente", "Finanziato", "Pagato"]
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]
    assert rows == [
        ["M1C1", "1.234.567,50 €", "1.000,00 €"],
        ["M2C2", "20,00 €", "—"],
        ["M5C2", "0,00 €", "0,10 €"],
    ]
    # Every th of the body is a row header, every th of the head a column header.
    assert all(th["scope"] == "row" for th in table.tbody.find_all("th"))
    assert all(th["scope"] == "col" for th in table.thead.find_all("th"))


def test_json_data_for_the_canvas_is_the_same_data():
    soup = _render(_sample())
    figure = soup.find("figure", id="funding-test-figure")
    assert figure["data-chart"] == "funding-test"
    canvas = figure.find("canvas", id="funding-test")
    assert canvas["role"] == "img"
    spec = json.loads(soup.find("script", id=figure["data-chart-data"]).string)
    assert spec["labels"] == ["M1C1", "M2C2", "M5C2"]
    assert spec["datasets"][0]["data"] == [1234567.5, 20, 0.0]
    assert spec["datasets"][1]["data"] == [1000.0, None, 0.1]
    assert spec["kind"] == "bar" and spec["unit"] == "€"
    # No inline JavaScript: the only script is the JSON one.
    assert [s.get("type") for s in soup.find_all("script")] == ["application/json"]


def test_source_as_of_how_to_read_and_downloads():
    soup = _render(_sample())
    source = soup.find(class_="chart-source").get_text(" ", strip=True)
    assert "Fonte: Italia Domani" in source and "30/09/2026" in source
    assert soup.find("time")["datetime"] == "2026-09-30"
    assert "Finanziato non vuol dire pagato." in soup.find(class_="chart-how-to-read").get_text()
    png = soup.find("a", attrs={"data-chart-png": "funding-test"})
    assert png["download"] == "funding-test.png" and png.has_attr("hidden")  # shown by charts.js once drawn
    link = soup.find("a", attrs={"data-chart-csv": "funding-test"})
    assert link["download"] == "funding-test.csv"
    prefix = "data:text/csv;charset=utf-8,"
    assert link["href"].startswith(prefix)
    text = unquote(link["href"][len(prefix) :])
    # Written by reports.writers like every export: the Italian CSV (BOM, ";", decimal comma), the header
    # first, the chart's source and data date in every row.
    assert text.startswith("\ufeff")
    source = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")) == [
        ["Componente", "Finanziato", "Pagato", "fonte", "data_dati"],
        ["M1C1", "1234567,5", "1000,0", source, "2026-09-30"],
        ["M2C2", "20", "", source, "2026-09-30"],
        ["M5C2", "0,0", "0,1", source, "2026-09-30"],
    ]


def test_chart_csv_neutralises_formulas():
    c = chart("x-1", kind="bar", title="T", labels=["=1+1"], datasets=[{"label": "@s", "data": [-1]}])
    link = _render(c).find("a", attrs={"data-chart-csv": "x-1"})
    text = unquote(link["href"].split(",", 1)[1]).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Voce", "'@s"] and rows[1][:2] == ["'=1+1", "-1"]  # a negative number stays one


def test_untranslated_label_and_escaping():
    c = chart(
        "x-1", kind="line", title="<b>T</b>", labels=["<i>a</i>"], datasets=[{"label": "s", "data": [1]}]
    )
    html = render_to_string("public/_chart.html", {"chart": c})
    assert "<b>T</b>" not in html and "&lt;b&gt;T&lt;/b&gt;" in html
    assert "<i>a</i>" not in html


def test_empty_chart_says_so_and_draws_nothing():
    soup = _render(chart("empty", kind="line", title="Vuoto", labels=[], datasets=[]))
    assert soup.find("canvas") is None and soup.find("table") is None
    assert soup.find(class_="chart-empty")
    assert "Data dei dati non disponibile" in soup.find(class_="chart-source").get_text()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "pie"}, "kind"),
        ({"id": "Bad id"}, "chart id"),
        ({"datasets": [{"label": "a", "data": [1, 2]}]}, "has 2 values for 1 labels"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    args = {
        "id": "ok",
        "kind": "bar",
        "title": "t",
        "labels": ["a"],
        "datasets": [{"label": "a", "data": [1]}],
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        chart(args.pop("id"), **args)
