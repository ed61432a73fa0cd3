"""The lists' figures (`insights.lists`): each row equals its detail page's figure, computed by the page's own
function, to the cent; the status rule of the objectives; the projects' latest payments and confirmed
objectives; sorting with missing values last."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from decimetro.insights import lists
from decimetro.insights import map as sm
from decimetro.insights.dashboards import objective_dashboard
from decimetro.insights.figures import comune_totals, zone_totals
from decimetro.linking.models import LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import Objective
from decimetro.pnrr.models import PaymentSnapshot, Project, Provenance
from decimetro.territory.models import Comune, Zone
from tests.factories import (
    ComuneFactory,
    EditionFactory,
    MissionFactory,
    ObjectiveFactory,
    PaymentSnapshotFactory,
    PlaceFactory,
    ProjectFactory,
)

D = Decimal


@pytest.fixture
def odd_projects(map_projects):
    """The map scenario plus amounts that do not split into whole cents: 100 000,01 over Alfa, Beta and
    Gamma, and 0,05 over Alfa and a national place."""
    p6 = ProjectFactory(submeasure=map_projects["p1"].submeasure, fin_pnrr=D("100000.01"))
    for key in ("alfa", "beta", "gamma"):
        PlaceFactory(project=p6, comune=map_projects[key])
    p7 = ProjectFactory(submeasure=map_projects["p3"].submeasure, fin_pnrr=D("0.05"))
    PlaceFactory(project=p7, comune=map_projects["alfa"])
    PlaceFactory(project=p7, comune=None, istat_code="", region_code="0", comune_code="0")
    return map_projects


# Comuni and zones -------------------------------------------------------------------------------------------


def test_every_comune_row_equals_its_page_figures_to_the_cent(odd_projects):
    rows = {r.area.codice_istat: r for r in lists.comuni_with_figures()}
    assert set(rows) == {"015901", "015902", "015903"}  # the territory's comuni only (not Fuori)
    standing = {a.key: a for a in sm.map_data().comuni}
    for code, row in rows.items():
        page = comune_totals(comune=Comune.objects.get(codice_istat=code))
        assert (row.total, row.per_resident, row.totals.projects) == (
            page.total,
            page.per_resident,
            page.projects,
        )
        assert row.totals.not_attributed == page.not_attributed
        assert row.progress == standing[code].payment_progress
    alfa = rows["015901"]
    # M1: 100 000 (p1) + 30 000 (p2) + 33 333,336… (p6, a third of 100 000,01) → 163 333,34; M2: 0,025 (p7,
    # half of 0,05) → 0,02 (each mission rounded half to even, then summed, as the comune page does)
    assert alfa.total == D("163333.36")
    assert alfa.per_resident == D("16.33")
    # payment progress: 40 000 paid (latest snapshot of p1) of 250 000 funded (fin_totale): p1 120 000 + a
    # third of p2 90 000 and of p6 120 000 + half of p7 120 000; projects without payments count 0 paid
    assert alfa.progress == pytest.approx(16.0)
    assert rows["015903"].per_resident is None  # Gamma: no population


def test_every_zone_row_equals_its_page_figures_to_the_cent(odd_projects):
    rows = {r.area.slug: r for r in lists.zones_with_figures()}
    assert set(rows) == {"nord", "sud"}
    standing = {a.key: a for a in sm.map_data().zones}
    for slug, row in rows.items():
        page = zone_totals(zone=Zone.objects.get(slug=slug))
        assert (row.total, row.per_resident, row.totals.projects) == (
            page.total,
            page.per_resident,
            page.projects,
        )
        assert row.progress == standing[slug].payment_progress
    # Nord = Alfa + Beta. M1: p1 100 000 + p2 60 000 (2/3 of 90 000) + p6 66 666,673… (2/3 of 100 000,01)
    # → 226 666,673…; M2: p3 30 000 (half of 60 000) + p7 0,025 → 30 000,025. The total is rounded once,
    # after summing (256 666,698… → 256 666,70), as on the map: not the sum of the rounded missions (…,69).
    assert rows["nord"].total == D("256666.70")
    assert standing["nord"].amount == rows["nord"].total
    assert rows["nord"].totals.projects == 5


def test_comuni_sort_by_a_figure_puts_missing_values_last_both_ways(odd_projects):
    ComuneFactory(codice_istat="015904", name="Delta", population_resident=None, zone=None)  # no project
    by_per_resident = [r.area.name for r in lists.comuni_with_figures(sort="per_resident")]
    assert by_per_resident == ["Beta", "Alfa", "Delta", "Gamma"]  # 1,71 < 16,33; no population last, by name
    by_per_resident = [r.area.name for r in lists.comuni_with_figures(sort="-per_resident")]
    assert by_per_resident == ["Alfa", "Beta", "Delta", "Gamma"]
    assert [r.area.name for r in lists.comuni_with_figures(sort="-pnrr")] == [
        "Alfa",
        "Beta",
        "Gamma",
        "Delta",
    ]
    assert [r.area.name for r in lists.comuni_with_figures(sort="pnrr")] == ["Delta", "Gamma", "Beta", "Alfa"]
    by_progress = [r.area.name for r in lists.comuni_with_figures(sort="-progress")]
    # Alfa 16%; Beta and Gamma funded with nothing paid (0%, by name); Delta has no project: no value, last
    assert by_progress == ["Alfa", "Beta", "Gamma", "Delta"]
    by_progress = [r.area.name for r in lists.comuni_with_figures(sort="progress")]
    assert by_progress == ["Beta", "Gamma", "Alfa", "Delta"]
    # the search and zone filters still apply, an unknown sort is the name order
    assert [r.area.name for r in lists.comuni_with_figures(zone="nord", sort="pnrr")] == ["Beta", "Alfa"]
    assert [r.area.name for r in lists.comuni_with_figures(q="alf", sort="bogus")] == ["Alfa"]


def test_zones_sort_by_figures_and_columns(odd_projects):
    assert [r.area.slug for r in lists.zones_with_figures(sort="-pnrr")] == ["nord", "sud"]
    assert [r.area.slug for r in lists.zones_with_figures(sort="pnrr")] == ["sud", "nord"]
    assert [r.area.slug for r in lists.zones_with_figures(sort="-comuni")] == ["nord", "sud"]
    assert [r.area.slug for r in lists.zones_with_figures(sort="-name")] == ["sud", "nord"]
    assert [r.area.slug for r in lists.zones_with_figures(sort="nonsense")] == ["nord", "sud"]


# Objectives -------------------------------------------------------------------------------------------------


def _link(project, objective, status=LinkStatus.CONFIRMED, origin=LinkOrigin.STAFF):
    return ProjectObjectiveLink.objects.create(
        project=project, objective=objective, origin=origin, status=status
    )


@pytest.fixture
def plan_progress(map_projects):
    """Objectives M1.1 (p1 and p2 confirmed: 40 000 paid of 190 000 → in corso), M1.2 (p1 confirmed, paid
    raised to 60 000 of 120 000 → 50%: avanzato; p3 only suggested), M1.3 (nothing confirmed; p2 rejected)."""
    edition = EditionFactory()
    mission = MissionFactory(edition=edition, number=1, code="M1")
    o1, o2, o3 = (ObjectiveFactory(mission=mission, number=i) for i in (1, 2, 3))
    return {"o1": o1, "o2": o2, "o3": o3, **map_projects}


def test_objective_rows_equal_their_pages_and_follow_the_status_rule(plan_progress):
    o1, o2, o3 = plan_progress["o1"], plan_progress["o2"], plan_progress["o3"]
    p1, p2, p3, p4 = (plan_progress[k] for k in ("p1", "p2", "p3", "p4"))
    _link(p1, o1)
    _link(p2, o1, origin=LinkOrigin.CROSSWALK)  # confirmed whatever the origin
    _link(p4, o2)
    _link(p3, o2, LinkStatus.SUGGESTED)
    _link(p2, o3, LinkStatus.REJECTED)
    PaymentSnapshotFactory(project=p4, paid_total=D("30000"), fin_totale=D("50000"))
    rows = {r.objective.code: r for r in lists.objectives_with_progress(Objective.objects.order_by("number"))}
    assert list(rows) == ["M1.1", "M1.2", "M1.3"]
    for code, row in rows.items():
        page = objective_dashboard(Objective.objects.get(code=code))["totals"]
        assert (row.totals.projects, row.totals.funded, row.totals.paid, row.totals.paid_share) == (
            page.projects,
            page.funded,
            page.paid,
            page.paid_share,
        )
    # M1.1: p1 120 000 (40 000 paid) + p2 2/3 of 90 000
    assert (rows["M1.1"].totals.funded, rows["M1.1"].totals.paid) == (D("180000.00"), D("40000.00"))
    assert rows["M1.1"].status == "started" and rows["M1.1"].status_label == "in corso"
    # M1.2: p4 in Gamma and Fuori (a comune of another territory: its half is not attributed, as on the map
    # and the comune pages): 25 000 funded, 15 000 paid = 60%
    assert (rows["M1.2"].totals.funded, rows["M1.2"].totals.paid_share) == (D("25000.00"), 60.0)
    assert rows["M1.2"].status == "advanced" and rows["M1.2"].status_label == "avanzato"
    assert rows["M1.2"].suggested == 1
    assert rows["M1.3"].totals.projects == 0 and rows["M1.3"].status == "none"
    assert rows["M1.3"].status_label == "senza progetti confermati"


@pytest.mark.parametrize(
    ("paid", "status"), [("59880", "started"), ("59999", "advanced"), ("60000", "advanced")]
)
def test_objective_status_turns_advanced_at_half_paid_as_shown(plan_progress, paid, status):
    """The rule reads the progress as the page shows it (one decimal): 49,9% is in corso, 50,0% avanzato."""
    o1, p1 = plan_progress["o1"], plan_progress["p1"]
    _link(p1, o1)
    PaymentSnapshot.objects.filter(project=p1, release_date=datetime.date(2025, 3, 31)).update(
        paid_total=D(paid)
    )
    (row,) = lists.objectives_with_progress([o1])
    assert row.status == status


# Projects ---------------------------------------------------------------------------------------------------


def test_project_progress_reads_the_latest_snapshot_and_confirmed_current_objectives(plan_progress):
    o1, o2, o3, p1 = (plan_progress[k] for k in ("o1", "o2", "o3", "p1"))
    _link(p1, o2)
    _link(p1, o1, origin=LinkOrigin.CROSSWALK)
    _link(p1, o3, LinkStatus.SUGGESTED)
    old_edition = EditionFactory(slug="edizione-precedente", is_current=False)
    old = ObjectiveFactory(mission=MissionFactory(edition=old_edition, number=1, code="M1"), number=9)
    _link(p1, old)  # an earlier edition's objective is not listed
    universe = ProjectFactory(provenance=Provenance.UNIVERSE)
    qs = lists.projects_with_progress(Project.objects.filter(pk__in=[p1.pk, universe.pk]).order_by("pk"))
    first, second = (lists.project_progress(p) for p in qs)
    assert first.paid == D("40000.00")  # the latest (2025) snapshot, not the 2024 one
    assert first.progress_pct == 33.3  # the project page's round(paid_share * 100, 1)
    assert first.objectives == ["M1.1", "M1.2"]
    assert first.provenance == str(Provenance.VALIDATED.label)
    assert (second.paid, second.progress_pct, second.objectives) == (None, None, [])
    assert second.provenance == str(Provenance.UNIVERSE.label)


def test_project_progress_with_the_provenance_labels_read_once_says_the_same_in_both_languages(db):
    from django.utils import translation

    projects = [
        ProjectFactory(provenance=Provenance.VALIDATED),
        ProjectFactory(provenance=Provenance.UNIVERSE),
    ]
    for language in ("it", "en"):
        with translation.override(language):
            words = lists.provenance_labels()
            for p in projects:
                assert lists.project_progress(p, provenance_words=words) == lists.project_progress(p)
            assert [p.row_progress.provenance for p in lists.with_progress(projects)] == [
                str(p.get_provenance_display()) for p in projects
            ]
    with translation.override("en"):
        english = lists.provenance_labels()
    assert english != lists.provenance_labels()  # translated, not the Italian words twice
