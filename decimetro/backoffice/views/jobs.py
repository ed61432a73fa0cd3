"""Back office: background jobs. The PNRR upload (upload → task → progress → summary and rejects), a job's
page (htmx polling while it runs, with a plain link as fallback) and its file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from decimetro.backoffice.forms.jobs import PnrrUploadForm
from decimetro.core import jobs as job_sel
from decimetro.core.http import AuthenticatedHttpRequest, require_perm
from decimetro.core.models import Job
from decimetro.core.permissions import can, ensure
from decimetro.pnrr.importing import KINDS
from decimetro.pnrr.tasks import JOB_KIND as PNRR_IMPORT
from decimetro.pnrr.tasks import import_upload

# The summary's keys, as the job page names them (a key not listed is shown as is).
SUMMARY_LABELS = {
    "status": gettext_lazy("Esito"),
    "kind": gettext_lazy("Tipo di file"),
    "release_date": gettext_lazy("Data del rilascio"),
    "read": gettext_lazy("Righe lette"),
    "inserted": gettext_lazy("Inserite"),
    "updated": gettext_lazy("Aggiornate"),
    "unchanged": gettext_lazy("Invariate"),
    "rejected": gettext_lazy("Scartate"),
    "duration_s": gettext_lazy("Durata (s)"),
    "projects": gettext_lazy("Progetti"),
    "created": gettext_lazy("Suggerimenti nuovi"),
    "withdrawn": gettext_lazy("Suggerimenti superati"),
    "kept_decisions": gettext_lazy("Decisioni del personale mantenute"),
    "without_suggestion": gettext_lazy("Progetti senza suggerimento"),
    "rule_linked": gettext_lazy("Collegamenti per regola nuovi"),
    "rule_withdrawn": gettext_lazy("Collegamenti per regola ritirati"),
    "emails": gettext_lazy("Email"),
    "indicators": gettext_lazy("Indicatori"),
    "already_sent": gettext_lazy("Già inviati"),
    "as_of": gettext_lazy("Dati al"),
    "days": gettext_lazy("Giorni"),
    "stale": gettext_lazy("Non aggiornati"),
    "model_version": gettext_lazy("Versione del modello"),
    "component_accuracy": gettext_lazy("Accuratezza (componente)"),
}
_STATUS = {
    "ok": gettext_lazy("importato"),
    "partial": gettext_lazy("importato in parte"),
    "rejected": gettext_lazy("rifiutato"),
    "skipped": gettext_lazy("saltato: già importato"),
}


def _summary_rows(job: Job) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in job.summary.items():
        if key in ("extra", "datasets", "no_email", "model_sha256", "checksum") or value in (None, ""):
            continue
        if key == "status":
            value = _STATUS.get(str(value), value)
        elif key in ("release_date", "as_of") and isinstance(value, str):
            value = date.fromisoformat(value).strftime("%d/%m/%Y")
        elif isinstance(value, bool):
            value = _("sì") if value else _("no")
        rows.append((str(SUMMARY_LABELS.get(key, key)), value))
    for key, value in (job.summary.get("extra") or {}).items():
        rows.append((key.replace("_", " "), value))
    return rows


@require_http_methods(["GET", "POST"])
@require_perm("pnrr.import")
def pnrr_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PnrrUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        job = import_upload(
            by=request.user, name=f.name, chunks=f.chunks(), skip_invalid=form.cleaned_data["skip_invalid"]
        )
        messages.success(
            request, _("File %(name)s caricato: l'importazione è in coda.") % {"name": job.label}
        )
        return redirect("backoffice:job_detail", pk=job.pk)
    others = [
        j for j in job_sel.jobs_recent(limit=40) if j.kind != PNRR_IMPORT and can(request.user, j.view_perm)
    ]
    return render(
        request,
        "backoffice/jobs/pnrr_upload.html",
        {
            "form": form,
            "kinds": [k.label for k in KINDS.values()],
            "imports": job_sel.jobs_recent(kinds=[PNRR_IMPORT]),
            "others": others[:20],
            "tasks": job_sel.task_results_recent(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("requested_by"), pk=pk)
    ensure(request.user, job.view_perm)
    context = {"job": job, "summary": _summary_rows(job)}
    if request.headers.get("HX-Request"):
        return render(request, "backoffice/jobs/_job_status.html", context)
    return render(request, "backoffice/jobs/job_detail.html", context)


@require_GET
def job_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The job's file (the rejects of an import), only to who may see the job: it is never served from
    MEDIA_URL."""
    job = get_object_or_404(Job, pk=pk)
    ensure(request.user, job.view_perm)
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.output_file).resolve() if job.output_file else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise Http404(_("Nessun file per questa attività."))
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name, content_type="text/csv")
