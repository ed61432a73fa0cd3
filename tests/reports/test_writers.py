"""The shared writers of every export: formulas neutralised, numbers written one way, the credit in its
place, CSV streamed or whole, XLSX readable back with openpyxl."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404, StreamingHttpResponse
from openpyxl import load_workbook

from decimetro.reports.writers import (
    cents,
    csv_response,
    csv_value,
    geojson_response,
    neutralise,
    table_response,
    xlsx_bytes,
)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")'])
def test_text_that_could_start_a_formula_gets_a_quote(text):
    assert neutralise(text) == "'" + text
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Milano", "1+1", "a=b", "'=1+1", " =1", "—", "2025-01-01"])
def test_other_text_is_left_alone(text):
    assert neutralise(text) == text


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (Decimal("-100.00"), "-100.00"),  # a negative amount stays a number, never "'-100.00"
        (Decimal("121992.00"), "121992.00"),  # its own decimals
        (Decimal("1E+3"), "1000"),  # never an exponent
        (-3, "-3"),
        (-0.5, "-0.5"),
        (33.33, "33.33"),
        (date(2025, 3, 31), "2025-03-31"),
        (None, ""),
    ],
)
def test_numbers_dates_and_none_have_one_plain_form(cell, text):
    assert csv_value(cell) == text


def test_cents_rounds_like_the_two_decimal_format_and_stays_a_number():
    assert cents(2.675) == Decimal("2.67")  # as f"{2.675:.2f}": the float is 2.67499…
    assert cents(-1234.5) == Decimal("-1234.50")
    assert csv_value(cents(-1234.5)) == "-1234.50"


def _csv(response) -> str:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("stream", [False, True])
def test_csv_has_the_credit_first_then_the_title_then_the_rows(stream):
    rows = [["nome", "importo"], ["=1+1", Decimal("-5.00")]]
    response = csv_response(rows, filename="x.csv", credit="Fonte: prova", title="Titolo", stream=stream)
    assert isinstance(response, StreamingHttpResponse) is stream
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    text = _csv(response)
    assert not text.startswith("\ufeff")  # no BOM
    assert text == "Fonte: prova\r\nTitolo\r\nnome,importo\r\n'=1+1,-5.00\r\n"


def test_csv_without_credit_starts_with_the_header():
    text = _csv(csv_response([["a", "b"], [1, 2]], filename="x.csv"))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["1", "2"]]


def test_xlsx_opened_back_keeps_numbers_and_shows_formulas_as_text():
    rows = [["nome", "importo", "quanti"], ["=1+1", Decimal("-5.25"), -3], ["-x", None, 0]]
    book = load_workbook(io.BytesIO(xlsx_bytes(rows, sheet="DUP", credit="Fonte: prova", title="Titolo")))
    sheet = book["DUP"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Titolo", None, None],
        ["nome", "importo", "quanti"],
        ["'=1+1", -5.25, -3],
        ["'-x", None, 0],
        [None, None, None],  # a blank row, then the credit last
        ["Fonte: prova", None, None],
    ]
    assert sheet["A3"].data_type == "s"  # text, not a formula
    assert sheet["B3"].data_type == "n" and sheet["C3"].data_type == "n"


def test_table_response_serves_csv_or_xlsx_and_nothing_else():
    kwargs = {"basename": "t", "sheet": "S", "credit": "Fonte: prova", "title": "Titolo"}
    csv_r = table_response([["a"]], fmt="csv", **kwargs)
    assert csv_r["Content-Disposition"] == 'attachment; filename="t.csv"'
    xlsx_r = table_response([["a"]], fmt="xlsx", **kwargs)
    assert xlsx_r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx_r["Content-Disposition"] == 'attachment; filename="t.xlsx"'
    with pytest.raises(Http404):
        table_response([["a"]], fmt="exe", **kwargs)


def test_geojson_has_the_members_then_the_attribution():
    feature = {"type": "Feature", "id": "1", "geometry": None, "properties": {"name": "=1+1"}}
    response = geojson_response([feature], filename="m.geojson", attribution="Fonte: prova", members={"k": 1})
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"] == 'attachment; filename="m.geojson"'
    doc = json.loads(response.content)
    assert list(doc) == ["type", "features", "k", "attribution"]
    assert doc["attribution"] == "Fonte: prova"
    assert doc["features"][0]["properties"]["name"] == "=1+1"  # JSON is data, not a spreadsheet
