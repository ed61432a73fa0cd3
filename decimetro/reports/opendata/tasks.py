"""The open-data build as a job staff can follow (`core.jobs`): after every import (receiver of
`pnrr.signals.imports_done`, connected in `reports.apps`) and on demand, when a page asks for the current data
version and it is not built yet. Idempotent: a version already built is left as it is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from decimetro.core.jobs import Outcome, Report, job_enqueue, run_job
from decimetro.core.models import Job
from decimetro.reports.opendata.bundle import build_bundle, version_key

KIND = "reports.opendata"
# A job older than this that never finished (a worker that died) no longer blocks a new one.
STALE = timedelta(hours=2)


def opendata_build_enqueue(*, reason: str = "", key: str | None = None) -> Job | None:
    """The build of the current data version, unless one is already queued or running for it."""
    key = key or version_key()
    pending = Job.objects.filter(
        kind=KIND,
        finished_at__isnull=True,
        created_at__gte=timezone.now() - STALE,
        params__version=key,
    )
    if pending.exists():
        return None
    return job_enqueue(
        opendata_build,
        by=None,
        kind=KIND,
        label=reason or "Preparazione dei dati aperti",
        view_perm="pnrr.import",
        params={"version": key},
    )


@task()
def opendata_build(job_id: int) -> dict[str, Any]:
    return run_job(job_id, _build)


def _build(job: Job, report: Report) -> Outcome:
    bundle, built = build_bundle(progress=report)
    return Outcome(
        summary={
            "version": bundle.key,
            "built": built,
            "size": bundle.size,
            "rows": {r.name: r.rows for r in bundle.resources},
        }
    )


def build_after_import(sender: Any = None, *, files: list[str], **kwargs: Any) -> None:
    """Receiver of `pnrr.signals.imports_done`: the new data's bundle, once the import's transaction commits
    (the data version is read then, so it is the imported data's)."""
    names = ", ".join(files)
    transaction.on_commit(
        lambda: opendata_build_enqueue(reason=f"Dati aperti dopo l'importazione di {names}")
    )
