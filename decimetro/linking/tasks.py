"""Linking tasks: the suggestions' refresh (after every import, and the back office's "Ricalcola") and the
classifier's retraining, both as jobs staff follow (`core.jobs`).

Both are idempotent: `links_suggest_all` keeps staff decisions and rewrites only what changed (a second run
counts everything unchanged); `train_artefact` gives the same model for the same files and seed, and
`classifier.save` replaces the installed model only once the new one is written whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django_tasks import task

from decimetro.core.jobs import Outcome, Report, job_enqueue, run_job
from decimetro.core.models import Job, User
from decimetro.core.permissions import ensure
from decimetro.linking.classifier import Params, model_dir
from decimetro.linking.services import links_suggest_all
from decimetro.linking.training import train_artefact
from decimetro.linking.training_data import bundled_files, find_files

SUGGEST_KIND = "linking.suggest"
TRAIN_KIND = "linking.train"


def suggestions_refresh_enqueue(*, by: User | None, reason: str = "") -> Job:
    """The refresh of the territory's suggestions as a job (enqueued when the transaction commits)."""
    if by is not None:
        ensure(by, "link.review")
    return job_enqueue(
        suggestions_refresh,
        by=by,
        kind=SUGGEST_KIND,
        label=reason or "Ricalcolo dei suggerimenti",
        view_perm="link.review",
    )


@task()
def suggestions_refresh(job_id: int) -> dict[str, Any]:
    return run_job(job_id, _suggest)


def _suggest(job: Job, report: Report) -> Outcome:
    s = links_suggest_all(
        by=job.requested_by,
        by_label="suggestions_refresh",
        progress=lambda done, total: report("progetti", done / total if total else 1.0),
    )
    return Outcome(
        summary={
            "projects": s.projects,
            "created": s.created,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "withdrawn": s.withdrawn,
            "kept_decisions": s.kept_decisions,
            "without_suggestion": s.without_suggestion,
            "rule_linked": s.rule_linked,
            "rule_withdrawn": s.rule_withdrawn,
        }
    )


def refresh_after_import(sender: Any = None, *, files: list[str], **kwargs: Any) -> None:
    """Receiver of `pnrr.signals.imports_done`: new PNRR data → the suggestions' refresh, once the import's
    transaction (if any) commits."""
    names = ", ".join(files)
    transaction.on_commit(
        lambda: suggestions_refresh_enqueue(by=None, reason=f"Suggerimenti dopo l'importazione di {names}")
    )


def classifier_train_enqueue(
    *, by: User | None, bundled: bool = True, data_dir: str = "", seed: int = Params.seed
) -> Job:
    if by is not None:
        ensure(by, "link.review")
    return job_enqueue(
        classifier_train,
        by=by,
        kind=TRAIN_KIND,
        label="Addestramento del classificatore",
        view_perm="link.review",
        params={"bundled": bundled, "data_dir": data_dir, "seed": seed},
    )


@task()
def classifier_train(job_id: int) -> dict[str, Any]:
    return run_job(job_id, _train)


def _train(job: Job, report: Report) -> Outcome:
    """What `manage.py linking_train` does, from the job's parameters."""
    p = job.params
    files = bundled_files() if p.get("bundled") or not p.get("data_dir") else find_files(Path(p["data_dir"]))
    if not files:
        return Outcome(
            message="Nessun file etichettato trovato (progetti validati, quadro, milestone).", failed=True
        )
    report("addestramento", 0.0)
    result = train_artefact(
        files=files,
        params=Params(seed=int(p.get("seed", Params.seed))),
        directory=model_dir(None),
        data_label="bundled" if p.get("bundled") else str(p.get("data_dir")),
    )
    m = result.manifest
    held = m["metrics"]["held_out"]
    return Outcome(
        summary={
            "model_version": m.get("model_version"),
            "model_sha256": m.get("model_sha256"),
            "train": result.n_train,
            "test": result.n_test,
            "component_accuracy": round(held["component"]["accuracy"], 3),
            "component_macro_f1": round(held["component"]["macro_f1"], 3),
            "seconds": round(result.seconds, 1),
        }
    )
