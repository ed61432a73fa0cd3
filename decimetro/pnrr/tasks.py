"""PNRR tasks: a file uploaded in the back office is imported by a worker.

`import_upload` (called by the upload page) stores the file under MEDIA_ROOT/pnrr/imports/<random>/ (never
served: only the back office reads it, and offers the rejects through a view that checks the permission),
creates the job and enqueues `import_uploaded_file` when the request's transaction commits. The task runs the
one import service, `pnrr_import_file`, with the job's progress callback; its Italian errors (file, line,
column) become the job's message and its rejects CSV the job's file.

Idempotent: the import skips a file whose checksum was already imported, so a task run again after its
worker died after the commit writes nothing (a run interrupted before the commit left nothing, as every
interrupted import).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import get_valid_filename
from django_tasks import task

from decimetro.core.audit import audit_record
from decimetro.core.jobs import Outcome, Report, job_enqueue, run_job
from decimetro.core.models import Job, User
from decimetro.core.permissions import ensure
from decimetro.pnrr.models import ImportRun
from decimetro.pnrr.services import ImportRejected, ImportSummary, pnrr_import_file, write_rejects
from decimetro.pnrr.signals import imports_done

JOB_KIND = "pnrr.import"
UPLOAD_DIR = "pnrr/imports"  # under MEDIA_ROOT


def upload_path(name: str) -> str:
    """A new private path (relative to MEDIA_ROOT) keeping the file's own name (the import recognises
    `.csv`/`.csv.gz` by it and records it in the import log)."""
    safe = get_valid_filename(Path(name).name)[-120:] or "file.csv"
    return f"{UPLOAD_DIR}/{uuid.uuid4().hex}/{safe}"


def import_upload(*, by: User, name: str, chunks: Iterable[bytes], skip_invalid: bool = False) -> Job:
    """Store an uploaded file, record who uploaded it (audit) and enqueue its import. The permission is asked
    here and again by the import service when the task runs (a user who lost it meanwhile gets a refused
    job, nothing written)."""
    ensure(by, "pnrr.import")
    relative = upload_path(name)
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as f:
        for chunk in chunks:
            f.write(chunk)
    with transaction.atomic():
        job = job_enqueue(
            import_uploaded_file,
            by=by,
            kind=JOB_KIND,
            label=target.name,
            view_perm="pnrr.import",
            params={"path": relative, "skip_invalid": skip_invalid},
        )
        audit_record(
            by=by,
            action="pnrr.import.upload",
            target=job,
            before=None,
            after={"file": target.name, "size": target.stat().st_size, "skip_invalid": skip_invalid},
        )
    return job


@task()
def import_uploaded_file(job_id: int) -> dict[str, Any]:
    return run_job(job_id, _import)


def _import(job: Job, report: Report) -> Outcome:
    path = Path(settings.MEDIA_ROOT) / job.params["path"]
    skip_invalid = bool(job.params.get("skip_invalid"))
    base = path.name.removesuffix(".gz").removesuffix(".csv")
    rejects = path.with_name(f"{base}.scarti.csv")
    by = job.requested_by
    try:
        summary = pnrr_import_file(
            path=path,
            skip_invalid=skip_invalid,
            reject_file=rejects if skip_invalid else None,
            skip_if_imported=True,
            by=by,
            by_label="caricamento",
            progress=report,
        )
    except ImportRejected as exc:
        output = ""
        if exc.summary.errors:
            write_rejects(rejects, exc.summary.errors)
            output = _relative(rejects)
        return Outcome(summary=_counts(exc.summary), message=str(exc), output_file=output, failed=True)
    if summary.status in (ImportRun.Status.OK, ImportRun.Status.PARTIAL):
        imports_done.send(sender=import_uploaded_file.__class__, files=[summary.file_name])
    return Outcome(
        summary=_counts(summary),
        message=summary.message,
        output_file=_relative(summary.reject_file) if summary.reject_file else "",
    )


def _relative(path: Path) -> str:
    return str(path.relative_to(Path(settings.MEDIA_ROOT)))


def _counts(s: ImportSummary) -> dict[str, Any]:
    """JSON-safe: what the job page shows."""
    return {
        "status": s.status,
        "kind": s.kind,
        "release_date": s.release_date.isoformat() if s.release_date else None,
        "read": s.rows_read,
        "inserted": s.inserted,
        "updated": s.updated,
        "unchanged": s.unchanged,
        "rejected": s.rejected,
        "duration_s": round(s.duration_s, 1),
        "extra": dict(s.extra),
    }
