"""Reads: the review queue (sorted, filtered, fixed query count), a project's links and history, the
confirmed projects of an objective with their totals."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from decimetro.insights.figures import projects_totals
from decimetro.insights.objectives import confirmed_projects
from decimetro.linking import selectors as link_sel
from decimetro.linking import services as link_svc
from decimetro.linking.models import LinkAction, LinkStatus
from decimetro.plan.models import Objective
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
