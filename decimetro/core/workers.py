"""The task workers' heartbeat, and the recovery of the tasks a dead worker left behind.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a worker killed
mid-task (SIGKILL, a crash, a reboot) leaves it RUNNING forever. `manage.py worker` (the one way to run a
worker here) therefore records a heartbeat (`WorkerHeartbeat`, renewed every HEARTBEAT_SECONDS by a thread),
and on start and at every beat puts back to READY the RUNNING tasks of workers that are dead:
- their heartbeat is older than `settings.DECIMETRO_WORKER_STALE_SECONDS` (default 60), or
- they ran on this host and their process is gone (a restart after a kill recovers at once), or
- they never had a heartbeat (a plain `db_worker`) and the task started more than the stale time ago.
A task interrupted MAX_ATTEMPTS times is marked FAILED instead (a file that kills its worker would otherwise
kill every worker in turn). Tasks are idempotent, so running one again is safe.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from decimetro.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
MAX_ATTEMPTS = 3


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "DECIMETRO_WORKER_STALE_SECONDS", 60)))


def heartbeat(worker_id: str, *, started_at: datetime) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "seen_at": now},
        create_defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": now,
        },
    )


def heartbeat_remove(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


@dataclass(frozen=True)
class WorkerStatus:
    """`alive` when some worker's heartbeat is fresh; `age`: seconds since the latest heartbeat (None:
    never)."""

    alive: bool
    age: float | None


def worker_status() -> WorkerStatus:
    """One query."""
    latest = WorkerHeartbeat.objects.aggregate(latest=Max("seen_at"))["latest"]
    if latest is None:
        return WorkerStatus(alive=False, age=None)
    age = max(0.0, (timezone.now() - latest).total_seconds())
    return WorkerStatus(alive=age <= stale_after().total_seconds(), age=age)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


def recover_interrupted(*, me: str = "") -> tuple[int, int]:
    """Put the tasks of dead workers back to READY (or FAILED after MAX_ATTEMPTS). Returns (requeued,
    failed). `me`: this worker's id, whose own tasks are never touched."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    stale = stale_after()
    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    beats = {b.worker_id: b for b in WorkerHeartbeat.objects.all()}
    host = socket.gethostname()
    requeued = failed = 0
    for result in running:
        owner = result.worker_ids[-1] if result.worker_ids else ""
        if owner and owner == me:
            continue
        beat = beats.get(owner)
        if beat is None:
            dead = result.started_at is None or now - result.started_at > stale
        else:
            dead = now - beat.seen_at > stale or (beat.hostname == host and _process_gone(beat.pid))
        if not dead:
            continue
        # Only if still RUNNING and still held by that worker (another worker may be recovering too).
        still = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, worker_ids=result.worker_ids
        )
        if len(result.worker_ids) >= MAX_ATTEMPTS:
            changed = still.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="decimetro.core.workers.WorkerLost",
                traceback=f"Interrotta {len(result.worker_ids)} volte: il worker è terminato a metà.",
            )
            failed += changed
        else:
            changed = still.update(status=TaskResultStatus.READY)
            requeued += changed
        if changed:
            logger.warning("task %s of dead worker %s recovered", result.pk, owner)
    stale_beats = [
        b.pk
        for b in beats.values()
        if b.worker_id != me
        and (now - b.seen_at > stale * 10 or (b.hostname == host and _process_gone(b.pid)))
    ]
    if stale_beats:
        WorkerHeartbeat.objects.filter(pk__in=stale_beats).delete()
    return requeued, failed
