"""The PDF dossiers of an objective, a mission, a comune and a zone (`reports.dossiers`).

GET: the PDF for the current data version if it is built (inline, with its file name); otherwise the build is
enqueued (once per dossier and version) and a small page says it is being prepared, with status 202 and an
HTTP `Refresh` header (no script) that asks again in a few seconds. An unknown code is the branded 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from decimetro.reports import dossiers
from decimetro.reports.models import Dossier

REFRESH_SECONDS = 5


def _dossier(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    dossier, obj = dossiers.dossier_request(kind, key)
    spec = dossiers.KINDS[kind]
    if dossier.state == Dossier.State.READY:
        pdf = Dossier.objects.values_list("pdf", flat=True).get(pk=dossier.pk)
        response = HttpResponse(bytes(pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{spec.filename(obj)}"'
        response["Content-Length"] = str(len(pdf))
        return response
    failed = dossier.state == Dossier.State.FAILED
    response = render(
        request,
        "reports/dossier_pending.html",
        {"title": spec.title(obj), "page_url": request.path.rsplit("/", 2)[0] + "/", "failed": failed},
        status=503 if failed else 202,
    )
    if failed:
        response["Retry-After"] = str(int(dossiers.RETRY_AFTER.total_seconds()))
    else:
        response["Refresh"] = str(REFRESH_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


@require_GET
def objective_dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _dossier(request, "objective", code)


@require_GET
def mission_dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _dossier(request, "mission", code)


@require_GET
def comune_dossier(request: HttpRequest, codice_istat: str) -> HttpResponse:
    return _dossier(request, "comune", codice_istat)


@require_GET
def zone_dossier(request: HttpRequest, slug: str) -> HttpResponse:
    return _dossier(request, "zone", slug)
