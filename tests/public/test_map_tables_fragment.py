"""The Web GIS tables are written once, by the server: the page includes them, and the script asks the same
view for them again (`?frammento=tabelle`) when the filters change, instead of building rows itself."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

MAP = "/territorio/mappa/"


def _tables(page: str) -> str:
    start = page.index('<div id="map-tables"')
    end = page.index("</table>\n</div>\n</div>", start)
    return page[start:end]


def test_the_fragment_is_the_tables_of_the_page_for_the_same_state(client, map_projects):
    state = {"metrica": "projects", "missione": "M2", "zona": "sud", "ripartizione": "full"}
    page = client.get(MAP, state).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(MAP, {**state, "frammento": "tabelle"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment and 'id="map-filters"' not in fragment  # only the tables
    assert _tables(fragment) == _tables(page)
    assert re.findall(r'<tr data-key="([^"]+)"', fragment) == ["015901", "015902", "015903", "nord", "sud"]
    assert '<a href="?zona=sud" aria-current="true">' in fragment  # the state's zone is marked
    assert len(ctx) == 3  # the map's values: comuni, the aggregate, latest payment release


def test_the_fragment_follows_the_state(client, map_projects):
    funding = client.get(MAP, {"metrica": "funding", "frammento": "tabelle"}).content.decode()
    projects = client.get(MAP, {"metrica": "projects", "frammento": "tabelle"}).content.decode()
    assert "Importo PNRR (€)" in funding.split("</caption>")[0]
    assert "Numero di progetti" in projects.split("</caption>")[0]


def test_the_script_swaps_the_server_tables_and_builds_no_rows():
    script = (Path(settings.BASE_DIR) / "static" / "js" / "choropleth.js").read_text(encoding="utf-8")
    assert "frammento=tabelle" in script and "map-tables" in script
    assert "<tr" not in script and "<td" not in script  # no table markup written in JavaScript
