"""Reads: the review queue (sorted by amount or score; filtered by status, mission, objective, measure,
component, comune, origin and score band; grouped by measure and objective; fixed query count), a project's
links and history, the confirmed projects of an objective with their totals."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from decimetro.insights.figures import projects_totals
from decimetro.insights.objectives import confirmed_projects
from decimetro.linking import selectors as link_sel
from decimetro.linking import services as link_svc
from decimetro.linking.models import LinkAction, LinkOrigin, LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import Objective
from decimetro.pnrr.models import Project
from tests.factories import PlaceFactory
from tests.linking.fixtures import make_project


def test_queue_sorted_by_score_and_only_suggestions(linked, staff_user):
    link_svc.link_confirm(by=staff_user, link=linked.link(linked.casa, "M6.1"))
    queue = list(link_sel.review_queue())
    scores = [link.score for link in queue]
    assert scores == sorted(scores, reverse=True)
    assert len(queue) == 8 and all(link.status == LinkStatus.SUGGESTED for link in queue)
    confirmed = list(link_sel.review_queue(link_sel.QueueFilters(status=LinkStatus.CONFIRMED)))
    assert [(link.project, link.objective.code) for link in confirmed] == [(linked.casa, "M6.1")]


def test_queue_filters_by_mission_and_comune(linked, comune_a, comune_b):
    m6 = list(link_sel.review_queue(link_sel.QueueFilters(mission="m6")))
    assert m6 and {link.objective.mission.code for link in m6} == {"M6"}
    in_b = list(link_sel.review_queue(link_sel.QueueFilters(comune=comune_b.codice_istat)))
    assert in_b and {link.project for link in in_b} == {linked.casa}
    in_a = {
        link.project for link in link_sel.review_queue(link_sel.QueueFilters(comune=comune_a.codice_istat))
    }
    assert in_a == {linked.cloud, linked.tram}
    assert not list(link_sel.review_queue(link_sel.QueueFilters(mission="M6", comune=comune_a.codice_istat)))


def _queue_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        for link in link_sel.review_queue():
            _ = (
                link.project.title,
                link.project.submeasure.measure.component.code,
                link.objective.mission.code,
                [p.comune.name for p in link.project.territory_places],
                link.decided_by,
            )
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_the_projects(plan, measures, comune_a, comune_b):
    make_project(measures["casa"], title="Casa della comunità di Rho", synthesis="", comune=comune_b)
    link_svc.links_suggest_all(by=None)
    one = _queue_queries()
    for i in range(2):
        project = make_project(
            measures["casa"], title=f"Casa della comunità {i}", synthesis="", comune=comune_a
        )
        PlaceFactory(project=project, comune=comune_b)
    link_svc.links_suggest_all(by=None)
    assert len(link_sel.review_queue()) == 9
    assert _queue_queries() == one


def test_links_of_project_confirmed_first_and_history_newest_first(linked, staff_user):
    link_svc.link_reject(by=staff_user, link=linked.link(linked.tram, "M3.1"))
    link_svc.link_confirm(by=staff_user, link=linked.link(linked.tram, "M3.2"))
    statuses = [link.status for link in link_sel.links_of_project(linked.tram)]
    assert statuses == ["confirmed", "suggested", "rejected"]
    history = list(link_sel.link_history(linked.tram))
    assert [(e.action, e.objective.code) for e in history[:2]] == [
        (LinkAction.CONFIRMED, "M3.2"),
        (LinkAction.REJECTED, "M3.1"),
    ]
    assert {e.action for e in history[2:]} == {LinkAction.SUGGESTED}


def test_confirmed_projects_of_an_objective_with_totals(linked, staff_user, measures, comune_a):
    second = make_project(measures["casa"], title="Casa della comunità due", synthesis="", comune=comune_a)
    link_svc.links_suggest_all(by=None)
    m61 = Objective.objects.get(code="M6.1")
    assert projects_totals(confirmed_projects(objective=m61)).projects == 0  # suggestions never count
    link_svc.links_confirm_bulk(
        by=staff_user, link_ids=[linked.link(linked.casa, "M6.1").pk, linked.link(second, "M6.1").pk]
    )
    projects = confirmed_projects(objective=m61)
    assert set(projects) == {linked.casa, second}
    assert projects_totals(projects).projects == 2
    assert projects_totals(projects).fin_totale == Decimal("240000.00")
    assert link_sel.confirmed_count_by_objective() == {m61.pk: 2}


# The queue's filters, order and groups ----------------------------------------------------------------------


def _pairs(filters: link_sel.QueueFilters) -> set[tuple[str, str]]:
    return {(link.project.cup, link.objective.code) for link in link_sel.review_queue(filters)}


def _all_pairs(linked) -> dict[str, set[tuple[str, str]]]:
    """measure code → its (cup, objective) suggestions, read from the database without the selector."""
    out: dict[str, set[tuple[str, str]]] = {}
    for link in ProjectObjectiveLink.objects.select_related("project__submeasure__measure", "objective"):
        out.setdefault(link.project.submeasure.measure.code, set()).add(
            (link.project.cup, link.objective.code)
        )
    return out


def test_queue_filters_by_objective_measure_and_component(linked):
    by_measure = _all_pairs(linked)
    assert _pairs(link_sel.QueueFilters(objective="m6.1")) == {(linked.casa.cup, "M6.1")}
    assert _pairs(link_sel.QueueFilters(measure="m2c2i4.02")) == by_measure["M2C2I4.02"]
    assert len(by_measure["M2C2I4.02"]) == 3
    assert _pairs(link_sel.QueueFilters(component="M6C1")) == by_measure["M6C1I1.01"]
    assert _pairs(link_sel.QueueFilters(component="M6C1", objective="M3.1")) == set()


def test_queue_filters_by_origin_and_score_band(linked):
    everything = list(link_sel.review_queue())
    for origin in (LinkOrigin.MODEL, LinkOrigin.CROSSWALK):
        got = list(link_sel.review_queue(link_sel.QueueFilters(origin=origin)))
        assert got and {link.origin for link in got} == {origin}
        assert len(got) == sum(1 for link in everything if link.origin == origin)
    bands = {
        key: list(link_sel.review_queue(link_sel.QueueFilters(band=key))) for key in link_sel.SCORE_BANDS
    }
    assert all(link.score >= 0.8 for link in bands["alto"]) and bands["alto"]
    assert all(0.5 <= link.score < 0.8 for link in bands["medio"]) and bands["medio"]
    assert all(link.score < 0.5 for link in bands["basso"]) and bands["basso"]
    assert sum(len(b) for b in bands.values()) == len(everything) == 9  # the bands split the queue


def test_queue_sorted_by_amount_biggest_first_by_default(linked):
    Project.objects.filter(pk=linked.tram.pk).update(fin_totale=Decimal("5000000.00"))
    Project.objects.filter(pk=linked.casa.pk).update(fin_totale=Decimal("1000000.00"))
    Project.objects.filter(pk=linked.cloud.pk).update(fin_totale=None)  # no amount: last
    projects = [link.project for link in link_sel.review_queue()]
    assert projects == [linked.tram] * 3 + [linked.casa] * 3 + [linked.cloud] * 3
    tram_scores = [link.score for link in link_sel.review_queue()][:3]
    assert tram_scores == sorted(tram_scores, reverse=True)  # within a project: best score first
    by_score = [link.score for link in link_sel.review_queue(order="punteggio")]
    assert by_score == sorted(by_score, reverse=True)


def test_pending_groups_by_measure_and_objective(linked, staff_user):
    link_svc.link_confirm(by=staff_user, link=linked.link(linked.tram, "M3.1"))
    groups = link_sel.pending_groups()
    assert {(g["measure"], g["objective_code"]): g["links"] for g in groups} == {
        ("M1C1I1.02", "M1.2"): 1,
        ("M1C1I1.02", "M1.7"): 1,
        ("M1C1I1.02", "M1.1"): 1,
        ("M6C1I1.01", "M6.1"): 1,
        ("M6C1I1.01", "M6.2"): 1,
        ("M6C1I1.01", "M6.3"): 1,
        ("M2C2I4.02", "M3.2"): 1,  # M3.1 is decided: not pending any more
        ("M2C2I4.02", "M2.3"): 1,
    }
    only = link_sel.pending_groups(link_sel.QueueFilters(measure="M6C1I1.01"))
    assert {g["objective_code"] for g in only} == {"M6.1", "M6.2", "M6.3"}
    assert all(g["amount"] == Decimal("120000.00") for g in only)
    assert len(link_sel.pending_groups(limit=2)) == 2
