"""Indicator pages in headless Chromium: the chart is drawn with its table alternative, axe passes,
screenshots saved to test-artifacts/."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.browser.conftest import assert_accessible, assert_chart_drawn
from tests.factories import IndicatorFactory, IndicatorValueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def indicator(transactional_db, comune_a):
    ind = IndicatorFactory(
        code="MI-RD",
        name="Raccolta differenziata",
        unit="%",
        comune=comune_a,
        baseline_value=Decimal("60"),
        target_value=Decimal("75"),
        baseline_date=datetime.date(2023, 12, 31),
        target_date=datetime.date(2026, 12, 31),
    )
    for day, value in [(datetime.date(2024, 12, 31), "62.5"), (datetime.date(2025, 6, 30), "64")]:
        IndicatorValueFactory(indicator=ind, date=day, value=Decimal(value), source="Catasto rifiuti")
    IndicatorFactory(code="CMM-X", name="Un indicatore senza dati")
    return ind


def test_indicator_page_chart_and_accessibility(page, live_server, indicator, artifacts_dir):
    page.goto(f"{live_server.url}/monitoraggio/indicatori/{indicator.pk}/")
    assert_chart_drawn(page, "indicator-chart")
    assert page.locator("#values-table tbody tr").count() == 2
    assert not page.js_errors, page.js_errors
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "indicator-page.png"), full_page=True)


def test_indicator_list_accessibility(page, live_server, indicator, artifacts_dir):
    page.goto(f"{live_server.url}/monitoraggio/indicatori/")
    assert page.locator(".indicator-table tbody tr").count() == 2
    page.select_option("#f-stato", "no_data")
    # the filter form, not the header search
    page.locator("main form[method=get] button[type=submit]", has_text="Filtra").click()
    page.wait_for_url("**stato=no_data**")
    assert page.locator(".indicator-table tbody tr").count() == 1
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "indicator-list.png"), full_page=True)


def _login(page, live_server, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_back_office_forms_are_accessible(page, live_server, indicator, staff_user, artifacts_dir):
    _login(page, live_server, staff_user)
    page.goto(f"{live_server.url}/gestione/indicatori/nuovo/")
    page.locator("#indicator-form button[type=submit]").click()  # empty: every field in error
    page.wait_for_selector(".invalid-feedback")
    assert_accessible(page)
    page.goto(f"{live_server.url}/gestione/indicatori/importa/")
    page.set_input_files(
        "#id_file", files=[{"name": "v.csv", "mimeType": "text/csv", "buffer": b"indicatore\nX\n"}]
    )
    page.locator("#import-form button[type=submit]").click()
    page.wait_for_selector("#import-problems")
    assert "colonne obbligatorie mancanti" in page.locator("#import-problems").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "indicator-import-errors.png"), full_page=True)
    page.goto(f"{live_server.url}/gestione/indicatori/in-ritardo/")
    assert page.locator("#overdue-table tbody tr").count() >= 1
    assert_accessible(page)
