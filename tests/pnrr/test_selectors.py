"""Reads: allocation rules for multi-place projects, bundled-extract totals to the cent, constant query
counts."""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal

import pytest
from django.db.models import Sum

from decimetro.insights import figures
from decimetro.insights.figures import AllocationRule
from decimetro.pnrr import selectors
from decimetro.pnrr.models import (
    ImportRun,
    Measure,
    MeasurePayment,
    Place,
    PnrrComponent,
    PnrrMission,
    Project,
    Provenance,
    SubMeasure,
)
from decimetro.pnrr.services import BUNDLED_FILES, pnrr_import_file
from decimetro.territory.models import Comune
from tests.pnrr.conftest import FRAME, MILESTONES, PAYMENTS, PLACES, PROJECTS

pytestmark = pytest.mark.django_db


def make_project(
    cup: str, amount: str, places: list[tuple[str, str, str, str]], mission: str = "M1"
) -> Project:
    """places: (region_code, province_code, comune_code, istat_code); the comune is linked when loaded."""
    m, _ = PnrrMission.objects.get_or_create(code=mission, defaults={"name": f"Missione {mission}"})
    c, _ = PnrrComponent.objects.get_or_create(code=f"{mission}C1", mission=m)
    me, _ = Measure.objects.get_or_create(code=f"{mission}C1I1.01", component=c)
    s, _ = SubMeasure.objects.get_or_create(code=f"{mission}C1I1.01.00", measure=me)
    project = Project.objects.create(
        cup=cup,
        local_code=cup,
        submeasure=s,
        provenance=Provenance.VALIDATED,
        fin_pnrr=Decimal(amount),
        fin_totale=Decimal(amount),
    )
    for region, province, comune, istat in places:
        Place.objects.create(
            project=project,
            dataset=Provenance.VALIDATED,
            region_code=region,
            province_code=province,
            comune_code=comune,
            istat_code=istat,
            comune=Comune.objects.filter(codice_istat=istat).first() if istat else None,
        )
    return project


@pytest.fixture
def shared_project(territory):
    """300 € in Milano, Abbiategrasso and AMBITO NAZIONALE."""
    return make_project(
        "A00000000000001",
        "300.00",
        [
            ("3", "15", "146", "015146"),
            ("3", "15", "2", "015002"),
            ("0", "0", "0", ""),
        ],
    )


def test_full_rule_gives_the_whole_amount_to_each_comune(shared_project):
    milano = Comune.objects.get(codice_istat="015146")
    totals = figures.comune_totals(comune=milano, rule=AllocationRule.FULL)
    assert (totals.total, totals.not_attributed, totals.projects) == (Decimal("300.00"), Decimal("0.00"), 1)
    assert totals.rule_label == "importo pieno a ogni luogo"


def test_equal_rule_is_the_default_and_counts_the_non_comune_share(shared_project):
    milano = Comune.objects.get(codice_istat="015146")
    totals = figures.comune_totals(comune=milano)
    assert totals.rule == figures.DEFAULT_ALLOCATION_RULE == AllocationRule.EQUAL
    assert (totals.total, totals.not_attributed) == (Decimal("100.00"), Decimal("100.00"))
    assert [(m.code, m.projects, m.amount) for m in totals.by_mission] == [("M1", 1, Decimal("100.00"))]
    assert totals.per_resident == (Decimal("100.00") / milano.population_resident).quantize(Decimal("0.01"))


def test_population_rule_splits_the_comune_share_by_residents(shared_project):
    milano = Comune.objects.get(codice_istat="015146")
    abbiategrasso = Comune.objects.get(codice_istat="015002")
    totals = figures.comune_totals(comune=milano, rule=AllocationRule.POPULATION)
    pops = milano.population_resident + abbiategrasso.population_resident
    expected = (Decimal("200") * milano.population_resident / pops).quantize(Decimal("0.01"))
    assert (totals.total, totals.not_attributed, totals.population_fallbacks) == (
        expected,
        Decimal("100.00"),
        0,
    )


def test_population_rule_falls_back_to_equal_outside_the_territory(territory):
    make_project("B00000000000001", "90.00", [("3", "15", "146", "015146"), ("3", "16", "24", "016024")])
    totals = figures.comune_totals(comune=Comune.objects.get(codice_istat="015146"), rule="population")
    assert (totals.total, totals.population_fallbacks) == (Decimal("45.00"), 1)


def test_zone_counts_a_project_once_and_sums_its_comuni_shares(shared_project):
    zone = Comune.objects.get(codice_istat="015002").zone
    totals = figures.zone_totals(zone=zone)
    assert (totals.projects, totals.total) == (1, Decimal("100.00"))


@pytest.mark.parametrize("n", [1, 3])
def test_area_totals_query_count_is_constant(territory, django_assert_num_queries, n):
    for i in range(n):
        make_project(
            f"C0000000000000{i}",
            "10.00",
            [("3", "15", "146", "015146"), ("3", "15", "2", "015002")],
            mission=f"M{i + 1}",
        )
    milano = Comune.objects.get(codice_istat="015146")
    with django_assert_num_queries(1):
        totals = figures.comune_totals(comune=milano)
    assert totals.projects == n


@pytest.mark.parametrize("n", [1, 3])
def test_project_detail_query_count_is_constant(django_assert_num_queries, n):
    for i in range(n):
        make_project(f"D0000000000000{i}", "10.00", [("0", "0", "0", "")])
    with django_assert_num_queries(3):
        projects = list(selectors.project_detail_queryset())
        assert [len(p.located_places) + len(p.payments.all()) for p in projects] == [1] * n


def test_project_detail_has_places_payments_and_hierarchy(territory):
    for path in (FRAME, PROJECTS, PLACES, PAYMENTS):
        pnrr_import_file(path=path)
    project = next(p for p in selectors.project_detail_queryset() if p.payments.all())
    found = selectors.projects_by_cup(cup=project.cup.lower())
    assert project.pk in [p.pk for p in found]
    assert project.located_places and all(p.dataset == project.provenance for p in project.located_places)
    assert project.submeasure.measure.component.mission.code == project.submeasure.code[:2]
    assert project.opencup_url.endswith(project.cup)


def test_measures_list_frame_totals_and_milestones():
    pnrr_import_file(path=FRAME)
    pnrr_import_file(path=MILESTONES)
    measure = next(m for m in selectors.measure_detail_queryset() if m.frame_total and m.milestone_count)
    assert measure.frame_total == sum(s.amount_total for s in measure.submeasures.all())
    assert measure.milestone_count == selectors.milestones_for_measure(measure=measure).count()
    shared = selectors.measures_with_frame().get(code="M1C1R1.02")  # M1C1-10 is on two of its sub-measures
    codes = [m.code for m in selectors.milestones_for_measure(measure=shared)]
    assert codes.count("M1C1-10") == 1 and shared.milestone_count == len(codes)


def bundled(name: str) -> list[dict[str, str]]:
    path = next(p for p in BUNDLED_FILES if p.name.startswith(name))
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_bundled_extract_totals_reconcile_with_the_source_to_the_cent(territory):
    """Sum of Finanziamento PNRR of the projects located in CMM: the extract CSVs vs the database. The
    territory's projects are those with a place in CMM in the validated or the universe places file; a
    universe-only project's funding is that of its payments row."""
    for path in BUNDLED_FILES:
        assert pnrr_import_file(path=path).rejected == 0
    assert set(ImportRun.objects.values_list("status", flat=True)) == {ImportRun.Status.OK}

    def key(r: dict[str, str], sub: str = "Codice Univoco Submisura") -> tuple[str, str, str]:
        return (
            r.get("CUP", r.get("cup")),
            r.get("Codice Locale Progetto", r.get("codice_locale_progetto")),
            r[sub],
        )

    validated_keys = {
        key(r) for r in bundled("localizzazioni_validate") if r["COD_ISTAT_COMUNE"].startswith("015")
    }
    universe_keys = {
        key(r, "Codice Univoco submisura")
        for r in bundled("localizzazioni_universo")
        if r["COD_ISTAT_COMUNE"].startswith("015")
    }
    assert (len(validated_keys), len(universe_keys), len(validated_keys & universe_keys)) == (1925, 2366, 0)
    source_total = sum(
        Decimal(r["Finanziamento PNRR"]) for r in bundled("progetti_validati") if key(r) in validated_keys
    ) + sum(
        Decimal(r["finanziamento_pnrr"])
        for r in bundled("pagamenti")
        if key(r, "codice_univoco_submisura") in universe_keys
    )
    in_cmm = Project.objects.filter(
        pk__in=Place.objects.filter(selectors.own_places(), istat_code__startswith="015").values("project_id")
    )
    assert in_cmm.count() == 4291
    assert in_cmm.filter(provenance=Provenance.UNIVERSE).count() == 2366
    assert not in_cmm.filter(provenance=Provenance.UNIVERSE).exclude(title="").exists()
    assert sum(p or 0 for p in in_cmm.values_list("fin_pnrr", flat=True)) == source_total
    assert in_cmm.aggregate(s=Sum("fin_pnrr"))["s"].quantize(Decimal("0.01")) == source_total
    everything = figures.area_totals(comuni=Comune.objects.all(), rule=AllocationRule.FULL)
    assert everything.total == source_total and everything.projects == 4291
    # The measure-level payments (no CUP) are in, as payments of their measures and of no project.
    assert sorted(MeasurePayment.objects.values_list("submeasure__measure__code", flat=True)) == [
        "M1C2I1.01",
        "M2C3I2.01",
    ]
