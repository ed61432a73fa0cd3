"""`/dati-aperti/`: the open-data page, the bulk zip, each CSV, the Frictionless descriptor and the DCAT-AP_IT
catalogue. Everything is served from the latest built bundle (`reports.opendata.bundle`); when the current
data version is not built yet, its build is enqueued (once) and the page says so, without being cached."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from decimetro.reports.opendata.bundle import (
    DIALECT,
    LICENCE,
    ZIP_NAME,
    Bundle,
    latest_bundle,
    served_descriptor,
    version_key,
)
from decimetro.reports.opendata.catalogue import ENTE_IPA, catalogue_rdf
from decimetro.reports.opendata.resources import BY_NAME
from decimetro.reports.opendata.tasks import opendata_build_enqueue

RETRY_SECONDS = 60


def _base(request: HttpRequest) -> str:
    """The absolute URL of /dati-aperti/ (the site's configured address when there is one)."""
    path = reverse("reports:opendata")
    site = getattr(settings, "DECIMETRO_SITE_URL", "")
    return f"{site}{path}" if site else request.build_absolute_uri(path)


def _bundle(*, enqueue: bool = True) -> tuple[Bundle | None, bool]:
    """The latest built bundle and whether it is the current data version's; if it is not, the build of
    the current version is enqueued (once)."""
    latest = latest_bundle()
    current = version_key()
    if latest is not None and latest.key == current:
        return latest, True
    if enqueue:
        opendata_build_enqueue(reason="Dati aperti richiesti dalla pagina", key=current)
    return latest, False


def _not_ready() -> HttpResponse:
    response = HttpResponse(
        "I dati aperti sono in preparazione: riprova tra un minuto.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_SECONDS)
    add_never_cache_headers(response)
    return response


def _ready_bundle() -> Bundle | None:
    bundle, _current = _bundle()
    return bundle


@require_safe
def opendata_page(request: HttpRequest) -> HttpResponse:
    bundle, current = _bundle()
    rows = []
    if bundle is not None:
        rows = [(r, BY_NAME.get(r.name)) for r in bundle.resources]
    response = render(
        request,
        "reports/opendata.html",
        {
            "bundle": bundle,
            "current": current,
            "resources": rows,
            "licence": LICENCE,
            "dialect": DIALECT,
            "zip_name": ZIP_NAME,
            "ipa": ENTE_IPA,
            "refresh_seconds": RETRY_SECONDS,
        },
    )
    if not current:
        add_never_cache_headers(response)  # "in preparazione" must not outlive the build
    return response


@require_safe
def opendata_zip(request: HttpRequest) -> HttpResponseBase:
    bundle = _ready_bundle()
    if bundle is None:
        return _not_ready()
    return FileResponse(bundle.zip_path.open("rb"), as_attachment=True, filename=ZIP_NAME)


@require_safe
def opendata_csv(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in BY_NAME:
        raise Http404
    bundle = _ready_bundle()
    if bundle is None:
        return _not_ready()
    if bundle.resource(name) is None:
        raise Http404
    response = FileResponse(
        bundle.open_csv(name),
        content_type="text/csv; charset=utf-8",
        as_attachment=True,
        filename=f"{name}.csv",
    )
    return response


@require_safe
def opendata_datapackage(request: HttpRequest) -> HttpResponseBase:
    bundle = _ready_bundle()
    if bundle is None:
        return _not_ready()
    base = _base(request)
    descriptor = served_descriptor(bundle, base_url=base, home=base)
    return HttpResponse(
        json.dumps(descriptor, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )


@require_safe
def opendata_catalogue(request: HttpRequest) -> HttpResponseBase:
    bundle = _ready_bundle()
    if bundle is None:
        return _not_ready()
    return HttpResponse(catalogue_rdf(bundle, base=_base(request)), content_type="application/rdf+xml")
