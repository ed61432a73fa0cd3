"""XLSX wherever there is a CSV (issue 16, point 4): each page that offers a CSV also links the XLSX (with the
"Fonte e licenza" sheet) and the standard CSV, through the same export."""

from __future__ import annotations

import html
import io
import re

from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from tests.factories import IndicatorFactory, IndicatorValueFactory, ProjectFactory
from tests.reports.test_exports import formula_comune  # noqa: F401 - a fixture

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _href(page: str, element_id: str) -> str:
    match = re.search(
        rf'<a [^>]*href="([^"]+)"[^>]*id="{element_id}"|<a [^>]*id="{element_id}"[^>]*href="([^"]+)"', page
    )
    assert match, f"no link #{element_id}"
    return html.unescape(match.group(1) or match.group(2))


def _content(response) -> bytes:
    assert response.status_code == 200
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)
    return response.content


def _workbook_with_credits(response) -> dict:
    assert response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(_content(response)))
    assert book.sheetnames[-1] == "Fonte e licenza"
    info = {r[0]: r[1] for r in book["Fonte e licenza"].iter_rows(values_only=True) if r and r[0]}
    assert "CC BY 4.0" in info["Licenza"]
    return info


def _standard_csv(response) -> str:
    text = _content(response).decode("utf-8")
    assert not text.startswith("\ufeff") and text.split("\r\n", 1)[0].count(",") > 0
    return text


def test_map_page_links_xlsx_and_standard_csv(client, formula_comune):  # noqa: F811
    page = client.get("/territorio/mappa/", {"metrica": "funding"}).content.decode()
    xlsx = _href(page, "download-xlsx")
    assert xlsx.startswith("/territorio/mappa/dati.csv?") and "formato=xlsx" in xlsx
    assert "metrica=funding" in xlsx  # the same map state as the CSV
    info = _workbook_with_credits(client.get(xlsx))
    assert info["Titolo"]
    _standard_csv(client.get(_href(page, "download-csv-standard")))


def test_data_quality_page_links_xlsx_and_standard_csv(staff_client):
    ProjectFactory(cup="J10A23000000001")  # no place: a listed problem
    page = staff_client.get("/gestione/qualita-dati/").content.decode()
    xlsx = _href(page, "quality-xlsx")
    assert xlsx.startswith("/gestione/qualita-dati/problemi.csv?") and xlsx.endswith("formato=xlsx")
    _workbook_with_credits(staff_client.get(xlsx))
    assert "J10A23000000001" in _standard_csv(staff_client.get(_href(page, "quality-csv-standard")))


def test_indicator_page_links_xlsx_and_standard_csv(client, db):
    indicator = IndicatorFactory()
    IndicatorValueFactory(indicator=indicator)
    page = client.get(f"/monitoraggio/indicatori/{indicator.pk}/").content.decode()
    _workbook_with_credits(client.get(_href(page, "values-xlsx")))
    assert indicator.code in _standard_csv(client.get(_href(page, "values-csv-standard")))


def test_footer_links_the_open_data(client, db):
    page = client.get("/").content.decode()
    assert _href(page, "footer-opendata") == "/dati-aperti/"
