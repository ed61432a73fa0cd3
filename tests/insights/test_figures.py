"""insights.figures: territory amounts under each allocation rule, progress, milestones' status."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from decimetro.insights import figures as dash
from decimetro.insights.allocation import AllocationRule
from decimetro.insights.figures import area_totals
from decimetro.pnrr.models import Project
from decimetro.territory.models import Comune
from tests.factories import (
    ComuneFactory,
    MilestoneFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
    ZoneFactory,
)

D = Decimal


@pytest.fixture
def projects(db):
    """p1 in A only; p2 in A (pop 10 000) and B (pop 30 000); p3 in B and a national place; p4 in a comune
    outside the territory only."""
    zone = ZoneFactory()
    a = ComuneFactory(zone=zone, population_resident=10000)
    b = ComuneFactory(zone=zone, population_resident=30000)
    p1 = ProjectFactory(fin_totale=D("100"), fin_pnrr=D("80"))
    p2 = ProjectFactory(fin_totale=D("400"), fin_pnrr=D("400"))
    p3 = ProjectFactory(fin_totale=D("90"), fin_pnrr=D("90"))
    p4 = ProjectFactory(fin_totale=D("70"), fin_pnrr=D("70"))
    PlaceFactory(project=p1, comune=a)
    PlaceFactory(project=p2, comune=a)
    PlaceFactory(project=p2, comune=b)
    PlaceFactory(project=p3, comune=b)
    PlaceFactory(project=p3, comune=None, istat_code="", region_code="0", province_code="")
    PlaceFactory(project=p4, comune=None, istat_code="058091", comune_name="ROMA", region_code="12")
    return {"a": a, "b": b, "p": [p1, p2, p3, p4]}


@pytest.mark.parametrize(
    ("rule", "funded", "a", "b"),
    [
        (AllocationRule.EQUAL, D("545"), D("300"), D("245")),  # 100 + 200 | 200 + 45
        (AllocationRule.FULL, D("660"), D("500"), D("490")),  # every place the whole amount
        (AllocationRule.POPULATION, D("545"), D("200"), D("345")),  # p2: 100 to A, 300 to B
    ],
)
def test_territory_amounts_under_each_rule(projects, rule, funded, a, b):
    data = dash.project_set_data(Project.objects.all(), rule=rule)
    totals = data.totals()
    assert totals.projects == 4
    if rule != AllocationRule.FULL:
        assert totals.funded == funded
        # Reconciles with the area totals of pnrr.selectors over the whole territory (fin_totale).
        area = area_totals(comuni=Comune.objects.all(), rule=rule, amount_field="fin_totale")
        assert totals.funded == area.total
        assert totals.funded + totals.not_attributed == D("660")
    by = {c.key: c.amount for c in data.by_comune()}
    assert by == {projects["a"].codice_istat: a, projects["b"].codice_istat: b}


def test_project_outside_the_territory_is_all_not_attributed(projects):
    p4 = projects["p"][3]
    data = dash.project_set_data(Project.objects.filter(pk=p4.pk))
    assert data.totals().funded == 0
    assert data.totals().not_attributed == D("70.00")
    assert data.by_comune() == []


def test_paid_follows_the_funding_share_and_progress_carries_snapshots_forward(projects):
    p1, p2, p3, _p4 = projects["p"]
    PaymentSnapshotFactory(project=p1, release_date=datetime.date(2024, 1, 1), paid_total=D("10"))
    PaymentSnapshotFactory(
        project=p3, release_date=datetime.date(2025, 1, 1), paid_total=D("60"), fin_totale=D("80")
    )
    data = dash.project_set_data(Project.objects.filter(pk__in=[p1.pk, p2.pk, p3.pk]))
    assert data.totals().paid == D("40.00")  # 10 + 60 x half of p3
    points = data.progress()
    assert [p.day for p in points] == [datetime.date(2024, 1, 1), datetime.date(2025, 1, 1)]
    # 2024: p1 paid 10 of 100; p2 and p3 not yet in the payments: their current funding (400 + 45), paid 0.
    assert (points[0].funded, points[0].paid) == (D("545.00"), D("10.00"))
    # 2025: p1's 2024 snapshot carried forward; p3's snapshot funding (80) halved.
    assert (points[1].funded, points[1].paid) == (D("540.00"), D("40.00"))


def test_milestone_status_by_due_quarter(db):
    project = ProjectFactory()
    sub = project.submeasure
    for code, quarter, year in [("A", "Q1", 2025), ("B", "Q2", 2025), ("C", "", None)]:
        MilestoneFactory(code=code, quarter=quarter, year=year).submeasures.set([sub])
    rows = dash.milestones_of_projects(Project.objects.all(), today=datetime.date(2025, 4, 1))
    assert [(r.milestone.code, r.due, r.status) for r in rows] == [
        ("A", datetime.date(2025, 3, 31), "past"),
        ("B", datetime.date(2025, 6, 30), "upcoming"),
        ("C", None, "unknown"),
    ]
    assert rows[0].measures == [sub.measure.code]
