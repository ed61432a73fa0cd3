"""Edits of the plan by people: only staff, always audited (who, before, after), nothing changes otherwise."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from decimetro.core.audit import audit_history
from decimetro.core.models import AuditEntry
from decimetro.plan.models import Component, Mission, Objective
from decimetro.plan.services import component_update, mission_update, objective_update
from tests.factories import ComponentFactory, MissionFactory, ObjectiveFactory, StaffFactory, UserFactory

ALL_ACTORS = {"citta_metropolitana": True, "comuni": True, "corpi_intermedi": True}


def _row(obj: Objective | Component) -> tuple[object, ...]:
    obj.refresh_from_db()
    return (obj.title, obj.citta_metropolitana, obj.comuni, obj.corpi_intermedi)


# objective_update -------------------------------------------------------------------------------------------


def test_staff_edits_an_objective_and_the_audit_row_says_who_before_after(db, staff_user):
    objective = ObjectiveFactory(title="Titolo vecchio", citta_metropolitana=True, comuni=False)

    result = objective_update(
        objective=objective,
        by=staff_user,
        title="  Titolo nuovo  ",
        actors={"citta_metropolitana": True, "comuni": True, "corpi_intermedi": False},
    )

    assert result.title == "Titolo nuovo"  # trimmed
    assert _row(objective) == ("Titolo nuovo", True, True, False)
    entry = audit_history(objective).get()
    assert entry.action == "objective.update"
    assert entry.actor == staff_user
    assert entry.actor_label == staff_user.username
    assert entry.before == {
        "title": "Titolo vecchio",
        "citta_metropolitana": True,
        "comuni": False,
        "corpi_intermedi": False,
    }
    assert entry.after == {
        "title": "Titolo nuovo",
        "citta_metropolitana": True,
        "comuni": True,
        "corpi_intermedi": False,
    }
    assert entry.changes == [("title", "Titolo vecchio", "Titolo nuovo"), ("comuni", False, True)]


def test_objective_update_without_changes_writes_no_audit_row(db, staff_user):
    objective = ObjectiveFactory(
        title="Uguale", citta_metropolitana=True, comuni=False, corpi_intermedi=False
    )
    objective_update(objective=objective, by=staff_user, title="Uguale", actors=objective.actors)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("who", ["plain", "anonymous", "inactive_staff"])
def test_only_active_staff_may_edit_an_objective(db, who):
    by = {
        "plain": lambda: UserFactory(),
        "anonymous": AnonymousUser,
        "inactive_staff": lambda: StaffFactory(is_active=False),
    }[who]()
    objective = ObjectiveFactory(title="Titolo originale")
    before = _row(objective)

    with pytest.raises(PermissionDenied):
        objective_update(objective=objective, by=by, title="Titolo manomesso", actors=ALL_ACTORS)

    assert _row(objective) == before
    assert not AuditEntry.objects.exists()


def test_objective_update_refuses_an_empty_title(db, staff_user):
    objective = ObjectiveFactory(title="Titolo originale")
    before = _row(objective)
    with pytest.raises(ValidationError):
        objective_update(objective=objective, by=staff_user, title="   ", actors=ALL_ACTORS)
    assert _row(objective) == before
    assert not AuditEntry.objects.exists()


def test_objective_update_on_the_real_plan_touches_only_that_objective(plan, staff_user):
    others = sorted(Objective.objects.exclude(code="M2.18").values_list("code", "title", "comuni"))
    m2_18 = Objective.objects.get(code="M2.18")
    objective_update(
        objective=m2_18, by=staff_user, title=m2_18.title, actors={**m2_18.actors, "comuni": True}
    )
    assert Objective.objects.get(code="M2.18").comuni is True
    assert sorted(Objective.objects.exclude(code="M2.18").values_list("code", "title", "comuni")) == others


# component_update -------------------------------------------------------------------------------------------


def test_staff_edits_a_component_and_it_is_audited(db, staff_user):
    component = ComponentFactory(title="Componente vecchia", citta_metropolitana=True, comuni=False)

    component_update(
        component=component,
        by=staff_user,
        title="Componente nuova",
        actors={"citta_metropolitana": False, "comuni": True, "corpi_intermedi": False},
    )

    assert _row(component) == ("Componente nuova", False, True, False)
    entry = audit_history(component).get()
    assert entry.action == "component.update"
    assert entry.actor == staff_user
    assert entry.before is not None and entry.after is not None
    assert (entry.before["title"], entry.after["title"]) == ("Componente vecchia", "Componente nuova")
    assert (entry.before["comuni"], entry.after["comuni"]) == (False, True)


@pytest.mark.parametrize("who", ["plain", "anonymous"])
def test_non_staff_cannot_edit_a_component(db, who):
    by = UserFactory() if who == "plain" else AnonymousUser()
    component = ComponentFactory(title="Componente")
    before = _row(component)
    with pytest.raises(PermissionDenied):
        component_update(component=component, by=by, title="Manomessa", actors=ALL_ACTORS)
    assert _row(component) == before
    assert not AuditEntry.objects.exists()


def test_component_update_refuses_a_title_too_long(db, staff_user):
    component = ComponentFactory(title="Componente")
    with pytest.raises(ValidationError):
        component_update(component=component, by=staff_user, title="x" * 301, actors=ALL_ACTORS)
    component.refresh_from_db()
    assert component.title == "Componente"


# mission_update ---------------------------------------------------------------------------------------------


def test_staff_edits_a_mission_and_it_is_audited(db, staff_user):
    mission = MissionFactory(title="Missione vecchia", introduction="Introduzione vecchia.")

    mission_update(
        mission=mission, by=staff_user, title="Missione nuova", introduction="Nuova **introduzione**."
    )

    mission.refresh_from_db()
    assert (mission.title, mission.introduction) == ("Missione nuova", "Nuova **introduzione**.")
    entry = audit_history(mission).get()
    assert entry.action == "mission.update"
    assert entry.actor == staff_user
    assert entry.before == {"title": "Missione vecchia", "introduction": "Introduzione vecchia."}
    assert entry.after == {"title": "Missione nuova", "introduction": "Nuova **introduzione**."}


@pytest.mark.parametrize("who", ["plain", "anonymous"])
def test_non_staff_cannot_edit_a_mission(db, who):
    by = UserFactory() if who == "plain" else AnonymousUser()
    mission = MissionFactory(title="Missione", introduction="Intro.")
    with pytest.raises(PermissionDenied):
        mission_update(mission=mission, by=by, title="Manomessa", introduction="Manomessa.")
    assert Mission.objects.filter(pk=mission.pk, title="Missione", introduction="Intro.").exists()
    assert not AuditEntry.objects.exists()


def test_mission_update_refuses_an_empty_introduction(db, staff_user):
    mission = MissionFactory(title="Missione", introduction="Intro.")
    with pytest.raises(ValidationError):
        mission_update(mission=mission, by=staff_user, title="Missione", introduction="  ")
    assert Mission.objects.filter(pk=mission.pk, introduction="Intro.").exists()
    assert not AuditEntry.objects.exists()
