"""The error pages in a real browser: the 404 and the 403 fit a phone, carry the site's header and a way back
(screenshots test-artifacts/error-<status>-<width>.png)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "una-password-molto-lunga-42"


def test_404_and_403_fit_a_phone_and_lead_back(live_server, page, artifacts_dir):
    UserFactory(username="utente.semplice")
    page.goto(live_server.url + "/accesso/")
    page.fill("#id_username", "utente.semplice")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/scrivania/")
    for status, path in ((404, "/pagina-che-non-esiste/"), (403, "/gestione/")):
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 844})
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == status
            assert page.locator("html").get_attribute("lang") == "it"
            assert page.locator("#error-page").get_attribute("data-status") == str(status)
            assert page.locator("#error-ways-back a[href='/scrivania/']").count() == 1
            if status == 403:
                assert "Questa azione è riservata a:" in page.locator("#error-holders").inner_text()
            page.screenshot(path=str(artifacts_dir / f"error-{status}-{width}.png"), full_page=True)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        assert_accessible(page)
    assert not page.js_errors, page.js_errors
