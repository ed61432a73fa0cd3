"""The shared map module (static/js/maps.js) in headless Chromium: outline maps declared in the markup (no
inline JavaScript) and the quantile helpers used by the dashboard maps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from decimetro.territory.models import Comune
from tests.factories import PlaceFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_project_outline_map_needs_no_inline_script(live_server, territory, page):
    project = ProjectFactory(fin_totale=Decimal(1000), fin_pnrr=Decimal(1000))
    for code in ("015146", "015182"):
        PlaceFactory(project=project, comune=Comune.objects.get(codice_istat=code))
    page.goto(f"{live_server.url}/progetti/{project.pk}/")
    page.wait_for_selector('#project-map[data-loaded="1"]')
    assert page.locator("#project-map path").count() > 0
    inline = page.evaluate(
        "() => [...document.scripts].filter(s => !s.src && s.textContent.includes('Decimetro')).length"
    )
    assert inline == 0  # the map is declared by data-outline-geometry, not by an inline call
    assert page.evaluate("() => typeof Decimetro.loadComuni === 'function'")
    assert not page.js_errors, page.js_errors


def test_shared_quantile_helpers(live_server, territory, page):
    page.goto(f"{live_server.url}/territorio/mappa/")
    page.wait_for_selector('#map[data-loaded="1"]')
    breaks = page.evaluate("() => Decimetro.quantileBreaks([0, 5, 1, 2, 3, 4, 6, 7, 8, 9, 10], 5)")
    assert breaks == [2, 4, 6, 8, 10]
    palette = ["a", "b", "c", "d", "e"]
    colours = page.evaluate(
        "([p]) => [0, 1, 3, 10, 99].map(v => Decimetro.classColor(v, [2, 10], p, 'none'))", [palette]
    )
    assert colours == ["none", "d", "e", "e", "e"]
    assert not page.js_errors, page.js_errors
