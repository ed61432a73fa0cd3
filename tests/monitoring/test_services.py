"""Indicator services: permission first (personas), atomic, audited."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from decimetro.core.models import AuditEntry
from decimetro.monitoring.models import Indicator, IndicatorValue
from decimetro.monitoring.services import (
    IndicatorData,
    indicator_create,
    indicator_deactivate,
    indicator_update,
    indicator_value_record,
)
from tests.factories import (
    ComuneOrganisationFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _data(**overrides):
    values = {
        "code": "M2.5-RD",
        "objective": ObjectiveFactory(),
        "name": "Raccolta differenziata",
        "unit": "%",
        "source": "ISPRA, Catasto rifiuti",
        "baseline_value": Decimal("60"),
        "baseline_date": date(2023, 12, 31),
        "target_value": Decimal("75"),
        "target_date": date(2026, 12, 31),
        "polarity": "higher",
        "frequency": "yearly",
        "owner": UserFactory(),
    }
    values.update(overrides)
    return IndicatorData(**values)


def _audits(action):
    return AuditEntry.objects.filter(action=action)


# Definition -------------------------------------------------------------------------------------------------


def test_staff_creates_an_indicator_with_an_audit_row(staff_user):
    ind = indicator_create(by=staff_user, data=_data())
    assert Indicator.objects.get().code == "M2.5-RD"
    entry = _audits("monitoring.indicator.create").get()
    assert entry.actor == staff_user
    assert entry.target_id == str(ind.pk)
    assert entry.after["target_value"] == "75"


@pytest.mark.parametrize("persona", ["plain_user", "comune_a_editor", "association_user"])
def test_only_ente_staff_defines_indicators(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        indicator_create(by=user, data=_data())
    assert not Indicator.objects.exists()
    assert not AuditEntry.objects.exists()


def test_anonymous_cannot_define_indicators():
    with pytest.raises(PermissionDenied):
        indicator_create(by=AnonymousUser(), data=_data())  # type: ignore[arg-type]
    assert not Indicator.objects.exists()


def test_ente_editor_member_is_ente_staff(ente_admin):
    indicator_create(by=ente_admin, data=_data())
    assert Indicator.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"target_date": date(2023, 1, 1)}, "target_date"),
        ({"target_value": Decimal("50")}, "target_value"),
        ({"polarity": "lower"}, "target_value"),
        ({"code": "con spazi"}, "code"),
    ],
)
def test_inconsistent_definitions_are_refused(staff_user, overrides, field):
    with pytest.raises(ValidationError) as exc:
        indicator_create(by=staff_user, data=_data(**overrides))
    assert field in exc.value.message_dict
    assert not Indicator.objects.exists()
    assert not AuditEntry.objects.exists()


def test_update_records_before_and_after(staff_user, indicator_all):
    data = _data(code=indicator_all.code, objective=indicator_all.objective, owner=indicator_all.owner)
    indicator_update(by=staff_user, indicator=indicator_all, data=data)
    indicator_all.refresh_from_db()
    assert indicator_all.name == "Raccolta differenziata"
    entry = _audits("monitoring.indicator.update").get()
    assert entry.before["target_value"] == "100.0000"
    assert entry.after["target_value"] == "75"


def test_update_forbidden_to_the_owner(indicator_a, plain_user):
    data = _data(code=indicator_a.code, objective=indicator_a.objective, owner=plain_user)
    with pytest.raises(PermissionDenied):
        indicator_update(by=plain_user, indicator=indicator_a, data=data)
    indicator_a.refresh_from_db()
    assert indicator_a.name != "Raccolta differenziata"


def test_deactivate(staff_user, indicator_all, comune_a_editor):
    with pytest.raises(PermissionDenied):
        indicator_deactivate(by=comune_a_editor, indicator=indicator_all)
    indicator_deactivate(by=staff_user, indicator=indicator_all)
    indicator_all.refresh_from_db()
    assert indicator_all.active is False
    assert _audits("monitoring.indicator.deactivate").count() == 1
    indicator_deactivate(by=staff_user, indicator=indicator_all)  # again: nothing changes, no new audit row
    assert _audits("monitoring.indicator.deactivate").count() == 1


# Values -----------------------------------------------------------------------------------------------------


def _record(user, indicator, **kw):
    day = kw.get("day", date(2025, 6, 30))
    return indicator_value_record(
        by=user, indicator=indicator, date=day, value=Decimal("42.5"), source="Anagrafe"
    )


@pytest.mark.parametrize("persona", ["staff_user", "plain_user", "comune_a_editor"])
def test_staff_owner_and_comune_editor_record_a_value_of_comune_a(request, persona, indicator_a):
    user = request.getfixturevalue(persona)
    _record(user, indicator_a)
    value = IndicatorValue.objects.get()
    assert value.entered_by == user
    assert value.value == Decimal("42.5")
    entry = _audits("monitoring.value.record").get()
    assert entry.actor == user
    assert entry.after["value"] == "42.5"


def test_comune_b_editor_records_a_value_of_comune_b(comune_b_editor, indicator_b):
    _record(comune_b_editor, indicator_b)
    assert IndicatorValue.objects.get().indicator == indicator_b


@pytest.mark.parametrize("persona", ["comune_a_editor", "association_user", "plain_user"])
def test_others_cannot_record_a_value_of_comune_b(request, persona, indicator_b):
    """The editor of Comune A, an association's editor, a user who is not the owner."""
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        _record(user, indicator_b)
    assert not IndicatorValue.objects.exists()
    assert not AuditEntry.objects.exists()


def test_comune_editor_cannot_record_a_territory_wide_indicator(comune_a_editor, indicator_all):
    with pytest.raises(PermissionDenied):
        _record(comune_a_editor, indicator_all)
    assert not IndicatorValue.objects.exists()


def test_comune_viewer_cannot_record(comune_a, indicator_a):
    org = ComuneOrganisationFactory(comune=comune_a)
    viewer = MembershipFactory(user=UserFactory(), organisation=org, role="viewer").user
    with pytest.raises(PermissionDenied):
        _record(viewer, indicator_a)


def test_anonymous_cannot_record(indicator_a):
    with pytest.raises(PermissionDenied):
        _record(AnonymousUser(), indicator_a)
    assert not IndicatorValue.objects.exists()


def test_same_date_replaces_the_value_and_audits_the_previous_one(staff_user, indicator_a):
    _record(staff_user, indicator_a)
    indicator_value_record(by=staff_user, indicator=indicator_a, date=date(2025, 6, 30), value=Decimal("43"))
    assert IndicatorValue.objects.get().value == Decimal("43")
    entry = _audits("monitoring.value.update").get()
    assert entry.before["value"] == "42.5000"
    assert entry.after["value"] == "43"


@pytest.mark.parametrize(
    ("day", "words"),
    [(date(2023, 12, 31), "precedente"), (timezone.localdate() + timedelta(days=1), "futuro")],
)
def test_value_date_out_of_range_is_refused(staff_user, indicator_a, day, words):
    with pytest.raises(ValidationError) as exc:
        _record(staff_user, indicator_a, day=day)
    assert words in str(exc.value)
    assert not IndicatorValue.objects.exists()


def test_inactive_indicator_takes_no_value(staff_user, indicator_a):
    indicator_deactivate(by=staff_user, indicator=indicator_a)
    indicator_a.refresh_from_db()
    with pytest.raises(ValidationError):
        _record(staff_user, indicator_a)
