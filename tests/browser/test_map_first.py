"""Map first, in headless Chromium: the map in the first screen of a laptop, the filters folded on a phone,
"trova il tuo comune", a tap that shows the tooltip before opening the page, an empty map that says why,
Italian filter badges and whole-number legend classes after a change of the filters."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import assert_accessible, assert_offline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAP = "/territorio/mappa/"


def test_the_map_is_in_the_first_screen_of_a_laptop(map_site, page, requests_log):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(map_site + MAP)
    page.wait_for_selector('#map[data-loaded="1"]')
    box = page.locator("#map").bounding_box()
    assert box["y"] + 768 * 0.4 <= 768, box  # 40 % of the first screen is map, without scrolling
    assert box["height"] >= 768 * 0.6, box
    # the filters are beside it, not above it
    assert page.locator("#f-metrica").is_visible() and not page.locator("#map-filters-toggle").is_visible()
    assert_accessible(page)
    assert_offline(requests_log)


def test_on_a_phone_the_filters_fold_and_a_tap_shows_the_tooltip(map_site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="it-IT", has_touch=True)
    try:
        page = context.new_page()
        page.goto(map_site + MAP + "?metrica=funding")
        page.wait_for_selector('#map[data-loaded="1"]')
        assert page.locator("#map").bounding_box()["y"] < 844
        assert not page.locator("#f-metrica").is_visible()
        toggle = page.locator("#map-filters-toggle")
        toggle.tap()  # a phone has no mouse (a mouse left elsewhere would take the tooltip away after a tap)
        page.locator("#f-metrica").wait_for(state="visible")
        assert toggle.get_attribute("aria-expanded") == "true"
        page.wait_for_selector("#map-filters-panel.collapse.show")  # the opening transition is over
        toggle.tap()
        page.locator("#f-metrica").wait_for(state="hidden")
        page.wait_for_selector("#map-filters-panel.collapse:not(.show)", state="attached")  # folded: no move

        # first tap: the tooltip, and the page stays; second tap on the same comune: its page
        page.locator("#map").scroll_into_view_if_needed()
        path = page.locator("#map path.leaflet-interactive").nth(60)
        box = path.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.touchscreen.tap(x, y)
        tooltip = page.locator(".comune-tooltip")
        tooltip.wait_for(state="visible")
        assert "Importo PNRR (€):" in tooltip.inner_text()
        assert urlsplit(page.url).path == MAP
        with page.expect_navigation():
            page.touchscreen.tap(x, y)
        assert urlsplit(page.url).path.startswith("/territorio/comuni/")
    finally:
        context.close()


def test_find_your_comune_frames_it_and_opens_its_tooltip(map_site, page):
    page.goto(map_site + MAP)
    page.wait_for_selector('#map[data-loaded="1"]')
    page.fill("#find-comune-input", "milano")
    page.locator("#find-comune button[type=submit]").click()
    page.wait_for_selector('#map[data-found="015146"]')
    assert urlsplit(page.url).path == MAP  # no navigation: the map zoomed on it
    assert page.locator(".comune-tooltip strong").inner_text().strip() == "Milano"
    link = page.locator("#find-comune-status a")
    assert link.get_attribute("href") == "/territorio/comuni/015146/"
    # a name the map does not know: the plain form goes to the list of comuni, searched
    page.fill("#find-comune-input", "Xyzzy")
    with page.expect_navigation():
        page.locator("#find-comune button[type=submit]").click()
    assert urlsplit(page.url).path == "/territorio/comuni/"
    assert not page.js_errors, page.js_errors


def test_an_empty_map_says_why_with_italian_badges_and_whole_number_classes(map_site, page):
    page.goto(map_site + MAP + "?metrica=projects")
    page.wait_for_selector('#map[data-loaded="1"]')
    legend = page.locator("#map-legend li[data-class]")
    assert legend.count() >= 1
    assert all("," not in t for t in legend.all_inner_texts())  # a count has no decimals
    assert page.locator("#map-empty").is_hidden()

    page.select_option("#f-obiettivo", "M1.1")  # no confirmed link in this site
    page.wait_for_selector('#map[data-state*="obiettivo=M1.1"]')
    empty = page.locator("#map-empty")
    empty.wait_for(state="visible")
    assert "Nessun progetto confermato per questo obiettivo" in empty.inner_text()
    assert "Obiettivo strategico: M1.1" in page.locator("#map-selection").inner_text()
    assert "objective:" not in page.locator("#map-selection").inner_text()

    page.select_option("#f-obiettivo", "")
    page.wait_for_selector('#map[data-state]:not([data-state*="obiettivo"])')
    empty.wait_for(state="hidden")
    page.select_option("#f-metrica", "funding")
    page.wait_for_selector('#map[data-state*="metrica=funding"]')
    texts = legend.all_inner_texts()
    assert len(texts) == 5 and "oltre" not in texts[0]
    assert all("oltre" in t and "fino a" in t for t in texts[1:]), texts
    assert not page.js_errors, page.js_errors
