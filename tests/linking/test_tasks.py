"""Linking tasks: the classifier's retraining and the suggestions' refresh as jobs, both idempotent."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from decimetro.core.models import Job
from decimetro.linking import classifier as clf
from decimetro.linking.models import ProjectObjectiveLink
from decimetro.linking.tasks import classifier_train_enqueue, suggestions_refresh_enqueue

pytestmark = pytest.mark.django_db

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "classifier"


def test_retraining_is_a_job_and_gives_the_same_model_twice(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DECIMETRO_MODEL_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        first = classifier_train_enqueue(by=None, bundled=False, data_dir=str(FIXTURE_DIR), seed=7)
    first.refresh_from_db()
    installed = clf.load(clf.model_dir(tmp_path)).manifest
    assert first.state == "done" and first.summary["model_sha256"] == installed["model_sha256"]
    assert first.summary["train"] > 0 and 0 < first.summary["component_accuracy"] <= 1
    with django_capture_on_commit_callbacks(execute=True):
        second = classifier_train_enqueue(by=None, bundled=False, data_dir=str(FIXTURE_DIR), seed=7)
    second.refresh_from_db()
    assert second.summary["model_sha256"] == first.summary["model_sha256"]


def test_retraining_without_files_fails_the_job_in_italian(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DECIMETRO_MODEL_DIR = tmp_path
    empty = tmp_path / "vuota"
    empty.mkdir()
    with django_capture_on_commit_callbacks(execute=True):
        job = classifier_train_enqueue(by=None, bundled=False, data_dir=str(empty))
    job.refresh_from_db()
    assert job.state == "failed" and job.message.startswith("Nessun file etichettato trovato")


def test_only_reviewers_enqueue(comune_a_editor):
    with pytest.raises(PermissionDenied):
        suggestions_refresh_enqueue(by=comune_a_editor)
    with pytest.raises(PermissionDenied):
        classifier_train_enqueue(by=comune_a_editor)
    assert not Job.objects.exists()


def test_the_refresh_is_idempotent_and_keeps_decisions(
    staff_user, linked, django_capture_on_commit_callbacks
):
    link = linked.link(linked.casa, "M6.1")
    ProjectObjectiveLink.objects.filter(pk=link.pk).update(status="confirmed", decided_by=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        suggestions_refresh_enqueue(by=staff_user)
    state = sorted(ProjectObjectiveLink.objects.values_list("project_id", "objective_id", "status"))
    with django_capture_on_commit_callbacks(execute=True):
        suggestions_refresh_enqueue(by=staff_user)
    first, second = Job.objects.filter(kind="linking.suggest").order_by("pk")
    assert first.state == second.state == "done"
    assert second.summary["created"] == 0 and second.summary["withdrawn"] == 0
    assert second.summary["unchanged"] == first.summary["unchanged"] + first.summary["created"]
    assert sorted(ProjectObjectiveLink.objects.values_list("project_id", "objective_id", "status")) == state
    assert linked.link(linked.casa, "M6.1").status == "confirmed"


def test_linking_train_background_enqueues_the_job(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.DECIMETRO_MODEL_DIR = tmp_path
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "linking_train", "--background", "--data-dir", str(FIXTURE_DIR), "--seed", "7", stdout=out
        )
    job = Job.objects.get(kind="linking.train")
    assert f"Addestramento accodato (attività {job.pk})." in out.getvalue()
    job.refresh_from_db()
    assert job.state == "done" and (clf.model_dir(tmp_path) / clf.MODEL_FILE).is_file()
    with pytest.raises(CommandError, match="cartella predefinita"):
        call_command("linking_train", "--background", "--model-dir", str(tmp_path), stdout=out)
