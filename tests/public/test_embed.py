"""The widgets other sites frame (`/embed/…`) and the page that writes their snippet (`/widget/`): same
figures as the pages they link back to, framing allowed for them only, no JavaScript, under 50 KB, credits
and dates, light and dark, cached per data version yet fresh after a change."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from decimetro.insights.widgets import outlines_svg
from decimetro.linking.models import ProjectObjectiveLink
from decimetro.linking.services import link_confirm
from tests._dom import parse
from tests.factories import PlaceFactory, ProjectFactory
from tests.public.test_dashboards import _link
from tests.public.test_dashboards import dashboard_projects as _dashboard_projects  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
COMUNE = "/embed/comuni/015901/"  # Alfa of `site`
OBJECTIVE = "/embed/piano/obiettivi/M1.1/"
SIZE_LIMIT = 50 * 1024


@pytest.fixture
def site(_dashboard_projects):  # noqa: F811 (the fixture imported above, under a local name)
    """The dashboards' site (tests/public/test_dashboards.py): Alfa (015901) with three projects, M1.1 with
    two confirmed links and a suggested one."""
    return _dashboard_projects


def _figures(html: bytes) -> dict[str, str]:
    doc = parse(html)
    box = doc.find("dl", id="widget-figures")
    return {dd["data-total"]: " ".join(dd.get_text().split()) for dd in box.find_all("dd")}


def test_objective_widget_has_the_figures_of_the_objective_page(client, site):
    widget = client.get(OBJECTIVE)
    assert widget.status_code == 200
    page = parse(client.get("/piano/obiettivi/M1.1/").content)
    on_page = {
        p["data-total"]: " ".join(p.get_text().split())
        for p in page.find("figure", id="objective-totals").find_all("p", attrs={"data-total": True})
    }
    figures = _figures(widget.content)
    assert figures == {k: on_page[k] for k in ("projects", "funded_pnrr", "paid", "paid_share")}
    assert figures["projects"] == "2"  # confirmed links only: p4 is only suggested
    text = widget.content.decode()
    assert "Progetto due" in text and "Progetto uno" in text
    assert text.index("Progetto due") < text.index("Progetto uno")  # largest PNRR amount first


def test_comune_widget_has_the_figures_of_the_comune_page(client, site):
    widget = client.get(COMUNE)
    assert widget.status_code == 200
    page = parse(client.get("/territorio/comuni/015901/").content)
    dl = page.find("dl", id="pnrr-totals")
    page_values = [" ".join(dd.get_text().split()) for dd in dl.find_all("dd")]
    figures = _figures(widget.content)
    assert figures["projects"] == page_values[0] == "3"  # p1, p2, p4 have a place in Alfa
    assert page_values[1].startswith(figures["amount"].split(" €")[0])
    doc = parse(widget.content)
    svg = doc.find("svg", class_="widget-map")
    own = [p for p in svg.find_all("path") if p["class"] == "own"]
    assert len(own) == 1 and own[0]["d"].startswith("M")


def test_widgets_credit_their_sources_and_dates(client, site):
    for url in (COMUNE, OBJECTIVE):
        text = client.get(url).content.decode()
        assert "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS)" in text  # noqa: RUF001
        assert "CC BY 4.0" in text
        assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">', text), url  # the payments' release date
    assert "Fonte: ISTAT" in client.get(COMUNE).content.decode()


def test_only_widgets_may_be_framed_by_other_sites(client, site):
    for url in (COMUNE, OBJECTIVE):
        r = client.get(url)
        csp = r["Content-Security-Policy"]
        ancestors = re.search(r"frame-ancestors ([^;]+)", csp).group(1).split()
        assert ancestors == list(settings.DECIMETRO_EMBED_FRAME_ANCESTORS)
        assert "X-Frame-Options" not in r
        assert "script-src 'self'" in csp  # the rest of the policy is kept
    for url in ("/widget/", "/territorio/comuni/015901/", "/piano/obiettivi/M1.1/"):
        r = client.get(url)
        assert "frame-ancestors 'none'" in r["Content-Security-Policy"], url
        assert r["X-Frame-Options"] == "DENY", url


def test_widgets_have_no_script_and_weigh_under_50_kb(client, site):
    css = (ROOT / "static" / "css" / "embed.css").stat().st_size
    for url in (COMUNE, OBJECTIVE, COMUNE + "?tema=scuro"):
        r = client.get(url)
        html = r.content.decode()
        assert "<script" not in html and " style=" not in html and "<style" not in html, url
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert [Path(s).name for s in stylesheets] == ["embed.css"], url  # no framework stylesheet
        assert len(r.content) + css < SIZE_LIMIT, (url, len(r.content), css)


def test_real_comune_widget_with_its_zone_map_stays_small(client, territory):
    r = client.get("/embed/comuni/015146/")  # Milano: the largest outline, in its zone
    assert r.status_code == 200
    doc = parse(r.content)
    paths = doc.find("svg", class_="widget-map").find_all("path")
    assert len(paths) >= 1 and sum(p["class"] == "own" for p in paths) == 1
    assert len(r.content) + (ROOT / "static/css/embed.css").stat().st_size < SIZE_LIMIT


def test_theme_dark_and_unknown_theme_falls_back_to_light(client, site):
    assert 'class="widget widget-scuro"' in client.get(COMUNE + "?tema=scuro").content.decode()
    assert 'class="widget widget-chiaro"' in client.get(COMUNE + "?tema=<b>").content.decode()


@pytest.mark.parametrize("url", ["/embed/comuni/999999/", "/embed/piano/obiettivi/M9.9/"])
def test_unknown_codes_are_the_branded_404(client, site, url):
    r = client.get(url)
    assert r.status_code == 404
    assert "Pagina non trovata" in r.content.decode()


def test_widget_links_back_open_the_full_page(client, site):
    doc = parse(client.get(COMUNE).content)
    links = doc.find_all("a")
    assert links and all(a["target"] == "_blank" and "noopener" in a["rel"] for a in links)
    assert any(a["href"].endswith("/territorio/comuni/015901/") for a in links)


def test_widget_follows_the_data_at_once_with_the_cache_on(client, site, settings, staff_user):
    settings.DECIMETRO_MAP_CACHE_SECONDS = 300
    cache.clear()
    assert _figures(client.get(OBJECTIVE).content)["projects"] == "2"
    p4 = site["p"][3]
    link_confirm(by=staff_user, link=ProjectObjectiveLink.objects.get(project=p4))  # the staff's decision
    assert _figures(client.get(OBJECTIVE).content)["projects"] == "3"
    new = ProjectFactory(title="Nuovo progetto", fin_pnrr=Decimal("7000000"), fin_totale=Decimal("7000000"))
    PlaceFactory(project=new, comune=site["alfa"])
    _link(new, site["o1"])
    assert _figures(client.get(COMUNE).content)["projects"] == "4"


def test_builder_writes_the_snippet(client, site):
    r = client.get("/widget/", {"widget": "c:015901", "larghezza": "400", "altezza": "9999", "tema": "scuro"})
    assert r.status_code == 200
    doc = parse(r.content)
    snippet = doc.find("textarea", id="widget-snippet").get_text()
    assert 'src="http://testserver/embed/comuni/015901/?tema=scuro"' in snippet
    assert 'width="400"' in snippet and 'height="1600"' in snippet  # clamped to the limits
    assert 'title="Decimetro – dati PNRR: Alfa"' in snippet  # noqa: RUF001
    assert (
        doc.find("iframe", id="widget-preview")["src"] == "http://testserver/embed/comuni/015901/?tema=scuro"
    )
    objective = parse(client.get("/widget/", {"widget": "o:M1.1"}).content)
    assert "/embed/piano/obiettivi/M1.1/" in objective.find("textarea", id="widget-snippet").get_text()


@pytest.mark.parametrize("choice", ["c:999999", "o:M9.9", "x:1", "c:<script>"])
def test_builder_refuses_unknown_choices_in_italian(client, site, choice):
    r = client.get("/widget/", {"widget": choice})
    assert r.status_code == 200
    doc = parse(r.content)
    assert doc.find("div", id="widget-error") is not None
    assert doc.find("textarea", id="widget-snippet") is None
    assert "c:<script>" not in r.content.decode()


def test_comune_and_objective_pages_link_to_the_builder(client, site):
    assert '/widget/?widget=c:015901"' in client.get("/territorio/comuni/015901/").content.decode()
    assert '/widget/?widget=o:M1.1"' in client.get("/piano/obiettivi/M1.1/").content.decode()


def test_outlines_fit_the_square_and_put_the_own_shape_last():
    square = {
        "type": "Polygon",
        "coordinates": [[[9.0, 45.0], [9.1, 45.0], [9.1, 45.1], [9.0, 45.1], [9.0, 45.0]]],
    }
    other = {
        "type": "MultiPolygon",
        "coordinates": [[[[9.1, 45.0], [9.2, 45.0], [9.2, 45.05], [9.1, 45.0]]]],
    }
    out = outlines_svg([("A", square, True), ("B", other, False), ("C", None, False)])
    assert [o.name for o in out] == ["B", "A"]
    numbers = [float(n) for o in out for n in re.findall(r"[\d.]+", o.path)]
    assert min(numbers) >= 0 and max(numbers) <= 240
