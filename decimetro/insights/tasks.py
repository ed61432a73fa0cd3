"""Insights tasks: the daily data-freshness check (`manage.py run_scheduled daily`).

It writes nothing but its job: the release dates of the PNRR datasets, how old the oldest one behind the
dashboards is and whether that is past the stale-data limit (the banner's rule, `insights.freshness`), so the
task list tells staff a new release is due before visitors see the banner. A stale result is also logged as a
warning (for the server's log monitoring). Idempotent: it only reads.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from decimetro.core.jobs import Outcome, Report, job_create, run_job
from decimetro.core.models import Job
from decimetro.core.scheduling import scheduled
from decimetro.insights.freshness import read_dataset_dates

logger = logging.getLogger(__name__)
JOB_KIND = "insights.freshness"


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
