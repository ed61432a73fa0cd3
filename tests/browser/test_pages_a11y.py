"""The pages in a real headless Chromium: WCAG 2.1 AA by axe-core, the map, offline operation, screenshots."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from decimetro.plan.models import Objective
from decimetro.territory.models import Comune
from tests.browser.conftest import assert_accessible, assert_offline, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(transactional_db, live_server, plan, territory):
    """The live server with the real plan and territory loaded through the services."""
    return live_server.url


def assert_fonts_loaded(page, requests_log) -> None:
    """Bootstrap Italia's Titillium Web is served from /static and actually used by the page."""
    fonts = [u for u in requests_log.urls if "/static/vendor/bootstrap-italia/fonts/" in u]
    assert any("Titillium" in u for u in fonts), f"no font requested from /static: {requests_log.urls}"
    page.evaluate("() => document.fonts.ready")
    loaded = page.evaluate(
        "() => Array.from(document.fonts).filter(f => f.status === 'loaded')"
        ".map(f => f.family.replace(/[\"']/g, ''))"
    )
    assert "Titillium Web" in loaded, f"Titillium Web not loaded; loaded font faces: {loaded}"
    family = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "Titillium Web" in family


def test_axe_harness_reports_violations(page):
    """The harness itself is honest: a page with known WCAG failures yields serious/critical violations."""
    page.set_content(
        "<html><head><title>t</title></head><body><main><h1>t</h1>"
        '<input type="text"><a href="#x"></a></main></body></html>'
    )
    ids = {v["id"]: v["impact"] for v in run_axe(page)}
    assert ids.get("label") == "critical"
    assert ids.get("link-name") == "serious"
    assert "html-has-lang" in ids


def test_home(site, page, requests_log, artifacts_dir):
    page.goto(site + "/")
    assert page.locator("h1").inner_text().strip()
    assert page.locator("#vision-matrix tbody tr").count() == 6
    assert_fonts_loaded(page, requests_log)
    current = page.locator("#main-nav a[aria-current='page']")
    assert current.count() == 1 and current.inner_text().strip() == "Piano"
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "home.png"), full_page=True)
    assert not page.js_errors, page.js_errors
    assert_offline(requests_log)


def test_mobile_navigation(site, page, requests_log):
    """Below the lg breakpoint the menu hides behind Bootstrap Italia's burger button and opens on click."""
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(site + "/territorio/comuni/")
    menu_link = page.locator("#main-nav .nav-link", has_text="Mappa")
    toggler = page.locator(".custom-navbar-toggler")
    assert toggler.is_visible()
    assert not menu_link.is_visible()
    toggler.click()
    menu_link.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"
    page.wait_for_selector("#main-nav.expanded")
    page.wait_for_timeout(
        400
    )  # let the slide-in transition end: Bootstrap Italia ignores "close" while it runs
    page.locator("#main-nav .close-menu").click()
    menu_link.wait_for(state="hidden")
    assert_accessible(page)
    assert_offline(requests_log)


def test_mission_page(site, page, requests_log, artifacts_dir):
    page.goto(site + "/piano/missioni/M1/")
    assert "Missione 1" in page.locator("h1").inner_text()
    assert page.locator("#objectives tbody tr").count() > 0
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "mission.png"), full_page=True)
    assert_offline(requests_log)


def test_objective_page(site, page, requests_log):
    objective = Objective.objects.filter(mission__code="M1").order_by("number").first()
    assert objective is not None
    page.goto(f"{site}/piano/obiettivi/{objective.code}/")
    assert page.locator("h1").inner_text().strip() == objective.title.strip()
    assert_accessible(page)
    assert_offline(requests_log)


def test_comuni_list(site, page, requests_log):
    page.goto(site + "/territorio/comuni/")
    assert page.locator("#comuni tbody tr").count() == Comune.objects.count() == 133
    assert_accessible(page)
    assert_offline(requests_log)


def test_comune_page(site, page, requests_log):
    page.goto(site + "/territorio/comuni/015146/")
    assert page.locator("h1").inner_text().strip().startswith("Milano")
    page.wait_for_selector("#comune-map path.leaflet-interactive")
    assert_accessible(page)
    assert_offline(requests_log)


def test_map_page(site, page, requests_log, artifacts_dir):
    """The choropleth map page (legend, tooltip, filters, zones layer: tests/browser/test_map.py)."""
    page.goto(site + "/territorio/mappa/")
    page.wait_for_selector('#map[data-loaded="1"]')
    assert page.locator("#map-legend").is_visible()
    assert page.locator("#map path.leaflet-interactive").count() == 133
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "map.png"), full_page=True)
    assert not page.js_errors, page.js_errors
    assert_offline(requests_log)


@pytest.mark.parametrize(
    "path",
    [
        "/piano/obiettivi/",
        "/piano/obiettivi/?missione=M2&attore=comuni",
        "/territorio/zone/",
        "/territorio/comuni/?q=zzz",
    ],
)
def test_more_pages(site, page, requests_log, path):
    page.goto(site + path)
    assert page.locator("h1").inner_text().strip()
    assert_accessible(page)
    assert_offline(requests_log)


def test_login_and_edit_form(site, page, requests_log, staff_user, artifacts_dir):
    """A member of staff logs in through the real form; the login page and the edit form are accessible."""
    objective = Objective.objects.order_by("mission__number", "number").first()
    assert objective is not None
    page.goto(f"{site}/accesso/?next=/gestione/obiettivi/{objective.code}/")
    assert_accessible(page)
    page.get_by_label("Nome utente").fill(staff_user.username)
    page.get_by_label("Password").fill("una-password-molto-lunga-42")
    with page.expect_navigation():
        page.get_by_role("button", name="Accedi").click()
    assert urlsplit(page.url).path == f"/gestione/obiettivi/{objective.code}/", page.inner_text("main")
    assert objective.code in page.locator("h1").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "edit.png"), full_page=True)
    assert_offline(requests_log)


def territory_zone_names():
    from decimetro.territory.models import Zone

    return Zone.objects.order_by("name").values_list("name", flat=True)
