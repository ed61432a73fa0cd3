"""The PNRR upload in the back office (upload → task → progress → summary and rejects), a job's page and file,
and the suggestions' refresh as a task (after every import, and the "Ricalcola" button).

Tasks run with the ImmediateBackend; the enqueue waits for the request's commit, so the requests run inside
`django_capture_on_commit_callbacks(execute=True)` as a worker would after the commit."""

from __future__ import annotations

import csv
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from decimetro.core.jobs import job_create
from decimetro.core.models import AuditEntry, Job
from decimetro.pnrr.models import ImportRun, PaymentSnapshot, Project
from tests.pnrr.conftest import PAYMENTS, PROJECTS, edited, read_rows

pytestmark = pytest.mark.django_db

UPLOAD = reverse("backoffice:pnrr_upload")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def _upload(client, capture, path: Path, **data):
    with capture(execute=True):
        return client.post(UPLOAD, {"file": _file(path), **data})


def test_a_comune_editor_is_refused_the_upload(client, comune_a_editor, tmp_path):
    client.force_login(comune_a_editor)
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"file": _file(PROJECTS)}).status_code == 403
    assert not Job.objects.exists() and not Project.objects.exists()
    assert not (tmp_path / "media").exists()  # nothing stored either


def test_the_upload_page_lists_the_accepted_kinds(staff_client):
    page = staff_client.get(UPLOAD).content.decode()
    assert 'id="pnrr-kinds"' in page and 'enctype="multipart/form-data"' in page
    assert "Nessuna attività." in page


def test_staff_upload_is_imported_by_the_task_and_the_page_shows_the_summary(
    staff_client, staff_user, settings, django_capture_on_commit_callbacks
):
    response = _upload(staff_client, django_capture_on_commit_callbacks, PROJECTS)
    job = Job.objects.get(kind="pnrr.import")
    assert response.status_code == 302 and response["Location"] == reverse(
        "backoffice:job_detail", args=[job.pk]
    )
    n = len(read_rows(PROJECTS)[1])
    assert (job.state, job.requested_by, job.label) == ("done", staff_user, "progetti_validati.csv.gz")
    assert job.summary["status"] == "ok" and job.summary["inserted"] == n and job.summary["read"] == n
    assert Project.objects.count() == n
    run = ImportRun.objects.get()
    assert (run.by, run.file_name, run.status) == (staff_user, "progetti_validati.csv.gz", "ok")
    # stored under MEDIA_ROOT, in a folder of its own, with its own name
    stored = Path(settings.MEDIA_ROOT) / job.params["path"]
    assert stored.read_bytes() == PROJECTS.read_bytes() and stored.parent.parent.name == "imports"
    assert AuditEntry.objects.filter(action="pnrr.import.upload", target_id=str(job.pk)).count() == 1

    page = staff_client.get(response["Location"], follow=True).content.decode()
    assert 'data-state="done"' in page and "completata" in page and "hx-trigger" not in page
    assert "Righe lette" in page and f'<dd class="col-sm-7">{n}</dd>' in page and "importato" in page
    assert f'<dd class="col-sm-7">{run.release_date:%d/%m/%Y}</dd>' in page
    # the suggestions are refreshed by a task after the import
    refresh = Job.objects.get(kind="linking.suggest")
    assert refresh.state == "done" and refresh.requested_by is None
    assert refresh.label == "Suggerimenti dopo l'importazione di progetti_validati.csv.gz"
    # the list of the upload page
    listing = staff_client.get(UPLOAD).content.decode()
    assert reverse("backoffice:job_detail", args=[job.pk]) in listing and 'data-state="done"' in listing


def test_a_rejected_file_shows_the_italian_errors_and_its_rejects(
    staff_client, comune_a_editor, client, tmp_path, django_capture_on_commit_callbacks
):
    bad = edited(PROJECTS, tmp_path / "progetti_v3.csv.gz", -1, "Finanziamento PNRR", "12.345,67")
    _upload(staff_client, django_capture_on_commit_callbacks, bad)
    job = Job.objects.get(kind="pnrr.import")
    assert job.state == "failed" and not Project.objects.exists()
    line = len(read_rows(PROJECTS)[1]) + 1
    assert "progetti_v3.csv.gz: 1 righe non valide, file rifiutato" in job.message
    assert f"riga {line}, colonna «Finanziamento PNRR»" in job.message
    assert not Job.objects.filter(kind="linking.suggest").exists()  # nothing new: nothing to refresh
    page = staff_client.get(reverse("backoffice:job_detail", args=[job.pk])).content.decode()
    assert "non riuscita" in page and 'id="job-message"' in page and "colonna «Finanziamento PNRR»" in page
    assert "rifiutato" in page

    download = staff_client.get(reverse("backoffice:job_file", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [(r["riga"], r["colonna"]) for r in rows] == [(str(line), "Finanziamento PNRR")]

    client.force_login(comune_a_editor)
    assert client.get(reverse("backoffice:job_file", args=[job.pk])).status_code == 403
    assert client.get(reverse("backoffice:job_detail", args=[job.pk])).status_code == 403


def test_skip_invalid_imports_the_valid_rows_and_offers_the_rejects(
    staff_client, tmp_path, django_capture_on_commit_callbacks
):
    bad = edited(PAYMENTS, tmp_path / "pagamenti_a.csv.gz", 1, "cup", "NON-UN-CUP")
    _upload(staff_client, django_capture_on_commit_callbacks, bad, skip_invalid="on")
    job = Job.objects.get(kind="pnrr.import")
    n = len(read_rows(PAYMENTS)[1])
    assert job.state == "done" and job.summary["status"] == "partial" and job.summary["rejected"] == 1
    assert PaymentSnapshot.objects.count() == n - 1
    assert job.output_file.endswith("pagamenti_a.scarti.csv")
    page = staff_client.get(reverse("backoffice:job_detail", args=[job.pk])).content.decode()
    assert "importato in parte" in page and reverse("backoffice:job_file", args=[job.pk]) in page
    body = b"".join(staff_client.get(reverse("backoffice:job_file", args=[job.pk])).streaming_content)
    assert "CUP malformato" in body.decode()


def test_the_same_file_twice_is_skipped_the_second_time(staff_client, django_capture_on_commit_callbacks):
    _upload(staff_client, django_capture_on_commit_callbacks, PROJECTS)
    _upload(staff_client, django_capture_on_commit_callbacks, PROJECTS)
    first, second = Job.objects.filter(kind="pnrr.import").order_by("pk")
    assert first.summary["status"] == "ok" and second.summary["status"] == "skipped"
    assert ImportRun.objects.count() == 1
    assert (
        "saltato: già importato"
        in staff_client.get(reverse("backoffice:job_detail", args=[second.pk])).content.decode()
    )


def test_a_wrong_extension_is_refused_before_anything_is_stored(staff_client, tmp_path):
    response = staff_client.post(UPLOAD, {"file": SimpleUploadedFile("dati.xlsx", b"x")})
    assert response.status_code == 400
    assert "Formato non supportato: sono attesi file .csv o .csv.gz." in response.content.decode()
    assert not Job.objects.exists() and not (tmp_path / "media").exists()


def test_an_unknown_header_fails_the_job_with_the_file_error(
    staff_client, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "strano.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    _upload(staff_client, django_capture_on_commit_callbacks, path)
    job = Job.objects.get(kind="pnrr.import")
    assert job.state == "failed" and job.message.startswith("strano.csv") and not job.output_file
    assert staff_client.get(reverse("backoffice:job_file", args=[job.pk])).status_code == 404


def test_a_running_job_polls_with_htmx_and_a_plain_link(staff_client, staff_user):
    job = job_create(by=staff_user, kind="pnrr.import", label="progetti.csv", view_perm="pnrr.import")
    url = reverse("backoffice:job_detail", args=[job.pk])
    page = staff_client.get(url).content.decode()
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page
    assert f'<a href="{url}" id="job-refresh">' in page and "In attesa che un worker" in page
    Job.objects.filter(pk=job.pk).update(state="running", phase="lettura", progress=0.42)
    partial = staff_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="job-status"') and "<html" not in partial
    assert "lettura: 42 %" in partial and 'value="42"' in partial
    Job.objects.filter(pk=job.pk).update(state="done", progress=1)
    assert "hx-trigger" not in staff_client.get(url, headers={"HX-Request": "true"}).content.decode()


def test_the_pnrr_import_command_refreshes_the_suggestions_by_a_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("pnrr_import", str(PROJECTS), str(PAYMENTS), stdout=StringIO())
    refresh = Job.objects.get(kind="linking.suggest")
    assert refresh.state == "done"
    assert refresh.label == "Suggerimenti dopo l'importazione di progetti_validati.csv.gz, pagamenti.csv.gz"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("pnrr_import", str(PROJECTS), "--skip-imported", stdout=StringIO())
        call_command("pnrr_import", str(PAYMENTS), "--no-refresh", stdout=StringIO())
    assert Job.objects.filter(kind="linking.suggest").count() == 1  # nothing new, or asked not to


def test_recompute_is_a_task_and_its_page_shows_the_summary(
    staff_client, linked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("backoffice:link_recompute"))
    job = Job.objects.get(kind="linking.suggest")
    assert response["Location"] == reverse("backoffice:job_detail", args=[job.pk])
    assert job.state == "done" and job.summary["projects"] > 0
    page = staff_client.get(response["Location"]).content.decode()
    assert "Ricalcolo dei suggerimenti in coda" in page and "Progetti" in page
