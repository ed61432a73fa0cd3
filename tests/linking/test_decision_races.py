"""Two staff deciding the same link at once (issue 14, "Races"): decisions on a project's links run one after
the other (its row is their lock); a decision taken on a link someone changed since the person saw it stands
only if it is the same decision (no second event), else it is refused with who decided; a project never ends
confirmed on both objectives of a "choose another objective" and a plain confirmation.

The SQLite tests replay the race deterministically (the second person holds the link as it was before the
first decision); the PostgreSQL test runs real pairs on two connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from decimetro.core.models import AuditEntry
from decimetro.linking import services as link_svc
from decimetro.linking.models import LinkAction, LinkEvent, LinkStatus, ProjectObjectiveLink
from decimetro.plan.models import Objective
from tests.factories import StaffFactory
from tests.linking.fixtures import link_state


@pytest.fixture
def two_staff(db):
    return (
        StaffFactory(username="staff.anna", first_name="Anna", last_name="Rossi"),
        StaffFactory(username="staff.bruno", first_name="Bruno", last_name="Verdi"),
    )


def _confirmed_codes(project: Any) -> set[str]:
    return set(
        ProjectObjectiveLink.objects.filter(project=project, status=LinkStatus.CONFIRMED).values_list(
            "objective__code", flat=True
        )
    )


def _events(project: Any) -> list[tuple[str, str]]:
    return list(
        LinkEvent.objects.filter(project=project, action__in=list(LinkAction.values))
        .exclude(action=LinkAction.SUGGESTED)
        .order_by("pk")
        .values_list("objective__code", "action")
    )


def _seen(linked: Any, code: str) -> ProjectObjectiveLink:
    """The link as a page showed it: loaded now, decided on later."""
    return ProjectObjectiveLink.objects.select_related("project", "objective").get(
        project=linked.casa, objective__code=code
    )


@pytest.mark.django_db
def test_a_stale_opposite_decision_is_refused_with_who_decided(linked, two_staff):
    anna, bruno = two_staff
    seen_by_bruno = _seen(linked, "M6.2")
    assert seen_by_bruno.status == LinkStatus.SUGGESTED
    link_svc.link_reject(by=anna, link=_seen(linked, "M6.2"))
    before = link_state()
    with pytest.raises(link_svc.LinkAlreadyDecided) as exc:
        link_svc.link_confirm(by=bruno, link=seen_by_bruno)
    assert "già stato deciso da Anna Rossi" in str(exc.value) and "respinto" in str(exc.value)
    assert link_state() == before
    assert linked.link(linked.casa, "M6.2").status == LinkStatus.REJECTED


@pytest.mark.django_db
def test_the_same_decision_taken_twice_is_logged_once(linked, two_staff):
    anna, bruno = two_staff
    seen_by_bruno = _seen(linked, "M6.1")
    events, audits = LinkEvent.objects.count(), AuditEntry.objects.count()
    link_svc.link_reject(by=anna, link=_seen(linked, "M6.1"))
    result = link_svc.link_reject(by=bruno, link=seen_by_bruno)
    assert result.status == LinkStatus.REJECTED and result.decided_by == anna
    assert LinkEvent.objects.count() == events + 1
    assert AuditEntry.objects.filter(action="linking.rejected").count() == 1
    assert AuditEntry.objects.count() == audits + 1
    # A decision repeated on a fresh page (a double click) writes nothing either.
    link_svc.link_reject(by=bruno, link=_seen(linked, "M6.1"))
    assert LinkEvent.objects.count() == events + 1 and AuditEntry.objects.count() == audits + 1


@pytest.mark.django_db
@pytest.mark.parametrize("first", ["confirm", "choose_other"])
def test_confirm_and_choose_other_are_exclusive_whoever_comes_first(linked, two_staff, first):
    anna, bruno = two_staff
    target = Objective.objects.get(code="M5.1")
    seen = {"anna": _seen(linked, "M6.2"), "bruno": _seen(linked, "M6.2")}
    confirm = lambda: link_svc.link_confirm(by=anna, link=seen["anna"])  # noqa: E731
    choose = lambda: link_svc.link_choose_other(by=bruno, link=seen["bruno"], objective=target)  # noqa: E731
    winner, loser = (confirm, choose) if first == "confirm" else (choose, confirm)
    winner()
    before = link_state()
    with pytest.raises(link_svc.LinkAlreadyDecided, match="già stato deciso da"):
        loser()
    assert link_state() == before
    confirmed = _confirmed_codes(linked.casa)
    if first == "confirm":
        assert "M6.2" in confirmed and "M5.1" not in confirmed
        assert _events(linked.casa) == [("M6.2", LinkAction.CONFIRMED)]
    else:
        assert "M5.1" in confirmed and "M6.2" not in confirmed
        assert _events(linked.casa) == [("M6.2", LinkAction.REJECTED), ("M5.1", LinkAction.CHOSEN)]


@pytest.mark.django_db
def test_two_staff_choosing_the_same_other_objective_make_one_decision(linked, two_staff):
    anna, bruno = two_staff
    target = Objective.objects.get(code="M5.1")
    seen_by_bruno = _seen(linked, "M6.2")
    first = link_svc.link_choose_other(by=anna, link=_seen(linked, "M6.2"), objective=target)
    second = link_svc.link_choose_other(by=bruno, link=seen_by_bruno, objective=target)
    assert second.pk == first.pk and second.decided_by == anna
    assert _events(linked.casa) == [("M6.2", LinkAction.REJECTED), ("M5.1", LinkAction.CHOSEN)]
    # Another objective than the colleague's: refused, the project keeps one.
    with pytest.raises(link_svc.LinkAlreadyDecided):
        link_svc.link_choose_other(by=bruno, link=seen_by_bruno, objective=Objective.objects.get(code="M5.2"))
    assert _confirmed_codes(linked.casa) & {"M5.1", "M5.2", "M6.2"} == {"M5.1"}


@pytest.mark.django_db
def test_a_bulk_decision_leaves_a_colleagues_identical_decision_and_event_alone(linked, two_staff):
    anna, bruno = two_staff
    ids = list(
        ProjectObjectiveLink.objects.filter(status=LinkStatus.SUGGESTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    link_svc.link_reject(by=anna, link=ProjectObjectiveLink.objects.get(pk=ids[-1]))
    events = LinkEvent.objects.count()
    assert link_svc.links_reject_bulk(by=bruno, link_ids=ids) == len(ids)
    assert ProjectObjectiveLink.objects.get(pk=ids[-1]).decided_by == anna
    assert LinkEvent.objects.count() == events + len(ids) - 1


@pytest.mark.django_db
def test_a_decision_on_a_link_that_no_longer_exists_is_refused(linked, two_staff):
    anna, _ = two_staff
    seen = _seen(linked, "M6.2")
    ProjectObjectiveLink.objects.filter(pk=seen.pk).delete()
    with pytest.raises(link_svc.LinkAlreadyDecided, match="non esiste più"):
        link_svc.link_confirm(by=anna, link=seen)


# PostgreSQL: real concurrent pairs --------------------------------------------------------------------------


def _run_pair(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions at the same time, each on its own connection; return each result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = action()
        except Exception as exc:  # reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_on_postgresql_are_serialised(linked, two_staff):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction: the deterministic tests above cover it")
    anna, bruno = two_staff
    objectives = {o.code: o for o in Objective.objects.filter(code__in=["M5.1", "M6.2"])}
    for round_ in range(10):
        link = _seen(linked, "M6.2")
        ProjectObjectiveLink.objects.filter(project=linked.casa, objective__code="M5.1").delete()
        ProjectObjectiveLink.objects.filter(pk=link.pk).update(
            status=LinkStatus.SUGGESTED, decided_by=None, decided_at=None, rule=None
        )
        LinkEvent.objects.filter(project=linked.casa).exclude(action=LinkAction.SUGGESTED).delete()
        seen_a, seen_b, seen_c = _seen(linked, "M6.2"), _seen(linked, "M6.2"), _seen(linked, "M6.2")
        results = _run_pair(
            [
                lambda seen=seen_a: link_svc.link_confirm(by=anna, link=seen),
                lambda seen=seen_b: link_svc.link_choose_other(
                    by=bruno, link=seen, objective=objectives["M5.1"]
                ),
                lambda seen=seen_c: link_svc.link_confirm(by=bruno, link=seen),
            ]
        )
        unexpected = [
            r for r in results if isinstance(r, Exception) and not isinstance(r, link_svc.LinkAlreadyDecided)
        ]
        assert not unexpected, (round_, unexpected)
        confirmed = _confirmed_codes(linked.casa)
        assert not {"M6.2", "M5.1"} <= confirmed, (round_, confirmed, results)
        events = _events(linked.casa)
        if "M6.2" in confirmed:  # a confirmation won: one event, the other confirmation saw it
            assert events == [("M6.2", LinkAction.CONFIRMED)], (round_, events)
            assert isinstance(results[1], link_svc.LinkAlreadyDecided)
        else:  # the other objective won: both confirmations refused
            assert events == [("M6.2", LinkAction.REJECTED), ("M5.1", LinkAction.CHOSEN)], (round_, events)
            assert isinstance(results[0], link_svc.LinkAlreadyDecided)
            assert isinstance(results[2], link_svc.LinkAlreadyDecided)
