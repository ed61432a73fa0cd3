"""Background jobs staff follow on a page (`core.models.Job`), and the two helpers every task uses.

A job is created by the request (or the command) that asks for the work, with `job_enqueue`: the row is
written at once and the task is enqueued when the transaction commits (`transaction.on_commit`), so a worker
never sees a job whose request rolled back. The task then runs `run_job`, which marks the job running, calls
the work with a `report(phase, fraction)` callback, and records the summary, or the failure in Italian.

Idempotent by construction: `run_job` does nothing for a job already finished (a task run again after its
worker was killed between the work and the bookkeeping finds the job done), and the work itself calls
services that are idempotent (an import of the same file writes nothing the second time).

Progress is written from outside transactions only: inside the one transaction of an import or of a
recomputation it would stay invisible until the commit (and would hold SQLite's write lock), so it is skipped
there; pages then show the last phase written (reading 100 %) until the summary.

No audit row here: jobs are bookkeeping, and every write the work does is audited by its own service (an
audit row per progress step would also change the data version every second and empty the figure caches).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from decimetro.core.models import Job, User

logger = logging.getLogger(__name__)

Report = Callable[[str, float], None]
PROGRESS_EVERY_S = 1.0  # at most one progress write a second


@dataclass
class Outcome:
    """What a job's work returns: its summary (JSON-safe), a message, a file for staff (relative to
    MEDIA_ROOT), and whether it failed in a way staff must read (a refused file is not an exception)."""

    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    output_file: str = ""
    failed: bool = False


def job_create(
    *, by: User | None, kind: str, label: str, view_perm: str, params: dict[str, Any] | None = None
) -> Job:
    return Job.objects.create(
        kind=kind,
        label=label[:255],
        view_perm=view_perm,
        requested_by=by if by is not None and by.is_authenticated else None,
        params=params or {},
    )


def job_enqueue(
    task: Any,
    *,
    by: User | None,
    kind: str,
    label: str,
    view_perm: str,
    params: dict[str, Any] | None = None,
) -> Job:
    """Create the job now and enqueue `task(job.pk)` when the current transaction commits (at once outside
    one). The task result's id is kept on the job (for the task list)."""
    job = job_create(by=by, kind=kind, label=label, view_perm=view_perm, params=params)

    def enqueue() -> None:
        result = task.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return job


def run_job(job_id: int, work: Callable[[Job, Report], Outcome]) -> dict[str, Any]:
    """Run `work` for the job (what a task's body is). Returns the job's summary (the task's return value).
    A permission refused is a failed job with its Italian message; an unexpected exception marks the job
    failed and is raised again, so the task result keeps the traceback."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("job %s not found: nothing to do", job_id)
        return {}
    if job.finished:
        return dict(job.summary)
    job.state = Job.State.RUNNING
    job.attempts += 1
    job.started_at = timezone.now()
    job.finished_at = None
    job.phase, job.progress, job.message = "", 0.0, ""
    job.save(update_fields=["state", "attempts", "started_at", "finished_at", "phase", "progress", "message"])
    try:
        outcome = work(job, _reporter(job))
    except PermissionDenied as exc:  # who asked lost the permission meanwhile: a refusal, in Italian
        outcome = Outcome(message=str(exc), failed=True)
    except Exception as exc:
        _finish(job, Outcome(message=f"Errore imprevisto ({type(exc).__name__}): {exc}"[:2000], failed=True))
        raise
    _finish(job, outcome)
    return dict(job.summary)


def _reporter(job: Job) -> Report:
    last: dict[str, Any] = {"at": 0.0, "phase": ""}
    # Transactions opened by the work (not by whoever runs the task: a test's own transaction).
    depth = len(transaction.get_connection().atomic_blocks)

    def report(phase: str, fraction: float) -> None:
        if len(transaction.get_connection().atomic_blocks) > depth:
            return
        now = time.monotonic()
        if phase == last["phase"] and now - last["at"] < PROGRESS_EVERY_S and fraction < 1:
            return
        last.update(at=now, phase=phase)
        Job.objects.filter(pk=job.pk).update(phase=phase[:60], progress=max(0.0, min(1.0, fraction)))

    return report


def _finish(job: Job, outcome: Outcome) -> None:
    job.state = Job.State.FAILED if outcome.failed else Job.State.DONE
    job.finished_at = timezone.now()
    job.summary = outcome.summary
    job.message = outcome.message[:5000]
    job.output_file = outcome.output_file
    if not outcome.failed:
        job.progress = 1.0
    job.save(update_fields=["state", "finished_at", "summary", "message", "output_file", "progress"])


def jobs_recent(*, kinds: list[str] | None = None, limit: int = 20) -> QuerySet[Job]:
    """The latest jobs (of `kinds`), newest first, with who asked for them."""
    qs = Job.objects.select_related("requested_by")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("-created_at", "-pk")[:limit]


@dataclass(frozen=True)
class TaskRow:
    id: str
    name: str
    state: str
    label: str
    enqueued_at: Any
    started_at: Any
    finished_at: Any
    attempts: int


TASK_STATES = {
    "READY": (Job.State.QUEUED, Job.State.QUEUED.label),
    "RUNNING": (Job.State.RUNNING, Job.State.RUNNING.label),
    "SUCCESSFUL": (Job.State.DONE, Job.State.DONE.label),
    "FAILED": (Job.State.FAILED, Job.State.FAILED.label),
}


def task_results_recent(limit: int = 20) -> list[TaskRow]:
    """The latest results of the task queue (django-tasks-db: every task, e-mails included) in the jobs'
    words (in coda, in corso, completata, non riuscita); empty with another backend (tests run tasks at
    once). One query."""
    from django_tasks_db.models import DBTaskResult

    rows = []
    for r in DBTaskResult.objects.order_by("-enqueued_at")[:limit]:
        state, label = TASK_STATES.get(r.status, (r.status, r.status))
        rows.append(
            TaskRow(
                id=str(r.id),
                name=r.task_path.rsplit(".", 1)[-1],
                state=str(state),
                label=str(label),
                enqueued_at=r.enqueued_at,
                started_at=r.started_at,
                finished_at=r.finished_at,
                attempts=len(r.worker_ids),
            )
        )
    return rows
