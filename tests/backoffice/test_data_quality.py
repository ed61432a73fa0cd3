"""The staff-only data-quality page /gestione/qualita-dati/ and its CSV of problems: access, filters, the
planted problems shown per check, per release and per comune, the credit line, constant query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.factories import QUALITY_FEB, plant_quality_problems

pytestmark = pytest.mark.django_db

PAGE = "/gestione/qualita-dati/"
CSV = "/gestione/qualita-dati/problemi.csv"
CREDIT = "Fonte: Italia Domani – dati di attuazione del PNRR (ReGiS) (CC BY 4.0)"  # noqa: RUF001


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start : page.index("</table>", start)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")  # the Italian CSV: BOM, ";"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accesso/?next={url}")


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_non_staff_is_forbidden(client, plain_user, url):
    client.force_login(plain_user)
    assert client.get(url).status_code == 403


def test_linked_from_the_import_log(staff_client):
    page = html(staff_client.get("/gestione/importazioni/"))
    assert f'href="{PAGE}" id="quality-report-link"' in page


def test_page_shows_each_planted_problem(staff_client):
    plant_quality_problems()
    page = html(staff_client.get(PAGE))
    totals = section(page, 'id="quality-totals"')
    counts = dict(re.findall(r'<tr data-check="(\w+)">.*?<td class="text-end">(\d+)</td>', totals))
    assert counts == {
        "senza_luogo": "1",
        "cup_duplicato": "2",
        "pnrr_maggiore_del_totale": "1",
        "istat_sconosciuto": "1",
        "solo_universo": "1",
    }
    examples = dict(re.findall(r'data-examples="(\w+)">(.*?)</ul>', page, re.S))
    assert "J10A23000000000" in examples["senza_luogo"]
    assert examples["cup_duplicato"].count("D20B23000000000") == 2
    assert "E30C23000000000" in examples["pnrr_maggiore_del_totale"]
    assert "999990 COMUNE FANTASMA" in examples["istat_sconosciuto"]
    assert "G50E23000000000" in examples["solo_universo"]
    releases = section(page, 'id="quality-releases"')
    assert re.findall(r'data-release="([\w-]+)"', releases) == ["2023-02-24", "2023-03-01", "none"]
    comuni = section(page, 'id="quality-comuni"')
    assert re.findall(r'data-comune="(\w+)"', comuni) == ["015118", "015146", "999990"]
    assert "Garbagnate Milanese" in comuni
    assert CREDIT in page
    assert 'aria-current="page"' in page and "<caption" in page


def test_filters_by_release_and_comune(staff_client):
    plant_quality_problems()
    page = html(staff_client.get(PAGE, {"rilascio": QUALITY_FEB.isoformat()}))
    assert '<option value="2023-02-24" selected>' in page
    releases = section(page, 'id="quality-releases"')
    assert re.findall(r'data-release="([\w-]+)"', releases) == ["2023-02-24"]
    page = html(staff_client.get(PAGE, {"comune": "015146"}))
    comuni = section(page, 'id="quality-comuni"')
    assert re.findall(r'data-comune="(\w+)"', comuni) == ["015146"]
    assert 'value="015146"' in page
    # Junk filters are ignored, not an error.
    page = html(staff_client.get(PAGE, {"rilascio": "2099-01-01", "comune": "abc"}))
    assert len(re.findall(r'data-release="', section(page, 'id="quality-releases"'))) == 3


def test_csv_lists_every_problem_with_the_credit(staff_client):
    plant_quality_problems(3)
    rows = csv_rows(staff_client.get(CSV))
    header = rows[0]
    assert header[:3] == ["controllo", "descrizione_controllo", "cup"]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert {r["fonte"] for r in body} == {CREDIT}
    per_check: dict[str, int] = {}
    for r in body:
        per_check[r["controllo"]] = per_check.get(r["controllo"], 0) + 1
    assert per_check == {
        "senza_luogo": 3,
        "cup_duplicato": 6,
        "pnrr_maggiore_del_totale": 3,
        "istat_sconosciuto": 3,
        "solo_universo": 3,
    }
    ghost = next(r for r in body if r["controllo"] == "istat_sconosciuto")
    assert (ghost["codice_istat_luogo"], ghost["luogo"]) == ("999990", "COMUNE FANTASMA")
    filtered = csv_rows(staff_client.get(CSV, {"comune": "015118"}))
    assert sorted({r[0] for r in filtered[1:]}) == ["pnrr_maggiore_del_totale", "solo_universo"]


@pytest.mark.parametrize("n", [1, 3])
def test_constant_query_count(staff_client, django_assert_num_queries, n):
    plant_quality_problems(n)
    # session + user, releases (filter), the report (17), the comuni of the datalist.
    with django_assert_num_queries(21):
        html(staff_client.get(PAGE))
    # + the export slot (create if missing, take, give back: reports.limits) and the datasets' release dates
    with django_assert_num_queries(2 + 1 + 7 + 3 + 1):
        response = staff_client.get(CSV)
        assert len(csv_rows(response)) == 1 + 6 * n
