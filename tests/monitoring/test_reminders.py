"""Reminders: one e-mail per owner listing their due indicators, once per due date; the overdue selector."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from decimetro.core.models import AuditEntry
from decimetro.monitoring.models import IndicatorReminder
from decimetro.monitoring.selectors import indicators_due
from decimetro.monitoring.services import indicator_reminders_send, indicator_value_record
from tests.factories import IndicatorFactory, IndicatorValueFactory, UserFactory

pytestmark = pytest.mark.django_db

# Factory indicators start 2024-01-01, yearly: the first value is due on 2025-01-01.
TODAY = date(2025, 3, 1)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`indicator_reminders_send` with its e-mails delivered: they are sent by a task once its transaction
    commits (core.tasks.email_on_commit)."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return indicator_reminders_send(**kwargs)

    return run


@pytest.fixture
def owner():
    return UserFactory(username="resp", email="resp@example.org", first_name="Anna", last_name="Rossi")


def test_one_email_per_owner_listing_due_indicators_only(owner, send):
    due1 = IndicatorFactory(code="A-1", owner=owner)
    due2 = IndicatorFactory(code="A-2", owner=owner, frequency="quarterly")
    not_due = IndicatorFactory(code="A-3", owner=owner)
    IndicatorValueFactory(indicator=not_due, date=date(2025, 1, 31))  # next due 2026-01-31
    other = IndicatorFactory(code="B-1", owner=UserFactory(email="altro@example.org"))

    result = send(today=TODAY, base_url="https://decimetro.example.org")

    assert result.emails == 2
    assert result.indicators == 3
    by_recipient = {m.to[0]: m for m in mail.outbox}
    body = by_recipient["resp@example.org"].body
    assert "A-1" in body and "A-2" in body and "A-3" not in body
    assert "Anna Rossi" in body
    assert f"https://decimetro.example.org/gestione/indicatori/{due1.pk}/valori/nuovo/" in body
    assert "01/01/2025" in body  # yearly from 2024-01-01
    assert "01/04/2024" in body  # quarterly from 2024-01-01
    assert "B-1" in by_recipient["altro@example.org"].body
    assert set(IndicatorReminder.objects.values_list("indicator__code", "due_date")) == {
        ("A-1", date(2025, 1, 1)),
        ("A-2", date(2024, 4, 1)),
        ("B-1", date(2025, 1, 1)),
    }
    assert (
        AuditEntry.objects.filter(action="monitoring.reminder.send", actor_label="monitoring_remind").count()
        == 3
    )
    assert due2.pk and other.pk


def test_rerun_does_not_send_again_for_the_same_due_date(owner, send):
    IndicatorFactory(code="A-1", owner=owner)
    send(today=TODAY)
    result = send(today=TODAY)
    again_later = send(today=date(2025, 4, 1))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Decimetro: 1 indicatore attende un valore"
    assert result.emails == 0 and result.already_sent == 1
    assert again_later.emails == 0
    assert IndicatorReminder.objects.count() == 1


def test_a_new_due_date_sends_a_new_reminder(owner, staff_user, send):
    ind = IndicatorFactory(code="A-1", owner=owner)
    send(today=TODAY)
    indicator_value_record(by=staff_user, indicator=ind, date=date(2025, 2, 1), value=30)
    assert send(today=TODAY).emails == 0  # value recorded: nothing due
    assert send(today=date(2026, 2, 1)).emails == 1
    assert len(mail.outbox) == 2
    assert "01/02/2026" in mail.outbox[1].body


def test_inactive_indicators_and_owners_without_email_get_nothing(owner, send):
    IndicatorFactory(code="A-1", owner=owner, active=False)
    IndicatorFactory(code="C-1", owner=UserFactory(username="senza.email", email=""))
    IndicatorFactory(code="D-1", owner=UserFactory(email="x@example.org", is_active=False))
    result = send(today=TODAY)
    assert mail.outbox == []
    assert result.no_email == ["senza.email"]
    assert not IndicatorReminder.objects.exists()


def test_command_prints_a_summary_and_is_idempotent(owner, django_capture_on_commit_callbacks):
    IndicatorFactory(code="A-1", owner=owner)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("monitoring_remind", "--date", "2025-03-01", stdout=out)
        call_command("monitoring_remind", "--date", "2025-03-01", stdout=out)
    assert len(mail.outbox) == 1
    assert "promemoria: 1 email, 1 indicatori" in out.getvalue()
    assert "promemoria: 0 email, 0 indicatori, 1 già inviati" in out.getvalue()


def test_indicators_due_most_overdue_first():
    a = IndicatorFactory(code="A-1", frequency="yearly")  # due 2025-01-01
    b = IndicatorFactory(code="B-1", frequency="monthly")  # due 2024-02-01
    c = IndicatorFactory(code="C-1")
    IndicatorValueFactory(indicator=c, date=date(2025, 2, 1))  # due 2026-02-01: not due
    IndicatorFactory(code="D-1", active=False)
    due = indicators_due(today=TODAY)
    assert [i.code for i in due] == ["B-1", "A-1"]
    assert due[1].days_overdue == (TODAY - date(2025, 1, 1)).days
    assert a.pk and b.pk
