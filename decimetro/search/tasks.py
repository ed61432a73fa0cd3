"""Keeping the search index in step with the data.

- After every import (`pnrr.signals.imports_done`): the whole index is rebuilt by a job staff can follow
  (`core.jobs`), enqueued when the import's transaction commits.
- After a write of the small indexed things (a comune, a zone, a mission, an objective, a plan edition, a
  consultation): their documents are rewritten by a task, enqueued once per transaction when it commits (a
  plan load that saves a hundred rows enqueues one refresh).

Both are idempotent: the index is a function of the data.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django_tasks import task

from decimetro.core.jobs import Outcome, Report, job_enqueue, run_job
from decimetro.core.models import Job, User
from decimetro.participation.models import Consultation
from decimetro.plan.models import Edition, Mission, Objective
from decimetro.search.indexing import SMALL_KINDS, index_rebuild, index_refresh
from decimetro.territory.models import Comune, Zone

REBUILD_KIND = "search.rebuild"
SMALL_MODELS = (Comune, Zone, Edition, Mission, Objective, Consultation)


def index_rebuild_enqueue(*, by: User | None, reason: str = "") -> Job:
    return job_enqueue(
        index_rebuild_task,
        by=by,
        kind=REBUILD_KIND,
        label=reason or "Ricostruzione dell'indice di ricerca",
        view_perm="pnrr.import",
    )


@task()
def index_rebuild_task(job_id: int) -> dict[str, Any]:
    return run_job(job_id, _rebuild)


def _rebuild(job: Job, report: Report) -> Outcome:
    report("indice", 0.0)
    summary = index_rebuild()
    return Outcome(summary={**summary.counts, "total": summary.total})


def rebuild_after_import(sender: Any = None, *, files: list[str], **kwargs: Any) -> None:
    """Receiver of `pnrr.signals.imports_done`: the index rebuilt once the import's transaction commits."""
    names = ", ".join(files)
    transaction.on_commit(
        lambda: index_rebuild_enqueue(by=None, reason=f"Indice di ricerca dopo l'importazione di {names}")
    )


@task()
def index_refresh_small() -> dict[str, int]:
    return index_refresh(kinds=SMALL_KINDS).counts


def _enqueue_small() -> None:
    index_refresh_small.enqueue()


def small_kind_changed(sender: Any = None, **kwargs: Any) -> None:
    """Receiver of post_save/post_delete of the small indexed models: one refresh per transaction."""
    if kwargs.get("raw"):  # fixtures being loaded
        return
    pending = transaction.get_connection().run_on_commit
    if any(func is _enqueue_small for _sids, func, _robust in pending):
        return
    transaction.on_commit(_enqueue_small)


def connect_small_kinds() -> None:
    for model in SMALL_MODELS:
        uid = f"search_small_{model._meta.label_lower}"
        post_save.connect(small_kind_changed, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(small_kind_changed, sender=model, dispatch_uid=f"{uid}_delete")
