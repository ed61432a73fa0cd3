"""Back-office forms in headless Chromium: labels sit above their fields (never over them) on the
new-indicator form, at a laptop's and a phone's width; the DUP editor's search filters the plan objectives by
mission (everything visible without JavaScript); a Comune's editor records a value from its indicator list."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from decimetro.monitoring.models import IndicatorValue
from tests.browser.conftest import assert_accessible
from tests.factories import IndicatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each visible labelled control: the label's box and the control's box (a label above its control ends
# where or before the control starts; side by side for check boxes and radio buttons).
OVERLAPS_JS = """() => {
  const out = [];
  for (const label of document.querySelectorAll('main label[for]')) {
    const control = document.getElementById(label.htmlFor);
    if (!control || control.type === 'checkbox' || control.type === 'radio') continue;
    const l = label.getBoundingClientRect(), c = control.getBoundingClientRect();
    if (!l.width || !c.width) continue;
    const overlap = l.bottom > c.top + 1 && l.top < c.bottom - 1
      && l.right > c.left + 1 && l.left < c.right - 1;
    if (overlap) out.push(label.htmlFor);
  }
  return out;
}"""


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize("width", [1280, 390])
def test_labels_never_cover_the_fields_of_the_new_indicator_form(
    page, live_server, plan, staff_user, artifacts_dir, width
):
    _login(page, live_server, staff_user)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/gestione/indicatori/nuovo/")
    assert page.evaluate(OVERLAPS_JS) == []
    page.locator("#indicator-form button[type=submit]").click()  # every field in error, help texts too
    page.wait_for_selector(".invalid-feedback")
    assert page.evaluate(OVERLAPS_JS) == []
    assert page.locator("main select option", has_text="---------").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artifacts_dir / f"indicator-form-{width}.png"), full_page=True)


def test_dup_editor_search_filters_the_plan_objectives(
    page, live_server, plan, comune_a_editor, artifacts_dir
):
    _login(page, live_server, comune_a_editor)
    page.goto(f"{live_server.url}/gestione/dup/")
    search = page.locator("#dup-objective-search")
    search.wait_for(state="visible")  # shown by the script (hidden without JavaScript)
    total = page.locator("[data-dup-objective]").count()
    assert total > 50
    page.locator("[data-dup-objective] label").first.click()  # a ticked objective stays visible
    search.fill("Scuole")
    texts = page.locator("[data-dup-objective]:visible").all_inner_texts()
    assert 2 < len(texts) < 10
    assert texts[0].startswith("M1.1 ")  # ticked
    assert all("scuole" in text.lower() for text in texts[1:])
    assert page.locator("[data-dup-mission]:visible").count() < page.locator("[data-dup-mission]").count()
    assert page.locator("#dup-search-status").inner_text().endswith(f"/ {total}")
    search.press("Enter")  # filters; does not submit the form
    assert page.url.endswith("/gestione/dup/015146/")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "dup-editor-search.png"), full_page=True)
    search.fill("")
    assert page.locator("[data-dup-objective]:visible").count() == total


def test_dup_editor_shows_suggestions_as_the_title_is_typed(page, live_server, plan, comune_a_editor):
    _login(page, live_server, comune_a_editor)
    page.goto(f"{live_server.url}/gestione/dup/")
    page.locator("#id_title").fill("Asili nido e scuole dell'infanzia")
    page.wait_for_selector("#dup-suggestion-list li")
    assert 1 <= page.locator("#dup-suggestion-list li").count() <= 3
    assert page.locator("[data-dup-objective] input:checked").count() == 0  # suggested, not ticked


def test_a_comune_editor_records_a_value_from_its_list(page, live_server, comune_a, comune_a_editor):
    indicator = IndicatorFactory(
        code="MI-NIDI",
        name="Posti negli asili nido",
        comune=comune_a,
        baseline_date=datetime.date(2024, 1, 1),
    )
    _login(page, live_server, comune_a_editor)
    page.goto(f"{live_server.url}/gestione/indicatori/")
    page.locator(f"#indicator-{indicator.pk} summary").click()
    page.fill(f"#id_v{indicator.pk}_date", "2025-06-30")
    page.fill(f"#id_v{indicator.pk}_value", "120")
    assert_accessible(page)
    page.locator(f"#indicator-{indicator.pk} button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert IndicatorValue.objects.get(indicator=indicator).value == Decimal("120")
