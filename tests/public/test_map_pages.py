"""Web GIS pages: the map (state in the URL, text alternative, downloads), its GeoJSON and CSV, the comparison
page, the "where it stands" block of the comune and zone pages, and the /salute/ health view."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ComuneFactory, PlaceFactory, ProjectFactory, ZoneFactory

MAP = "/territorio/mappa/"
CREDIT = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _rows(page: str, table_id: str) -> list[str]:
    table = page[page.index(f'id="{table_id}"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r'<tr data-key="([^"]+)"', body)


# The map page -----------------------------------------------------------------------------------------------


def test_map_page_reads_its_state_from_the_url(client, map_projects):
    page = html(client.get(MAP, {"metrica": "projects", "missione": "M2", "livello": "zone", "zona": "sud"}))
    assert '<option value="projects" selected>' in page
    assert '<option value="M2" selected>' in page
    assert '<option value="zone" selected>' in page
    assert '<option value="sud" selected>' in page
    payload = json.loads(
        re.search(r'<script id="map-payload" type="application/json">(.*?)</script>', page, re.S)[1]
    )
    assert payload["metric"] == "projects" and payload["filters"] == {"mission": "M2", "zone": "sud"}
    # downloads of the same state
    assert (
        'href="/territorio/mappa/dati.geojson?metrica=projects&amp;ripartizione=equal&amp;missione=M2' in page
    )
    assert 'id="download-csv"' in page and "livello=zone" in page
    selection = page[page.index('id="map-selection"') : page.index('id="map"')]
    assert "<strong>Sud</strong>" in selection


def test_map_page_defaults_and_bad_values(client, map_projects):
    page = html(client.get(MAP, {"metrica": "nope", "ripartizione": "x", "attore": "tutti", "livello": "x"}))
    assert '<option value="funding_per_resident" selected>' in page
    assert '<option value="equal" selected>' in page


def test_map_page_has_the_text_alternative_legend_notes_and_credits(client, map_projects):
    page = html(client.get(MAP, {"metrica": "funding"}))
    assert _rows(page, "map-values") == ["015901", "015902", "015903"]
    assert _rows(page, "map-zones-table") == ["nord", "sud"]
    alternative = page[page.index('id="map-alternative"') :]
    assert '<a href="/territorio/comuni/015901/">Alfa</a>' in alternative
    assert '<a href="/territorio/zone/nord/">Nord</a>' in alternative
    assert "<caption>" in alternative and 'aria-sort="ascending"' in alternative
    assert 'id="legend-text"' in page and "quantili, 5 classi" in page
    assert "parti uguali" in page[page.index('id="rule-note"') :]  # the allocation rule is stated
    assert "componente PNRR è, nel piano, una componente segnata" in page  # the actor rule is stated
    assert 'id="not-attributed">55.000,00 €' in page  # p2's national third + p4's half in Fuori
    assert CREDIT in page and "© ISTAT, elaborazione openpolis" in page
    assert "<noscript>" in page


def test_map_page_is_offline_and_uses_the_cached_geometry(client, map_projects):
    page = html(client.get(MAP))
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in page
    assert '<script src="/static/js/choropleth.js"></script>' in page
    assert 'data-geojson="/api/v1/territory/comuni.geojson"' in page
    assert 'data-values="/api/v1/territory/map"' in page
    assert 'data-comune-url="/territorio/comuni/000000/"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "tile" not in page.lower()


@pytest.mark.parametrize("n", [1, 3])
def test_map_page_query_count_is_constant(client, db, n):
    for _ in range(n):
        comune = ComuneFactory(zone=ZoneFactory())
        for _ in range(n):
            PlaceFactory(project=ProjectFactory(), comune=comune)
    with CaptureQueriesContext(connection) as ctx:
        page = html(client.get(MAP))
    # comuni, the aggregate, latest payment release; missions, components, measures, objectives, zones
    assert len(ctx) == 8
    assert len(_rows(page, "map-values")) == n


# GeoJSON and CSV of the current state -----------------------------------------------------------------------


def test_geojson_download_has_geometry_values_and_credits(client, map_projects):
    response = client.get("/territorio/mappa/dati.geojson", {"metrica": "funding", "missione": "M1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    doc = json.loads(response.content)
    assert doc["type"] == "FeatureCollection"
    features = {f["id"]: f for f in doc["features"]}
    assert set(features) == {"015901", "015902", "015903"}
    assert features["015901"]["geometry"]["type"] == "Polygon"
    assert features["015901"]["properties"]["value"] == 130000.0
    assert features["015903"]["properties"]["value"] == 0.0  # no M1 project there
    assert doc["filters"] == {"mission": "M1"} and doc["breaks"]
    assert "Italia Domani" in doc["attribution"] and "openpolis" in doc["attribution"]
    assert {z["key"] for z in doc["zones"]} == {"nord", "sud"}


def test_csv_download_has_the_credit_first_and_every_area(client, map_projects):
    response = client.get("/territorio/mappa/dati.csv", {"metrica": "projects", "ripartizione": "full"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["livello", "codice", "nome"]  # the header first
    info = dict(zip(rows[0], rows[1], strict=True))
    assert info["fonte"].startswith(CREDIT) and "importo pieno" in info["regola_attribuzione"]
    by_code = {r[1]: r for r in rows[1:] if r[0] in {"comune", "zona"}}
    assert by_code["015901"][5] == "2" and by_code["015901"][6] == "190000,00"
    assert by_code["nord"][0] == "zona"
    assert rows[-2][0] == "territorio" and rows[-1][0] == "non_attribuito"


# Comune and zone pages --------------------------------------------------------------------------------------


def test_comune_page_states_where_it_stands(client, map_projects):
    page = html(client.get("/territorio/comuni/015901/"))
    block = page[page.index('id="area-standing"') :]
    assert 'data-standing="per_resident"><strong>13,00 €' in block
    assert 'data-standing="median">7,50 €' in block
    assert 'data-standing="rank">1 / 2' in block
    assert "26,7%" in block  # payment progress: 40 000 of 150 000
    assert "Sopra la mediana" in block
    assert 'data-chart="missions-mix"' in block  # missions mix chart (with its table)
    assert "parti uguali" in block and CREDIT in block
    assert "/static/js/charts.js" in page
    assert 'href="/territorio/confronto/?a=015901" id="compare-link"' in block


def test_zone_page_states_where_it_stands(client, map_projects):
    page = html(client.get("/territorio/zone/nord/"))
    block = page[page.index('id="area-standing"') :]
    assert 'data-standing="per_resident"><strong>4,75 €' in block  # 190 000 / 40 000


def _count(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        html(client.get(url, params or {}))
    return len(ctx)


def test_comune_and_zone_pages_query_counts_are_constant(client, db):
    """Same number of queries with 1 and with 3 projects and comuni."""
    zone = ZoneFactory(slug="zona-q")
    comune = ComuneFactory(zone=zone)
    PlaceFactory(project=ProjectFactory(), comune=comune)
    urls = (f"/territorio/comuni/{comune.codice_istat}/", "/territorio/zone/zona-q/")
    before = [_count(client, url) for url in urls]
    for _ in range(2):
        PlaceFactory(project=ProjectFactory(), comune=comune)
        PlaceFactory(project=ProjectFactory(), comune=ComuneFactory(zone=zone))
    assert [_count(client, url) for url in urls] == before


# Comparison -------------------------------------------------------------------------------------------------


def test_compare_two_comuni_side_by_side(client, map_projects):
    page = html(client.get("/territorio/confronto/", {"a": "015901", "b": "015902"}))
    table = page[page.index('id="compare-table"') :]
    assert '<a href="/territorio/comuni/015901/">Alfa</a>' in table
    assert '<a href="/territorio/comuni/015902/">Beta</a>' in table
    assert re.findall(r'data-compare="per_resident">([^<]+)<', table) == ["13,00", "2,00"]
    assert 'data-chart="compare-missions"' in page
    assert CREDIT in page


def test_compare_a_comune_with_a_zone_and_the_rule(client, map_projects):
    page = html(client.get("/territorio/confronto/", {"a": "015903", "b": "nord", "ripartizione": "full"}))
    assert re.findall(r'data-compare="total">([^<]+)<', page) == ["110.000,00", "250.000,00"]
    assert "importo pieno" in page.lower()


def test_compare_unknown_area_is_404_with_the_form(client, map_projects):
    response = client.get("/territorio/confronto/", {"a": "015901", "b": "atlantide"})
    assert response.status_code == 404
    assert 'id="compare-errors"' in response.content.decode()
    assert html(client.get("/territorio/confronto/")).count('id="compare-table"') == 0


def test_compare_query_count_is_constant(client, db):
    zone = ZoneFactory(slug="zona-c")
    a, b = ComuneFactory(zone=zone), ComuneFactory(zone=zone)
    PlaceFactory(project=ProjectFactory(fin_pnrr=Decimal("10")), comune=a)
    params = {"a": a.codice_istat, "b": "zona-c"}
    before = _count(client, "/territorio/confronto/", params)
    for _ in range(2):
        PlaceFactory(project=ProjectFactory(fin_pnrr=Decimal("10")), comune=a)
        PlaceFactory(project=ProjectFactory(fin_pnrr=Decimal("20")), comune=b)
        ComuneFactory(zone=zone)
    assert _count(client, "/territorio/confronto/", params) == before


def test_health_view_is_plain(client, db):
    """Plain text, no template; one query (the database and the worker: tests/core/test_tasks.py)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/salute/")
    assert response.status_code == 200 and response.content.startswith(b"ok\n")
    assert len(ctx) == 1


def test_map_tables_are_formatted_in_the_active_language(client, map_projects):
    page = html(client.get(MAP, {"metrica": "funding"}))
    row = page[page.index('<tr data-key="015901">') :]
    row = row[: row.index("</tr>")]
    assert '<a href="/territorio/comuni/015901/">Alfa</a></th><td>Nord</td>' in row
    assert '<td class="text-end">130.000,00</td><td class="text-end">2</td>' in row
    assert '<td class="text-end">13,00</td><td class="text-end">26,7</td>' in row
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English only by the language switch
    page = html(client.get(MAP, {"metrica": "funding"}))
    assert '<td class="text-end">130,000.00</td>' in page
