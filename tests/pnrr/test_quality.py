"""The data-quality report per release and per comune: each check finds exactly the problem planted for it and
nothing else, the release and comune filters, the full problem list, constant query counts."""

from __future__ import annotations

import pytest

from decimetro.pnrr import quality
from tests.factories import (
    QUALITY_FEB,
    QUALITY_MAR,
    ComuneFactory,
    ImportRunFactory,
    PlaceFactory,
    ProjectFactory,
    plant_quality_problems,
)

pytestmark = pytest.mark.django_db

CHECKS = list(quality.QUALITY_CHECKS)


def example_cups(report: quality.QualityReport) -> dict[str, list[str]]:
    return {check: sorted(p.cup for p in problems) for check, problems in report.examples.items()}


def test_each_check_finds_exactly_its_planted_problem():
    data = plant_quality_problems()
    report = quality.data_quality_report()
    assert report.totals == {
        "senza_luogo": 1,
        "cup_duplicato": 2,
        "pnrr_maggiore_del_totale": 1,
        "istat_sconosciuto": 1,
        "solo_universo": 1,
    }
    assert example_cups(report) == {k: sorted(v) for k, v in data["planted"].items()}
    (ghost,) = report.examples["istat_sconosciuto"]
    assert (ghost.istat_code, ghost.place_name) == ("999990", "COMUNE FANTASMA")
    (over,) = report.examples["pnrr_maggiore_del_totale"]
    assert over.detail == "PNRR 200000.00 > totale 120000.00"


def test_a_clean_database_has_no_problem():
    ImportRunFactory(release_date=QUALITY_FEB)
    PlaceFactory(project=ProjectFactory(), comune=ComuneFactory())
    report = quality.data_quality_report()
    assert set(report.totals.values()) == {0}
    assert report.by_release == [] and report.by_comune == []
    assert list(quality.data_quality_problems()) == []


def test_counts_per_release():
    plant_quality_problems()
    report = quality.data_quality_report()
    assert report.releases == [QUALITY_FEB, QUALITY_MAR]
    rows = {r.key: r.counts for r in report.by_release}
    # Validated rows dated 2023-02-21 came with the February release; the universe stub takes the date of its
    # places (2023-03-01).
    assert rows == {
        QUALITY_FEB: {"senza_luogo": 1, "cup_duplicato": 2, "pnrr_maggiore_del_totale": 1},
        QUALITY_MAR: {"solo_universo": 1},
        None: {"istat_sconosciuto": 1},  # the place itself has no date: no release
    }


def test_counts_per_comune():
    data = plant_quality_problems()
    report = quality.data_quality_report()
    rows = {r.key: (r.label, r.counts) for r in report.by_comune}
    assert rows == {
        "015146": ("Milano", {"cup_duplicato": 2}),
        "015118": ("Garbagnate Milanese", {"pnrr_maggiore_del_totale": 1, "solo_universo": 1}),
        "999990": ("Comune Fantasma", {"istat_sconosciuto": 1}),
    }
    assert [r.key for r in report.by_comune] == ["015118", "015146", "999990"]  # most problems first
    assert report.comuni_omitted == 0
    assert data["a"].codice_istat == "015146"


def test_release_filter_keeps_the_problems_of_that_release():
    plant_quality_problems()
    feb = quality.data_quality_report(release=QUALITY_FEB)
    assert feb.totals == {
        "senza_luogo": 1,
        "cup_duplicato": 2,
        "pnrr_maggiore_del_totale": 1,
        "istat_sconosciuto": 0,
        "solo_universo": 0,
    }
    mar = quality.data_quality_report(release=QUALITY_MAR)
    assert {k: v for k, v in mar.totals.items() if v} == {"solo_universo": 1}
    assert example_cups(mar)["solo_universo"] == ["G50E23000000000"]


def test_comune_filter_keeps_the_problems_located_there():
    plant_quality_problems()
    report = quality.data_quality_report(comune="015118")
    assert {k: v for k, v in report.totals.items() if v} == {
        "pnrr_maggiore_del_totale": 1,
        "solo_universo": 1,
    }
    assert [r.key for r in report.by_comune] == ["015118"]
    unknown = quality.data_quality_report(comune="999990")
    assert {k: v for k, v in unknown.totals.items() if v} == {"istat_sconosciuto": 1}


def test_problem_list_has_every_problem_not_only_the_examples():
    data = plant_quality_problems(3)
    report = quality.data_quality_report(examples=1)
    assert all(len(v) == 1 for v in report.examples.values())
    listed = list(quality.data_quality_problems())
    by_check: dict[str, list[str]] = {}
    for p in listed:
        by_check.setdefault(p.check, []).append(p.cup)
    assert {k: sorted(v) for k, v in by_check.items()} == {k: sorted(v) for k, v in data["planted"].items()}
    releases = {p.check: p.release for p in listed}
    assert releases["senza_luogo"] == QUALITY_FEB and releases["solo_universo"] == QUALITY_MAR


def test_the_old_whole_database_summary_is_unchanged():
    plant_quality_problems()
    assert quality.data_quality()["progetti_senza_luogo"] == 1


@pytest.mark.parametrize("n", [1, 3])
def test_constant_query_count(n, django_assert_num_queries):
    plant_quality_problems(n)
    # 1 (releases) + 4 project checks x 3 (per release, per comune, examples) + 4 for the ISTAT check (its
    # codes, per release, per comune, examples).
    with django_assert_num_queries(17):
        report = quality.data_quality_report()
    assert report.totals["solo_universo"] == n
    with django_assert_num_queries(1 + 4 + 2):
        assert len(list(quality.data_quality_problems())) == 6 * n
