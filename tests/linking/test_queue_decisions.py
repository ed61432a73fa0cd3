"""`links_decide_matching`: a decision on every link the queue's filters select — only those, each with its
LinkEvent and audit row as if taken one by one, all or nothing, refused to anyone but the Ente's staff."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from decimetro.core.models import AuditEntry
from decimetro.linking import selectors as link_sel
from decimetro.linking import services as link_svc
from decimetro.linking.models import LinkEvent, LinkStatus, ProjectObjectiveLink
from tests.linking.fixtures import link_state


def _statuses() -> dict[tuple[str, str], str]:
    return {
        (cup, code): status
        for cup, code, status in ProjectObjectiveLink.objects.values_list(
            "project__cup", "objective__code", "status"
        )
    }


def test_decide_matching_changes_only_the_matching_links(linked, staff_user):
    before = _statuses()
    events, audits = LinkEvent.objects.count(), AuditEntry.objects.count()
    filters = link_sel.QueueFilters(measure="M2C2I4.02")
    n = link_svc.links_decide_matching(by=staff_user, filters=filters, decision="confirm", expected=3)
    assert n == 3
    after = _statuses()
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {(linked.tram.cup, code) for code in ("M3.1", "M3.2", "M2.3")}
    assert {after[key] for key in changed} == {LinkStatus.CONFIRMED}
    assert LinkEvent.objects.count() == events + 3
    assert AuditEntry.objects.filter(action="linking.confirmed", actor=staff_user).count() == 3
    assert AuditEntry.objects.count() == audits + 3


def test_decide_matching_rejects_a_measure_for_one_objective(linked, staff_user):
    filters = link_sel.QueueFilters(measure="M6C1I1.01", objective="M6.2")
    assert link_svc.links_decide_matching(by=staff_user, filters=filters, decision="reject") == 1
    assert linked.link(linked.casa, "M6.2").status == LinkStatus.REJECTED
    assert linked.link(linked.casa, "M6.1").status == LinkStatus.SUGGESTED


def test_decide_matching_leaves_links_already_decided_alone(linked, staff_user):
    link_svc.link_confirm(by=staff_user, link=linked.link(linked.tram, "M3.1"))
    audits = AuditEntry.objects.count()
    filters = link_sel.QueueFilters(measure="M2C2I4.02", status="")  # every status
    assert link_svc.links_decide_matching(by=staff_user, filters=filters, decision="confirm") == 2
    assert AuditEntry.objects.count() == audits + 2


def test_decide_matching_with_a_stale_count_changes_nothing(linked, staff_user):
    before = link_state()
    with pytest.raises(link_svc.QueueChanged) as exc:
        link_svc.links_decide_matching(
            by=staff_user, filters=link_sel.QueueFilters(), decision="reject", expected=8
        )
    assert (exc.value.expected, exc.value.found) == (8, 9)
    assert link_state() == before


def test_decide_matching_unknown_decision_changes_nothing(linked, staff_user):
    before = link_state()
    with pytest.raises(ValueError, match="decisione sconosciuta"):
        link_svc.links_decide_matching(by=staff_user, filters=link_sel.QueueFilters(), decision="delete")
    assert link_state() == before


@pytest.mark.parametrize("persona", ["plain_user", "comune_a_editor", "association_user"])
def test_others_cannot_decide_matching(request, linked, persona):
    user = request.getfixturevalue(persona)
    before = link_state()
    with pytest.raises(PermissionDenied):
        link_svc.links_decide_matching(by=user, filters=link_sel.QueueFilters(), decision="confirm")
    assert link_state() == before
