"""Dashboards of the objective, mission, home and project pages, and the stale PNRR data banner."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decimetro.insights import freshness as fresh
from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.pnrr.models import ImportRun
from tests._dom import Node, parse, table_rows
from tests.factories import (
    ComponentFactory,
    ComuneFactory,
    EditionFactory,
    ImportRunFactory,
    MilestoneFactory,
    MissionFactory,
    ObjectiveFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)

D = Decimal
EARLY = datetime.date(2024, 6, 30)
LATE = datetime.date(2025, 3, 31)


def _link(project, objective, status=LinkStatus.CONFIRMED):
    return ProjectObjectiveLink.objects.create(
        project=project, objective=objective, origin=LinkOrigin.STAFF, status=status, score=0.8
    )


@pytest.fixture
def dashboard_projects(db, pnrr_submeasure):
    """A plan mission M1 (components M1C1, M1C2; objectives M1.1, M1.2, M1.3), two zones with a comune each,
    and four projects:
    - p1 (M1C1) 120 000 in Alfa; payments 20 000 on EARLY, 60 000 on LATE; confirmed for M1.1;
    - p2 (M1C1) 200 000 in Alfa and Beta (100 000 each); payments 50 000 on LATE; confirmed for M1.1;
    - p3 (M1C2) 90 000 in Beta and a national place (45 000 not attributed); no payments; confirmed for M1.2;
    - p4 (M1C1) 500 000 in Alfa; only SUGGESTED for M1.1.
    M1.3 has no project: a gap."""
    cache.clear()
    edition = EditionFactory()
    mission = MissionFactory(edition=edition, number=1, code="M1")
    ComponentFactory(mission=mission, code="M1C1", position=1)
    ComponentFactory(mission=mission, code="M1C2", position=2)
    o1, o2, o3 = (ObjectiveFactory(mission=mission, number=i) for i in (1, 2, 3))
    nord, sud = ZoneFactory(slug="nord", name="Nord"), ZoneFactory(slug="sud", name="Sud")
    alfa = ComuneFactory(codice_istat="015901", name="Alfa", zone=nord)
    beta = ComuneFactory(codice_istat="015902", name="Beta", zone=sud)
    s1 = pnrr_submeasure("M1", "M1C1", "M1C1I1.02")
    s2 = pnrr_submeasure("M1", "M1C2", "M1C2I2.01")
    p1 = ProjectFactory(submeasure=s1, title="Progetto uno", fin_totale=D("120000"), fin_pnrr=D("100000"))
    p2 = ProjectFactory(submeasure=s1, title="Progetto due", fin_totale=D("200000"), fin_pnrr=D("150000"))
    p3 = ProjectFactory(submeasure=s2, title="Progetto tre", fin_totale=D("90000"), fin_pnrr=D("90000"))
    p4 = ProjectFactory(
        submeasure=s1, title="Progetto suggerito", fin_totale=D("500000"), fin_pnrr=D("500000")
    )
    PlaceFactory(project=p1, comune=alfa)
    PlaceFactory(project=p2, comune=alfa)
    PlaceFactory(project=p2, comune=beta)
    PlaceFactory(project=p3, comune=beta)
    PlaceFactory(
        project=p3,
        comune=None,
        istat_code="",
        region_code="0",
        region_name="AMBITO NAZIONALE",
        province_code="",
    )
    PlaceFactory(project=p4, comune=alfa)
    PaymentSnapshotFactory(project=p1, release_date=EARLY, paid_total=D("20000"))
    PaymentSnapshotFactory(project=p1, release_date=LATE, paid_total=D("60000"))
    PaymentSnapshotFactory(project=p2, release_date=LATE, paid_total=D("50000"))
    _link(p1, o1)
    _link(p2, o1)
    _link(p4, o1, LinkStatus.SUGGESTED)
    _link(p3, o2)
    past = MilestoneFactory(code="M1C1-1", quarter="Q4", year=2021, name="Traguardo passato")
    future = MilestoneFactory(code="M1C1-9", quarter="Q2", year=2099, name="Traguardo futuro")
    past.submeasures.set([s1])
    future.submeasures.set([s1])
    MilestoneFactory(code="M1C2-5", name="Di un'altra misura").submeasures.set([s2])
    ImportRunFactory(kind="pagamenti", release_date=timezone.localdate() - datetime.timedelta(days=10))
    return {"o1": o1, "o2": o2, "o3": o3, "p": [p1, p2, p3, p4], "alfa": alfa, "beta": beta}


def _page(client, url: str) -> Node:
    response = client.get(url)
    assert response.status_code == 200
    return parse(response.content)


def _totals(doc: Node, prefix: str) -> dict[str, str]:
    fig = doc.find("figure", id=f"{prefix}-totals")
    return {
        p["data-total"]: " ".join(p.get_text().split()) for p in fig.find_all("p", attrs={"data-total": True})
    }


def _chart_spec(doc: Node, chart_id: str) -> dict:
    return json.loads(doc.find("script", id=f"{chart_id}-data").string)


def _chart_table(doc: Node, chart_id: str) -> list[list[str]]:
    return table_rows(doc.find("table", id=f"{chart_id}-table"))


# Objective ----------------------------------------------------------------------------------------------


def test_objective_totals_reconcile_with_the_confirmed_projects(client, dashboard_projects):
    doc = _page(client, "/piano/obiettivi/M1.1/")
    totals = _totals(doc, "objective")
    assert totals["projects"] == "2"
    assert totals["funded"] == "320.000,00 €"  # p1 120 000 + p2 200 000 (both wholly in the territory)
    assert totals["funded_pnrr"] == "250.000,00 €"
    assert totals["paid"] == "110.000,00 €"  # latest snapshots: 60 000 + 50 000
    assert totals["paid_share"] == "34,4%"
    assert "not_attributed" not in totals


def test_objective_separates_confirmed_and_suggested_projects(client, dashboard_projects):
    """Issue 12: the public page gives the number of suggestions in review, never which projects they are."""
    p1, p2, _p3, p4 = dashboard_projects["p"]
    doc = _page(client, "/piano/obiettivi/M1.1/")
    confirmed = doc.find("table", id="confirmed-projects")
    assert [int(tr["data-project"]) for tr in confirmed.tbody.find_all("tr")] == [p2.pk, p1.pk]
    suggested = doc.find(id="suggestions-pending")
    assert "1 suggerimento in revisione" in suggested.get_text()
    assert not doc.find(attrs={"data-project": str(p4.pk)})
    assert f"/progetti/{p4.pk}/" not in str(doc)  # the unreviewed project is not listed nor linked
    assert "Progetto suggerito" not in doc.get_text()
    summary = " ".join(doc.find(id="links-summary").get_text().split())
    assert summary == "2 progetti confermati (0 per regola) · 1 suggerimento in revisione"
    # The suggestion is in no figure: the comuni chart has only the confirmed amounts.
    assert _chart_spec(doc, "objective-comuni")["datasets"][0]["data"] == [220000.0, 100000.0]


def test_objective_progress_over_time_is_one_point_per_release(client, dashboard_projects):
    doc = _page(client, "/piano/obiettivi/M1.1/")
    spec = _chart_spec(doc, "objective-progress")
    assert spec["kind"] == "line"
    assert spec["labels"] == ["30/06/2024", "31/03/2025"]
    # On EARLY p2 has no snapshot: paid 0, funded at its current amount.
    assert spec["datasets"][0]["data"] == [320000.0, 320000.0]
    assert spec["datasets"][1]["data"] == [20000.0, 110000.0]
    assert _chart_table(doc, "objective-progress")[1:] == [
        ["30/06/2024", "320.000,00 €", "20.000,00 €"],
        ["31/03/2025", "320.000,00 €", "110.000,00 €"],
    ]
    source = doc.find("figure", id="objective-progress-figure").find(class_="chart-source").get_text()
    assert "Fonte: Italia Domani" in source and "31/03/2025" in source


def test_objective_distribution_over_comuni_and_zones(client, dashboard_projects):
    doc = _page(client, "/piano/obiettivi/M1.1/")
    # p2 is split equally between Alfa and Beta; payments follow the same split.
    assert _chart_table(doc, "objective-comuni")[1:] == [
        ["Alfa", "220.000,00 €", "85.000,00 €"],
        ["Beta", "100.000,00 €", "25.000,00 €"],
    ]
    assert _chart_table(doc, "objective-zone")[1:] == [
        ["Nord", "220.000,00 €", "85.000,00 €"],
        ["Sud", "100.000,00 €", "25.000,00 €"],
    ]
    assert json.loads(doc.find("script", id="objective-map-values").string) == {
        "015901": 220000.0,
        "015902": 100000.0,
    }
    how = doc.find("figure", id="objective-comuni-figure").find(class_="chart-how-to-read").get_text()
    assert "ripartizione uguale tra i luoghi" in how


def test_objective_not_attributed_part_of_multi_place_projects(client, dashboard_projects):
    doc = _page(client, "/piano/obiettivi/M1.2/")
    totals = _totals(doc, "objective")
    assert totals["funded"] == "45.000,00 €"  # half of p3: its other place is national
    assert "45.000,00 €" in totals["not_attributed"]


def test_objective_milestones_of_the_measures_with_status(client, dashboard_projects):
    doc = _page(client, "/piano/obiettivi/M1.1/")
    table = doc.find("table", id="milestones")
    rows = table.tbody.find_all("tr")
    assert [r.th.get_text() for r in rows] == ["M1C1-1", "M1C1-9"]  # not the milestone of the other measure
    assert [r["data-status"] for r in rows] == ["past", "upcoming"]
    assert "scadenza passata" in rows[0].get_text() and "in arrivo" in rows[1].get_text()
    assert "Q4 2021" in rows[0].get_text() and "12.464" in rows[0].get_text()
    assert "trimestre di scadenza" in doc.find(id="dashboard").get_text()  # the rule is written


def test_objective_actors_are_shown(client, dashboard_projects):
    doc = _page(client, "/piano/obiettivi/M1.1/")
    assert "Città metropolitana" in doc.find(id="actors").get_text()
    assert "Attori responsabili" in doc.find(id="dashboard").get_text()


def test_objective_without_projects(client, dashboard_projects):
    doc = _page(client, "/piano/obiettivi/M1.3/")
    assert doc.find(id="no-confirmed") is not None
    assert _totals(doc, "objective")["projects"] == "0"
    assert doc.find(id="no-milestones") is not None


# Mission and home ---------------------------------------------------------------------------------------


def test_mission_totals_by_declared_component(client, dashboard_projects):
    doc = _page(client, "/piano/missioni/M1/")
    totals = _totals(doc, "mission")
    assert totals["projects"] == "4"  # declared components, no link needed (p4 counts here)
    assert totals["funded"] == "865.000,00 €"  # 120 000 + 200 000 + 45 000 + 500 000
    assert totals["paid"] == "110.000,00 €"
    assert "45.000,00 €" in totals["not_attributed"]
    assert _chart_table(doc, "mission-components")[1:] == [
        ["M1C1", "820.000,00 €", "110.000,00 €"],
        ["M1C2", "45.000,00 €", "0,00 €"],
    ]
    # One chart per component.
    assert doc.find("figure", id="mission-progress-m1c1-figure") is not None
    assert doc.find("figure", id="mission-progress-m1c2-figure") is not None


def test_mission_ranks_objectives_and_lists_gaps(client, dashboard_projects):
    doc = _page(client, "/piano/missioni/M1/")
    ranking = table_rows(doc.find("table", id="mission-objectives-ranking"))
    assert [r[0].split()[0] for r in ranking[1:]] == ["M1.1", "M1.2"]
    assert ranking[1][1:] == ["2", "320.000,00", "110.000,00", "34,4%"]
    assert _chart_spec(doc, "mission-objectives-progress")["labels"] == ["M1.1", "M1.2"]
    assert _chart_spec(doc, "mission-objectives-progress")["datasets"][0]["data"] == [34.4, 0.0]
    gaps = doc.find(id="gaps")
    assert [li["data-objective"] for li in gaps.find_all("li")] == ["M1.3"]
    # Existing content kept.
    assert doc.find("table", id="components") is not None and doc.find("table", id="objectives") is not None


def test_gap_shows_pending_suggestions(client, dashboard_projects):
    _link(dashboard_projects["p"][0], dashboard_projects["o3"], LinkStatus.SUGGESTED)
    doc = _page(client, "/piano/missioni/M1/")
    gap = doc.find(id="gaps").find("li", attrs={"data-objective": "M1.3"})
    assert "1 suggerimento da valutare" in gap.get_text()


def test_home_aggregates_and_keeps_its_matrices(client, dashboard_projects):
    doc = _page(client, "/")
    assert _totals(doc, "home")["funded"] == "865.000,00 €"
    assert _chart_table(doc, "home-missions")[1:] == [["M1", "865.000,00 €", "110.000,00 €"]]
    assert [li["data-objective"] for li in doc.find(id="gaps").find_all("li")] == ["M1.3"]
    assert doc.find("table", id="vision-matrix") is not None
    assert doc.find("table", id="component-matrix") is not None


def test_projects_outside_the_territory_are_not_in_the_mission(client, dashboard_projects):
    outside = ProjectFactory(submeasure=dashboard_projects["p"][0].submeasure, fin_totale=D("999"))
    PlaceFactory(project=outside, comune=None, istat_code="058091", comune_name="ROMA")
    assert _totals(_page(client, "/piano/missioni/M1/"), "mission")["projects"] == "4"


# Project page -------------------------------------------------------------------------------------------


def test_project_page_payments_chart(client, dashboard_projects):
    p1 = dashboard_projects["p"][0]
    doc = _page(client, f"/progetti/{p1.pk}/")
    spec = _chart_spec(doc, "project-payments")
    assert spec["labels"] == ["30/06/2024", "31/03/2025"]
    assert spec["datasets"][1]["data"] == [20000.0, 60000.0]
    assert _chart_table(doc, "project-payments")[2][:3] == ["31/03/2025", "120.000,00 €", "60.000,00 €"]
    assert doc.find("table", id="payments") is not None  # the detailed table stays


# Freshness banner ---------------------------------------------------------------------------------------


def test_data_as_of_is_the_latest_successful_release(db):
    ImportRunFactory(release_date=datetime.date(2025, 1, 1))
    ImportRunFactory(release_date=datetime.date(2025, 6, 1), status="rejected")
    ImportRunFactory(release_date=None)
    assert fresh.read_dataset_dates().latest == datetime.date(2025, 1, 1)
    f = fresh.freshness(datetime.date(2025, 1, 1), today=datetime.date(2025, 3, 2))
    assert (f.days, f.stale) == (60, False)
    assert fresh.freshness(datetime.date(2025, 1, 1), today=datetime.date(2025, 3, 3)).stale


def test_banner_when_data_older_than_60_days(client, dashboard_projects):
    ImportRun.objects.update(release_date=timezone.localdate() - datetime.timedelta(days=61))
    for url in ["/", "/piano/missioni/M1/", "/piano/obiettivi/M1.1/"]:
        banner = _page(client, url).find(id="pnrr-freshness-banner")
        assert banner is not None and "61 giorni" in banner.get_text()


def test_no_banner_when_data_fresh(client, dashboard_projects):
    for url in ["/", "/piano/missioni/M1/", "/piano/obiettivi/M1.1/", "/territorio/zone/"]:
        assert _page(client, url).find(id="pnrr-freshness-banner") is None


def test_banner_on_other_pages_comes_from_the_cache(client, dashboard_projects):
    # (The zones list, once a page without figures, now shows the zones' PNRR totals and computes the dates
    # itself: the indicators list is the page without figures.)
    ImportRun.objects.update(release_date=timezone.localdate() - datetime.timedelta(days=90))
    cache.clear()
    other = "/monitoraggio/indicatori/"
    assert _page(client, other).find(id="pnrr-freshness-banner") is None  # nothing known yet
    assert _page(client, "/").find(id="pnrr-freshness-banner") is not None  # computed, and cached
    assert _page(client, other).find(id="pnrr-freshness-banner") is not None


# Dates per dataset --------------------------------------------------------------------------------------

PROJECTS_RELEASE = datetime.date(2023, 2, 24)


@pytest.fixture
def projects_release(dashboard_projects):
    """The projects and places files of 24/02/2023 beside the payments of 10 days ago."""
    ImportRunFactory(kind="progetti", release_date=PROJECTS_RELEASE)
    ImportRunFactory(kind="localizzazioni_validate", release_date=PROJECTS_RELEASE)
    ImportRunFactory(kind="milestone_target", release_date=None)
    return dashboard_projects


def _dates(node: Node) -> dict[str, str]:
    """The dates line of a block: datasets → their text."""
    return {
        s["data-datasets"]: " ".join(s.get_text().split())
        for s in node.find_all(attrs={"data-datasets": True})
    }


@pytest.mark.parametrize(
    ("url", "prefix"),
    [("/", "home"), ("/piano/missioni/M1/", "mission"), ("/piano/obiettivi/M1.1/", "objective")],
)
def test_every_totals_block_names_the_date_of_each_dataset(client, projects_release, url, prefix):
    paid_on = (timezone.localdate() - datetime.timedelta(days=10)).strftime("%d/%m/%Y")
    totals = _page(client, url).find("figure", id=f"{prefix}-totals")
    assert _dates(totals) == {
        "projects places": "progetti e luoghi al 24/02/2023",
        "payments": f"pagamenti al {paid_on}",
    }
    assert "Dati al" not in totals.get_text()  # no single date for all the figures


def test_the_charts_state_the_date_of_each_dataset(client, projects_release):
    doc = _page(client, "/piano/obiettivi/M1.1/")
    for chart_id in ("objective-zone", "objective-comuni"):
        figure = doc.find("figure", id=f"{chart_id}-figure")
        source = next(p for p in figure.find_all("p") if "chart-source" in p.get("class", ""))
        assert _dates(source)["projects places"] == "progetti e luoghi al 24/02/2023", chart_id
    caption = doc.find("caption", id="objective-zone-table-caption")
    assert "progetti e luoghi al 24/02/2023" in " ".join(caption.get_text().split())


def test_the_totals_define_each_figure_as_the_api_does(client, projects_release):
    defs = _page(client, "/").find(id="home-definitions")
    terms = {dt["data-figure"]: " ".join(dt.get_text().split()) for dt in defs.find_all("dt")}
    assert terms["fin_totale"] == "Finanziato (totale, nel territorio)"
    assert len(terms) == 8  # every figure of insights.definitions.FIGURES


def test_the_banner_names_the_oldest_dataset_of_the_page(client, projects_release):
    banner = _page(client, "/piano/obiettivi/M1.1/").find(id="pnrr-freshness-banner")
    days = (timezone.localdate() - PROJECTS_RELEASE).days
    text = " ".join(banner.get_text().split())
    assert "progetti e luoghi, sono del 24/02/2023" in text and f"({days} giorni fa)" in text


def test_the_banner_of_other_pages_names_the_oldest_dataset_too(client, projects_release):
    cache.clear()
    _page(client, "/")  # computes the dates
    text = _page(client, "/monitoraggio/indicatori/").find(id="pnrr-freshness-banner").get_text()
    assert "progetti e luoghi" in text and "24/02/2023" in text


def test_the_map_and_the_area_pages_name_the_date_of_each_dataset(client, projects_release):
    alfa = projects_release["alfa"]
    expected = {"projects places": "progetti e luoghi al 24/02/2023"}
    assert _dates(_page(client, "/territorio/mappa/").find(id="map-dates")).items() >= expected.items()
    for url in (f"/territorio/comuni/{alfa.codice_istat}/", f"/territorio/zone/{alfa.zone.slug}/"):
        standing = _page(client, url).find(id="area-standing")
        assert _dates(standing).items() >= expected.items(), url
        assert "payments" in _dates(standing)


# Query counts -------------------------------------------------------------------------------------------


def _add_projects(dashboard_projects, n: int) -> None:
    """n more confirmed projects for M1.1 (and M1's components), each in two comuni with two snapshots."""
    s1 = dashboard_projects["p"][0].submeasure
    for _ in range(n):
        p = ProjectFactory(submeasure=s1)
        PlaceFactory(project=p, comune=dashboard_projects["alfa"])
        PlaceFactory(project=p, comune=ComuneFactory(zone=dashboard_projects["beta"].zone))
        PaymentSnapshotFactory(project=p, release_date=EARLY)
        PaymentSnapshotFactory(project=p, release_date=LATE)
        _link(p, dashboard_projects["o1"])
        _link(p, dashboard_projects["o3"], LinkStatus.SUGGESTED)
        MilestoneFactory().submeasures.set([s1])


def _count(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (content types, …)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/piano/obiettivi/M1.1/", "/piano/missioni/M1/", "/", "/progetti/{pk}/"])
def test_query_count_is_constant_in_projects_and_comuni(client, dashboard_projects, url):
    url = url.format(pk=dashboard_projects["p"][0].pk)
    one = _count(client, url)
    _add_projects(dashboard_projects, 3)
    assert _count(client, url) == one


def _html(client, url: str) -> str:
    """The page without what changes on every response (the masked CSRF token)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(url).content.decode())


@pytest.mark.parametrize("url", ["/piano/obiettivi/M1.1/", "/piano/missioni/M1/", "/"])
def test_production_cache_serves_the_same_dashboard_and_sees_every_change(
    client, dashboard_projects, settings, url
):
    """With the per-process cache of production on, a dashboard costs one query (the data version) once
    computed, shows what the uncached page shows, and a change of the data is seen at once."""
    settings.DECIMETRO_MAP_CACHE_SECONDS = 0
    uncached = _count(client, url)
    expected = _html(client, url)
    settings.DECIMETRO_MAP_CACHE_SECONDS = 60
    cache.clear()
    try:
        assert _html(client, url) == expected  # computed and remembered
        with CaptureQueriesContext(connection) as ctx:
            assert _html(client, url) == expected  # from the cache
        assert len(ctx.captured_queries) < uncached
        assert not any("paid_total" in q["sql"] for q in ctx.captured_queries)  # no payments read
        PaymentSnapshotFactory(
            project=dashboard_projects["p"][0],
            release_date=LATE + datetime.timedelta(days=1),
            paid_total=D("120000"),
        )
        changed = _html(client, url)
        assert changed != expected
        settings.DECIMETRO_MAP_CACHE_SECONDS = 0
        assert _html(client, url) == changed
    finally:
        cache.clear()
