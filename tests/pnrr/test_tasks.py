"""The PNRR import task: idempotent when a worker runs it again, refused for who lost the permission."""

from __future__ import annotations

import pytest

from decimetro.core.models import Job
from decimetro.pnrr.models import ImportRun, Project
from decimetro.pnrr.tasks import import_upload, import_uploaded_file
from tests.pnrr.conftest import PROJECTS, read_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_task_run_again_after_a_crash_writes_nothing_new(staff_user):
    job = import_upload(by=staff_user, name="progetti_validati.csv.gz", chunks=[PROJECTS.read_bytes()])
    import_uploaded_file.call(job.pk)
    n = Project.objects.count()
    assert n == len(read_rows(PROJECTS)[1])
    # The worker died after the import's commit, before the job was marked done: the task runs again.
    Job.objects.filter(pk=job.pk).update(state="running")
    import_uploaded_file.call(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 2 and job.summary["status"] == "skipped"
    assert Project.objects.count() == n
    assert ImportRun.objects.filter(status="ok").count() == 1
    # a finished job is not run a third time
    assert import_uploaded_file.call(job.pk)["status"] == "skipped"
    assert Job.objects.get(pk=job.pk).attempts == 2


def test_a_user_who_lost_the_permission_gets_a_refused_job(staff_user):
    job = import_upload(by=staff_user, name="progetti_validati.csv.gz", chunks=[PROJECTS.read_bytes()])
    staff_user.is_staff = False
    staff_user.save()
    import_uploaded_file.call(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.message == "Solo il personale dell'Ente può modificare il piano."
    assert not Project.objects.exists() and not ImportRun.objects.exists()
