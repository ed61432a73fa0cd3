"""The Web GIS map in headless Chromium: legend, tooltip, filters (state in the URL), zones layer, sortable
table, click-through to a comune, axe-core (no serious/critical), offline; screenshot map-choropleth.png."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from decimetro.territory.models import Comune
from tests.browser.conftest import assert_accessible, assert_offline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _state(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _hover_until_tooltip(page, path, attempts: int = 3) -> None:
    """Hover a comune again after the page moved under a still mouse (resize, scroll, layer change).

    The first hover of the test is strict; here the mouse first leaves the map so no other comune's tooltip
    stays open, and a hover whose mouseover the browser swallowed (the page moved under the pointer) is tried
    again."""
    for attempt in range(attempts):
        page.mouse.move(0, 0)
        page.wait_for_function("() => document.querySelectorAll('.comune-tooltip').length === 0")
        path.hover()
        try:
            page.locator(".comune-tooltip").wait_for(state="visible", timeout=5000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise


def test_map_choropleth(map_site, page, requests_log, artifacts_dir):
    page.goto(map_site + "/territorio/mappa/?metrica=funding")
    page.wait_for_selector('#map[data-loaded="1"]')
    paths = page.locator("#map path.leaflet-interactive")
    assert paths.count() == 133

    # legend: the metric and its quantile classes
    legend = page.locator("#map-legend")
    assert legend.is_visible()
    assert "Importo PNRR (€)" in legend.inner_text()
    assert legend.locator("li[data-class]").count() == 5
    assert "quantili" in legend.inner_text()

    # tooltip of one comune: its name and the value
    paths.nth(60).hover()
    tooltip = page.locator(".comune-tooltip")
    tooltip.wait_for(state="visible")
    names = set(Comune.objects.values_list("name", flat=True))
    assert tooltip.locator("strong").inner_text().strip() in names
    assert "Importo PNRR (€):" in tooltip.inner_text()
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.evaluate("document.getElementById('map-selection').scrollIntoView({block: 'start'})")
    _hover_until_tooltip(page, paths.nth(60))
    page.screenshot(path=str(artifacts_dir / "map-choropleth.png"))  # the viewport: map, legend, a tooltip

    # filters: the URL follows (replaceState), the values and the downloads too
    page.select_option("#f-missione", "M2")
    page.wait_for_selector('#map[data-state*="missione=M2"]')
    assert _state(page)["missione"] == ["M2"] and _state(page)["metrica"] == ["funding"]
    assert "missione=M2" in page.locator("#download-csv").get_attribute("href")
    assert "missione=M2" in page.locator("#download-geojson").get_attribute("href")
    assert "Missione PNRR: M2" in page.locator("#map-selection").inner_text()  # Italian filter badges

    page.select_option("#f-metrica", "projects_per_1000")
    page.wait_for_selector('#map[data-state*="metrica=projects_per_1000"]')
    assert "Progetti ogni 1.000 residenti" in legend.inner_text()

    # the zones layer: a comune shows its zone's value
    page.select_option("#f-livello", "zone")
    page.wait_for_selector('#map[data-state*="livello=zone"]')
    _hover_until_tooltip(page, paths.nth(60))
    page.wait_for_function("() => document.querySelector('.comune-tooltip').textContent.includes('(zona)')")

    # the text alternative sorts
    page.locator('#map-values button[data-sort="funding"]').click()
    assert page.locator("#map-values thead th").nth(4).get_attribute("aria-sort") == "descending"

    assert_accessible(page)

    # the shared URL restores the same state
    shared = page.url
    page.goto(shared)
    page.wait_for_selector('#map[data-loaded="1"]')
    assert page.locator("#f-missione").input_value() == "M2"
    assert page.locator("#f-livello").input_value() == "zone"

    # click → the comune's page (level comuni)
    page.select_option("#f-livello", "comuni")
    page.wait_for_selector('#map[data-state]:not([data-state*="livello=zone"])')
    with page.expect_navigation():
        paths.nth(60).click()
    assert urlsplit(page.url).path.startswith("/territorio/comuni/")
    assert not page.js_errors, page.js_errors
    assert_offline(requests_log)


def test_compare_page_and_comune_standing(map_site, page, requests_log, artifacts_dir):
    codes = list(Comune.objects.order_by("codice_istat").values_list("codice_istat", flat=True)[:2])
    page.goto(f"{map_site}/territorio/confronto/?a={codes[0]}&b=sud-est")
    page.wait_for_selector('#compare-missions[data-drawn="1"]')
    assert page.locator("#compare-table tbody tr").count() >= 8
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "compare.png"), full_page=True)
    page.goto(f"{map_site}/territorio/comuni/{codes[0]}/")
    page.wait_for_selector("#area-standing")
    assert "Mediana dei comuni" in page.locator("#area-standing").inner_text()
    assert_accessible(page)
    assert not page.js_errors, page.js_errors
    assert_offline(requests_log)
