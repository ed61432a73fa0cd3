"""Links by rule (issue 12): an approved crosswalk row links every project of its measure, present and
future; a staff decision on one project always wins and survives re-imports and rule changes; revoking a
rule removes only the links it made. The precedence is written in linking/services.py's docstring."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from decimetro.core.models import AuditEntry
from decimetro.insights.objectives import objective_links, objectives_overview
from decimetro.linking import services as link_svc
from decimetro.linking.models import (
    LinkAction,
    LinkEvent,
    LinkOrigin,
    LinkStatus,
    MeasureObjective,
    ProjectObjectiveLink,
    RuleOrigin,
    RuleState,
)
from decimetro.linking.services import CrosswalkError
from decimetro.plan.models import Objective
from tests.linking.fixtures import link_state, make_project


def _rule(measure, code: str) -> MeasureObjective:
    return MeasureObjective.objects.get(measure=measure, objective__code=code)


def _links(objective_code: str) -> list[tuple[int, str, str, int | None]]:
    return sorted(
        ProjectObjectiveLink.objects.filter(objective__code=objective_code).values_list(
            "project_id", "status", "origin", "rule_id"
        )
    )


@pytest.fixture
def casa_two(linked, comune_a):
    """A second project of the Case della Comunità measure (Milano)."""
    return make_project(
        linked.casa_measure,
        title="CASA DI COMUNITA' VIA DEGLI ASSIETTA",
        synthesis="REALIZZAZIONE CASA DELLA COMUNITA'",
        comune=comune_a,
    )


# Approve ----------------------------------------------------------------------------------------------------


def test_approve_links_every_project_of_the_measure_as_confirmed_by_rule(linked, casa_two, staff_user):
    rule = _rule(linked.casa_measure, "M6.1")
    assert rule.state == RuleState.PROPOSED  # a row added by crosswalk_add is only proposed
    link_svc.links_suggest_all(by=None)  # casa_two gets its suggestions first, as after an import
    assert link_svc.crosswalk_approve(by=staff_user, entry=rule) == 2
    rule.refresh_from_db()
    assert (rule.state, rule.decided_by, rule.decided_at is not None) == (
        RuleState.APPROVED,
        staff_user,
        True,
    )
    assert _links("M6.1") == [
        (linked.casa.pk, LinkStatus.CONFIRMED, LinkOrigin.RULE, rule.pk),
        (casa_two.pk, LinkStatus.CONFIRMED, LinkOrigin.RULE, rule.pk),
    ]
    # The other measures' projects are not touched; the event says "confermato per regola".
    assert (
        not ProjectObjectiveLink.objects.filter(rule__isnull=False).exclude(objective__code="M6.1").exists()
    )
    assert LinkEvent.objects.filter(action=LinkAction.RULE, by=staff_user).count() == 2
    audit = AuditEntry.objects.get(action="linking.crosswalk_approve")
    assert audit.actor == staff_user and audit.before["state"] == "proposed"
    assert audit.after["state"] == "approved" and audit.after["linked"] == 2
    # Approving again changes nothing and records nothing.
    before = link_state()
    assert link_svc.crosswalk_approve(by=staff_user, entry=rule) == 0
    assert link_state() == before


@pytest.mark.parametrize("persona", ["comune_a_editor", "association_user", "plain_user"])
def test_only_ente_staff_approve_or_revoke(request, linked, persona):
    user = request.getfixturevalue(persona)
    rule = _rule(linked.casa_measure, "M6.1")
    before = link_state()
    with pytest.raises(PermissionDenied):
        link_svc.crosswalk_approve(by=user, entry=rule)
    with pytest.raises(PermissionDenied):
        link_svc.crosswalk_revoke(by=user, entry=rule)
    assert link_state() == before
    assert MeasureObjective.objects.get(pk=rule.pk).state == RuleState.PROPOSED


# Precedence -------------------------------------------------------------------------------------------------


def test_staff_decisions_win_over_the_rule(linked, casa_two, staff_user):
    """A rejection and a choice of another objective on one project are kept when the rule is approved."""
    link_svc.links_suggest_all(by=None)
    casa_link = linked.link(linked.casa, "M6.1")
    link_svc.link_reject(by=staff_user, link=casa_link)
    tram_rule = _rule(linked.tram_measure, "M3.2")
    tram_link = linked.link(linked.tram, "M3.2")
    link_svc.link_choose_other(by=staff_user, link=tram_link, objective=Objective.objects.get(code="M3.3"))

    link_svc.crosswalk_approve(by=staff_user, entry=_rule(linked.casa_measure, "M6.1"))
    link_svc.crosswalk_approve(by=staff_user, entry=tram_rule)

    casa_link.refresh_from_db()
    assert (casa_link.status, casa_link.rule_id) == (LinkStatus.REJECTED, None)  # the rejection stands
    assert linked.link(casa_two, "M6.1").status == LinkStatus.CONFIRMED  # the other project: by rule
    tram_link.refresh_from_db()
    assert (tram_link.status, tram_link.rule_id) == (LinkStatus.REJECTED, None)
    assert linked.link(linked.tram, "M3.3").status == LinkStatus.CONFIRMED  # the staff's choice


def test_a_decision_on_a_rule_link_takes_it_over(linked, staff_user):
    rule = _rule(linked.casa_measure, "M6.1")
    link_svc.crosswalk_approve(by=staff_user, entry=rule)
    link = linked.link(linked.casa, "M6.1")
    assert link.rule_id == rule.pk
    link_svc.link_reject(by=staff_user, link=link)
    link.refresh_from_db()
    assert (link.status, link.rule_id, link.decided_by) == (LinkStatus.REJECTED, None, staff_user)
    # A new suggestion run (a re-import) does not bring the rule link back.
    link_svc.links_suggest_all(by=None)
    link.refresh_from_db()
    assert (link.status, link.rule_id) == (LinkStatus.REJECTED, None)


def test_reimport_keeps_staff_decisions_and_rule_links(linked, casa_two, staff_user):
    link_svc.crosswalk_approve(by=staff_user, entry=_rule(linked.casa_measure, "M6.1"))
    link_svc.link_reject(by=staff_user, link=linked.link(casa_two, "M6.1"))
    cloud_link = linked.link(linked.cloud, "M1.2")
    link_svc.link_confirm(by=staff_user, link=cloud_link)
    before = _links("M6.1"), _links("M1.2")
    summary = link_svc.links_suggest_all(by=None)  # what setup_data runs after a re-import
    assert (summary.rule_linked, summary.rule_withdrawn) == (0, 0)
    assert (_links("M6.1"), _links("M1.2")) == before
    assert linked.link(casa_two, "M6.1").status == LinkStatus.REJECTED


# Revoke -----------------------------------------------------------------------------------------------------


def test_revoke_removes_only_the_links_the_rule_made(linked, casa_two, staff_user):
    rule = _rule(linked.casa_measure, "M6.1")
    link_svc.crosswalk_approve(by=staff_user, entry=rule)
    # The staff confirm casa_two one by one (a decision: it takes the link over from the rule).
    link_svc.link_confirm(by=staff_user, link=linked.link(casa_two, "M6.1"))
    assert link_svc.crosswalk_revoke(by=staff_user, entry=rule) == 1
    rule.refresh_from_db()
    assert (rule.state, rule.decided_by) == (RuleState.REVOKED, staff_user)
    assert not ProjectObjectiveLink.objects.filter(rule=rule).exists()
    kept = linked.link(casa_two, "M6.1")
    assert (kept.status, kept.rule_id, kept.decided_by) == (LinkStatus.CONFIRMED, None, staff_user)
    # The rule's link of the first project is gone: at most a suggestion again, never confirmed.
    casa = ProjectObjectiveLink.objects.filter(project=linked.casa, objective__code="M6.1").first()
    assert casa is None or casa.status == LinkStatus.SUGGESTED
    event = LinkEvent.objects.get(project=linked.casa, action=LinkAction.RULE_GONE)
    assert event.by == staff_user and event.origin == LinkOrigin.RULE
    audit = AuditEntry.objects.get(action="linking.crosswalk_revoke")
    assert audit.after["withdrawn"] == 1 and audit.before["state"] == "approved"
    # A revoked rule seeds no suggestion and links nothing at the next run.
    link_svc.links_suggest_all(by=None)
    assert not ProjectObjectiveLink.objects.filter(
        project=linked.casa, objective__code="M6.1", origin=LinkOrigin.CROSSWALK
    ).exists()
    assert linked.link(casa_two, "M6.1").status == LinkStatus.CONFIRMED


def test_remove_of_an_approved_rule_withdraws_its_links(linked, staff_user):
    rule = _rule(linked.casa_measure, "M6.1")
    link_svc.crosswalk_approve(by=staff_user, entry=rule)
    link_svc.crosswalk_remove(by=staff_user, entry=rule)
    assert not MeasureObjective.objects.filter(pk=rule.pk).exists()
    assert not ProjectObjectiveLink.objects.filter(origin=LinkOrigin.RULE).exists()
    assert LinkEvent.objects.filter(project=linked.casa, action=LinkAction.RULE_GONE).exists()


# Future projects --------------------------------------------------------------------------------------------


def test_future_projects_of_an_approved_measure_are_linked(linked, staff_user, comune_b):
    rule = _rule(linked.casa_measure, "M6.1")
    link_svc.crosswalk_approve(by=staff_user, entry=rule)
    later = make_project(
        linked.casa_measure, title="CASA DI COMUNITA' NUOVA", synthesis="nuova casa", comune=comune_b
    )  # a project of a later import
    summary = link_svc.links_suggest_all(by=None)
    assert summary.rule_linked == 1
    link = linked.link(later, "M6.1")
    assert (link.status, link.origin, link.rule_id) == (LinkStatus.CONFIRMED, LinkOrigin.RULE, rule.pk)
    # The same through the per-project path and the cheap rules-only path (idempotent).
    assert link_svc.link_suggest_for_project(by=None, project=later).rule_linked == 0
    assert link_svc.links_apply_rules(by=None).rule_linked == 0


def test_apply_rules_links_new_projects_without_touching_suggestions(linked, staff_user, comune_b):
    link_svc.crosswalk_approve(by=staff_user, entry=_rule(linked.casa_measure, "M6.1"))
    later = make_project(linked.casa_measure, title="CASA NUOVA", synthesis="", comune=comune_b)
    suggestions = sorted(
        ProjectObjectiveLink.objects.filter(status=LinkStatus.SUGGESTED).values_list("pk", "score")
    )
    summary = link_svc.links_apply_rules(by=None)
    assert (summary.rule_linked, summary.rule_withdrawn) == (1, 0)
    assert linked.link(later, "M6.1").rule_id is not None
    assert (
        sorted(ProjectObjectiveLink.objects.filter(status=LinkStatus.SUGGESTED).values_list("pk", "score"))
        == suggestions
    )
    assert AuditEntry.objects.filter(action="linking.apply_rules").count() == 1


# The bundled crosswalk at set-up ----------------------------------------------------------------------------


def test_load_approves_rows_in_initial_configuration_and_links_their_projects(linked, tmp_path: Path):
    path = tmp_path / "crosswalk.yaml"
    path.write_text("M6C1I1.01:\n- objective: M6.1\n  reason: case della comunita\n", encoding="utf-8")
    counts = link_svc.crosswalk_load(path=path)
    assert (counts["approved"], counts["linked"]) == (1, 1)
    rule = _rule(linked.casa_measure, "M6.1")
    assert (rule.state, rule.origin, rule.decided_by) == (RuleState.APPROVED, RuleOrigin.SETUP, None)
    assert rule.get_origin_display() == "in configurazione iniziale"
    assert linked.link(linked.casa, "M6.1").rule_id == rule.pk


def test_a_revoked_rule_stays_revoked_when_the_file_is_loaded_again(linked, staff_user, tmp_path: Path):
    path = tmp_path / "crosswalk.yaml"
    path.write_text("M6C1I1.01:\n- objective: M6.1\n  reason: case della comunita\n", encoding="utf-8")
    link_svc.crosswalk_load(path=path)
    rule = _rule(linked.casa_measure, "M6.1")
    link_svc.crosswalk_revoke(by=staff_user, entry=rule)
    counts = link_svc.crosswalk_load(path=path)
    assert (counts["approved"], counts["linked"]) == (0, 0)
    rule.refresh_from_db()
    assert rule.state == RuleState.REVOKED
    assert not ProjectObjectiveLink.objects.filter(origin=LinkOrigin.RULE).exists()


def test_a_bad_row_after_good_ones_applies_nothing(linked, tmp_path: Path):
    path = tmp_path / "crosswalk.yaml"
    path.write_text(
        "M6C1I1.01:\n- objective: M6.1\n  reason: buona\nM2C2I4.02:\n- objective: M3.99\n  reason: x\n",
        encoding="utf-8",
    )
    before = link_state()
    with pytest.raises(CrosswalkError, match=r"crosswalk\.yaml, riga 5, misura M2C2I4\.02: obiettivo M3\.99"):
        link_svc.crosswalk_load(path=path)
    assert link_state() == before
    assert _rule(linked.casa_measure, "M6.1").state == RuleState.PROPOSED


def test_setup_commands_link_by_rule_and_keep_staff_rules(linked, staff_user, tmp_path: Path):
    """`linking_crosswalk_load --if-missing` approves only while no rule was ever decided; `linking_suggest
    --if-missing` applies the approved rules when suggestions already exist."""
    path = tmp_path / "crosswalk.yaml"
    path.write_text("M6C1I1.01:\n- objective: M6.1\n  reason: case della comunita\n", encoding="utf-8")
    call_command("linking_crosswalk_load", str(path), if_missing=True, stdout=_Sink())
    rule = _rule(linked.casa_measure, "M6.1")
    assert rule.state == RuleState.APPROVED
    link_svc.crosswalk_revoke(by=staff_user, entry=rule)
    call_command("linking_crosswalk_load", str(path), if_missing=True, stdout=_Sink())
    rule.refresh_from_db()
    assert rule.state == RuleState.REVOKED  # a staff decision on the crosswalk: the file is not reloaded
    link_svc.crosswalk_approve(by=staff_user, entry=_rule(linked.tram_measure, "M3.1"))
    later = make_project(
        linked.tram_measure, title="TRAM NUOVI", synthesis="", comune=linked.cloud.places.get().comune
    )
    out = _Sink()
    call_command("linking_suggest", if_missing=True, stdout=out)
    assert "regole approvate applicate" in out.text
    assert linked.link(later, "M3.1").status == LinkStatus.CONFIRMED


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str, *args: object, **kwargs: object) -> None:
        self.text += s

    def flush(self) -> None:
        pass


# Figures ----------------------------------------------------------------------------------------------------


def test_figures_count_links_one_by_one_and_by_rule(linked, casa_two, staff_user):
    link_svc.crosswalk_approve(by=staff_user, entry=_rule(linked.casa_measure, "M6.1"))
    link_svc.link_add(by=staff_user, project=linked.cloud, objective=Objective.objects.get(code="M6.1"))
    objective = Objective.objects.get(code="M6.1")
    links = objective_links(objective=objective)
    assert (links.confirmed, links.by_rule, links.one_by_one) == (3, 2, 1)
    assert [(r.measure_code, r.links, r.reason) for r in links.rules] == [("M6C1I1.01", 2, "casa")]
    assert set(links.rule_of) == {linked.casa.pk, casa_two.pk}
    row = next(r for r in objectives_overview(objectives=[objective]).rows)
    assert (row.links_confirmed, row.links_by_rule, row.totals.projects) == (3, 2, 3)
