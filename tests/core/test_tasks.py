"""Background work: e-mails by task on commit, jobs (`core.jobs`), the scheduled entry point, the workers'
heartbeat and the recovery of a dead worker's tasks (`core.workers`), and `/salute/`.

Tasks run with django-tasks' ImmediateBackend here (tests/conftest.py); the real worker process is in
test_worker.py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from decimetro.core import services as svc
from decimetro.core.jobs import Outcome, job_create, job_enqueue, run_job
from decimetro.core.models import Invitation, Job, WorkerHeartbeat
from decimetro.core.scheduling import scheduled_tasks
from decimetro.core.tasks import email_on_commit, send_email
from decimetro.core.workers import MAX_ATTEMPTS, recover_interrupted, worker_status
from decimetro.pnrr.services import pnrr_import_file
from tests.factories import IndicatorFactory, UserFactory
from tests.pnrr.conftest import PAYMENTS

pytestmark = pytest.mark.django_db


# E-mails --------------------------------------------------------------------------------------------------


def test_an_email_is_enqueued_on_commit_and_sent_by_its_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        email_on_commit(subject="Oggetto", body="Testo", to=["a@example.org"])
    assert mail.outbox == [] and len(callbacks) == 1  # nothing sent inside the transaction
    callbacks[0]()
    assert [(m.subject, m.to) for m in mail.outbox] == [("Oggetto", ["a@example.org"])]


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                email_on_commit(subject="Oggetto", body="Testo", to=["a@example.org"])
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []


def test_the_invitation_email_leaves_after_the_commit(
    ente_admin, association_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        invitation, link = svc.invitation_create(
            by=ente_admin,
            email="nuova@example.org",
            organisation=association_user.membership.organisation,
            role="viewer",
            base_url="http://t/",
        )
    assert Invitation.objects.filter(pk=invitation.pk).exists() and mail.outbox == []
    for callback in callbacks:
        callback()
    assert (
        len(mail.outbox) == 1 and link in mail.outbox[0].body and mail.outbox[0].to == ["nuova@example.org"]
    )


def test_send_email_task_returns_the_number_sent():
    result = send_email.enqueue("Oggetto", "Testo", ["a@example.org", "b@example.org"])
    assert result.status == "SUCCESSFUL" and result.return_value == 1
    assert mail.outbox[0].to == ["a@example.org", "b@example.org"]


# Jobs -----------------------------------------------------------------------------------------------------


def test_run_job_records_state_summary_and_attempts(staff_user):
    job = job_create(by=staff_user, kind="test", label="prova", view_perm="pnrr.import")
    seen = []

    def work(j, report):
        seen.append(Job.objects.get(pk=j.pk).state)
        report("lettura", 0.5)
        assert Job.objects.get(pk=j.pk).progress == 0.5  # written at once outside a transaction
        return Outcome(summary={"read": 3}, message="fatto")

    assert run_job(job.pk, work) == {"read": 3}
    job.refresh_from_db()
    assert seen == ["running"]
    assert (job.state, job.attempts, job.summary, job.message, job.progress) == (
        "done",
        1,
        {"read": 3},
        "fatto",
        1.0,
    )
    assert job.started_at and job.finished_at and job.requested_by == staff_user


def test_run_job_is_idempotent_for_a_finished_job(staff_user):
    job = job_create(by=staff_user, kind="test", label="prova", view_perm="pnrr.import")
    calls = []

    def work(j, report):
        calls.append(1)
        return Outcome(summary={"n": len(calls)})

    run_job(job.pk, work)
    assert run_job(job.pk, work) == {"n": 1}  # a task run again finds its job done
    job.refresh_from_db()
    assert calls == [1] and job.attempts == 1


def test_progress_inside_a_transaction_is_not_written(staff_user):
    job = job_create(by=staff_user, kind="test", label="prova", view_perm="pnrr.import")

    def work(j, report):
        with transaction.atomic():
            report("scrittura", 0.7)
        assert Job.objects.get(pk=j.pk).phase == ""
        return Outcome()

    run_job(job.pk, work)


def test_an_unexpected_error_fails_the_job_and_the_task(staff_user):
    job = job_create(by=staff_user, kind="test", label="prova", view_perm="pnrr.import")

    def work(j, report):
        raise ValueError("rotto")

    with pytest.raises(ValueError):
        run_job(job.pk, work)
    job.refresh_from_db()
    assert job.state == "failed" and job.message == "Errore imprevisto (ValueError): rotto"


def test_a_refusal_is_a_failed_job_without_an_exception(staff_user):
    job = job_create(by=staff_user, kind="test", label="prova", view_perm="pnrr.import")
    run_job(job.pk, lambda j, r: Outcome(message="file rifiutato", failed=True))
    job.refresh_from_db()
    assert (job.state, job.message) == ("failed", "file rifiutato")


def test_job_enqueue_waits_for_the_commit(staff_user, django_capture_on_commit_callbacks):
    from decimetro.linking.tasks import suggestions_refresh

    with django_capture_on_commit_callbacks() as callbacks:
        job = job_enqueue(
            suggestions_refresh, by=staff_user, kind="linking.suggest", label="x", view_perm="link.review"
        )
    assert Job.objects.get(pk=job.pk).state == "queued" and len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.state == "done" and job.task_id


# The scheduled entry point --------------------------------------------------------------------------------


def test_the_daily_schedule_holds_the_reminders_and_the_freshness_check():
    names = {t.module_path for t in scheduled_tasks("daily")}
    assert names == {
        "decimetro.monitoring.tasks.indicator_reminders",
        "decimetro.insights.tasks.data_freshness_check",
        "decimetro.insights.tasks.figures_refresh_daily",
        "decimetro.follow.tasks.digests_send_due",  # the follow digests of those due (issue 17)
    }


def test_run_scheduled_daily_enqueues_each_task_and_they_run():
    pnrr_import_file(path=PAYMENTS)  # payments of 31/03/2025: more than 60 days ago
    out = StringIO()
    call_command("run_scheduled", "daily", stdout=out)
    assert "indicator_reminders: accodata" in out.getvalue()
    assert "data_freshness_check: accodata" in out.getvalue()
    check = Job.objects.get(kind="insights.freshness")
    assert check.state == "done" and check.summary["stale"] is True and check.summary["as_of"] == "2025-03-31"
    assert check.message.startswith("Dati non aggiornati: ") and "31/03/2025" in check.message
    assert Job.objects.get(kind="monitoring.remind").summary["emails"] == 0


def test_run_scheduled_now_runs_here_and_twice_sends_one_reminder(django_capture_on_commit_callbacks):
    # Factory indicators start on 2024-01-01, yearly, with no value: a value is due since 2025-01-01.
    IndicatorFactory(code="A-1", owner=UserFactory(email="resp@example.org"))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled", "daily", "--now", stdout=out)
        call_command("run_scheduled", "daily", "--now", stdout=out)
    assert "indicator_reminders: eseguita" in out.getvalue()
    sent = [j.summary["emails"] for j in Job.objects.filter(kind="monitoring.remind").order_by("pk")]
    assert sent == [1, 0]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["resp@example.org"]
    assert "A-1" in mail.outbox[0].body


def test_run_scheduled_refuses_an_unknown_schedule():
    with pytest.raises(Exception, match="invalid choice"):
        call_command("run_scheduled", "weekly", stdout=StringIO())


# Heartbeat and recovery -----------------------------------------------------------------------------------


def _running(worker_id: str, *, started_ago: float = 120, attempts: int = 1) -> DBTaskResult:
    result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="decimetro.core.tasks.send_email",
        backend_name="default",
        run_after=timezone.now(),
        status="RUNNING",
        worker_ids=[f"earlier-{i}" for i in range(attempts - 1)] + [worker_id],
    )
    DBTaskResult.objects.filter(pk=result.pk).update(
        started_at=timezone.now() - timedelta(seconds=started_ago)
    )
    return result


def _beat(worker_id: str, *, ago: float, host: str | None = None, pid: int | None = None) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=host or socket.gethostname(),
        pid=pid or os.getpid(),
        started_at=now - timedelta(seconds=ago + 10),
        seen_at=now - timedelta(seconds=ago),
    )


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _status(result: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=result.pk).status


def test_recovery_requeues_the_tasks_of_dead_workers_only(settings):
    settings.DECIMETRO_WORKER_STALE_SECONDS = 60
    _beat("stale", ago=300, host="altro-host")
    _beat("alive-elsewhere", ago=2, host="altro-host", pid=1)
    _beat("killed-here", ago=2, pid=_dead_pid())
    _beat("alive-here", ago=2)
    stale = _running("stale")
    elsewhere = _running("alive-elsewhere")
    killed = _running("killed-here")
    here = _running("alive-here")
    unknown_old = _running("never-beat", started_ago=600)
    unknown_new = _running("never-beat-2", started_ago=5)
    mine = _running("me")
    assert recover_interrupted(me="me") == (3, 0)
    assert [_status(r) for r in (stale, killed, unknown_old)] == ["READY"] * 3
    assert [_status(r) for r in (elsewhere, here, unknown_new, mine)] == ["RUNNING"] * 4
    assert recover_interrupted(me="me") == (0, 0)  # nothing left to recover
    # The heartbeat of the process gone from this host is removed; the others stay until long stale.
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {
        "stale",
        "alive-elsewhere",
        "alive-here",
    }


def test_a_task_interrupted_too_often_fails(settings):
    settings.DECIMETRO_WORKER_STALE_SECONDS = 60
    _beat("stale", ago=300)
    result = _running("stale", attempts=MAX_ATTEMPTS)
    assert recover_interrupted(me="me") == (0, 1)
    row = DBTaskResult.objects.get(pk=result.pk)
    assert row.status == "FAILED" and "Interrotta 3 volte" in row.traceback


def test_worker_status_reads_the_latest_heartbeat(settings):
    settings.DECIMETRO_WORKER_STALE_SECONDS = 60
    assert worker_status().alive is False and worker_status().age is None
    _beat("old", ago=300)
    assert worker_status().alive is False and 299 < worker_status().age < 310
    _beat("new", ago=1)
    assert worker_status().alive is True and worker_status().age < 5


# /salute/ -------------------------------------------------------------------------------------------------


def test_health_says_the_worker_is_missing_and_stays_200(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/salute/")
    assert response.status_code == 200 and len(ctx) == 1
    assert response.content.decode().splitlines() == ["ok", "database: ok", "worker: assente"]


def test_health_reports_the_worker_and_its_heartbeat_age(client, settings):
    settings.DECIMETRO_WORKER_STALE_SECONDS = 60
    _beat("w", ago=3)
    lines = client.get("/salute/").content.decode().splitlines()
    assert lines[:2] == ["ok", "database: ok"]
    assert lines[2].startswith("worker: attivo (ultimo battito ") and lines[2].endswith(" s fa)")
    body = json.loads(client.get("/salute/", headers={"Accept": "application/json"}).content)
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"] == "attivo"
    assert 2 <= body["worker_heartbeat_age_s"] < 10


def test_health_with_a_stale_heartbeat_says_absent_with_its_age(client, settings):
    settings.DECIMETRO_WORKER_STALE_SECONDS = 60
    _beat("w", ago=400)
    response = client.get("/salute/")
    assert response.status_code == 200
    assert response.content.decode().splitlines()[2].startswith("worker: assente (ultimo battito 40")
