"""Monitoring tasks: the daily indicator reminders (`manage.py run_scheduled daily`).

Idempotent: `indicator_reminders_send` records each reminder (indicator, due date) and never sends one twice;
its e-mails go out through `core.tasks.send_email` once its transaction commits.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from decimetro.core.jobs import Outcome, Report, job_create, run_job
from decimetro.core.models import Job
from decimetro.core.scheduling import scheduled
from decimetro.monitoring.services import indicator_reminders_send

JOB_KIND = "monitoring.remind"


@scheduled("daily")
@task()
def indicator_reminders() -> dict[str, Any]:
    job = job_create(
        by=None, kind=JOB_KIND, label="Promemoria degli indicatori", view_perm="indicator.manage"
    )
    return run_job(job.pk, _remind)


def _remind(job: Job, report: Report) -> Outcome:
    result = indicator_reminders_send()
    return Outcome(
        summary={
            "emails": result.emails,
            "indicators": result.indicators,
            "already_sent": result.already_sent,
            "no_email": list(result.no_email),
        }
    )
