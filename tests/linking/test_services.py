"""The review workflow: suggestions, staff decisions (one by one and in bulk), their audit and history, and
that decisions survive a new round of suggestions. Only the Ente's staff decide."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from decimetro.core.models import AuditEntry
from decimetro.linking import services as link_svc
from decimetro.linking.models import (
    LinkAction,
    LinkEvent,
    LinkOrigin,
    LinkStatus,
    MeasureObjective,
    ProjectObjectiveLink,
)
from decimetro.plan.models import Objective
from tests.linking.fixtures import link_state


def test_suggestions_top3_crosswalk_first(linked):
    for project in (linked.cloud, linked.casa, linked.tram):
        links = list(ProjectObjectiveLink.objects.filter(project=project).order_by("-score"))
        assert len(links) == 3
        assert all(link.status == LinkStatus.SUGGESTED for link in links)
        assert all(0 < link.score <= 1 for link in links)
    assert linked.link(linked.cloud, "M1.2").origin == LinkOrigin.CROSSWALK
    top_cloud = ProjectObjectiveLink.objects.filter(project=linked.cloud).order_by("-score").first()
    assert top_cloud.objective.code == "M1.2"
    top_casa = ProjectObjectiveLink.objects.filter(project=linked.casa).order_by("-score").first()
    assert top_casa.objective.code == "M6.1"
    # A suggestion leaves a history row (origin and score), not a staff decision.
    event = LinkEvent.objects.get(project=linked.casa, objective__code="M6.1")
    assert (event.action, event.origin, event.by) == (LinkAction.SUGGESTED, LinkOrigin.CROSSWALK, None)
    assert AuditEntry.objects.filter(action="linking.suggest_all").count() == 1


def test_suggest_again_changes_nothing(linked):
    before = link_state()
    summary = link_svc.links_suggest_all(by=None)
    assert (summary.created, summary.updated, summary.withdrawn, summary.unchanged) == (0, 0, 0, 9)
    after = link_state()
    assert after[:3] == before[:3]  # links, crosswalk and history unchanged (one more audit row: the run)


def test_confirm_records_who_when_history_and_audit(linked, staff_user):
    link = linked.link(linked.casa, "M6.1")
    link_svc.link_confirm(by=staff_user, link=link)
    link.refresh_from_db()
    assert link.status == LinkStatus.CONFIRMED
    assert link.decided_by == staff_user and link.decided_at is not None
    event = LinkEvent.objects.filter(project=linked.casa).first()  # newest first
    assert (event.action, event.objective.code, event.by) == (LinkAction.CONFIRMED, "M6.1", staff_user)
    audit = AuditEntry.objects.get(action="linking.confirmed")
    assert audit.actor == staff_user
    assert audit.before["status"] == "suggested" and audit.after["status"] == "confirmed"
    assert audit.after["objective"] == "M6.1"


def test_reject(linked, staff_user):
    link = linked.link(linked.cloud, "M1.2")
    link_svc.link_reject(by=staff_user, link=link)
    link.refresh_from_db()
    assert (link.status, link.decided_by) == (LinkStatus.REJECTED, staff_user)
    assert AuditEntry.objects.filter(action="linking.rejected", actor=staff_user).count() == 1
    assert LinkEvent.objects.filter(project=linked.cloud, action=LinkAction.REJECTED).count() == 1


def test_choose_other_rejects_the_suggestion_and_confirms_the_chosen_objective(linked, staff_user):
    link = linked.link(linked.tram, "M3.1")
    other = Objective.objects.get(code="M3.7")
    chosen = link_svc.link_choose_other(by=staff_user, link=link, objective=other)
    link.refresh_from_db()
    assert link.status == LinkStatus.REJECTED
    assert (chosen.objective.code, chosen.status, chosen.origin, chosen.decided_by) == (
        "M3.7",
        LinkStatus.CONFIRMED,
        LinkOrigin.STAFF,
        staff_user,
    )
    assert set(AuditEntry.objects.filter(actor=staff_user).values_list("action", flat=True)) == {
        "linking.rejected",
        "linking.chosen",
    }
    assert LinkEvent.objects.filter(project=linked.tram, action=LinkAction.CHOSEN, objective=other).exists()


def test_choose_other_on_an_already_suggested_objective_confirms_that_link(linked, staff_user):
    link = linked.link(linked.tram, "M3.1")
    second = linked.link(linked.tram, "M3.2")
    chosen = link_svc.link_choose_other(by=staff_user, link=link, objective=second.objective)
    assert chosen.pk == second.pk
    second.refresh_from_db()
    assert (second.status, second.origin) == (LinkStatus.CONFIRMED, LinkOrigin.CROSSWALK)


def test_bulk_confirm_and_reject(linked, staff_user):
    ids = [linked.link(linked.cloud, "M1.2").pk, linked.link(linked.casa, "M6.1").pk]
    assert link_svc.links_confirm_bulk(by=staff_user, link_ids=ids) == 2
    assert set(ProjectObjectiveLink.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "confirmed"
    }
    assert AuditEntry.objects.filter(action="linking.confirmed").count() == 2
    rest = list(ProjectObjectiveLink.objects.filter(status=LinkStatus.SUGGESTED).values_list("pk", flat=True))
    assert link_svc.links_reject_bulk(by=staff_user, link_ids=rest) == len(rest)
    assert not ProjectObjectiveLink.objects.filter(status=LinkStatus.SUGGESTED).exists()
    assert AuditEntry.objects.filter(action="linking.rejected").count() == len(rest)


def test_bulk_with_a_forged_id_changes_nothing(linked, staff_user):
    before = link_state()
    good = linked.link(linked.cloud, "M1.2").pk
    with pytest.raises(ProjectObjectiveLink.DoesNotExist):
        link_svc.links_confirm_bulk(by=staff_user, link_ids=[good, 999_999])
    assert link_state() == before


def test_decisions_survive_a_new_round_of_suggestions(linked, staff_user):
    confirmed = linked.link(linked.cloud, "M1.2")
    link_svc.link_confirm(by=staff_user, link=confirmed)
    rejected = linked.link(linked.casa, "M6.1")
    link_svc.link_reject(by=staff_user, link=rejected)
    # The crosswalk changes: the cloud measure no longer points to M1.2, the Case della Comunità measure still
    # points to M6.1 (rejected for this project: it must not come back as a suggestion).
    link_svc.crosswalk_remove(by=staff_user, entry=MeasureObjective.objects.get(measure=linked.cloud_measure))
    stale = list(
        ProjectObjectiveLink.objects.filter(project=linked.tram, status=LinkStatus.SUGGESTED).values_list(
            "objective__code", flat=True
        )
    )
    link_svc.crosswalk_remove(
        by=staff_user, entry=MeasureObjective.objects.get(measure=linked.tram_measure, objective__code="M3.1")
    )
    summary = link_svc.links_suggest_all(by=staff_user)
    confirmed.refresh_from_db()
    rejected.refresh_from_db()
    assert (confirmed.status, confirmed.decided_by) == (LinkStatus.CONFIRMED, staff_user)
    assert (rejected.status, rejected.decided_by) == (LinkStatus.REJECTED, staff_user)
    assert summary.kept_decisions == 2
    # The rejected objective is not suggested again (one row: the rejected one).
    assert ProjectObjectiveLink.objects.filter(project=linked.casa, objective__code="M6.1").count() == 1
    # The tram's stale M3.1 crosswalk suggestion lost its crosswalk origin (re-ranked or withdrawn).
    now = dict(
        ProjectObjectiveLink.objects.filter(project=linked.tram, status=LinkStatus.SUGGESTED).values_list(
            "objective__code", "origin"
        )
    )
    assert "M3.1" in stale
    assert now.get("M3.1") != LinkOrigin.CROSSWALK
    assert now["M3.2"] == LinkOrigin.CROSSWALK
    withdrawn = LinkEvent.objects.filter(
        project=linked.tram, objective__code="M3.1", action=LinkAction.WITHDRAWN
    ).exists()
    assert now.get("M3.1") == LinkOrigin.MODEL or ("M3.1" not in now and withdrawn)
    assert AuditEntry.objects.filter(action="linking.suggest_all", actor=staff_user).exists()


def test_a_stale_suggestion_is_withdrawn_with_a_history_row(linked):
    # A suggestion the ranking would no longer make (another mission, no crosswalk): replaced.
    stale = ProjectObjectiveLink.objects.create(
        project=linked.cloud,
        objective=Objective.objects.get(code="M6.4"),
        origin=LinkOrigin.MODEL,
        status=LinkStatus.SUGGESTED,
        score=0.99,
    )
    summary = link_svc.links_suggest_all(by=None)
    assert summary.withdrawn == 1
    assert not ProjectObjectiveLink.objects.filter(pk=stale.pk).exists()
    event = LinkEvent.objects.get(project=linked.cloud, objective__code="M6.4")
    assert (event.action, event.score) == (LinkAction.WITHDRAWN, 0.99)
    assert ProjectObjectiveLink.objects.filter(project=linked.cloud, status=LinkStatus.SUGGESTED).count() == 3


def test_link_suggest_for_project_replaces_only_its_suggestions(linked, staff_user):
    link_svc.link_confirm(by=staff_user, link=linked.link(linked.casa, "M6.1"))
    other_before = sorted(
        ProjectObjectiveLink.objects.exclude(project=linked.casa).values_list("pk", "status", "score")
    )
    summary = link_svc.link_suggest_for_project(by=staff_user, project=linked.casa)
    assert summary.kept_decisions == 1
    assert linked.link(linked.casa, "M6.1").status == LinkStatus.CONFIRMED
    # Confirmed M6.1 is kept; the other two suggestions are recomputed without it.
    assert ProjectObjectiveLink.objects.filter(project=linked.casa, status=LinkStatus.SUGGESTED).count() >= 2
    assert (
        sorted(ProjectObjectiveLink.objects.exclude(project=linked.casa).values_list("pk", "status", "score"))
        == other_before
    )
    assert AuditEntry.objects.filter(action="linking.suggest", actor=staff_user).count() == 1


# Permissions ------------------------------------------------------------------------------------------------

PERSONAS = ["plain_user", "comune_a_editor", "association_user"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_staff_decide(request, linked, persona):
    user = request.getfixturevalue(persona)
    link = linked.link(linked.casa, "M6.1")
    objective = Objective.objects.get(code="M6.4")
    entry = MeasureObjective.objects.get(measure=linked.casa_measure)
    before = link_state()
    calls = [
        lambda: link_svc.link_confirm(by=user, link=link),
        lambda: link_svc.link_reject(by=user, link=link),
        lambda: link_svc.link_choose_other(by=user, link=link, objective=objective),
        lambda: link_svc.link_add(by=user, project=linked.casa, objective=objective),
        lambda: link_svc.links_confirm_bulk(by=user, link_ids=[link.pk]),
        lambda: link_svc.links_reject_bulk(by=user, link_ids=[link.pk]),
        lambda: link_svc.link_suggest_for_project(by=user, project=linked.casa),
        lambda: link_svc.links_suggest_all(by=user),
        lambda: link_svc.crosswalk_add(by=user, measure=linked.casa_measure, objective=objective),
        lambda: link_svc.crosswalk_remove(by=user, entry=entry),
        lambda: link_svc.crosswalk_load(by=user),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert link_state() == before


def test_ente_admin_is_staff_and_may_decide(linked, ente_admin):
    link_svc.link_confirm(by=ente_admin, link=linked.link(linked.casa, "M6.1"))
    assert linked.link(linked.casa, "M6.1").status == LinkStatus.CONFIRMED
