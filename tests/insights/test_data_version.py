"""The data version has no count of confirmed links any more (a scan of the links table on every cached page):
every way a link is confirmed, rejected or withdrawn must change it, through its audit row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decimetro.insights.cache import data_version
from decimetro.linking import services as link_svc
from decimetro.linking.models import MeasureObjective
from decimetro.linking.selectors import QueueFilters
from tests.participation.fixtures import *  # noqa: F403


def _rule(linked: Any, project: str, code: str) -> MeasureObjective:
    return MeasureObjective.objects.get(measure=getattr(linked, f"{project}_measure"), objective__code=code)


def _approved_rule(linked: Any, staff: Any) -> MeasureObjective:
    entry = _rule(linked, "casa", "M6.1")
    link_svc.crosswalk_approve(by=staff, entry=entry)
    return entry


def _confirm(linked: Any, staff: Any, entry: Any) -> None:
    link_svc.link_confirm(by=staff, link=linked.link(linked.cloud, "M1.2"))


def _reject(linked: Any, staff: Any, entry: Any) -> None:
    link_svc.link_reject(by=staff, link=linked.link(linked.cloud, "M1.2"))


def _confirm_bulk(linked: Any, staff: Any, entry: Any) -> None:
    ids = [linked.link(linked.cloud, "M1.2").pk, linked.link(linked.tram, "M3.1").pk]
    assert link_svc.links_confirm_bulk(by=staff, link_ids=ids) == 2


def _confirm_matching(linked: Any, staff: Any, entry: Any) -> None:
    assert link_svc.links_decide_matching(by=staff, filters=QueueFilters(), decision="confirm") > 0


def _approve_rule(linked: Any, staff: Any, entry: Any) -> None:
    assert link_svc.crosswalk_approve(by=staff, entry=_rule(linked, "cloud", "M1.2")) == 1


def _revoke_rule(linked: Any, staff: Any, entry: Any) -> None:
    assert link_svc.crosswalk_revoke(by=staff, entry=entry) == 1


def _remove_rule(linked: Any, staff: Any, entry: Any) -> None:
    link_svc.crosswalk_remove(by=staff, entry=entry)


def _apply_rules(linked: Any, staff: Any, entry: Any) -> None:
    # A rule approved behind the services' back: links_apply_rules makes its link (and its audit row).
    MeasureObjective.objects.filter(pk=_rule(linked, "cloud", "M1.2").pk).update(state="approved")
    assert link_svc.links_apply_rules(by=None).rule_linked == 1


@pytest.mark.parametrize(
    "change",
    [
        _confirm,
        _reject,
        _confirm_bulk,
        _confirm_matching,
        _approve_rule,
        _revoke_rule,
        _remove_rule,
        _apply_rules,
    ],
)
def test_every_link_decision_changes_the_data_version(
    linked, staff_user, change: Callable[[Any, Any, Any], None]
) -> None:
    entry = _approved_rule(linked, staff_user)  # so that revoking or removing a rule withdraws a link
    before = data_version()
    change(linked, staff_user, entry)
    assert data_version() != before


def test_the_data_version_is_one_query_without_a_count(db):
    with CaptureQueriesContext(connection) as ctx:
        data_version()
    assert len(ctx) == 1
    assert "COUNT" not in ctx.captured_queries[0]["sql"].upper()


def test_writes_no_page_shows_leave_the_data_version_alone(participation_site, settings):
    """Following by email (requests, confirmations, digests) and API tokens leave audit rows, but no figure
    changes: they must not empty the page cache nor start a refresh of the precomputed figures."""
    from decimetro.core.audit import audit_record
    from decimetro.core.models import Job
    from decimetro.core.services_tokens import api_token_create
    from decimetro.insights.cache import is_neutral_action

    settings.DECIMETRO_PRECOMPUTED_FIGURES = True
    before = data_version()
    jobs = Job.objects.count()
    api_token_create(by=None, organisation=participation_site["org_b"], name="Neutro")
    org = participation_site["org_b"]
    for action in ("follow.request", "follow.confirm", "follow.digest", "password_change"):
        assert is_neutral_action(action)
        audit_record(by=None, action=action, target=org, before=None, after=None)
    assert data_version() == before
    assert Job.objects.count() == jobs  # no refresh enqueued
    audit_record(by=None, action="organisation_update", target=org, before=None, after={"name": "X"})
    assert data_version() != before  # a name a page shows: counted
    assert not is_neutral_action("dup.create") and not is_neutral_action("followup")


def _version_reads(ctx: CaptureQueriesContext) -> int:
    return sum("FROM core_auditentry" in q["sql"] for q in ctx.captured_queries)


def test_one_data_version_reads_it_once_for_several_cached_figures(db, settings):
    from decimetro.insights.cache import SCOPE_PNRR, cached_for_data_version, one_data_version
    from tests.factories import ProjectFactory

    settings.DECIMETRO_MAP_CACHE_SECONDS = 600
    with CaptureQueriesContext(connection) as alone:
        cached_for_data_version("t-one-a", (), lambda: 1)
        cached_for_data_version("t-one-b", (), lambda: 2, scope=SCOPE_PNRR)
    assert _version_reads(alone) == 2
    with CaptureQueriesContext(connection) as together, one_data_version():
        a = cached_for_data_version("t-one-c", (), lambda: 3)
        b = cached_for_data_version("t-one-d", (), lambda: 4, scope=SCOPE_PNRR)
    assert (a, b) == (3, 4)
    assert _version_reads(together) == 1 and len(together) == 1
    # The version read once is the current one: a change of the data is still seen at once.
    with one_data_version():
        assert cached_for_data_version("t-one-c", (), lambda: 30) == 3  # remembered
    ProjectFactory()
    with one_data_version():
        assert cached_for_data_version("t-one-c", (), lambda: 30) == 30  # a new project: a new version


def test_one_data_version_reads_nothing_when_nothing_is_cached_or_the_version_is_known(db, settings):
    from decimetro.insights.cache import known_data_version, one_data_version

    settings.DECIMETRO_MAP_CACHE_SECONDS = 0
    settings.DECIMETRO_PRECOMPUTED_FIGURES = False
    with CaptureQueriesContext(connection) as off, one_data_version():
        pass
    assert len(off) == 0
    settings.DECIMETRO_MAP_CACHE_SECONDS = 600
    version = data_version()
    with CaptureQueriesContext(connection) as known, known_data_version(version), one_data_version():
        pass
    assert len(known) == 0
