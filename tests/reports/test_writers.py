"""The shared writers of every export: the Italian CSV (BOM, `;`, decimal comma) and the standard one
(RFC 4180), the header on line 1 and the credit in a `fonte` column, formulas neutralised, numbers written one
way, CSV streamed or whole, XLSX readable back with openpyxl with its "Fonte e licenza" sheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.http import Http404, StreamingHttpResponse
from openpyxl import load_workbook

from decimetro.reports.writers import (
    CSV_STANDARD,
    About,
    cents,
    csv_response,
    csv_value,
    geojson_response,
    neutralise,
    request_format,
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


ABOUT = About(title="Titolo", credit="Fonte: prova", release=date(2025, 3, 31))


@pytest.mark.parametrize("stream", [False, True])
def test_italian_csv_has_bom_semicolons_decimal_comma_and_the_header_first(stream):
    rows = [["nome", "importo", "quota"], ["=1+1", Decimal("-5.00"), 0.25], ["a;b", 3, None]]
    response = csv_response(rows, filename="x.csv", about=ABOUT, stream=stream)
    assert isinstance(response, StreamingHttpResponse) is stream
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    text = _csv(response)
    assert text.startswith("\ufeff")  # the BOM: Excel reads UTF-8
    assert text == (
        "\ufeffnome;importo;quota;fonte;data_dati\r\n"
        "'=1+1;-5,00;0,25;Fonte: prova;2025-03-31\r\n"
        '"a;b";3;;Fonte: prova;2025-03-31\r\n'
    )
    # Opened as Excel on Italian Windows opens it: one column per field, the header on line 1.
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert parsed[0] == ["nome", "importo", "quota", "fonte", "data_dati"]
    assert all(len(r) == 5 for r in parsed)


@pytest.mark.parametrize("stream", [False, True])
def test_standard_csv_is_rfc4180_without_bom(stream):
    rows = [["nome", "importo"], ["=1+1", Decimal("-5.00")], ["a,b", 0.5]]
    text = _csv(csv_response(rows, filename="x.csv", fmt=CSV_STANDARD, about=ABOUT, stream=stream))
    assert not text.startswith("\ufeff")
    assert text == (
        "nome,importo,fonte,data_dati\r\n"
        "'=1+1,-5.00,Fonte: prova,2025-03-31\r\n"
        '"a,b",0.5,Fonte: prova,2025-03-31\r\n'
    )


def test_short_rows_are_padded_so_that_the_credit_stays_in_its_column():
    text = _csv(csv_response([["a", "b", "c"], ["x"]], filename="x.csv", fmt=CSV_STANDARD, about=ABOUT))
    assert list(csv.reader(io.StringIO(text)))[1] == ["x", "", "", "Fonte: prova", "2025-03-31"]


def test_csv_without_about_is_only_the_table():
    text = _csv(csv_response([["a", "b"], [1, 2.5]], filename="x.csv", fmt=CSV_STANDARD))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["1", "2.5"]]


def test_decimal_comma_only_in_numbers():
    assert csv_value(Decimal("1234.50"), decimal_comma=True) == "1234,50"
    assert csv_value(-0.5, decimal_comma=True) == "-0,5"
    assert csv_value(1e-05) == "0.00001"  # never an exponent
    assert csv_value("1.5", decimal_comma=True) == "1.5"  # text is text
    assert csv_value(date(2025, 3, 31), decimal_comma=True) == "2025-03-31"


def test_xlsx_opened_back_keeps_numbers_and_shows_formulas_as_text():
    rows = [["nome", "importo", "quanti"], ["=1+1", Decimal("-5.25"), -3], ["-x", None, 0]]
    about = About(
        title="=Titolo",
        credit="Fonte: prova",
        release=date(2025, 3, 31),
        dates=[("Progetti: data di rilascio", date(2023, 2, 24))],
        definitions={"nome": "=il nome"},
    )
    book = load_workbook(io.BytesIO(xlsx_bytes(rows, sheet="DUP", about=about)))
    assert book.sheetnames == ["DUP", "Fonte e licenza"]
    sheet = book["DUP"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["nome", "importo", "quanti", "fonte", "data_dati"],  # the header first
        ["'=1+1", -5.25, -3, "Fonte: prova", datetime(2025, 3, 31)],
        ["'-x", None, 0, "Fonte: prova", datetime(2025, 3, 31)],
    ]
    assert sheet["A2"].data_type == "s"  # text, not a formula
    assert sheet["B2"].data_type == "n" and sheet["C2"].data_type == "n"
    info = {r[0]: r[1] for r in book["Fonte e licenza"].iter_rows(values_only=True) if r and r[0]}
    assert info["Titolo"] == "'=Titolo"
    assert info["Fonte"] == "Fonte: prova"
    assert "CC BY 4.0" in info["Licenza"] and "creativecommons.org" in info["Licenza"]
    assert info["Data dei dati"] == datetime(2025, 3, 31)
    assert info["Progetti: data di rilascio"] == datetime(2023, 2, 24)
    assert info["nome"] == "'=il nome"
    for ws in book.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # no formula anywhere


@pytest.mark.parametrize(
    ("fmt", "filename", "content_type"),
    [
        ("csv", "t.csv", "text/csv; charset=utf-8"),
        ("standard", "t.csv", "text/csv; charset=utf-8"),
        ("xlsx", "t.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_table_response_serves_each_format(fmt, filename, content_type):
    response = table_response([["a"]], fmt=fmt, basename="t", sheet="S", about=ABOUT)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_table_response_refuses_other_formats():
    with pytest.raises(Http404):
        table_response([["a"]], fmt="exe", basename="t", sheet="S", about=ABOUT)


@pytest.mark.parametrize(
    ("params", "suffix", "fmt"),
    [
        ({}, "csv", "csv"),
        ({}, "xlsx", "xlsx"),
        ({"formato": "standard"}, "csv", "standard"),
        ({"formato": "XLSX"}, "csv", "xlsx"),
        ({"formato": "csv"}, "xlsx", "csv"),
    ],
)
def test_request_format(params, suffix, fmt):
    assert request_format(params, suffix=suffix) == fmt


@pytest.mark.parametrize(("params", "suffix"), [({"formato": "exe"}, "csv"), ({}, "exe")])
def test_request_format_refuses_the_unknown(params, suffix):
    with pytest.raises(Http404):
        request_format(params, suffix=suffix)


def test_geojson_has_the_members_then_the_attribution():
    feature = {"type": "Feature", "id": "1", "geometry": None, "properties": {"name": "=1+1"}}
    response = geojson_response([feature], filename="m.geojson", attribution="Fonte: prova", members={"k": 1})
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"] == 'attachment; filename="m.geojson"'
    doc = json.loads(response.content)
    assert list(doc) == ["type", "features", "k", "attribution"]
    assert doc["attribution"] == "Fonte: prova"
    assert doc["features"][0]["properties"]["name"] == "=1+1"  # JSON is data, not a spreadsheet
