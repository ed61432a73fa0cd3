"""The links' back office in headless Chromium: the review queue's per-row buttons update their row with htmx
(no page reload), bulk selection works, the pages pass axe (no serious/critical violation); screenshots in
test-artifacts/."""

from __future__ import annotations

import pytest
from django.test import Client

from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_queue_row_confirmed_with_htmx(page, live_server, linked, staff_user, artifacts_dir):
    login(page, live_server, staff_user)
    page.goto(f"{live_server.url}/gestione/collegamenti/")
    assert page.locator("#queue tbody tr").count() == 9
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "linking-queue.png"), full_page=True)
    link = linked.link(linked.casa, "M6.1")
    page.evaluate("window.__same_page = true")
    page.locator(f"#link-{link.pk} button[value=conferma]").click()
    page.wait_for_selector(f"#link-{link.pk} .badge.bg-success")
    assert page.evaluate("window.__same_page === true")  # the row was swapped, the page not reloaded
    assert ProjectObjectiveLink.objects.get(pk=link.pk).status == LinkStatus.CONFIRMED
    assert not page.js_errors, page.js_errors


def test_queue_bulk_reject_and_crosswalk_page(page, live_server, linked, staff_user, artifacts_dir):
    login(page, live_server, staff_user)
    page.goto(f"{live_server.url}/gestione/collegamenti/?comune=015182")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 3
    for i in range(3):
        rows.nth(i).locator("input[type=checkbox]").check()
    page.locator("button[value=respingi][name=azione_multipla]").click()
    page.wait_for_selector("#queue-empty")
    assert not ProjectObjectiveLink.objects.filter(project=linked.casa, status=LinkStatus.SUGGESTED).exists()
    page.goto(f"{live_server.url}/gestione/corrispondenze/")
    assert page.locator("#crosswalk tbody tr").count() == 4
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "linking-crosswalk.png"), full_page=True)
    link = linked.link(linked.tram, "M3.1")
    page.goto(f"{live_server.url}/gestione/collegamenti/{link.pk}/")
    assert_accessible(page)
    page.select_option("#obiettivo", "M3.7")
    page.locator("#choose-other button[type=submit]").click()
    page.wait_for_url("**/gestione/collegamenti/**")
    assert ProjectObjectiveLink.objects.get(project=linked.tram, objective__code="M3.7").status == "confirmed"


def test_queue_keyboard_decision_moves_focus_and_updates_counters(page, live_server, linked, staff_user):
    """Enter on a row's "Conferma" decides it with htmx; focus goes to the next row's first button and the
    counters reload (one less in attesa, one more confermato)."""
    login(page, live_server, staff_user)
    page.goto(f"{live_server.url}/gestione/collegamenti/?ordine=punteggio")
    rows = page.locator("#queue tbody tr")
    first_id, second_id = rows.nth(0).get_attribute("id"), rows.nth(1).get_attribute("id")
    assert page.locator("#count-suggested").inner_text() == "9"
    page.locator(f"#{first_id} button[value=conferma]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{first_id} .badge.bg-success")
    page.wait_for_function("() => document.getElementById('count-suggested').textContent.trim() === '8'")
    assert page.locator("#count-confirmed").inner_text() == "1"
    focused = page.evaluate("[document.activeElement.closest('tr')?.id, document.activeElement.value]")
    assert focused == [second_id, "conferma"]  # Enter again decides the next row
    assert_accessible(page)
    assert not page.js_errors, page.js_errors
