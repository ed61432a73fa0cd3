"""The public pages of the plan: home matrices, missions, objectives, the filtered list."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from decimetro.plan.models import Component, Mission, Objective
from tests._dom import page_tables, parse, table
from tests.factories import (
    ComponentFactory,
    ComuneFactory,
    EditionFactory,
    KeywordFactory,
    MissionFactory,
    ObjectiveFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
)

# Reading the matrices and lists -----------------------------------------------------------------------------


def dot(cell: str) -> bool:
    """A matrix cell as rendered by the `dot` filter: "●" plus "sì" for screen readers, or just "no"."""
    assert cell in ("●sì", "no"), f"unexpected matrix cell {cell!r}"
    return cell == "●sì"


def first_column_codes(rows: list[list[str]]) -> list[str]:
    return [row[0].split()[0] for row in rows[1:] if row and row[0]]


# Home -------------------------------------------------------------------------------------------------------

VISION = {  # the plan's vision matrix, read off the seed (columns: Sostenibilità … Attrattività)
    "M1": (True, True, True, False, True),
    "M2": (True, False, False, False, True),
    "M3": (True, True, True, False, True),
    "M4": (False, False, False, True, True),
    "M5": (False, False, True, True, False),
    "M6": (False, True, True, True, False),
}


def test_home_shows_the_vision_matrix(client, plan):
    response = client.get("/")
    assert response.status_code == 200
    rows = table(response, "vision-matrix")
    assert rows[0] == [
        "Missione",
        "Sostenibilità",
        "Connettività",
        "Prossimità",
        "Inclusione",
        "Attrattività",
    ]
    matrix = {row[0].split()[0]: tuple(dot(c) for c in row[1:]) for row in rows[1:]}
    assert matrix == VISION
    m4 = matrix["M4"]
    assert m4[3] is True  # M4 / Inclusione is ●
    assert m4[0] is False  # M4 / Sostenibilità is not
    assert (
        rows[1][0] == "M1 Digitalizzazione, innovazione, competitività, cultura, turismo"
    )  # the matrix's title
    assert page_tables(response).captions["vision-matrix"]


def test_home_shows_the_component_actor_matrix(client, plan):
    rows = table(client.get("/"), "component-matrix")
    assert rows[0] == [
        "Componente",
        "Titolo",
        "Città metropolitana",
        "Comuni",
        "Corpi intermedi e altri attori",
    ]
    matrix = {row[0]: (row[1], *(dot(c) for c in row[2:])) for row in rows[1:]}
    assert len(matrix) == 16
    assert matrix["M6C2"] == (
        "Innovazione, ricerca e digitalizzazione del servizio sanitario nazionale",
        False,
        True,
        False,
    )
    assert matrix["M3C1"][1:] == (True, False, False)
    assert matrix["M2C1"][1:] == (True, False, True)
    assert matrix["M1C1"][1:] == (True, True, False)
    for c in Component.objects.all():
        assert matrix[c.code] == (c.title, c.citta_metropolitana, c.comuni, c.corpi_intermedi)


def test_home_lists_the_missions_and_directions(client, plan):
    content = client.get("/").content.decode()
    for mission in Mission.objects.all():
        assert f'href="/piano/missioni/{mission.code}/"' in content
        assert html.escape(mission.title) in content
    assert "Funzioni proprie dell&#x27;Ente" in content
    assert 'href="/piano/obiettivi/?attore=comuni"' in content


# Mission pages ----------------------------------------------------------------------------------------------

MISSION_INTRO = {  # a plain fragment and a **bold** fragment of each mission's introduction
    "M1": ("La prima Missione si propone di", "<strong>turismo e cultura.</strong>"),
    "M2": ("La seconda Missione si occupa dei grandi temi", "<strong>economia circolare</strong>"),
    "M3": ("La terza Missione dispone una serie di investimenti", "<strong>rete di infrastrutture"),
    "M4": ("<p>La quarta Missione incide su fattori", "<strong>sistema educativo</strong>"),
    "M5": ("<p>La quinta Missione è volta a evitare", "<strong>casa sociale</strong>"),
    "M6": ("Le riforme e gli investimenti proposti", "<strong>sviluppo della telemedicina</strong>"),
}


@pytest.mark.parametrize("code", ["M1", "M2", "M3", "M4", "M5", "M6"])
def test_mission_page_shows_intro_components_and_objectives(client, plan, code):
    mission = Mission.objects.get(code=code)
    response = client.get(f"/piano/missioni/{code}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert f"<h1>Missione {mission.number}. {html.escape(mission.title)}</h1>" in content
    intro = content.split('<div class="callout-title">Introduzione</div>', 1)[1].split("</div>", 1)[0]
    plain, bold = MISSION_INTRO[code]
    assert plain in intro and bold in intro
    assert "**" not in intro  # the plan's bold markers are rendered, not shown

    components = table(response, "components")
    expected_components = list(Component.objects.filter(mission=mission).order_by("position"))
    assert [r[0] for r in components[1:]] == [c.code for c in expected_components]
    assert [r[1] for r in components[1:]] == [c.title for c in expected_components]

    objectives = table(response, "objectives")
    expected = list(Objective.objects.filter(mission=mission).order_by("number"))
    assert [r[0] for r in objectives[1:]] == [o.code for o in expected]
    assert [r[1] for r in objectives[1:]] == [o.title for o in expected]
    assert [tuple(dot(c) for c in r[2:5]) for r in objectives[1:]] == [
        (o.citta_metropolitana, o.comuni, o.corpi_intermedi) for o in expected
    ]


def test_mission_page_counts(client, plan):
    counts = {}
    for code in ("M1", "M2", "M3", "M4", "M5", "M6"):
        counts[code] = len(table(client.get(f"/piano/missioni/{code}/"), "objectives")) - 1
    assert counts == {"M1": 18, "M2": 18, "M3": 13, "M4": 9, "M5": 13, "M6": 4}


def test_mission_code_is_case_insensitive(client, plan):
    assert client.get("/piano/missioni/m4/").status_code == 200


# Objective pages --------------------------------------------------------------------------------------------


def test_every_objective_page_shows_its_title(client, plan):
    objectives = list(Objective.objects.select_related("mission"))
    assert len(objectives) == 75
    for o in objectives:
        response = client.get(f"/piano/obiettivi/{o.code}/")
        assert response.status_code == 200, o.code
        content = response.content.decode()
        assert f'<h1 class="h2">{html.escape(o.title)}</h1>' in content, o.code
        assert f'href="/piano/missioni/{o.mission.code}/"' in content


def test_objective_page_shows_actors_and_keywords(client, plan):
    content = client.get("/piano/obiettivi/M2.18/").content.decode()
    actors = content.split('id="actors"', 1)[1].split("</dd>", 1)[0]
    assert "Città metropolitana" in actors
    assert "Corpi intermedi e altri attori" in actors
    assert "Comuni" not in actors  # M2.18, unlike M2.10, has no ● for the Comuni
    assert "parola_chiave=sostenibilita" in content and "parola_chiave=attrattivita" in content
    assert "parola_chiave=inclusione" not in content
    assert "Storico modifiche" in content


def test_m2_10_and_m2_18_pages_differ_in_actors(client, plan):
    m2_10 = (
        client.get("/piano/obiettivi/M2.10/").content.decode().split('id="actors"', 1)[1].split("</dd>")[0]
    )
    m2_18 = (
        client.get("/piano/obiettivi/M2.18/").content.decode().split('id="actors"', 1)[1].split("</dd>")[0]
    )
    assert "Comuni" in m2_10
    assert "Comuni" not in m2_18


@pytest.mark.parametrize(
    "url",
    [
        "/piano/missioni/M9/",
        "/piano/missioni/M1C1/",
        "/piano/obiettivi/M1.99/",
        "/piano/obiettivi/M7.1/",
        "/piano/obiettivi/XYZ/",
    ],
)
def test_unknown_codes_are_404(client, plan, url):
    assert client.get(url).status_code == 404


def test_pages_are_404_without_a_plan(client, db):
    assert client.get("/").status_code == 404
    assert client.get("/piano/obiettivi/").status_code == 404


# Breadcrumbs ------------------------------------------------------------------------------------------------


def _breadcrumbs(response) -> str:
    content = response.content.decode()
    assert 'aria-label="Percorso di navigazione"' in content
    return content.split('<ol class="breadcrumb">', 1)[1].split("</ol>", 1)[0]


def test_breadcrumbs_on_mission_objective_and_list_pages(client, plan):
    crumbs = _breadcrumbs(client.get("/piano/missioni/M3/"))
    assert 'href="/"' in crumbs
    assert '<li class="breadcrumb-item active" aria-current="page">Missione 3</li>' in crumbs

    crumbs = _breadcrumbs(client.get("/piano/obiettivi/M3.7/"))
    assert 'href="/"' in crumbs and 'href="/piano/missioni/M3/"' in crumbs
    assert 'aria-current="page">Obiettivo M3.7</li>' in crumbs
    assert crumbs.count('aria-current="page"') == 1

    crumbs = _breadcrumbs(client.get("/piano/obiettivi/"))
    assert 'aria-current="page">Obiettivi strategici</li>' in crumbs


# The filtered list ------------------------------------------------------------------------------------------


def list_codes(client, query: str = "") -> list[str]:
    response = client.get(f"/piano/obiettivi/{query}")
    assert response.status_code == 200
    rows = table(response, "objectives")
    codes = [r[0] for r in rows[1:] if len(r) > 1]
    assert f"{len(codes)} obiettiv" in response.content.decode()  # the announced count matches the rows
    return codes


def test_objective_list_without_filters_shows_all_75_in_order(client, plan):
    codes = list_codes(client)
    assert len(codes) == 75
    assert codes[:3] == ["M1.1", "M1.2", "M1.3"]
    assert codes[-1] == "M6.4"
    assert codes.index("M1.10") > codes.index("M1.9")  # numeric order, not text order


def test_objective_list_filters_by_actor(client, plan):
    comuni = list_codes(client, "?attore=comuni")
    assert comuni == list(
        Objective.objects.filter(comuni=True)
        .order_by("mission__number", "number")
        .values_list("code", flat=True)
    )
    assert "M2.10" in comuni and "M2.18" not in comuni
    assert "M1.6" not in comuni and "M1.16" not in comuni and "M4.2" not in comuni
    corpi = list_codes(client, "?attore=corpi_intermedi")
    assert "M2.18" in corpi and "M2.10" in corpi and "M2.2" in corpi
    assert "M1.2" not in corpi and "M6.1" in corpi
    cm = list_codes(client, "?attore=citta_metropolitana")
    assert "M2.2" not in cm and len(cm) == 74


def test_objective_list_filters_by_keyword(client, plan):
    inclusione = list_codes(client, "?parola_chiave=inclusione")
    assert len(inclusione) == 9 + 13 + 4  # M4, M5, M6
    assert {c.split(".")[0] for c in inclusione} == {"M4", "M5", "M6"}
    sostenibilita = list_codes(client, "?parola_chiave=sostenibilita")
    assert {c.split(".")[0] for c in sostenibilita} == {"M1", "M2", "M3"}
    assert "M4.1" not in sostenibilita
    assert list_codes(client, "?parola_chiave=inesistente") == []


def test_objective_list_filters_by_mission(client, plan):
    m3 = list_codes(client, "?missione=M3")
    assert m3 == [f"M3.{n}" for n in range(1, 14)]
    assert list_codes(client, "?missione=M9") == []


def test_objective_list_filters_by_text(client, plan):
    assert list_codes(client, "?q=Navigli") == ["M1.15"]
    assert list_codes(client, "?q=navigli") == ["M1.15"]  # case-insensitive
    assert list_codes(client, "?q=Rafforzamento+delle+attivit%C3%A0+di+monitoraggio") == ["M2.10", "M2.18"]
    assert list_codes(client, "?q=M5.7") == ["M5.7"]  # a code finds its objective
    assert list_codes(client, "?q=parola+che+non+compare") == []


def test_objective_list_combines_filters(client, plan):
    codes = list_codes(client, "?missione=M2&attore=comuni&q=monitoraggio")
    assert codes == ["M2.10"]
    codes = list_codes(client, "?missione=M4&attore=corpi_intermedi&parola_chiave=inclusione")
    assert codes == ["M4.1", "M4.2", "M4.3", "M4.4", "M4.5", "M4.7", "M4.8"]


def test_objective_list_ignores_an_unknown_actor(client, plan):
    assert len(list_codes(client, "?attore=sindaci")) == 75


def test_objective_list_keeps_the_chosen_filters_selected(client, plan):
    content = client.get("/piano/obiettivi/?missione=M2&attore=comuni&q=acqua").content.decode()
    assert '<option value="M2" selected>' in content
    assert '<option value="comuni" selected>' in content
    assert 'value="acqua"' in content
    for label_for in ("f-missione", "f-attore", "f-kw", "f-q"):
        assert f'<label for="{label_for}"' in content and f'id="{label_for}"' in content


# Query counts: constant whatever the number of rows ---------------------------------------------------------


def _small_plan(n: int) -> None:
    edition = EditionFactory()
    keywords = [KeywordFactory(edition=edition, slug=f"kw-{i}", position=i) for i in range(1, 4)]
    for i in range(1, n + 1):
        mission = MissionFactory(edition=edition, number=i, code=f"M{i}")
        mission.keywords.set(keywords[:i])
        ComponentFactory(mission=mission, code=f"M{i}C1", position=i)
        for j in range(1, n + 1):
            ObjectiveFactory(mission=mission, number=j)


@pytest.fixture
def cold_caches():
    """ContentType ids are cached per process, so whether a page's audit history costs a query would depend on
    which tests ran before. Start every count with an empty cache: the numbers below are the cold ones."""
    yield ContentType.objects.clear_cache


@pytest.mark.parametrize("n", [1, 3])
def test_home_query_count_is_constant(client, db, django_assert_num_queries, n, cold_caches):
    _small_plan(n)
    cold_caches()
    # 6 for the plan + 7 for the PNRR dashboard (insights/dashboards.py, tests/public/test_dashboards.py;
    # no project:
    # the places and payments of an empty project set are not looked up)
    with django_assert_num_queries(13):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_objective_list_query_count_is_constant(client, db, django_assert_num_queries, n, cold_caches):
    _small_plan(n)
    cold_caches()
    # edition, objectives, keywords, missions with their keywords (5); the objectives' confirmed links,
    # suggestions, confirmed projects (none: their places and payments are not looked up)
    with django_assert_num_queries(8):
        response = client.get("/piano/obiettivi/")
    assert len(table(response, "objectives")) - 1 == n * n


def _confirmed_projects(pnrr_submeasure, objectives) -> None:
    """One project per objective, in a comune of the territory, with a payment snapshot, confirmed."""
    from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink

    submeasure = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    comune = ComuneFactory()
    for i, objective in enumerate(objectives, start=1):
        project = ProjectFactory(submeasure=submeasure, fin_totale=Decimal("300000.01") * i)
        PlaceFactory(project=project, comune=comune)
        PlaceFactory(project=project, comune=None, istat_code="", region_code="0", comune_code="0")
        PlaceFactory(project=project, comune=ComuneFactory())
        PaymentSnapshotFactory(project=project, paid_total=Decimal("100000.00") * i)
        ProjectObjectiveLink.objects.create(
            project=project, objective=objective, origin=LinkOrigin.STAFF, status=LinkStatus.CONFIRMED
        )


@pytest.mark.parametrize("n", [1, 3])
def test_objective_list_with_projects_query_count_is_constant(
    client, db, django_assert_num_queries, n, cold_caches, pnrr_submeasure
):
    _small_plan(n)
    _confirmed_projects(pnrr_submeasure, Objective.objects.all())
    cold_caches()
    # edition, objectives, keywords, missions with their keywords (5); the objectives' confirmed links,
    # suggestions; the confirmed projects, their places, their payment snapshots
    with django_assert_num_queries(10):
        response = client.get("/piano/obiettivi/")
    assert len(table(response, "objectives")) - 1 == n * n


def _row(doc, code: str) -> dict[str, str]:
    tr = doc.find("tr", attrs={"data-objective": code})
    return {
        td["data-total"]: " ".join(td.get_text().split())
        for td in tr.find_all("td", attrs={"data-total": True})
    }


def test_objective_list_rows_equal_the_objective_pages_to_the_cent(client, db, pnrr_submeasure):
    _small_plan(2)
    objectives = list(Objective.objects.order_by("mission__number", "number"))
    _confirmed_projects(pnrr_submeasure, objectives[:3])
    doc = parse(client.get("/piano/obiettivi/").content)
    for objective in objectives:
        page = parse(client.get(f"/piano/obiettivi/{objective.code}/").content)
        figure = page.find("figure", id="objective-totals")
        totals = {
            p["data-total"]: " ".join(p.get_text().split()).removesuffix(" €")
            for p in figure.find_all("p", attrs={"data-total": True})
        }
        row = _row(doc, objective.code)
        assert {k: row[k] for k in ("projects", "funded", "paid", "paid_share")} == {
            k: totals[k] for k in ("projects", "funded", "paid", "paid_share")
        }, objective.code
    # M1.2: 600 000,02 over three places, two of them comuni of the territory: 400 000,01 (to the cent);
    # paid 200 000 in the same proportion
    assert _row(doc, "M1.2") == {
        "projects": "1",
        "funded": "400.000,01",
        "paid": "133.333,33",
        "paid_share": "33,3%",
    }
    assert _row(doc, "M2.2")["projects"] == "0" and _row(doc, "M2.2")["paid_share"] == "—"


def test_objective_list_shows_the_status_chip_and_states_its_rule(client, db, pnrr_submeasure):
    from decimetro.pnrr.models import PaymentSnapshot

    _small_plan(2)
    objectives = list(Objective.objects.order_by("mission__number", "number"))
    _confirmed_projects(pnrr_submeasure, objectives[:2])
    PaymentSnapshot.objects.filter(project__objective_links__objective=objectives[1]).update(
        paid_total=Decimal("300000.01")
    )
    doc = parse(client.get("/piano/obiettivi/").content)
    chips = {
        tr["data-objective"]: (
            tr.find("span", class_="chip")["data-status"],
            tr.find("span", class_="chip-label").get_text(),
        )
        for tr in doc.find("table", id="objectives").find_all("tr", attrs={"data-objective": True})
    }
    assert chips == {
        "M1.1": ("started", "in corso"),  # 33,3% paid
        "M1.2": ("advanced", "avanzato"),  # 50,0%
        "M2.1": ("none", "senza progetti confermati"),
        "M2.2": ("none", "senza progetti confermati"),
    }
    rule = doc.find(id="objectives-status-rule").get_text()
    assert "«avanzato» se il pagato è almeno il 50% del finanziato" in rule
    assert "collegamento confermato" in doc.find(id="objectives-how").get_text()
    assert "table-responsive" in doc.find("table", id="objectives").parent["class"].split()  # 390 px


@pytest.mark.parametrize("n", [1, 3])
def test_filtered_objective_list_query_count_is_constant(
    client, db, django_assert_num_queries, n, cold_caches
):
    _small_plan(n)
    cold_caches()
    with django_assert_num_queries(8):  # as the unfiltered list
        assert (
            client.get(
                "/piano/obiettivi/?parola_chiave=kw-1&attore=citta_metropolitana&q=obiettivo"
            ).status_code
            == 200
        )


@pytest.mark.parametrize("n", [1, 3])
def test_mission_page_query_count_is_constant(client, db, django_assert_num_queries, n, cold_caches):
    _small_plan(n)
    cold_caches()
    # 7 for the plan + 6 for the PNRR dashboard (no project: no places or payments lookup) + 1 for the open
    # consultations
    with django_assert_num_queries(14):
        response = client.get("/piano/missioni/M1/")
    assert len(table(response, "objectives")) - 1 == n


@pytest.mark.parametrize("n", [1, 3])
def test_objective_page_query_count_is_constant(
    client, db, django_assert_num_queries, n, staff_user, cold_caches
):
    from decimetro.plan.services import objective_update

    _small_plan(1)
    objective = Objective.objects.get(code="M1.1")
    for i in range(n):
        objective_update(objective=objective, by=staff_user, title=f"Titolo {i}", actors=objective.actors)
    cold_caches()
    # 5 for the plan + 7 for the PNRR dashboard (no project: no milestone query, no places or payments
    # lookup) + 1 indicators + 1 open consultations
    with django_assert_num_queries(14):
        response = client.get("/piano/obiettivi/M1.1/")
    assert len(table(response, "history")) - 1 >= n
