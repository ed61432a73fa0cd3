"""The Web GIS values (pnrr/selectors_map.py): one aggregate per map, allocation rules, filters, breaks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decimetro.insights import figures
from decimetro.insights import map as sm
from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.territory.models import Comune
from tests.factories import (
    ComponentFactory,
    ComuneFactory,
    MissionFactory,
    ObjectiveFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)

D = Decimal
RULES = list(figures.AllocationRule)


def _by_key(data: sm.MapData) -> dict[str, sm.AreaValue]:
    return {a.key: a for a in [*data.comuni, *data.zones]}


# Breaks -----------------------------------------------------------------------------------------------------


def test_quantile_breaks_five_classes_and_merging():
    assert sm.quantile_breaks([]) == []
    assert sm.quantile_breaks([5.0]) == [5.0, 5.0]
    assert sm.quantile_breaks([float(v) for v in range(11)]) == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    # many equal values: equal limits are merged (fewer classes)
    assert sm.quantile_breaks([0, 0, 0, 0, 0, 0, 0, 0, 1, 2]) == [0, 0.2, 2]


def test_class_of():
    breaks = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert sm.class_of(0.0, breaks) == 0
    assert sm.class_of(2.0, breaks) == 0
    assert sm.class_of(2.1, breaks) == 1
    assert sm.class_of(10.0, breaks) == 4
    assert sm.class_of(None, breaks) is None
    assert sm.class_of(1.0, []) is None


# Totals reconcile with the per-project sums -----------------------------------------------------------------


def test_equal_rule_values_by_hand(map_projects):
    data = sm.map_data(metric="funding")
    v = _by_key(data)
    assert v["015901"].amount == D("130000.00")  # p1 whole + p2 / 3
    assert v["015902"].amount == D("60000.00")  # p2 / 3 + p3 / 2
    assert v["015903"].amount == D("55000.00")  # p3 / 2 + p4 / 2
    assert v["015901"].projects == 2 and v["015902"].projects == 2 and v["015903"].projects == 2
    assert "016001" not in v  # outside the territory
    # zones: the sum of their comuni; projects counted once per zone
    assert v["nord"].amount == D("190000.00") and v["nord"].projects == 3
    assert v["sud"].amount == D("55000.00") and v["sud"].projects == 2
    # territory: p1..p4 (each once); not attributed to its comuni: p2's national third and p4's other half,
    # which goes to Fuori (a comune of another territory): together the whole of p1..p4 (300 000)
    assert data.territory.projects == 4
    assert data.territory.amount == D("245000.00")
    assert data.not_attributed == D("55000.00")


@pytest.mark.parametrize("rule", RULES)
def test_every_comune_reconciles_with_area_totals(map_projects, rule):
    data = sm.map_data(rule=rule, metric="funding")
    for area in data.comuni:
        comune = Comune.objects.get(codice_istat=area.key)
        expected = figures.comune_totals(comune=comune, rule=rule)
        assert area.amount == expected.total, (rule, area.key)
        assert area.projects == expected.projects
    territory = figures.area_totals(comuni=Comune.objects.filter(codice_uts="215"), rule=rule)
    assert data.territory.projects == territory.projects
    assert data.not_attributed == territory.not_attributed
    if rule != figures.AllocationRule.FULL:  # under FULL the same euro is in several comuni
        assert data.territory.amount == territory.total


def test_population_rule_splits_by_residents_and_falls_back(map_projects):
    v = _by_key(sm.map_data(rule="population", metric="funding"))
    # p2: national third set aside; 60 000 split 1:3 between Alfa and Beta
    assert v["015901"].amount == D("115000.00")  # 100 000 + 15 000
    # p3: Gamma has no population → equal split (30 000 each)
    assert v["015902"].amount == D("75000.00")  # 45 000 + 30 000
    assert v["015903"].amount == D("55000.00")


def test_full_rule_gives_every_place_the_whole_amount(map_projects):
    v = _by_key(sm.map_data(rule="full", metric="funding"))
    assert v["015901"].amount == D("190000.00")
    assert v["015903"].amount == D("110000.00")


def test_metrics_per_resident_progress_and_density(map_projects):
    data = sm.map_data(metric="funding_per_resident")
    alfa = _by_key(data)["015901"]
    assert alfa.per_resident == D("13.00")  # 130 000 / 10 000
    assert alfa.metric("funding_per_resident") == 13.0
    assert alfa.projects_per_1000 == 0.2
    assert _by_key(data)["015903"].metric("funding_per_resident") is None  # no population: no value
    # payment progress: paid of the LATEST snapshot (p1 40 000) over the funding (fin_totale) of every
    # project, those without payments counting 0 paid: p1 120 000 + a third of p2 90 000
    assert alfa.paid == D("40000.00") and alfa.funded == D("150000.00")
    assert alfa.payment_progress == 26.7  # one decimal, rounded once (as `Totals.paid_share`)
    assert _by_key(data)["015902"].payment_progress == 0.0  # funded, nothing paid yet
    assert data.median_per_resident == D("7.50")  # median of 13.00 and 2.00 (Gamma has no population)


def test_breaks_are_computed_on_the_metric(map_projects):
    data = sm.map_data(metric="projects")
    assert data.breaks[0] == 2.0 and data.breaks[-1] == 2.0
    data = sm.map_data(metric="funding")
    assert data.breaks[0] == 55000.0 and data.breaks[-1] == 130000.0
    assert all(a.metric("funding") is not None for a in data.comuni)


# Filters ----------------------------------------------------------------------------------------------------


def test_filter_by_mission_component_measure(map_projects):
    for filters in (
        sm.MapFilters(mission="m2"),
        sm.MapFilters(component="M2C1"),
        sm.MapFilters(measure="M2C1I1.01"),
    ):
        v = _by_key(sm.map_data(filters=filters, metric="funding"))
        assert v["015901"].amount == D("0.00") and v["015901"].projects == 0
        assert v["015902"].amount == D("30000.00")
        assert v["015903"].amount == D("55000.00")


def test_filter_by_objective_counts_only_confirmed_links(map_projects):
    objective = ObjectiveFactory()
    for project, status in (
        (map_projects["p1"], LinkStatus.CONFIRMED),
        (map_projects["p3"], LinkStatus.SUGGESTED),
    ):
        ProjectObjectiveLink.objects.create(
            project=project, objective=objective, origin=LinkOrigin.STAFF, status=status
        )
    data = sm.map_data(filters=sm.MapFilters(objective=objective.code), metric="funding")
    v = _by_key(data)
    assert v["015901"].amount == D("100000.00") and v["015901"].projects == 1
    assert v["015902"].projects == 0  # p3's link is only suggested
    assert data.territory.projects == 1


def test_filter_by_actor_uses_component_flags_or_linked_objectives(map_projects):
    mission = MissionFactory(number=1)
    ComponentFactory(mission=mission, code="M1C1", comuni=True, citta_metropolitana=False)
    ComponentFactory(mission=mission, code="M2C1", comuni=False, citta_metropolitana=True)
    objective = ObjectiveFactory(mission=mission, comuni=True)
    ProjectObjectiveLink.objects.create(
        project=map_projects["p4"], objective=objective, origin=LinkOrigin.STAFF, status=LinkStatus.CONFIRMED
    )
    data = sm.map_data(filters=sm.MapFilters(actor="comuni"), metric="funding")
    # p1, p2 by their component M1C1; p4 by its confirmed link; not p3 (M2C1 is not marked for comuni)
    assert data.territory.projects == 3
    assert _by_key(data)["015903"].amount == D("25000.00")
    data = sm.map_data(filters=sm.MapFilters(actor="citta_metropolitana"), metric="funding")
    assert data.territory.projects == 2  # p3, p4 (M2C1)
    # an unknown actor is ignored
    assert sm.map_data(filters=sm.MapFilters(actor="nessuno")).territory.projects == 4


def test_filter_by_zone_gives_values_only_to_its_comuni(map_projects):
    data = sm.map_data(filters=sm.MapFilters(zone="sud"), metric="funding")
    v = _by_key(data)
    assert v["015903"].amount == D("55000.00") and v["015903"].in_filter
    assert not v["015901"].in_filter and v["015901"].metric("funding") is None
    assert v["nord"].metric("funding") is None and v["sud"].metric("funding") == 55000.0
    assert data.territory.projects == 2  # p3, p4


# One aggregate, constant queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_query_count_is_constant_in_comuni_and_projects(db, n, pnrr_submeasure):
    zone = ZoneFactory()
    submeasure = pnrr_submeasure("M1", "M1C1", "M1C1I1.01")
    for _ in range(n):
        comune = ComuneFactory(zone=zone)
        for _ in range(n):
            project = ProjectFactory(submeasure=submeasure)
            PlaceFactory(project=project, comune=comune)
            PaymentSnapshotFactory(project=project)
    with CaptureQueriesContext(connection) as ctx:
        data = sm.map_data(filters=sm.MapFilters(mission="M1", zone=zone.slug), rule="population")
    # the comuni; ONE aggregate for every comune, zone and the territory; the latest payment release
    assert len(ctx) == 3
    assert data.territory.projects == n * n
    assert sum(a.projects for a in data.comuni) == n * n


def test_area_standing_ranks_against_the_median(map_projects):
    data = sm.map_data(metric="funding_per_resident")
    standing = sm.area_standing(data=data, key="015901")
    assert standing is not None
    assert standing["rank"] == 1 and standing["ranked"] == 2
    assert standing["median_comuni"] == D("7.50")
    zone = sm.area_standing(data=data, key="nord")
    assert zone is not None and zone["area"].name == "Nord"
    assert sm.area_standing(data=data, key="zzz") is None


def test_cache_sees_every_change_through_the_data_version(map_projects, settings, staff_user):
    from django.core.cache import cache

    from decimetro.linking.services import link_confirm

    settings.DECIMETRO_MAP_CACHE_SECONDS = 60
    cache.clear()
    try:
        first = sm.map_data(metric="funding")
        with CaptureQueriesContext(connection) as ctx:
            again = sm.map_data(metric="projects")
        assert len(ctx) == 1  # the data version only: the values come from the cache
        assert again.metric == "projects" and again.breaks == [2.0, 2.0] and first.breaks != again.breaks
        PlaceFactory(project=ProjectFactory(fin_pnrr=D("1000")), comune=map_projects["alfa"])
        assert _by_key(sm.map_data(metric="funding"))["015901"].amount == D("131000.00")
        link = ProjectObjectiveLink.objects.create(
            project=map_projects["p3"], objective=ObjectiveFactory(), origin=LinkOrigin.STAFF
        )
        objective = sm.MapFilters(objective=link.objective.code)
        assert sm.map_data(filters=objective).territory.projects == 0
        link_confirm(by=staff_user, link=link)  # a decision: its audit row changes the version
        assert ProjectObjectiveLink.objects.get(pk=link.pk).status == LinkStatus.CONFIRMED
        assert sm.map_data(filters=objective).territory.projects == 1
    finally:
        cache.clear()


def test_area_top_projects_lists_each_project_once_largest_first(map_projects):
    top = pnrr_sel.area_top_projects(comuni=[map_projects["alfa"], map_projects["beta"]])
    assert top == [
        map_projects["p1"],
        map_projects["p2"],
        map_projects["p3"],
    ]  # p2 has a place in both comuni: listed once
    assert pnrr_sel.area_top_projects(comuni=[map_projects["alfa"], map_projects["beta"]], limit=1) == [
        map_projects["p1"]
    ]
