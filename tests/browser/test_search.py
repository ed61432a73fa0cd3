"""Search in a real browser: the header box on a desktop, the icon on a phone (390 px, no sideways scroll),
the results page (screenshots test-artifacts/search-<width>.png)."""

from __future__ import annotations

import pytest

from decimetro.search.indexing import index_rebuild
from tests.browser.conftest import assert_accessible
from tests.search.fixtures import project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def search_site(live_server, plan, territory):
    project("Messa in sicurezza delle scuole dell'infanzia")
    project("Riqualificazione della scuola primaria Manzoni")
    index_rebuild()
    return live_server.url


def test_the_header_box_searches_from_any_page_on_a_desktop(search_site, page, artifacts_dir):
    page.goto(search_site + "/territorio/comuni/")
    assert page.locator("#header-search").is_visible()
    assert not page.locator("#header-search-link").is_visible()
    page.fill("#header-search-q", "scuole")
    page.press("#header-search-q", "Enter")
    page.wait_for_url("**/cerca/?q=scuole")
    group = page.locator("#search-project")
    assert group.get_attribute("data-count") == "2"
    assert group.locator(".search-hit").count() == 2
    page.screenshot(path=str(artifacts_dir / "search-1280.png"), full_page=True)
    assert_accessible(page)
    assert not page.js_errors, page.js_errors


def test_on_a_phone_the_header_has_an_icon_and_nothing_scrolls_sideways(search_site, page, artifacts_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", "/territorio/comuni/015182/", "/progetti/"):
        page.goto(search_site + path)
        assert page.locator("#header-search-link").is_visible(), path
        assert not page.locator("#header-search").is_visible(), path
        assert page.evaluate(SCROLL_WIDTH) <= 390, path
    page.click("#header-search-link")
    page.wait_for_url("**/cerca/")
    page.fill("#search-q", "Città")
    page.select_option("#search-kind", "comune")
    page.click("#search-form button[type=submit]")
    page.wait_for_url("**/cerca/?q=*")
    assert page.locator("#search-results").is_visible()
    page.goto(search_site + "/cerca/?q=rho")
    assert page.locator("#search-comune .search-hit").first.inner_text() == "Rho"
    page.screenshot(path=str(artifacts_dir / "search-390.png"), full_page=True)
    assert page.evaluate(SCROLL_WIDTH) <= 390
    assert not page.js_errors, page.js_errors
