"""The PNRR pages: project list (filters, sorting, pagination, CSV), project page, measures, implementing
bodies, the PNRR section of the comune and zone pages, the staff-only import log."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict

from decimetro.pnrr.models import Provenance
from tests._dom import parse
from tests.factories import (
    ComuneFactory,
    ImplementingBodyFactory,
    ImportRunFactory,
    MeasurePaymentFactory,
    MilestoneFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/progetti/"
CREDIT = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001
ROW_CUP = re.compile(r'<tr data-cup="([A-Z0-9]+)">')


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def cups(response) -> list[str]:
    """The CUPs of the project table, in page order."""
    return ROW_CUP.findall(html(response))


def csv_rows(response) -> list[list[str]]:
    """The default export (the Italian CSV: BOM, `;`), header on line 1, credit in the `fonte` column."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))


@pytest.fixture
def catalogue(pnrr_submeasure):
    """Three projects in two comuni of two zones, with different missions, bodies, provenance and amounts."""
    nord, sud = ZoneFactory(slug="nord", name="Nord"), ZoneFactory(slug="sud", name="Sud")
    a = ComuneFactory(codice_istat="015901", name="Alfa", zone=nord)
    b = ComuneFactory(codice_istat="015902", name="Beta", zone=sud)
    cloud = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    school = pnrr_submeasure("M4", "M4C1", "M4C1I3.03")
    body_a = ImplementingBodyFactory(fiscal_code="00000000001", name="COMUNE DI ALFA")
    body_b = ImplementingBodyFactory(fiscal_code="80000000002", name="ISTITUTO SCOLASTICO BETA")
    p1 = ProjectFactory(
        cup="B11C22000000001",
        title="Migrazione al cloud di Alfa",
        submeasure=cloud,
        implementing_body=body_a,
        fin_pnrr=Decimal("50000.00"),
    )
    p2 = ProjectFactory(
        cup="B11C22000000002",
        title="Messa in sicurezza della scuola",
        synthesis="Adeguamento sismico della palestra.",
        submeasure=school,
        implementing_body=body_b,
        fin_pnrr=Decimal("2500000.00"),
    )
    p3 = ProjectFactory(
        cup="B11C22000000003",
        title="Cloud per la scuola",
        submeasure=cloud,
        implementing_body=body_b,
        provenance=Provenance.UNIVERSE,
        fin_pnrr=Decimal("700000.00"),
    )
    PlaceFactory(project=p1, comune=a)
    PlaceFactory(project=p2, comune=b)
    PlaceFactory(project=p3, comune=a)
    PlaceFactory(project=p3, comune=b)
    return {"p1": p1, "p2": p2, "p3": p3, "alfa": a, "beta": b, "body_a": body_a, "body_b": body_b}


# Project list: filters, sorting, pagination -----------------------------------------------------------------


def test_project_list_shows_all_projects_largest_first_with_credit(client, catalogue):
    response = client.get(LIST)
    assert cups(response) == ["B11C22000000002", "B11C22000000003", "B11C22000000001"]
    page = html(response)
    assert "Messa in sicurezza della scuola" in page
    assert 'id="pnrr-credit"' in page and CREDIT in page
    assert "3 progetti" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"missione": "M4"}, ["B11C22000000002"]),
        ({"missione": "m1"}, ["B11C22000000003", "B11C22000000001"]),
        ({"componente": "M1C1"}, ["B11C22000000003", "B11C22000000001"]),
        ({"misura": "M4C1I3.03"}, ["B11C22000000002"]),
        ({"comune": "015901"}, ["B11C22000000003", "B11C22000000001"]),
        ({"zona": "sud"}, ["B11C22000000002", "B11C22000000003"]),
        ({"attuatore": "00000000001"}, ["B11C22000000001"]),
        ({"attuatore": "scolastico"}, ["B11C22000000002", "B11C22000000003"]),
        ({"provenienza": "universe"}, ["B11C22000000003"]),
        ({"provenienza": "validated"}, ["B11C22000000002", "B11C22000000001"]),
        ({"importo_min": "600000"}, ["B11C22000000002", "B11C22000000003"]),
        ({"importo_min": "60.000,00", "importo_max": "1.000.000"}, ["B11C22000000003"]),
        ({"importo_max": "50000"}, ["B11C22000000001"]),
        ({"q": "cloud"}, ["B11C22000000003", "B11C22000000001"]),
        ({"q": "palestra"}, ["B11C22000000002"]),  # the synthesis
        ({"q": "22000000001"}, ["B11C22000000001"]),  # part of the CUP
        ({"missione": "M1", "comune": "015902"}, ["B11C22000000003"]),
        ({"q": "nessuno"}, []),
    ],
)
def test_project_list_filters(client, catalogue, params, expected):
    assert cups(client.get(LIST, params)) == expected


@pytest.mark.parametrize(
    "params", [{"provenienza": "altro"}, {"importo_min": "tanti"}, {"ordina": "geometry"}, {"pagina": "x"}]
)
def test_project_list_ignores_invalid_values(client, catalogue, params):
    assert cups(client.get(LIST, params)) == cups(client.get(LIST))


def test_project_list_keeps_the_filters_in_the_form(client, catalogue):
    page = html(client.get(LIST, {"q": "cloud", "zona": "sud", "importo_min": "1000"}))
    assert 'name="q" value="cloud"' in page
    assert '<option value="sud" selected>' in page
    assert 'name="importo_min" value="1000"' in page


@pytest.mark.parametrize(
    ("ordina", "expected"),
    [
        ("-amount", ["B11C22000000002", "B11C22000000003", "B11C22000000001"]),
        ("amount", ["B11C22000000001", "B11C22000000003", "B11C22000000002"]),
        ("title", ["B11C22000000003", "B11C22000000002", "B11C22000000001"]),
        ("cup", ["B11C22000000001", "B11C22000000002", "B11C22000000003"]),
        ("measure", ["B11C22000000001", "B11C22000000003", "B11C22000000002"]),
    ],
)
def test_project_list_sorts(client, catalogue, ordina, expected):
    assert cups(client.get(LIST, {"ordina": ordina})) == expected


def test_project_list_paginates_and_links_pages_with_the_filters(client, db, pnrr_submeasure):
    """Keyset pages (`?dopo=`/`?prima=`, never `?pagina=`: an OFFSET reads every skipped row)."""
    ProjectFactory.create_batch(12, submeasure=pnrr_submeasure("M1", "M1C1", "M1C1I1.02"))
    first = client.get(LIST, {"per_pagina": 10, "missione": "M1", "ordina": "cup"})
    next_url = page_link(first, "next")
    assert next_url.startswith("/progetti/?per_pagina=10&missione=M1&ordina=cup&dopo=")
    second = client.get(next_url)
    assert len(cups(first)) == 10 and len(cups(second)) == 2
    assert not set(cups(first)) & set(cups(second))
    assert "12 progetti" in html(first) and "mostrati 1–10" in html(first)  # noqa: RUF001
    assert "12 progetti" in html(second) and "mostrati 11–12" in html(second)  # noqa: RUF001
    assert page_link(second, "next") is None and page_link(first, "prev") is None
    back = client.get(page_link(second, "prev"))
    assert cups(back) == cups(first) and "mostrati 1–10" in html(back)  # noqa: RUF001
    assert page_link(back, "prev") is None and page_link(back, "next") == next_url


def page_link(response, rel: str) -> str | None:
    """The page's "next"/"prev" link (absolute path, query unescaped), or None."""
    found = re.search(rf'href="([^"]*)" rel="{rel}"', html(response))
    return f"{LIST}{found.group(1).replace('&amp;', '&')}" if found else None


@pytest.fixture
def many_projects(db, pnrr_submeasure):
    """23 projects over two measures, with ties and null amounts (nulls sort last both ways)."""
    subs = [pnrr_submeasure("M1", "M1C1", "M1C1I1.02"), pnrr_submeasure("M4", "M4C1", "M4C1I3.03")]
    amounts = [Decimal("1000.00"), Decimal("2000.00"), None, Decimal("2000.00"), Decimal("500.00")]
    titles = ["Scuola", "Asilo", "Cloud", "Scuola", "Ponte"]
    for i in range(23):
        ProjectFactory(
            submeasure=subs[i % 2],
            fin_pnrr=amounts[i % 5],
            fin_totale=None if i % 7 == 0 else Decimal(3000 + i % 4),
            title=titles[i % 5],
        )


@pytest.mark.parametrize(
    "ordina",
    ["-amount", "amount", "-total", "total", "title", "-title", "cup", "-cup", "measure", "-measure"],
)
@pytest.mark.parametrize("params", [{}, {"missione": "M1"}])
def test_project_list_pages_show_every_project_once_forward_and_back(client, many_projects, ordina, params):
    from decimetro.insights.params import filters_from
    from decimetro.pnrr.selectors import projects_filtered

    query = QueryDict(mutable=True)
    query.update({**params, "ordina": ordina, "per_pagina": "10"})
    expected = [p.cup for p in projects_filtered(filters=filters_from(query)[0], sort=ordina)]
    pages = [cups(client.get(f"{LIST}?{query.urlencode()}"))]
    url = page_link(client.get(f"{LIST}?{query.urlencode()}"), "next")
    while url:
        response = client.get(url)
        pages.append(cups(response))
        last, url = response, page_link(response, "next")
    assert [cup for page in pages for cup in page] == expected  # no row twice, none missing, same order
    back, url = [], page_link(last, "prev")
    while url:
        response = client.get(url)
        back.insert(0, cups(response))
        url = page_link(response, "prev")
    assert back == pages[:-1]


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "%%%",
        "e30",  # {}
        "WyIxMDAwIiwtMSwxXQ",  # ["1000",-1,1]
        "WyJOYU4iLDEsMV0",  # ["NaN",1,1]
        "WyJ0YW50aSIsMSwxXQ",  # ["tanti",1,1]: not an amount
        "W251bGwsInVubyIsMV0",  # [null,"uno",1]
        "A" * 5000,
    ],
)
@pytest.mark.parametrize("name", ["dopo", "prima"])
def test_project_list_bad_cursor_gives_the_first_page(client, many_projects, cursor, name):
    first = cups(client.get(LIST, {"per_pagina": 10}))
    response = client.get(LIST, {"per_pagina": 10, name: cursor})
    assert cups(response) == first
    assert "mostrati 1–10" in html(response)  # noqa: RUF001


@pytest.mark.parametrize("n", [1, 3])
def test_project_list_next_page_query_count_is_constant(client, db, django_assert_num_queries, n):
    from decimetro.pnrr.selectors import Cursor, encode_cursor

    projects = ProjectFactory.create_batch(n + 1, fin_pnrr=Decimal("100.00"))
    for p in projects:
        PlaceFactory(project=p)
    cursor = encode_cursor(Cursor(Decimal("100.00"), min(p.pk for p in projects), 1))
    # components with missions, measures, zones, comuni (the filters); count; page: its rows after the cursor
    # with their latest payments, then (the non-null amounts ran out) the null amounts; places of the page;
    # confirmed objectives of the page
    with django_assert_num_queries(9):
        response = client.get(LIST, {"dopo": cursor})
    assert len(cups(response)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_project_list_query_count_is_constant(client, db, django_assert_num_queries, n, plan_objectives):
    for i in range(n):
        project = PlaceFactory(project=ProjectFactory()).project
        PaymentSnapshotFactory(project=project, release_date=datetime.date(2024, 6, 30))
        PaymentSnapshotFactory(project=project)
        _confirm(project, *plan_objectives[: i + 1])
    # components with missions, measures, zones, comuni (the filters); count; page (with its latest payments,
    # insights/lists.py); places of the page; confirmed objectives of the page
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert len(cups(response)) == n


@pytest.fixture
def plan_objectives(db):
    from tests.factories import EditionFactory, MissionFactory, ObjectiveFactory

    mission = MissionFactory(edition=EditionFactory(), number=1, code="M1")
    return [ObjectiveFactory(mission=mission, number=i) for i in (1, 2, 3)]


def _confirm(project, *objectives, status="confirmed"):
    from decimetro.linking.models import LinkOrigin, ProjectObjectiveLink

    for objective in objectives:
        ProjectObjectiveLink.objects.create(
            project=project, objective=objective, origin=LinkOrigin.STAFF, status=status
        )


def _list_row(response, cup: str) -> dict[str, str]:
    doc = parse(html(response))
    tr = doc.find("tr", attrs={"data-cup": cup})
    return {
        td["data-figure"]: " ".join(td.get_text().split())
        for td in tr.find_all("td", attrs={"data-figure": True})
    }


def test_project_list_shows_paid_progress_objectives_and_provenance_as_the_project_page(
    client, db, plan_objectives
):
    validated = ProjectFactory(cup="B11C22000000001", fin_totale=Decimal("240000.00"))
    PaymentSnapshotFactory(
        project=validated, release_date=datetime.date(2024, 6, 30), paid_total=Decimal("1")
    )
    PaymentSnapshotFactory(project=validated, fin_totale=Decimal("240000.00"), paid_total=Decimal("1500.00"))
    _confirm(validated, plan_objectives[2], plan_objectives[0])
    _confirm(validated, plan_objectives[1], status="suggested")
    universe = ProjectFactory(cup="B11C22000000002", provenance=Provenance.UNIVERSE, fin_totale=Decimal("9"))
    response = client.get(LIST)
    row = _list_row(response, validated.cup)
    assert row == {
        "paid": "1.500,00",
        "progress": "0,6%",
        "objectives": "M1.1, M1.3",  # confirmed only, by code
        "provenance": "ReGiS - dati validati",
    }
    page = html(client.get(f"/progetti/{validated.pk}/"))
    assert "Pagato al 31 marzo 2025: 0,6% del finanziamento totale." in page
    payments = parse(page).find("table", id="payments").find_all("tr")
    assert " ".join(payments[-1].find_all("td")[1].get_text().split()) == row["paid"]  # the latest release
    # The table's share has the sentence's rounding (it said "1%" beside "0,6%" once).
    assert " ".join(payments[-1].find_all("td")[-1].get_text().split()) == "0,6%"
    assert _list_row(response, universe.cup) == {
        "paid": "—",
        "progress": "—",
        "objectives": "—",
        "provenance": "ReGiS - universo (non validato)",
    }
    doc = parse(html(response))
    assert doc.find("table", id="projects").parent["class"] == "table-responsive"
    assert 'href="/piano/obiettivi/M1.3/"' in html(response)
    assert "solo i collegamenti confermati" in doc.find(id="projects-how").get_text()


def test_measure_and_body_pages_keep_their_project_columns(client, db):
    project = ProjectFactory()
    page = parse(html(client.get(f"/pnrr/attuatori/{project.implementing_body.pk}/")))
    assert len(page.find("table", id="projects").find("thead").find_all("th")) == 6


# CSV export ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/progetti/?format=csv&zona=sud", "/progetti/export.csv?zona=sud"])
def test_csv_export_has_the_credit_and_the_filtered_set(client, catalogue, url):
    response = client.get(url)
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["cup", "codice_locale_progetto", "codice_submisura"]
    header = rows[0]
    data = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert {d["fonte"] for d in data} == {CREDIT}
    assert [d["cup"] for d in data] == ["B11C22000000002", "B11C22000000003"]
    assert data[0]["finanziamento_pnrr"] == "2500000,00"
    assert data[0]["missione"] == "M4" and data[0]["codice_misura"] == "M4C1I3.03"
    assert data[0]["soggetto_attuatore"] == "ISTITUTO SCOLASTICO BETA"
    assert data[1]["provenienza"] == "universo"
    assert data[1]["comuni_istat"] == "015901 015902"
    assert data[1]["provenienza_descrizione"] == "ReGiS - universo (non validato)"


def test_csv_export_ends_with_paid_progress_objectives_and_provenance(client, db, plan_objectives):
    project = ProjectFactory(cup="B11C22000000001", fin_totale=Decimal("240000.00"))
    PaymentSnapshotFactory(project=project, release_date=datetime.date(2024, 6, 30), paid_total=Decimal("1"))
    PaymentSnapshotFactory(project=project, fin_totale=Decimal("240000.00"), paid_total=Decimal("1500.00"))
    _confirm(project, plan_objectives[2], plan_objectives[0])
    _confirm(project, plan_objectives[1], status="rejected")
    bare = ProjectFactory(cup="B11C22000000002")
    rows = csv_rows(client.get(LIST, {"format": "csv", "ordina": "cup"}))
    assert rows[0][-7:-2] == [
        "pagato_totale",
        "data_pagamenti",
        "pagato_sul_finanziato_pct",
        "obiettivi_piano",
        "provenienza_descrizione",
    ]
    assert rows[0][-2:] == ["fonte", "data_dati"]  # the credit and the release date, in every row
    assert rows[1][-7:-2] == ["1500,00", "2025-03-31", "0,6", "M1.1 M1.3", "ReGiS - dati validati"]
    assert rows[2][0] == bare.cup and rows[2][-7:-2] == ["", "", "", "", "ReGiS - dati validati"]


def test_csv_export_is_not_paginated(client, db):
    ProjectFactory.create_batch(30)
    rows = csv_rows(client.get(LIST, {"format": "csv", "pagina": 2, "per_pagina": 10}))
    assert len(rows) == 1 + 30  # the header, then every project


def test_project_list_links_the_csv_of_the_same_filters(client, catalogue):
    page = html(client.get(LIST, {"zona": "sud", "pagina": 1}))
    assert 'href="/progetti/export.csv?zona=sud"' in page


# Project page ----------------------------------------------------------------------------------------------


@pytest.fixture
def project_with_history(catalogue):
    p = catalogue["p3"]
    PaymentSnapshotFactory(
        project=p, release_date=datetime.date(2024, 12, 31), paid_total=Decimal("12000.00")
    )
    PaymentSnapshotFactory(project=p, release_date=datetime.date(2025, 3, 31), paid_total=Decimal("60000.00"))
    PlaceFactory(
        project=p,
        comune=None,
        istat_code="",
        region_code="0",
        province_code="0",
        region_name="AMBITO NAZIONALE",
    )
    return p


def test_project_page_shows_text_hierarchy_amounts_body_and_cup_link(client, project_with_history):
    p = project_with_history
    page = html(client.get(f"/progetti/{p.pk}/"))
    assert "<h1>Cloud per la scuola</h1>" in page
    assert "Migrazione al cloud dei servizi digitali" in page  # synthesis
    for code in ("M1", "M1C1", 'href="/pnrr/misure/M1C1I1.02/"', "M1C1I1.02.00"):
        assert code in page
    assert 'href="https://www.opencup.gov.it/portale/web/opencup/home/progetto/-/cup/B11C22000000003"' in page
    assert f'href="/pnrr/attuatori/{p.implementing_body.pk}/"' in page
    assert "ReGiS - universo (non validato)" in page
    assert "Dati aggiornati al" in page and 'datetime="2023-02-21"' in page
    funding = page[page.index('id="funding"') : page.index("</table>", page.index('id="funding"'))]
    assert "700.000,00" in funding  # PNRR
    assert "20.000,00" in funding  # Comune
    assert "120.000,00" in funding  # total
    assert CREDIT in page


def test_project_page_shows_payment_snapshots_oldest_first_with_progress(client, project_with_history):
    page = html(client.get(f"/progetti/{project_with_history.pk}/"))
    payments = page[page.index('id="payments"') :]
    assert payments.index("31/12/2024") < payments.index("31/03/2025")
    assert "<progress" in page and 'value="50.0"' in page  # 60 000 of 120 000
    assert "pagamenti al" in page and 'datetime="2025-03-31"' in page


def test_project_page_lists_places_and_draws_the_comuni(client, project_with_history, catalogue):
    page = html(client.get(f"/progetti/{project_with_history.pk}/"))
    places = page[page.index('id="places"') : page.index("</ul>", page.index('id="places"'))]
    assert f'href="/territorio/comuni/{catalogue["alfa"].codice_istat}/">Alfa</a>' in places
    assert "Beta" in places and "AMBITO NAZIONALE" in places
    assert 'id="project-map"' in page and '"GeometryCollection"' in page
    assert "vendor/leaflet/leaflet.js" in page


def test_project_page_without_payments_or_geometry(client, db):
    p = ProjectFactory()
    PlaceFactory(project=p, comune=ComuneFactory(geometry=None))
    page = html(client.get(f"/progetti/{p.pk}/"))
    assert 'id="no-payments"' in page
    assert 'id="project-map"' not in page


def test_untitled_universe_project_shows_its_measure_cup_opencup_link_and_provenance(client, catalogue):
    stub = ProjectFactory(
        cup="E41B22000000777",
        title="",
        synthesis="",
        submeasure=catalogue["p1"].submeasure,
        provenance=Provenance.UNIVERSE,
        implementing_body=None,
    )
    PlaceFactory(project=stub, comune=catalogue["alfa"], dataset=Provenance.UNIVERSE)
    opencup = 'href="https://www.opencup.gov.it/portale/web/opencup/home/progetto/-/cup/E41B22000000777"'
    page = html(client.get(f"/progetti/{stub.pk}/"))
    assert "<h1>M1C1I1.02 Misura M1C1I1.02</h1>" in page
    assert 'id="untitled"' in page and "Titolo non pubblicato nei dati validati" in page
    assert opencup in page and "ReGiS - universo (non validato)" in page
    assert "<title>CUP E41B22000000777" in page
    rows = html(client.get(LIST, {"q": "E41B22000000777"}))
    row = rows[rows.index('<tr data-cup="E41B22000000777">') :]
    row = row[: row.index("</tr>")]
    assert f'<a href="/progetti/{stub.pk}/" data-untitled>M1C1I1.02 Misura M1C1I1.02</a>' in row
    assert "titolo non pubblicato nei dati validati" in row and opencup in row and "non validato" in row
    titled = html(client.get(f"/progetti/{catalogue['p1'].pk}/"))
    assert "<h1>Migrazione al cloud di Alfa</h1>" in titled and 'id="untitled"' not in titled


def test_project_page_404(client, db):
    assert client.get("/progetti/999999/").status_code == 404
    assert client.get("/progetti/abc/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_project_page_query_count_is_constant(client, db, django_assert_num_queries, n):
    p = ProjectFactory()
    for i in range(n):
        PlaceFactory(project=p)
        PaymentSnapshotFactory(project=p, release_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=i))
    # project with structure and body; places with comune; payments; objective links (linking);
    # verification reports and open consultations (participation: photos only when there are reports)
    with django_assert_num_queries(6):
        html(client.get(f"/progetti/{p.pk}/"))


def test_cup_address_redirects_to_its_project_or_to_the_list(client, catalogue):
    p1 = catalogue["p1"]
    response = client.get("/progetti/cup/b11c22000000001/")
    assert response.status_code == 302 and response["Location"] == f"/progetti/{p1.pk}/"
    ProjectFactory(cup=p1.cup, local_code="ALTRO")
    response = client.get(f"/progetti/cup/{p1.cup}/")
    assert response.status_code == 302 and response["Location"] == f"/progetti/?q={p1.cup}"
    assert client.get("/progetti/cup/B99999999999999/").status_code == 404


# Measures --------------------------------------------------------------------------------------------------


def test_measure_index_groups_measures_with_frame_and_counts(client, catalogue):
    page = html(client.get("/pnrr/misure/"))
    assert 'href="/pnrr/misure/M1C1I1.02/"' in page and 'href="/pnrr/misure/M4C1I3.03/"' in page
    assert "1.000.000.000,00" in page  # the frame of the sub-measure
    assert page.index("M1C1I1.02") < page.index("M4C1I3.03")


def test_measure_page_shows_milestones_territory_projects_and_totals(client, catalogue):
    cloud = catalogue["p1"].submeasure
    MilestoneFactory(
        code="M1C1-147", name="Migrazione di 12 464 PA locali", quarter="Q2", year=2026, submeasures=[cloud]
    )
    MilestoneFactory(
        code="M1C1-139", kind="Milestone", name="Aggiudicazione", quarter="Q4", year=2022, submeasures=[cloud]
    )
    outside = ProjectFactory(submeasure=cloud, cup="B11C22000000099", fin_pnrr=Decimal("1.00"))
    PlaceFactory(project=outside, comune=None, istat_code="016001", comune_name="BERGAMO")
    page = html(client.get("/pnrr/misure/m1c1i1.02/"))
    assert "<h1>M1C1I1.02 Misura M1C1I1.02</h1>" in page
    milestones = page[page.index('id="milestones"') :]
    assert milestones.index("M1C1-139") < milestones.index("M1C1-147")  # by due date
    assert "Q2 2026" in milestones and "12.464" in milestones
    assert ROW_CUP.findall(page) == ["B11C22000000003", "B11C22000000001"]  # not the project in Bergamo
    totals = page[page.index('id="measure-totals"') : page.index("</dl>", page.index('id="measure-totals"'))]
    assert "750.000,00 €" in totals  # 700 000 + 50 000
    assert CREDIT in page


def test_measure_page_shows_its_measure_level_payments_apart_from_the_territory(client, catalogue):
    cloud = catalogue["p1"].submeasure
    MeasurePaymentFactory(
        submeasure=cloud, release_date=datetime.date(2024, 12, 31), paid_total=Decimal("5.00")
    )
    MeasurePaymentFactory(submeasure=cloud)  # 2025-03-31: 13 950 000 000
    page = html(client.get("/pnrr/misure/M1C1I1.02/"))
    assert "Pagamenti a livello di misura (crediti d'imposta, senza progetti)" in page
    table = page[
        page.index('id="measure-payments"') : page.index("</table>", page.index('id="measure-payments"'))
    ]
    assert table.index("31/03/2025") < table.index("31/12/2024")  # newest first
    assert "13.950.000.000,00" in table and "M1C1I1.02.00" in table
    totals = page[page.index('id="measure-totals"') : page.index("</dl>", page.index('id="measure-totals"'))]
    assert "Pagamenti a livello di misura (tutta Italia, al 31/03/2025)" in totals
    assert '<dd class="col-sm-6" id="measure-level-paid">13.950.000.000,00 €</dd>' in totals
    assert "750.000,00 €" in totals  # the territory's projects: unchanged
    # Never a comune's: the comune page of the measure's projects does not show them.
    assert "13.950.000.000" not in html(client.get(f"/territorio/comuni/{catalogue['alfa'].codice_istat}/"))
    other = html(client.get(f"/pnrr/misure/{catalogue['p2'].submeasure.measure.code}/"))
    assert 'id="measure-payments"' not in other and "Pagamenti a livello di misura" not in other


def test_measure_page_404(client, db):
    assert client.get("/pnrr/misure/M9C9I9.99/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_measure_page_query_count_is_constant(client, db, django_assert_num_queries, n, pnrr_submeasure):
    sub = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    places = []
    for _ in range(n):
        places.append(PlaceFactory(project=ProjectFactory(submeasure=sub)))
        MilestoneFactory(submeasures=[sub])
    # measure; sub-measures; measure-level payments; milestones; totals; count; page; the page's places
    with django_assert_num_queries(8):
        page = html(client.get("/pnrr/misure/M1C1I1.02/"))
    assert len(ROW_CUP.findall(page)) == n
    assert all(place.label in page for place in places)  # the places column is filled, as on the list


# Implementing bodies ---------------------------------------------------------------------------------------


def test_body_page_lists_all_its_projects_with_totals(client, catalogue):
    body = catalogue["body_b"]
    page = html(client.get(f"/pnrr/attuatori/{body.pk}/"))
    assert "<h1>ISTITUTO SCOLASTICO BETA</h1>" in page and body.fiscal_code in page
    assert ROW_CUP.findall(page) == ["B11C22000000002", "B11C22000000003"]
    assert "3.200.000,00 €" in page  # 2 500 000 + 700 000
    assert f'href="/progetti/?attuatore={body.fiscal_code}"' in page


def test_body_page_404(client, db):
    assert client.get("/pnrr/attuatori/999999/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_body_page_query_count_is_constant(client, db, django_assert_num_queries, n):
    body = ImplementingBodyFactory()
    for _ in range(n):
        PlaceFactory(project=ProjectFactory(implementing_body=body))
    with django_assert_num_queries(5):  # body; totals; count; page; places
        assert len(ROW_CUP.findall(html(client.get(f"/pnrr/attuatori/{body.pk}/")))) == n


# Comune and zone pages -------------------------------------------------------------------------------------


def section(page: str) -> str:
    return page[page.index('id="pnrr"') : page.index("</section>", page.index('id="pnrr"'))]


@pytest.fixture
def shared(catalogue):
    """p3 (700 000 €) has places Alfa, Beta and one national row: each third is 233 333,33 €."""
    PlaceFactory(
        project=catalogue["p3"],
        comune=None,
        istat_code="",
        region_code="0",
        province_code="0",
        region_name="AMBITO NAZIONALE",
    )
    return catalogue


def test_comune_page_shows_totals_with_the_default_rule_and_the_unattributed_amount(client, shared):
    page = section(html(client.get("/territorio/comuni/015901/")))
    # Alfa: p1 50 000 in full + a third of p3
    assert "283.333,33 €" in page
    assert "ripartizione uguale tra i luoghi" in page and 'data-rule="equal"' in page
    not_attributed = page[page.index('id="not-attributed"') :]
    assert not_attributed.startswith('id="not-attributed">233.333,33 €')
    assert "per residente" in page.lower() and "28,05 €" in page  # 283 333,33 / 10 100
    mission = page[page.index('id="pnrr-by-mission"') :]
    assert 'href="/progetti/?comune=015901&amp;missione=M1">M1</a>' in mission
    assert 'href="/progetti/?comune=015901"' in page
    assert "Migrazione al cloud di Alfa" in page
    assert CREDIT in page


def test_comune_page_rule_is_selectable(client, shared):
    full = section(html(client.get("/territorio/comuni/015901/", {"ripartizione": "full"})))
    assert "750.000,00 €" in full and 'data-rule="full"' in full
    assert '<option value="full" selected>' in full
    assert 'id="not-attributed">0,00 €' in full
    unknown = section(html(client.get("/territorio/comuni/015901/", {"ripartizione": "tutto"})))
    assert 'data-rule="equal"' in unknown


def test_comune_page_without_projects(client, db):
    comune = ComuneFactory()
    page = section(html(client.get(f"/territorio/comuni/{comune.codice_istat}/")))
    assert "Nessun progetto PNRR localizzato qui." in page


def test_zone_page_shows_the_zone_totals(client, shared):
    page = section(html(client.get("/territorio/zone/sud/")))
    # Beta: p2 2 500 000 + a third of p3
    assert "2.733.333,33 €" in page
    assert 'href="/progetti/?zona=sud"' in page
    assert "Messa in sicurezza della scuola" in page


@pytest.mark.parametrize("n", [1, 3])
def test_comune_page_with_projects_query_count_is_constant(client, db, django_assert_num_queries, n):
    comune = ComuneFactory()
    for _ in range(n):
        PlaceFactory(project=ProjectFactory(), comune=comune)
    # comune; PNRR totals; largest projects; its indicators; "where it stands": comuni, aggregate, release
    with django_assert_num_queries(7):
        page = section(html(client.get(f"/territorio/comuni/{comune.codice_istat}/")))
    assert page.count('<li><a href="/progetti/') == n


@pytest.mark.parametrize("n", [1, 3])
def test_zone_page_with_projects_query_count_is_constant(client, db, django_assert_num_queries, n):
    zone = ZoneFactory(slug="zona-q")
    for _ in range(n):
        PlaceFactory(project=ProjectFactory(), comune=ComuneFactory(zone=zone))
    # zone; its comuni; PNRR totals; largest projects; "where it stands": comuni, aggregate, release
    with django_assert_num_queries(7):
        page = section(html(client.get("/territorio/zone/zona-q/")))
    assert page.count('<li><a href="/progetti/') == n


# Import log (staff only) -----------------------------------------------------------------------------------

IMPORTS = "/gestione/importazioni/"


def test_import_log_anonymous_is_sent_to_login(client, db):
    response = client.get(IMPORTS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accesso/?next=/gestione/importazioni/")


def test_import_log_is_forbidden_to_non_staff(client, plain_user):
    client.force_login(plain_user)
    assert client.get(IMPORTS).status_code == 403


def test_import_log_lists_runs_and_the_data_quality_summary(staff_client, catalogue):
    ImportRunFactory(file_name="progetti_validati.csv.gz", rows_read=1925, inserted=1925)
    ImportRunFactory(
        file_name="rotto.csv", status="rejected", message="riga 3, colonna CUP: CUP non valido", rejected=4
    )
    page = html(staff_client.get(IMPORTS))
    runs = page[page.index('id="import-runs"') :]
    assert runs.index("rotto.csv") < runs.index("progetti_validati.csv.gz")  # newest first
    assert "1.925" in runs and "rifiutato" in runs and "CUP non valido" in runs
    quality = page[page.index('id="quality"') : page.index("</table>", page.index('id="quality"'))]
    assert 'Progetti solo nell&#x27;universo (non validati)</th><td class="text-end">1</td>' in quality
    assert 'Righe scartate nelle importazioni</th><td class="text-end">4</td>' in quality


# Real data: the bundled sample imported by the real command ------------------------------------------------


def test_pages_on_the_real_fixture_files(client, territory):
    from decimetro.pnrr.models import Project
    from decimetro.pnrr.services import pnrr_import_file
    from tests.pnrr.conftest import FRAME, MILESTONES, PAYMENTS, PLACES, PROJECTS

    for path in (FRAME, MILESTONES, PROJECTS, PLACES, PAYMENTS):
        pnrr_import_file(path=path)
    project = Project.objects.filter(payments__isnull=False, places__comune__isnull=False).first()
    assert project is not None
    page = html(client.get(f"/progetti/{project.pk}/"))
    assert project.cup in page and 'id="payments"' in page
    assert len(cups(client.get(LIST, {"per_pagina": 100}))) == Project.objects.count()
    milano = section(html(client.get("/territorio/comuni/015146/")))
    assert "Importo PNRR attribuito" in milano
    assert html(client.get(f"/pnrr/misure/{project.submeasure.measure.code}/"))


@pytest.mark.parametrize("n", [1, 3])
def test_csv_export_query_count_is_constant(client, db, django_assert_num_queries, n, plan_objectives):
    for i in range(n):
        project = PlaceFactory(project=ProjectFactory()).project
        PaymentSnapshotFactory(project=project)
        _confirm(project, *plan_objectives[: i + 1])
    # four streams in the list's order, whatever the number of projects: the projects, their places, their
    # payments, their confirmed objectives (insights.lists.project_export_rows); the export slot (create if
    # missing, take, give back: reports.limits); the datasets' release dates; on PostgreSQL the streams are
    # read in one transaction (here a savepoint and its release, inside the test's transaction)
    transaction = 2 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(4 + 3 + 1 + transaction):
        rows = csv_rows(client.get(LIST, {"format": "csv"}))
    assert len(rows) == 1 + n
