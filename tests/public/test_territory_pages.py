"""The territory pages: comuni list (sort, search, zone filter), comune page, zones, map."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from decimetro.territory.models import Comune
from decimetro.territory.services import territory_load
from tests._dom import parse
from tests.factories import (
    ComuneFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)

COMUNI_URL = "/territorio/comuni/"
ROW = re.compile(r'<th scope="row"><a href="/territorio/comuni/(\d{6})/">')


def row_codes(response) -> list[str]:
    """The ISTAT codes of the table rows, in page order."""
    return ROW.findall(response.content.decode())


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# Comuni list: sorting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordina", "first"),
    [
        ("name", ["015002", "015005", "015007", "015009"]),  # Abbiategrasso, Albairate, Arconate, Arese
        ("-name", ["015247", "015244", "015243", "015242"]),  # Zibido S. G., Vizzolo P., Vittuone, Vimodrone
        ("code", ["015002", "015005", "015007", "015009"]),
        ("-code", ["015251", "015250", "015249", "015248"]),  # Vermezzo con Zelo, Baranzate, ...
        ("zone", ["015014", "015016", "015040", "015044"]),  # Adda Martesana: Basiano, Bellinzago L., ...
        ("-zone", ["015011", "015015", "015024", "015036"]),  # Sud Ovest: Assago, Basiglio, Binasco, ...
        ("population", ["015155", "015150", "015042", "015165"]),  # Nosate, Morimondo, Calvignasco, Ozzero
        ("-population", ["015146", "015209", "015077", "015118"]),  # Milano, Sesto S. G., Cinisello, Legnano
        ("area", ["015042", "015194", "015110", "015035"]),  # Calvignasco, San Giorgio su L., Grezzago, ...
        ("-area", ["015146", "015002", "015195", "015103"]),  # Milano, Abbiategrasso, San Giuliano M., ...
    ],
)
def test_comune_list_sorts_by_each_column_both_ways(client, territory, ordina, first):
    response = client.get(COMUNI_URL, {"ordina": ordina})
    codes = row_codes(response)
    assert len(codes) == 133
    assert codes[:4] == first


def test_comune_list_is_sorted_by_name_by_default_and_for_unknown_sort(client, territory):
    default = row_codes(client.get(COMUNI_URL))
    assert default[:2] == ["015002", "015005"]
    assert row_codes(client.get(COMUNI_URL, {"ordina": "geometry"})) == default


def test_comune_list_headers_link_to_the_other_direction_and_mark_aria_sort(client, territory):
    page = html(client.get(COMUNI_URL, {"ordina": "-population", "zona": "sud-est"}))
    assert (
        'aria-sort="descending"><a href="?ordina=population&amp;zona=sud-est" data-sort="population">' in page
    )
    assert page.count("aria-sort=") == 1
    assert '<a href="?ordina=name&amp;zona=sud-est" data-sort="name">' in page
    page = html(client.get(COMUNI_URL, {"ordina": "name"}))
    assert 'aria-sort="ascending"><a href="?ordina=-name" data-sort="name">' in page
    # numbers sort largest first on the first click
    assert '<a href="?ordina=-area" data-sort="area">' in page


@pytest.mark.parametrize("ordina", ["population", "-population", "area", "-area", "zone", "-zone"])
def test_comune_list_puts_missing_values_last_in_both_directions(client, db, ordina):
    small = ComuneFactory(population_resident=10, area_kmq=1, zone=ZoneFactory(name="A zona"))
    big = ComuneFactory(population_resident=20, area_kmq=2, zone=ZoneFactory(name="B zona"))
    unknown = ComuneFactory(population_resident=None, area_kmq=None, zone=None)
    expected = [small.codice_istat, big.codice_istat]
    if ordina.startswith("-"):
        expected.reverse()
    assert row_codes(client.get(COMUNI_URL, {"ordina": ordina})) == [*expected, unknown.codice_istat]


# Comuni list: search and filter -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Rho", ["015182"]),
        ("rho", ["015182"]),
        ("015182", ["015182"]),
        ("H264", ["015182"]),
        ("h264", ["015182"]),
        ("F205", ["015146"]),
        ("015146", ["015146"]),
        ("  Milano  ", ["015146"]),  # trimmed; "Milanese", "Milanino" do not contain "milano"
        ("01518", ["015181", "015182", "015183", "015184", "015185", "015188", "015189"]),  # a code prefix
    ],
)
def test_comune_list_searches_by_name_istat_code_and_cadastral_code(client, territory, q, expected):
    codes = row_codes(client.get(COMUNI_URL, {"q": q, "ordina": "code"}))
    assert codes == expected


def test_comune_list_search_by_name_part_finds_every_match(client, territory):
    codes = row_codes(client.get(COMUNI_URL, {"q": "san giuliano"}))
    assert codes == ["015195"]
    codes = row_codes(client.get(COMUNI_URL, {"q": "Trezz"}))
    assert set(Comune.objects.filter(codice_istat__in=codes).values_list("name", flat=True)) == {
        "Trezzano Rosa", "Trezzano sul Naviglio", "Trezzo sull'Adda",
    }  # fmt: skip


def test_comune_list_search_with_no_match_says_so(client, territory):
    page = html(client.get(COMUNI_URL, {"q": "Atlantide"}))
    assert row_codes(client.get(COMUNI_URL, {"q": "Atlantide"})) == []
    assert "Nessun comune trovato." in page
    assert '<p id="result-count" role="status">0 comuni</p>' in page


def test_comune_list_filters_by_zone(client, territory):
    response = client.get(COMUNI_URL, {"zona": "nord-milano"})
    codes = row_codes(response)
    assert len(codes) == 6
    assert set(Comune.objects.filter(codice_istat__in=codes).values_list("zone__name", flat=True)) == {
        "Nord Milano"
    }
    assert '<option value="nord-milano" selected>Nord Milano</option>' in html(response)
    assert "6 comuni" in html(response)


def test_comune_list_combines_search_zone_and_sort(client, territory):
    codes = row_codes(client.get(COMUNI_URL, {"zona": "sud-est", "q": "San", "ordina": "-population"}))
    names = list(Comune.objects.filter(codice_istat__in=codes).values_list("name", flat=True))
    assert {"San Donato Milanese", "San Giuliano Milanese", "San Zenone al Lambro"} <= set(names)
    populations = [Comune.objects.get(codice_istat=c).population_resident for c in codes]
    assert populations == sorted(populations, reverse=True)


def test_comune_list_shows_only_the_territory_of_the_setting(client, territory, settings):
    territory_load(uts="201")
    assert len(row_codes(client.get(COMUNI_URL))) == 133
    settings.DECIMETRO_TERRITORY_UTS = "201"
    codes = row_codes(client.get(COMUNI_URL))
    assert len(codes) == 312
    assert all(c.startswith("001") for c in codes)
    assert client.get(f"{COMUNI_URL}015146/").status_code == 404
    assert client.get(f"{COMUNI_URL}001272/").status_code == 200  # Torino


# Comune page ------------------------------------------------------------------------------------------------


def test_comune_page_shows_codes_zone_populations_area(client, territory):
    page = html(client.get(f"{COMUNI_URL}015182/"))
    assert "<h1>Rho" in page
    facts = page[page.index('id="comune-facts"') :]
    rho = Comune.objects.get(codice_istat="015182")
    assert '<dd class="col-6">015182</dd>' in facts
    assert '<dd class="col-6">H264</dd>' in facts
    assert '<a href="/territorio/zone/nord-ovest/">Nord Ovest</a>' in facts
    for value in (rho.population_legal, rho.population_resident):
        assert f"{value:,}".replace(",", ".") in facts  # Italian grouping
    assert f"{rho.area_kmq:.2f}".replace(".", ",") + " km²" in facts
    assert "Fonte: ISTAT" in page and "© ISTAT, elaborazione openpolis" in page


def test_comune_page_embeds_the_geometry_for_the_small_map(client, territory):
    page = html(client.get(f"{COMUNI_URL}015146/"))
    match = re.search(r'<script id="comune-geometry" type="application/json">(.*?)</script>', page, re.S)
    assert match
    assert json.loads(match.group(1)) == Comune.objects.get(codice_istat="015146").geometry
    assert 'id="comune-map"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "/static/js/maps.js" in page
    assert "Capoluogo" in page


def test_comune_page_without_geometry_has_no_map(client, db):
    comune = ComuneFactory(geometry=None, population_legal=None, area_kmq=None)
    page = html(client.get(f"{COMUNI_URL}{comune.codice_istat}/"))
    assert 'id="comune-map"' not in page
    assert "leaflet.js" not in page


@pytest.mark.parametrize("url", [f"{COMUNI_URL}999999/", f"{COMUNI_URL}abc/", "/territorio/zone/atlantide/"])
def test_unknown_codes_are_404(client, territory, url):
    assert client.get(url).status_code == 404


# Zones ------------------------------------------------------------------------------------------------------

ZONES = {
    "milano": ("Milano", 1, 1_358_420),
    "adda-martesana": ("Adda Martesana", 29, 392_148),
    "alto-milanese": ("Alto Milanese", 22, 257_121),
    "magentino-e-abbiatense": ("Magentino e Abbiatense", 28, 218_565),
    "nord-milano": ("Nord Milano", 6, 266_489),
    "nord-ovest": ("Nord Ovest", 16, 318_288),
    "sud-est": ("Sud Est", 15, 177_027),
    "sud-ovest": ("Sud Ovest", 16, 239_948),
}


def italian(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def test_zone_list_shows_the_8_zones_with_totals(client, territory):
    page = html(client.get("/territorio/zone/"))
    rows = re.findall(r'<tr><th scope="row"><a href="/territorio/zone/([a-z-]+)/">', page)
    assert rows[0] == "milano"  # the capoluogo first, then the zones A→Z
    assert rows[1:] == sorted(rows[1:])
    assert set(rows) == set(ZONES)
    for name, count, population in ZONES.values():
        cells = rf'<td class="text-end">{count}</td><td class="text-end">{italian(population)}</td>'
        assert re.search(rf">{name}</a>.*?{cells}", page)


@pytest.mark.parametrize("slug", list(ZONES))
def test_zone_page_lists_its_comuni_with_totals(client, territory, slug):
    name, count, population = ZONES[slug]
    response = client.get(f"/territorio/zone/{slug}/")
    page = html(response)
    assert f"<h1>{name}</h1>" in page
    codes = row_codes(response)
    assert len(codes) == count
    assert set(Comune.objects.filter(codice_istat__in=codes).values_list("zone__slug", flat=True)) == {slug}
    assert italian(population) in page
    assert f'href="/territorio/mappa/?zona={slug}"' in page


# Map --------------------------------------------------------------------------------------------------------


def test_map_page_uses_vendored_leaflet_and_the_geojson_api(client, territory):
    page = html(client.get("/territorio/mappa/"))
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">' in page
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in page
    assert '<script src="/static/js/choropleth.js"></script>' in page  # see tests/public/test_map_pages.py
    assert 'id="map"' in page
    assert 'data-geojson="/api/v1/territory/comuni.geojson"' in page
    assert 'data-comune-url="/territorio/comuni/000000/"' in page
    # offline: nothing is loaded from another host (no tile server, no CDN)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "tile" not in page.lower()


def test_map_page_has_a_text_alternative_and_a_noscript_note(client, territory):
    page = html(client.get("/territorio/mappa/"))
    alternative = page[page.index('id="map-alternative"') :]
    assert '<a href="/territorio/comuni/" id="map-list-link">' in alternative
    assert "<noscript>" in page
    for slug, (name, _count, _population) in ZONES.items():
        assert f'<a href="/territorio/zone/{slug}/">{name}</a>' in alternative
        assert f'href="?zona={slug}"' in alternative


def test_map_page_embeds_the_zones_for_the_legend(client, territory):
    page = html(client.get("/territorio/mappa/"))
    match = re.search(r'<script id="map-zones" type="application/json">(.*?)</script>', page, re.S)
    assert match
    zones = json.loads(match.group(1))
    assert zones[0]["slug"] == "milano"
    assert {z["slug"]: z["name"] for z in zones} == {slug: v[0] for slug, v in ZONES.items()}


def test_map_page_states_the_highlighted_zone_from_the_url(client, territory):
    page = html(client.get("/territorio/mappa/", {"zona": "sud-est"}))
    selection = page[page.index('id="map-selection"') : page.index('id="map"')]
    assert "<strong>Sud Est</strong>" in selection
    assert 'href="?zona=sud-est" aria-current="true"' in page
    page = html(client.get("/territorio/mappa/", {"zona": "atlantide"}))
    selection = page[page.index('id="map-selection"') : page.index('id="map"')]
    assert "Zona evidenziata" not in selection
    assert 'aria-current="true"' not in page[page.index('id="map-alternative"') :]


def test_map_script_keeps_the_ids_and_hooks_the_browser_tests_rely_on(client):
    from django.contrib.staticfiles import finders

    path = finders.find("js/maps.js")
    assert path
    with open(path, encoding="utf-8") as fh:
        script = fh.read()
    for hook in ('div.id = "map-legend"', 'className: "comune-tooltip"', 'el.dataset.loaded = "1"', '"zona"'):
        assert hook in script


# Query counts (N+1 guards) ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_comune_list_query_count_is_constant(client, db, django_assert_num_queries, n):
    for comune in ComuneFactory.create_batch(n):
        _located_project(comune)
    # comuni with their zone; zones for the filter; the PNRR figures (insights/lists.py: the territory's
    # comuni, their projects' places); the map's values for the progress (comuni, aggregate, latest release)
    with django_assert_num_queries(7):
        response = client.get(COMUNI_URL, {"ordina": "-pnrr"})
    assert len(row_codes(response)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_zone_page_query_count_is_constant(client, db, django_assert_num_queries, n):
    zone = ZoneFactory(slug="zona-test")
    ComuneFactory.create_batch(n, zone=zone)
    # the zone with its totals; its comuni; PNRR totals and largest projects
    # (tests/public/test_pnrr_pages.py);
    # "where it stands" (public/views/map.area_where): comuni, the values aggregate, latest payment release
    with django_assert_num_queries(7):
        response = client.get("/territorio/zone/zona-test/")
    assert len(row_codes(response)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_zone_list_and_map_query_counts_are_constant(client, db, django_assert_num_queries, n):
    for _ in range(n):
        for comune in ComuneFactory.create_batch(2, zone=ZoneFactory()):
            _located_project(comune)
    # the zones with their totals; the PNRR figures (the territory's comuni, their projects' places); the
    # map's values for the progress (comuni, aggregate, latest release)
    with django_assert_num_queries(6):
        assert client.get("/territorio/zone/", {"ordina": "-progress"}).status_code == 200
    # the choropleth: comuni, the values aggregate, latest payment release; the form's choices (5 lists)
    with django_assert_num_queries(8):
        assert client.get("/territorio/mappa/").status_code == 200


def test_comune_page_query_count(client, django_assert_num_queries, db):
    comune = ComuneFactory()
    # the comune; PNRR totals and largest projects (see test_pnrr_pages); the comune's indicators;
    # "where it stands" (public/views/map.area_where): comuni, the values aggregate, latest payment release
    with django_assert_num_queries(7):
        assert client.get(f"{COMUNI_URL}{comune.codice_istat}/").status_code == 200


# Lists with the PNRR figures --------------------------------------------------------------------------------


def _located_project(comune, amount: str = "100000.00") -> None:
    project = ProjectFactory(fin_pnrr=Decimal(amount))
    PlaceFactory(project=project, comune=comune)
    PaymentSnapshotFactory(project=project, paid_total=Decimal("30000.00"))


@pytest.fixture
def odd_amounts(map_projects):
    """The map scenario plus 100 000,01 over Alfa, Beta and Gamma (thirds that are not whole cents)."""
    p6 = ProjectFactory(submeasure=map_projects["p1"].submeasure, fin_pnrr=Decimal("100000.01"))
    for key in ("alfa", "beta", "gamma"):
        PlaceFactory(project=p6, comune=map_projects[key])
    PaymentSnapshotFactory(project=p6, paid_total=Decimal("12345.67"), fin_totale=Decimal("100000.01"))
    return map_projects


def _figures(doc, tr) -> dict[str, str]:
    return {
        td["data-figure"]: " ".join(td.get_text().split())
        for td in tr.find_all("td", attrs={"data-figure": True})
    }


def _page_figures(client, url: str) -> dict[str, str]:
    """The area page's PNRR total and per resident (its PNRR block) and payment progress (where it stands)."""
    doc = parse(client.get(url).content)
    values = [" ".join(dd.get_text().split()) for dd in doc.find("dl", id="pnrr-totals").find_all("dd")]
    progress = " ".join(doc.find("dd", attrs={"data-standing": "payment_progress"}).get_text().split())
    return {
        "pnrr": values[1].split(" €")[0],
        "per_resident": values[2].split(" €")[0].split(" (")[0],
        "progress": progress.split(" (")[0],
    }


def test_comune_list_rows_equal_the_comune_pages_to_the_cent(client, odd_amounts):
    doc = parse(client.get(COMUNI_URL).content)
    rows = {
        tr.find("th").find("a")["href"].split("/")[-2]: tr
        for tr in doc.find("table", id="comuni").find_all("tr")[1:]
    }
    assert set(rows) == {"015901", "015902", "015903"}
    for code, tr in rows.items():
        assert _figures(doc, tr) == _page_figures(client, f"{COMUNI_URL}{code}/"), code
    # Alfa: p1 100 000 + p2 30 000 + p6 33 333,336… = 163 333,34 (M1, rounded once); 16,33 per resident;
    # paid 40 000 + 4 115,22… of funded (fin_totale) 120 000 + 30 000 + 40 000 (projects without payments
    # count 0 paid)
    assert _figures(doc, rows["015901"]) == {
        "pnrr": "163.333,34",
        "per_resident": "16,33",
        "progress": "23,2%",
    }
    assert _figures(doc, rows["015903"])["per_resident"] == "—"  # Gamma: no population


def test_zone_list_rows_equal_the_zone_pages_to_the_cent(client, odd_amounts):
    doc = parse(client.get("/territorio/zone/").content)
    rows = {
        tr.find("th").find("a")["href"].split("/")[-2]: tr
        for tr in doc.find("table", id="zones").find_all("tr")[1:]
    }
    assert set(rows) == {"nord", "sud"}
    for slug, tr in rows.items():
        assert _figures(doc, tr) == _page_figures(client, f"/territorio/zone/{slug}/"), slug
    # Nord (Alfa, Beta): M1 100 000 + 60 000 + 66 666,67 (two thirds of 100 000,01) + M2 30 000
    assert _figures(doc, rows["nord"])["pnrr"] == "256.666,67"


@pytest.mark.parametrize(
    ("ordina", "expected"),
    [
        ("-pnrr", ["015901", "015902", "015903"]),  # 163 333,34; 93 333,34; 58 333,34
        ("pnrr", ["015903", "015902", "015901"]),
        ("-per_resident", ["015901", "015902", "015903"]),  # 16,33; 3,11; Gamma has no population: last
        ("per_resident", ["015902", "015901", "015903"]),
        # 23,2%; Gamma 4,3% (4 115,22 of 95 000); Beta 4,1% (4 115,22 of 100 000)
        ("-progress", ["015901", "015903", "015902"]),
    ],
)
def test_comune_list_sorts_by_the_pnrr_figures(client, odd_amounts, ordina, expected):
    assert row_codes(client.get(COMUNI_URL, {"ordina": ordina})) == expected


def test_comune_list_figure_headers_sort_largest_first_and_mark_aria_sort(client, odd_amounts):
    page = html(client.get(COMUNI_URL, {"ordina": "-pnrr", "zona": "nord"}))
    assert 'aria-sort="descending"><a href="?ordina=pnrr&amp;zona=nord" data-sort="pnrr">' in page
    assert '<a href="?ordina=-per_resident&amp;zona=nord" data-sort="per_resident">' in page
    assert '<a href="?ordina=-progress&amp;zona=nord" data-sort="progress">' in page
    assert row_codes(client.get(COMUNI_URL, {"ordina": "-pnrr", "zona": "nord"})) == ["015901", "015902"]


def test_zone_list_sorts_by_its_columns_and_figures(client, odd_amounts):
    def slugs(ordina: str) -> list[str]:
        page = html(client.get("/territorio/zone/", {"ordina": ordina}))
        return re.findall(r'<tr><th scope="row"><a href="/territorio/zone/([a-z-]+)/">', page)

    assert slugs("-pnrr") == ["nord", "sud"]
    assert slugs("pnrr") == ["sud", "nord"]
    assert slugs("-per_resident") == ["nord", "sud"]  # Sud (Gamma) has no population: last both ways
    assert slugs("per_resident") == ["nord", "sud"]
    assert slugs("name") == ["nord", "sud"] and slugs("-name") == ["sud", "nord"]
    page = html(client.get("/territorio/zone/", {"ordina": "-pnrr"}))
    assert 'aria-sort="descending"><a href="?ordina=pnrr" data-sort="pnrr">' in page
    assert '<a href="?ordina=-comuni" data-sort="comuni">' in page


def test_area_lists_are_wrapped_for_small_screens_and_explain_their_figures(client, odd_amounts):
    for url, table_id, how in (
        (COMUNI_URL, "comuni", "comuni-how"),
        ("/territorio/zone/", "zones", "zones-how"),
    ):
        doc = parse(client.get(url).content)
        assert "table-responsive" in doc.find("table", id=table_id).parent["class"].split()
        text = doc.find(id=how).get_text()
        assert "ripartizione uguale tra i luoghi" in text and "Avanzamento: pagamenti totali" in text
