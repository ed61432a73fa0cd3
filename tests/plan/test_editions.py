"""Plan editions (issue 12, point 7): a new edition is loaded as a draft, compared with the current one,
published with a map old objective → new objective that links, crosswalk rules, indicators, DUP references and
consultations follow."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from decimetro.core.models import AuditEntry
from decimetro.linking.models import MeasureObjective, ProjectObjectiveLink
from decimetro.monitoring.models import Indicator
from decimetro.participation.models import Consultation, DupObjective
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Edition, EditionStatus, Objective
from decimetro.plan.plan_file import DEFAULT_PLAN_FILE, PlanFileError, parse_plan, read_plan_file
from decimetro.plan.services import edition_publish, plan_load
from decimetro.plan.signals import edition_published
from tests.factories import IndicatorFactory, OrganisationFactory, ProjectFactory
from tests.participation.fixtures import ConsultationFactory, DupObjectiveFactory

pytestmark = pytest.mark.django_db

ACTORS = "    actors: {citta_metropolitana: true, comuni: true, corpi_intermedi: true}\n"
NEW_EDITION = Path(__file__).parent / "data" / "psttm_2025_2027.yaml"


@pytest.fixture
def draft(plan):
    plan_load(data=read_plan_file(NEW_EDITION), draft=True)
    return Edition.objects.get(slug="psttm-2025-2027")


def obj(edition: Edition, code: str) -> Objective:
    return Objective.objects.get(edition=edition, code=code)


def test_draft_load_leaves_the_current_edition_alone(plan):
    before = list(Objective.objects.filter(edition=plan).values_list("code", "title"))
    summary = plan_load(data=read_plan_file(NEW_EDITION), draft=True)
    assert summary.created["edition"] == 1 and summary.created["objective"] == 75
    new = Edition.objects.get(slug="psttm-2025-2027")
    assert new.status == EditionStatus.DRAFT and not new.is_current
    plan.refresh_from_db()
    assert plan.is_current and plan.status == EditionStatus.PUBLISHED
    assert plan_sel.current_edition() == plan
    assert list(Objective.objects.filter(edition=plan).values_list("code", "title")) == before
    assert list(plan_sel.published_editions()) == [plan]
    # Loading the draft again changes nothing.
    assert not plan_load(data=read_plan_file(NEW_EDITION), draft=True).changed


def test_a_draft_cannot_overwrite_a_published_edition(plan):
    with pytest.raises(ValidationError, match="già pubblicata"):
        plan_load(data=read_plan_file(DEFAULT_PLAN_FILE), draft=True)


def test_draft_load_needs_plan_edit(plan, plain_user):
    with pytest.raises(PermissionDenied):
        plan_load(data=read_plan_file(NEW_EDITION), draft=True, by=plain_user)
    assert not Edition.objects.filter(slug="psttm-2025-2027").exists()


def test_command_loads_a_draft(plan, capsys):
    call_command("plan_load", str(NEW_EDITION), "--draft")
    assert Edition.objects.get(slug="psttm-2025-2027").status == EditionStatus.DRAFT
    assert Edition.objects.get(is_current=True) == plan


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        (
            "  - number: 1\n    title: Uno\n" + ACTORS,
            "obiettivo duplicato 'M1.1'",
        ),
        (
            "  - title: Senza numero\n" + ACTORS,
            "'number' deve essere un intero positivo",
        ),
    ],
)
def test_a_missing_or_duplicate_code_names_the_line_and_writes_nothing(plan, objective, message):
    text = NEW_EDITION.read_text(encoding="utf-8")
    marker = "  - number: 2\n"
    line = text[: text.index(marker)].count("\n") + 1
    broken = text.replace(marker, objective + marker, 1)
    with pytest.raises(PlanFileError) as exc:
        parse_plan(broken, "nuova.yaml")
    assert message in str(exc.value)
    assert exc.value.line == line
    assert not Edition.objects.filter(slug="psttm-2025-2027").exists()


def test_edition_diff_lists_added_removed_reworded(plan, draft):
    diff = plan_sel.edition_diff(plan, draft)
    assert [c.code for c in diff.added] == ["M1.40"]
    assert [c.code for c in diff.removed] == ["M1.3"]
    assert [c.code for c in diff.reworded] == ["M1.1"]
    assert len(diff.unchanged) == 73
    assert diff.reworded[0].new.title.startswith("Superamento del digital divide e copertura")
    mapping = plan_sel.default_mapping(diff)
    assert mapping[obj(plan, "M1.1").pk] == obj(draft, "M1.1").pk
    assert mapping[obj(plan, "M1.3").pk] is None
    assert len(mapping) == 75


def test_diff_ignores_blank_changes_only():
    a = Objective(code="M1.1", title="Uno  due ")
    b = Objective(code="M1.1", title="Uno due")
    assert plan_sel.diff_objectives([a], [b]).reworded == []
    assert not plan_sel.diff_objectives([a], [b]).changed


@pytest.fixture
def world(plan, draft):
    """Rows that point to the current edition's objectives M1.1, M1.2 and M1.3."""
    m11, m12, m13 = (obj(plan, c) for c in ("M1.1", "M1.2", "M1.3"))
    p1, p2 = ProjectFactory(), ProjectFactory()
    measure = p1.submeasure.measure
    w = {
        "p1_m11": ProjectObjectiveLink.objects.create(
            project=p1, objective=m11, origin="model", status="suggested", score=0.4
        ),
        "p1_m13": ProjectObjectiveLink.objects.create(
            project=p1, objective=m13, origin="staff", status="confirmed"
        ),
        "p2_m12": ProjectObjectiveLink.objects.create(
            project=p2, objective=m12, origin="model", status="suggested", score=0.7
        ),
        "rule_m11": MeasureObjective.objects.create(measure=measure, objective=m11, state="proposed"),
        "rule_m13": MeasureObjective.objects.create(measure=measure, objective=m13, state="approved"),
        "indicator": IndicatorFactory(objective=m13),
        "consultation": ConsultationFactory(objective=m12),
        "dup": DupObjectiveFactory(organisation=OrganisationFactory()),
    }
    w["dup"].plan_objectives.set([m11, m13])
    return w


def test_publish_moves_every_reference_by_the_map(plan, draft, world, staff_user):
    # Staff map the removed M1.3 to the reworded M1.1: two old objectives → one new.
    mapping = plan_sel.default_mapping(plan_sel.edition_diff(plan, draft))
    mapping[obj(plan, "M1.3").pk] = obj(draft, "M1.1").pk
    summary = edition_publish(by=staff_user, edition=draft, mapping=mapping)
    draft.refresh_from_db()
    plan.refresh_from_db()
    assert draft.is_current and draft.status == EditionStatus.PUBLISHED
    assert not plan.is_current and plan.status == EditionStatus.PUBLISHED
    assert plan_sel.current_edition() == draft
    new11, new12 = obj(draft, "M1.1"), obj(draft, "M1.2")
    # Links: p1 had M1.1 (suggested) and M1.3 (confirmed), both → new M1.1: merged, confirmed wins.
    p1_links = ProjectObjectiveLink.objects.filter(project=world["p1_m11"].project)
    assert [(lnk.objective, lnk.status) for lnk in p1_links] == [(new11, "confirmed")]
    assert ProjectObjectiveLink.objects.get(pk=world["p2_m12"].pk).objective == new12
    # Crosswalk: the approved rule wins over the proposed one.
    rules = MeasureObjective.objects.filter(measure=world["rule_m11"].measure)
    assert [(r.objective, r.state) for r in rules] == [(new11, "approved")]
    assert Indicator.objects.get(pk=world["indicator"].pk).objective == new11
    assert Consultation.objects.get(pk=world["consultation"].pk).objective == new12
    assert list(DupObjective.objects.get(pk=world["dup"].pk).plan_objectives.all()) == [new11]
    assert not ProjectObjectiveLink.objects.filter(objective__edition=plan).exists()
    assert summary.moved["collegamenti"] == 3 and summary.moved["regole"] == 2
    entry = AuditEntry.objects.get(action="edition.publish")
    assert entry.after["mapping"]["M1.3"] == "M1.1"


def test_an_unmapped_objective_keeps_its_rows_on_the_earlier_edition(plan, draft, world, staff_user):
    mapping = plan_sel.default_mapping(plan_sel.edition_diff(plan, draft))  # M1.3 → nothing
    edition_publish(by=staff_user, edition=draft, mapping=mapping)
    assert Indicator.objects.get(pk=world["indicator"].pk).objective == obj(plan, "M1.3")
    assert ProjectObjectiveLink.objects.get(pk=world["p1_m13"].pk).objective == obj(plan, "M1.3")


def test_publish_is_atomic(plan, draft, world, staff_user):
    def boom(sender, **kwargs):
        raise RuntimeError("guasto")

    edition_published.connect(boom, dispatch_uid="test_boom")
    try:
        with pytest.raises(RuntimeError):
            edition_publish(
                by=staff_user,
                edition=draft,
                mapping=plan_sel.default_mapping(plan_sel.edition_diff(plan, draft)),
            )
    finally:
        edition_published.disconnect(dispatch_uid="test_boom")
    draft.refresh_from_db()
    plan.refresh_from_db()
    assert draft.status == EditionStatus.DRAFT and plan.is_current
    assert ProjectObjectiveLink.objects.get(pk=world["p2_m12"].pk).objective == obj(plan, "M1.2")
    assert not AuditEntry.objects.filter(action="edition.publish").exists()


def test_publish_refuses_non_staff_and_foreign_objectives(plan, draft, plain_user, staff_user):
    with pytest.raises(PermissionDenied):
        edition_publish(by=plain_user, edition=draft, mapping={})
    with pytest.raises(ValidationError):
        edition_publish(by=staff_user, edition=draft, mapping={obj(draft, "M1.1").pk: obj(draft, "M1.2").pk})
    draft.refresh_from_db()
    assert draft.status == EditionStatus.DRAFT
    with pytest.raises(ValidationError, match="non è una bozza"):
        edition_publish(by=staff_user, edition=plan, mapping={})
