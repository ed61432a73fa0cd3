"""The dashboards in headless Chromium: charts drawn, table alternatives, PNG download, map, axe and
screenshots."""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal

import pytest

from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import Objective
from decimetro.territory.models import Comune
from tests.browser.conftest import assert_accessible, assert_chart_drawn
from tests.factories import (
    ImportRunFactory,
    MilestoneFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    PnrrComponentFactory,
    PnrrMeasureFactory,
    PnrrMissionFactory,
    ProjectFactory,
    SubMeasureFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(transactional_db, live_server, plan, territory):
    """The real plan and territory, and five M1C1 projects in Milano and Rho confirmed for objective M1.1,
    with payments at two releases."""
    mission = PnrrMissionFactory(code="M1", name="Digitalizzazione")
    component = PnrrComponentFactory(code="M1C1", mission=mission, name="Digitalizzazione della PA")
    measure = PnrrMeasureFactory(code="M1C1I1.02", component=component, name="Cloud per le PA locali")
    sub = SubMeasureFactory(code="M1C1I1.02.00", measure=measure)
    MilestoneFactory(code="M1C1-149", quarter="Q2", year=2026).submeasures.set([sub])
    objective = Objective.objects.get(code="M1.1")
    comuni = list(Comune.objects.filter(codice_istat__in=["015146", "015182"]).order_by("codice_istat"))
    for i in range(5):
        p = ProjectFactory(
            submeasure=sub, fin_totale=Decimal(100000 * (i + 1)), fin_pnrr=Decimal(90000 * (i + 1))
        )
        PlaceFactory(project=p, comune=comuni[i % 2])
        PaymentSnapshotFactory(
            project=p, release_date=datetime.date(2024, 6, 30), paid_total=Decimal(10000 * i)
        )
        PaymentSnapshotFactory(
            project=p, release_date=datetime.date(2025, 3, 31), paid_total=Decimal(30000 * i)
        )
        ProjectObjectiveLink.objects.create(
            project=p, objective=objective, origin=LinkOrigin.STAFF, status=LinkStatus.CONFIRMED
        )
    ImportRunFactory(kind="pagamenti", release_date=datetime.date(2025, 3, 31))
    return live_server.url


def assert_png_download(page, chart_id: str, tmp_path) -> None:
    link = page.locator(f'a[data-chart-png="{chart_id}"]')
    assert link.is_visible()
    assert link.get_attribute("href").startswith("data:image/png;base64,")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"{chart_id}.png"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes()[:8] == base64.b64decode("iVBORw0KGgo=")  # the PNG signature


def test_objective_dashboard(page, site, artifacts_dir, tmp_path):
    page.goto(f"{site}/piano/obiettivi/M1.1/")
    for chart_id in ("objective-progress", "objective-zone", "objective-comuni"):
        assert_chart_drawn(page, chart_id)
    assert page.locator("#confirmed-projects tbody tr").count() == 5
    page.wait_for_selector('#objective-map[data-loaded="1"]')
    assert page.locator("#objective-map .legend").count() == 1
    # The table alternative can be opened and read.
    page.locator("#objective-progress-figure summary").click()
    assert page.locator("table#objective-progress-table").is_visible()
    assert_png_download(page, "objective-progress", tmp_path)
    assert not page.js_errors, page.js_errors
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "objective-dashboard.png"), full_page=True)


def test_mission_dashboard(page, site, artifacts_dir, tmp_path):
    page.goto(f"{site}/piano/missioni/M1/")
    for chart_id in ("mission-components", "mission-progress", "mission-progress-m1c1", "mission-zone"):
        assert_chart_drawn(page, chart_id)
    assert_chart_drawn(page, "mission-objectives-funding")
    assert page.locator("#gaps li").count() > 0
    assert page.locator('#gaps li[data-objective="M1.1"]').count() == 0
    page.wait_for_selector('#mission-map[data-loaded="1"]')
    assert_png_download(page, "mission-components", tmp_path)
    assert not page.js_errors, page.js_errors
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "mission-dashboard.png"), full_page=True)


def test_chart_png_has_title_source_and_date_drawn_in(page, site):
    """The PNG is taller than the chart by a title band above and a source and date band below, and both bands
    hold drawn text (dark pixels), so the image says what it is wherever it is pasted."""
    page.goto(f"{site}/piano/obiettivi/M1.1/")
    assert_chart_drawn(page, "objective-progress")
    measured = page.evaluate(
        """async () => {
        const canvas = document.getElementById("objective-progress");
        const href = document.querySelector('a[data-chart-png="objective-progress"]').href;
        const img = new Image();
        await new Promise((ok, ko) => { img.onload = ok; img.onerror = ko; img.src = href; });
        const c = document.createElement("canvas");
        c.width = img.width; c.height = img.height;
        const ctx = c.getContext("2d");
        ctx.drawImage(img, 0, 0);
        const dark = (y0, y1) => {
          const d = ctx.getImageData(0, y0, c.width, y1 - y0).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i] < 100 && d[i + 1] < 100 && d[i + 2] < 100) n++;
          return n;
        };
        const top = img.height - canvas.height;
        return {
          width: img.width, height: img.height, chartWidth: canvas.width, chartHeight: canvas.height,
          titleInk: dark(0, Math.min(20, img.height)), footInk: dark(img.height - 20, img.height), extra: top,
        };
    }"""
    )
    assert measured["width"] == measured["chartWidth"]
    assert measured["height"] > measured["chartHeight"] + 30, measured
    assert measured["titleInk"] > 20 and measured["footInk"] > 20, measured
    assert not page.js_errors, page.js_errors
