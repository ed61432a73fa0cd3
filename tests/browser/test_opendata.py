"""The open-data page in a real browser: on a phone (390 px) nothing scrolls sideways, no serious
accessibility violation, and the map page's XLSX link follows the filters (choropleth.js)."""

from __future__ import annotations

import pytest

from decimetro.reports.opendata.bundle import build_bundle
from decimetro.territory.models import Comune
from tests.browser.conftest import assert_accessible
from tests.factories import PaymentSnapshotFactory, PlaceFactory, ProjectFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def opendata_site(transactional_db, live_server, plan, territory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    project = ProjectFactory(title="Un titolo di progetto piuttosto lungo " * 4)
    PlaceFactory(project=project, comune=Comune.objects.get(codice_istat="015146"))
    PaymentSnapshotFactory(project=project)
    build_bundle()
    return live_server.url


def test_opendata_page_fits_a_phone_and_is_accessible(browser, opendata_site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="it-IT")
    page = context.new_page()
    try:
        page.goto(opendata_site + "/dati-aperti/")
        assert page.locator("#opendata-resources tr[data-resource]").count() > 10
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert_accessible(page)
    finally:
        context.close()


def test_map_xlsx_link_follows_the_filters(page, map_site):
    page.goto(map_site + "/territorio/mappa/?metrica=funding")
    page.select_option("#f-metrica", "projects_per_1000")
    page.wait_for_selector('#map[data-state*="metrica=projects_per_1000"]')
    xlsx = page.get_attribute("#download-xlsx", "href")
    assert "metrica=projects_per_1000" in xlsx and xlsx.endswith("&formato=xlsx")
    standard = page.get_attribute("#download-csv-standard", "href")
    assert "metrica=projects_per_1000" in standard and standard.endswith("&formato=standard")
