"""One figure, one value (issue 12, point 3): each figure of the territory, a zone, a comune (Milano) and an
objective is the same, to the cent, on every page and API that shows it. Exact values are read from the
tables, the JSON and the exact parts of the pages (never from a rounded card).

The data: the map scenario (multi-place projects, a national place, a comune of another territory, projects
without payments, zones Nord and Sud) plus Milano with a project of its own whose amounts do not split into
whole cents, a project shared with Alfa, and one objective with confirmed links (one by one and by rule) and a
pending suggestion."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.core.cache import cache

from decimetro.insights import figures
from decimetro.linking.models import LinkOrigin, LinkStatus, MeasureObjective, ProjectObjectiveLink, RuleState
from decimetro.plan.models import Objective
from decimetro.territory.models import Comune
from tests._dom import parse
from tests.factories import (
    ComuneFactory,
    ImportRunFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)

D = Decimal
CENT = D("0.01")
MILANO = "015146"


def _money(text: str) -> Decimal:
    """ "1.234,56 €" (Italian, exact) → Decimal("1234.56")."""
    return D(" ".join(text.split()).split(" €")[0].replace(".", "").replace(",", "."))


def _pct(text: str) -> float | None:
    text = " ".join(text.split()).split("%")[0]
    return None if text.startswith("—") else float(text.replace(",", "."))


def _get(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response


@pytest.fixture
def scenario(plan, map_projects):
    cache.clear()
    m = map_projects
    ImportRunFactory(kind="progetti", release_date=datetime.date(2023, 2, 24))
    ImportRunFactory(kind="localizzazioni_validate", release_date=datetime.date(2023, 2, 24))
    ImportRunFactory(kind="pagamenti", release_date=datetime.date(2025, 3, 31))
    milano = ComuneFactory(
        codice_istat=MILANO,
        name="Milano",
        zone=ZoneFactory(slug="milano", name="Milano"),
        population_resident=1_371_498,
    )
    submeasure = m["p1"].submeasure
    # Milano only; amounts that are not whole thirds; paid 1 234 567,89
    p6 = ProjectFactory(submeasure=submeasure, fin_pnrr=D("7654321.07"), fin_totale=D("9876543.21"))
    PlaceFactory(project=p6, comune=milano)
    PaymentSnapshotFactory(
        project=p6,
        release_date=datetime.date(2025, 3, 31),
        paid_total=D("1234567.89"),
        fin_totale=D("9876543.21"),
    )
    # Milano, Alfa and a national place: thirds of odd amounts; no payments
    p7 = ProjectFactory(submeasure=submeasure, fin_pnrr=D("100000.01"), fin_totale=D("100000.02"))
    for comune in (milano, m["alfa"]):
        PlaceFactory(project=p7, comune=comune)
    PlaceFactory(project=p7, comune=None, istat_code="", region_code="0", comune_code="0")
    objective = Objective.objects.get(edition=plan, code="M1.1")
    rule = MeasureObjective.objects.create(
        measure=m["p2"].submeasure.measure, objective=objective, state=RuleState.APPROVED
    )
    for project, origin in ((m["p1"], LinkOrigin.STAFF), (m["p2"], LinkOrigin.RULE), (p7, LinkOrigin.STAFF)):
        ProjectObjectiveLink.objects.create(
            project=project,
            objective=objective,
            origin=origin,
            status=LinkStatus.CONFIRMED,
            score=0.9,
            rule=rule if origin == LinkOrigin.RULE else None,
        )
    ProjectObjectiveLink.objects.create(
        project=p6, objective=objective, origin=LinkOrigin.MODEL, status=LinkStatus.SUGGESTED, score=0.7
    )
    yield {**m, "milano": milano, "p6": p6, "p7": p7, "objective": objective}
    cache.clear()


# Readers: each page's exact figures -------------------------------------------------------------------------


def _dashboard_totals(client, url: str, prefix: str) -> dict:
    fig = parse(_get(client, url).content).find("figure", id=f"{prefix}-totals")
    text = {
        p["data-total"]: " ".join(p.get_text().split()) for p in fig.find_all("p", attrs={"data-total": True})
    }
    # the cards round from a million up ("10,2 mln €"): the exact amount is in `data-exact`
    exact = {
        p["data-total"]: D(p.find("span", attrs={"data-exact": True})["data-exact"])
        for p in fig.find_all("p", attrs={"data-total": True})
        if p.find("span", attrs={"data-exact": True})
    }
    out = {
        "projects": int(text["projects"].replace(".", "")),
        "fin_totale": exact["funded"],
        "fin_pnrr": exact["funded_pnrr"],
        "paid": exact["paid"],
        "progress_pct": _pct(text["paid_share"]),
        "cards": {k: text[k] for k in ("funded", "funded_pnrr", "paid")},
    }
    if "not_attributed" in text:
        out["not_attributed"] = _money(text["not_attributed"].rsplit(": ", 1)[-1])
    return out


def _area_page(client, url: str) -> dict:
    """A comune's or zone's page: its PNRR block (exact) and its "where it stands" payment progress."""
    doc = parse(_get(client, url).content)
    dd = [" ".join(d.get_text().split()) for d in doc.find("dl", id="pnrr-totals").find_all("dd")]
    standing = doc.find("dd", attrs={"data-standing": "payment_progress"}).get_text()
    paid, funded = " ".join(standing.split()).split("(")[1].rstrip(")").split(" / ")
    return {
        "projects": int(dd[0].replace(".", "")),
        "pnrr": _money(dd[1]),
        "per_resident": _money(dd[2]) if not dd[2].startswith("—") else None,
        "not_attributed": _money(dd[3]),
        "progress": _pct(standing),
        "paid": _money(paid),
        "funded": _money(funded),
    }


def _list_row(client, url: str, table: str, key: str) -> dict:
    doc = parse(_get(client, url).content)
    for tr in doc.find("table", id=table).find_all("tr")[1:]:
        if tr.find("th").find("a")["href"].rstrip("/").split("/")[-1] == key:
            cells = {
                td["data-figure"]: td.get_text() for td in tr.find_all("td", attrs={"data-figure": True})
            }
            return {
                "pnrr": _money(cells["pnrr"]),
                "per_resident": None if "—" in cells["per_resident"] else _money(cells["per_resident"]),
                "progress": _pct(cells["progress"]),
            }
    raise AssertionError(f"{key} not in {url}")


def _map_area(doc: dict, kind: str, key: str) -> dict:
    return next(a for a in doc[kind] if a["key"] == key)


def _d(value: float) -> Decimal:
    return D(str(value)).quantize(CENT, ROUND_HALF_EVEN)


# The territory ----------------------------------------------------------------------------------------------


def test_the_territory_has_one_value_per_figure(client, scenario):
    home = _dashboard_totals(client, "/", "home")
    summary = {k: v["value"] for k, v in _get(client, "/api/v1/territory/summary").json()["figures"].items()}
    map_doc = _get(client, "/api/v1/territory/map").json()
    totals = map_doc["totals"]
    map_page = parse(_get(client, "/territorio/mappa/").content).find("dl", id="map-totals")
    map_text = {d["data-total"]: d.get_text() for d in map_page.find_all("dd", attrs={"data-total": True})}

    # projects: home = API = map (JSON and page)
    assert home["projects"] == summary["projects"] == totals["projects"] == int(map_text["projects"])
    # funded (total), PNRR share, paid: home = API = map
    assert home["fin_totale"] == D(summary["fin_totale"]) == _d(totals["funded"]) == D(summary["attributed"])
    assert home["fin_pnrr"] == D(summary["fin_pnrr"]) == _d(totals["funding"]) == _money(map_text["funding"])
    assert home["paid"] == D(summary["paid"]) == _d(totals["paid"])
    # payment progress: paid / funded over the same projects (no payments = 0 paid), one decimal everywhere
    expected = round(float(home["paid"] / home["fin_totale"] * 100), 1)
    assert home["progress_pct"] == summary["progress_pct"] == expected
    assert round(totals["payment_progress"], 1) == _pct(map_text["payment_progress"]) == expected
    # per resident: the PNRR share over the territory's residents
    assert D(summary["per_resident"]) == _d(totals["funding_per_resident"])
    assert D(summary["per_resident"]) == _money(map_text["funding_per_resident"])
    # not attributed to the territory's comuni: one definition (national places and comuni of other
    # territories), stated on the total funding on the home page and the API, on the PNRR share on the map
    territory = Comune.objects.filter(codice_uts="215")
    on_total = figures.area_totals(comuni=territory, amount_field="fin_totale").not_attributed
    on_pnrr = figures.area_totals(comuni=territory).not_attributed
    assert home["not_attributed"] == D(summary["not_attributed"]) == on_total
    assert _d(totals["not_attributed"]) == _money(map_text["not_attributed"]) == on_pnrr
    # p2's national third, p4's half in Fuori, p7's national third (30 000 + 25 000 + 33 333,34)
    assert on_total == D("88333.34") and on_pnrr == D("88333.34")
    # the cards are rounded (the exact amount is their tooltip and screen-reader text)
    assert home["fin_totale"] == D("10208209.89")
    assert home["cards"]["funded"].startswith("10,2 mln €")
    assert 'title="10.208.209,89 €"' in _get(client, "/").content.decode()
    # and nothing is lost: attributed + not attributed = the projects located in the territory
    located = D("120000") + D("90000") + D("60000") + D("50000") + D("9876543.21") + D("100000.02")
    assert home["fin_totale"] + home["not_attributed"] == located


# A comune (Milano, and Alfa with shared projects) and a zone ------------------------------------------------


@pytest.mark.parametrize("istat", [MILANO, "015901"])
def test_a_comune_has_one_value_per_figure(client, scenario, istat):
    page = _area_page(client, f"/territorio/comuni/{istat}/")
    row = _list_row(client, "/territorio/comuni/", "comuni", istat)
    api = _get(client, f"/api/v1/territory/comuni/{istat}").json()["pnrr"]
    area = _map_area(_get(client, "/api/v1/territory/map").json(), "comuni", istat)
    assert page["projects"] == api["projects"] == area["projects"]
    assert page["pnrr"] == row["pnrr"] == D(api["total"]) == _d(area["funding"])
    assert (
        page["per_resident"]
        == row["per_resident"]
        == D(api["per_resident"])
        == _d(area["funding_per_resident"])
    )
    assert page["not_attributed"] == D(api["not_attributed"])
    assert page["paid"] == _d(area["paid"]) and page["funded"] == _d(area["funded"])
    assert page["progress"] == row["progress"] == round(area["payment_progress"], 1)
    assert page["progress"] == round(float(page["paid"] / page["funded"] * 100), 1)


def test_milano_by_hand(client, scenario):
    page = _area_page(client, f"/territorio/comuni/{MILANO}/")
    # p6 whole + a third of p7 (100 000,01 / 3 = 33 333,336…)
    assert page["pnrr"] == D("7654321.07") + D("33333.34")
    # paid 1 234 567,89 of p6's 9 876 543,21 + a third of p7's 100 000,02 (no payments: 0 paid)
    assert (page["paid"], page["funded"]) == (D("1234567.89"), D("9909876.55"))
    assert page["progress"] == 12.5
    # not attributed: p7's national third (Alfa's third is attributed, to another comune of the territory)
    assert page["not_attributed"] == D("33333.34")


def test_a_zone_has_one_value_per_figure(client, scenario):
    page = _area_page(client, "/territorio/zone/nord/")
    row = _list_row(client, "/territorio/zone/", "zones", "nord")
    area = _map_area(_get(client, "/api/v1/territory/map").json(), "zones", "nord")
    assert page["pnrr"] == row["pnrr"] == _d(area["funding"])
    assert page["per_resident"] == row["per_resident"] == _d(area["funding_per_resident"])
    assert page["paid"] == _d(area["paid"]) and page["funded"] == _d(area["funded"])
    assert page["progress"] == row["progress"] == round(area["payment_progress"], 1)


# An objective -----------------------------------------------------------------------------------------------


def test_an_objective_has_one_value_per_figure(client, scenario):
    page = _dashboard_totals(client, "/piano/obiettivi/M1.1/", "objective")
    doc = parse(_get(client, "/piano/obiettivi/").content)
    tr = doc.find("tr", attrs={"data-objective": "M1.1"})
    cells = {td["data-total"]: td.get_text() for td in tr.find_all("td", attrs={"data-total": True})}
    progress = next(o for o in _get(client, "/api/v1/plan/objectives").json() if o["code"] == "M1.1")[
        "progress"
    ]
    assert page["projects"] == int(cells["projects"]) == progress["projects"] == 3
    assert page["fin_totale"] == _money(cells["funded"]) == D(progress["fin_totale"])
    assert page["fin_pnrr"] == D(progress["fin_pnrr"])
    assert page["paid"] == _money(cells["paid"]) == D(progress["paid"])
    assert page["progress_pct"] == _pct(cells["paid_share"]) == progress["progress_pct"]
    # p1 120 000 + two thirds of p2 90 000 + a third of p7 100 000,02 (Milano; Alfa's third too: two thirds);
    # the suggested p6 is not summed
    assert page["fin_totale"] == D("120000") + D("60000") + D("66666.68")
    assert (progress["links_confirmed"], progress["links_by_rule"], progress["suggestions_pending"]) == (
        3,
        1,
        1,
    )


# The cards' rounding ----------------------------------------------------------------------------------------


def test_money_compact_rounds_cards_and_keeps_the_exact_amount(db):
    from django.utils import translation

    from decimetro.public.templatetags.decimetro import money_compact

    with translation.override("it"):
        big = str(money_compact(D("1843210987.654")))
        assert 'aria-hidden="true">1,84 mld €<' in big
        assert 'title="1.843.210.987,65 €"' in big and 'data-exact="1843210987.65"' in big
        assert '<span class="visually-hidden">1.843.210.987,65 €</span>' in big
        mid = str(money_compact(D("835626341.38")))
        assert 'aria-hidden="true">835,6 mln €<' in mid and 'title="835.626.341,38 €"' in mid
        assert str(money_compact(D("320000"))) == '<span data-exact="320000.00">320.000,00 €</span>'
        assert money_compact(None) == "—"
