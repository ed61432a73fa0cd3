"""Insights tasks: the daily data-freshness check (`manage.py run_scheduled daily`), and the refresh of the
precomputed figures (`insights.precomputed`) after every change of the data and once a day.

The refresh is enqueued by `refresh_after_write`, the receiver of every new audit row (connected in
`InsightsConfig.ready`): every write of the services leaves one (an import, a link decision, the rules' and
suggestions' refresh, a plan edit), and it is what changes the data version the figures are keyed on. At most
one refresh waits in the queue: a change while one waits is covered by it.

It writes nothing but its job: the release dates of the PNRR datasets, how old the oldest one behind the
dashboards is and whether that is past the stale-data limit (the banner's rule, `insights.freshness`), so the
task list tells staff a new release is due before visitors see the banner. A stale result is also logged as a
warning (for the server's log monitoring). Idempotent: it only reads.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django_tasks import task

from decimetro.core.jobs import Outcome, Report, job_create, job_enqueue, run_job
from decimetro.core.models import Job
from decimetro.core.scheduling import scheduled
from decimetro.insights.cache import is_neutral_action, precomputed_enabled
from decimetro.insights.freshness import read_dataset_dates
from decimetro.insights.precomputed import precompute_figures

logger = logging.getLogger(__name__)
JOB_KIND = "insights.freshness"
PRECOMPUTE_KIND = "insights.precompute"


@scheduled("daily")
@task()
def data_freshness_check() -> dict[str, Any]:
    job = job_create(
        by=None, kind=JOB_KIND, label="Controllo dell'aggiornamento dei dati", view_perm="pnrr.quality.view"
    )
    return run_job(job.pk, _check)


def _check(job: Job, report: Report) -> Outcome:
    dates = read_dataset_dates()
    f = dates.freshness()
    summary = {
        "as_of": f.as_of.isoformat() if f.as_of else None,
        "days": f.days,
        "stale": f.stale,
        "limit_days": f.limit,
        "oldest": f.label,
        "datasets": {
            str(d): {
                "release_date": v.release_date.isoformat() if v.release_date else None,
                "imported_on": v.imported_on.isoformat() if v.imported_on else None,
            }
            for d, v in dates.dates.items()
        },
    }
    if f.as_of is None:
        message = "Nessun dato PNRR importato."
    elif f.stale:
        message = (
            f"Dati non aggiornati: {f.label} al {f.as_of:%d/%m/%Y}, {f.days} giorni fa "
            f"(limite {f.limit}). Importare un rilascio più recente."
        )
        logger.warning("PNRR data stale: %s as of %s (%s days)", f.label, f.as_of, f.days)
    else:
        message = f"Dati aggiornati: {f.label} al {f.as_of:%d/%m/%Y} ({f.days} giorni)."
    return Outcome(summary=summary, message=message)


# Precomputed figures ----------------------------------------------------------------------------------------


def figures_refresh_enqueue(*, reason: str = "") -> Job | None:
    """A refresh of the precomputed figures as a job, unless one is already waiting (it will see this
    change too) or the figures are not precomputed here (`DECIMETRO_PRECOMPUTED_FIGURES`)."""
    if not precomputed_enabled():
        return None
    if Job.objects.filter(kind=PRECOMPUTE_KIND, state=Job.State.QUEUED).exists():
        return None
    return job_enqueue(
        figures_refresh,
        by=None,
        kind=PRECOMPUTE_KIND,
        label=reason or "Ricalcolo delle cifre delle pagine",
        view_perm="pnrr.quality.view",
    )


def refresh_after_write(sender: Any = None, *, created: bool = False, **kwargs: Any) -> None:
    """Receiver of a new audit row (`post_save` of `AuditEntry`): the data changed, so the figures are
    recomputed once the write's transaction commits (never for a write that rolled back)."""
    entry = kwargs.get("instance")
    if entry is not None and is_neutral_action(entry.action):
        return  # following by email, tokens, accounts: no figure changes (`insights.cache.data_version`)
    if created and precomputed_enabled():
        transaction.on_commit(
            lambda: figures_refresh_enqueue(reason="Ricalcolo delle cifre dopo una modifica")
        )


@task()
def figures_refresh(job_id: int) -> dict[str, Any]:
    return run_job(job_id, _precompute)


@scheduled("daily")
@task()
def figures_refresh_daily() -> dict[str, Any]:
    """The dashboards depend on the day (milestones past due, the data's age): a new day, new rows. Nothing
    where the figures are not precomputed."""
    if not precomputed_enabled():
        return {"skipped": True}
    job = job_create(
        by=None,
        kind=PRECOMPUTE_KIND,
        label="Ricalcolo giornaliero delle cifre",
        view_perm="pnrr.quality.view",
    )
    return run_job(job.pk, _precompute)


def _precompute(job: Job, report: Report) -> Outcome:
    r = precompute_figures(progress=lambda done, total: report("cifre", done / total if total else 1.0))
    return Outcome(
        summary={"pages": r.pages, "stored": r.stored, "removed": r.removed, "version": r.version},
        message=f"Cifre ricalcolate: {r.stored} salvate, {r.removed} rimosse.",
    )
