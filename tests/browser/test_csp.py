"""The Content-Security-Policy in a real Chromium: no page of the tour breaks it (no inline script or style,
nothing from another origin), and the scripts that draw the pages (Bootstrap Italia, htmx, Leaflet, Chart.js,
the Swagger UI of the API) still do their work under it.

Violations are collected twice: the `securitypolicyviolation` events of the document (a listener installed
before any page script runs) and Chromium's console messages ("Refused to … Content Security Policy")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from decimetro.plan.models import Objective
from decimetro.pnrr.models import Project
from decimetro.territory.models import Comune
from tests.factories import EnteFactory, MembershipFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "una-password-molto-lunga-42"  # tests/factories.py UserFactory

LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + (e.sourceFile || '?') + ':' +
    e.lineNumber + ' ' + (e.sample || ''));
});
"""


class CspWatch:
    """The violations seen by a page: its events (per document) and the console (for the whole page)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTENER)
        page.on("console", self._on_console)

    def _on_console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.console.append(msg.text)

    def assert_clean(self) -> None:
        self.page.wait_for_timeout(300)  # violation events are dispatched asynchronously
        events = self.page.evaluate("() => window.__cspViolations || []")
        assert not events, f"CSP violations on {self.page.url}: {events}"
        assert not self.console, f"CSP messages on {self.page.url}: {self.console}"
        assert not self.page.js_errors, self.page.js_errors


@pytest.fixture
def watch(page) -> CspWatch:
    return CspWatch(page)


def _goto(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "default-src 'self'" in (response.headers.get("content-security-policy") or ""), url


def test_the_harness_sees_a_violation(map_site, page, watch):
    """The listener and the console hook are wired: an inline script added to a page is refused and seen."""
    _goto(page, map_site + "/accesso/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.ran") is None
    assert page.evaluate("() => window.__cspViolations.length") >= 1
    assert any("Content Security Policy" in m for m in watch.console)


def test_public_pages_under_the_policy(map_site, page, watch, requests_log):
    site = map_site
    _goto(page, site + "/")
    assert page.locator("#vision-matrix tbody tr").count() == 6
    page.evaluate("() => document.fonts.ready")
    fonts = page.evaluate(
        "() => Array.from(document.fonts).filter(f => f.status === 'loaded')"
        ".map(f => f.family.replace(/[\"']/g, ''))"
    )
    assert "Titillium Web" in fonts  # from static/css/fonts.css, not from an injected <style>
    watch.assert_clean()

    # The map: the comuni drawn, the legend's swatches coloured (through the CSSOM, not style="").
    _goto(page, site + "/territorio/mappa/?metrica=funding")
    page.wait_for_selector('#map[data-loaded="1"]')
    assert page.locator("#map path.leaflet-interactive").count() == Comune.objects.count() == 133
    swatches = page.evaluate(
        "() => Array.from(document.querySelectorAll('#map-legend i[data-swatch]'))"
        ".map(i => getComputedStyle(i).backgroundColor)"
    )
    assert len(swatches) == 6 and all(c not in ("", "rgba(0, 0, 0, 0)") for c in swatches), swatches
    legend = page.evaluate("() => getComputedStyle(document.getElementById('map-legend')).boxShadow")
    assert legend != "none"  # the page's former <style> block, now in decimetro.css
    watch.assert_clean()

    # An objective (dashboard: charts and a map), a comune (outline map, charts), a project (paid share).
    objective = Objective.objects.order_by("code").first()
    _goto(page, site + reverse("public:objective", args=[objective.code]))
    page.wait_for_selector('[data-loaded="1"]')
    watch.assert_clean()

    comune = Comune.objects.get(name="Milano")
    _goto(page, site + reverse("public:comune", args=[comune.codice_istat]))
    page.wait_for_selector('canvas[data-drawn="1"]')
    height = page.evaluate(
        "() => document.querySelector('.chart-canvas-wrap').getBoundingClientRect().height"
    )
    wanted = page.evaluate("() => Number(document.querySelector('.chart-canvas-wrap').dataset.height)")
    assert height == wanted  # the chart's height, from data-height
    watch.assert_clean()

    project = Project.objects.order_by("pk").first()
    _goto(page, site + reverse("public:project", args=[project.pk]))
    assert page.locator("progress.paid-progress").count() == 1
    assert page.locator("svg.paid-bar").count() >= 1
    watch.assert_clean()

    # The language switch (no onchange="" any more) still submits on change.
    page.select_option("#lang-select", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.select_option("#lang-select", "it")
    page.wait_for_function("() => document.documentElement.lang === 'it'")
    watch.assert_clean()

    _goto(page, site + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    watch.assert_clean()


def test_login_backoffice_and_admin_under_the_policy(map_site, page, watch):
    MembershipFactory(
        user=StaffFactory(username="admin.ente", is_superuser=True), organisation=EnteFactory(), role="admin"
    )
    site = map_site
    _goto(page, site + "/accesso/?next=/gestione/")
    watch.assert_clean()
    page.fill("#id_username", "admin.ente")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/gestione/$"))
    watch.assert_clean()

    _goto(page, site + reverse("backoffice:link_queue"))
    watch.assert_clean()

    # Django's admin runs under the same policy (its scripts are files; it has no inline script).
    _goto(page, site + "/admin/")
    _goto(page, site + "/admin/core/user/")
    _goto(page, site + "/admin/core/user/add/")
    page.wait_for_selector("#id_username")
    watch.assert_clean()

    _goto(page, site + reverse("password_reset"))
    watch.assert_clean()
