"""The field verification form on a phone (issue 13, item 5): nothing chosen in advance, an untouched submit
refused with Italian errors next to the fields, then filled with one thumb and published after the tick."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from decimetro.participation.models import VerificationReport
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="it-IT", is_mobile=True, has_touch=True)
    try:
        yield context
    finally:
        context.close()


def test_a_field_user_on_a_phone_must_choose_and_confirm(live_server, phone, comune_a_editor):
    project = ProjectFactory()
    client = Client()
    client.force_login(comune_a_editor)
    phone.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = phone.new_page()
    page.goto(live_server.url + reverse("backoffice:verification_create", args=[project.pk]))
    assert page.locator("input[name=status]:checked").count() == 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # Untouched: the browser's own check of the required tick is bypassed to reach the server's answer.
    page.evaluate("() => document.querySelector('form.mt-4').noValidate = true")
    page.locator("input[name=confirm]").evaluate("e => e.removeAttribute('required')")
    page.get_by_role("button", name="Conferma e pubblica").click()
    body = page.locator("main, body").first.inner_text()
    assert "Scegli lo stato che hai osservato sul campo." in body
    assert "Scrivi una nota o allega almeno una foto di ciò che hai visto." in body
    assert "Spunta la conferma per pubblicare la verifica." in body
    assert not VerificationReport.objects.exists()

    page.locator("label", has_text="In corso").tap()  # Bootstrap Italia draws the radio in its label
    page.get_by_label("Nota", exact=True).fill("Cantiere aperto, gru in funzione")
    page.locator("label", has_text="Confermo che la verifica descrive").tap()
    assert page.locator("input[name=status]:checked").get_attribute("value") == "in_progress"
    page.get_by_role("button", name="Conferma e pubblica").click()
    page.wait_for_url(f"**/progetti/{project.pk}/**")
    report = VerificationReport.objects.get()
    assert (report.status, report.note) == ("in_progress", "Cantiere aperto, gru in funzione")
