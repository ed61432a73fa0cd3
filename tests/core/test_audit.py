from __future__ import annotations

from decimal import Decimal

import pytest

from decimetro.core.audit import audit_history, audit_record
from decimetro.core.models import AuditEntry
from tests.factories import ComuneFactory, MissionFactory, ObjectiveFactory, StaffFactory


@pytest.mark.django_db
def test_audit_record_stores_who_what_before_after_as_json():
    user = StaffFactory(username="mario.rossi")
    objective = ObjectiveFactory(title="Vecchio titolo")
    entry = audit_record(
        by=user,
        action="objective.update",
        target=objective,
        before={"title": "Vecchio titolo", "mission": objective.mission},
        after={"title": "Nuovo titolo", "mission": objective.mission},
    )
    entry.refresh_from_db()
    assert entry.actor == user
    assert entry.actor_label == "mario.rossi"
    assert entry.before == {"title": "Vecchio titolo", "mission": objective.mission.code}
    assert entry.changes == [("title", "Vecchio titolo", "Nuovo titolo")]
    assert list(audit_history(objective)) == [entry]


@pytest.mark.django_db
def test_audit_history_is_scoped_to_its_target():
    a, b = MissionFactory(number=1), MissionFactory(number=2)
    audit_record(by=None, action="mission.update", target=a, before={"title": "x"}, after={"title": "y"})
    assert audit_history(b).count() == 0
    assert audit_history(a).get().actor_label == "sistema"


@pytest.mark.django_db
def test_audit_record_serialises_decimals():
    comune = ComuneFactory()
    audit_record(
        by=None, action="comune.update", target=comune, before={"area": Decimal("1.5000")}, after=None
    )
    assert AuditEntry.objects.get().before == {"area": "1.5000"}
