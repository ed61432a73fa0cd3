"""PDF dossiers of four pages (an objective, a mission, a comune, a zone): what a councillor takes to a
meeting. One dossier per page and **data version**: `version_key` hashes `insights.cache.data_version` (any
import, audited write or confirmed link changes it) and the day (the cover's date, the milestones' "scadenza
passata"). The PDF is built by a task (`reports.tasks.dossier_build`) and kept in a `reports.Dossier` row;
`dossier_request` is the whole flow of a GET (serve, or enqueue once and say it is being prepared).

Layout: `reports/dossiers/<kind>.html` (extending `_base.html`) with the print stylesheet `dossier.css`
(A4, "pagina X di Y" by CSS counters), charts as SVG (`svg.py`) from the web charts' specs, fonts installed
on the machine (DejaVu Sans: `scripts/ensure-weasyprint.sh`). Tagged PDF (PDF/UA-1), `lang="it"`, title."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from decimetro.insights.cache import data_version
from decimetro.plan import selectors as plan_sel
from decimetro.reports.dossiers import context as ctx
from decimetro.reports.models import Dossier
from decimetro.territory import selectors as terr_sel

CSS_PATH = Path(__file__).with_name("dossier.css")
# A build not finished after this long (a worker killed mid-build, a failure) is tried again by the next GET.
RETRY_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Kind:
    name: str
    lookup: Callable[[str], Any]  # the page's object for the URL's key, or Http404
    context: Callable[[Any], dict[str, Any]]
    title: Callable[[Any], str]
    filename: Callable[[Any], str]


def _objective(code: str) -> Any:
    return get_object_or_404(plan_sel.objectives_for(plan_sel.current_edition_or_404()), code=code.upper())


def _mission(code: str) -> Any:
    return get_object_or_404(plan_sel.mission_detail(plan_sel.current_edition_or_404()), code=code.upper())


def _comune(code: str) -> Any:
    return get_object_or_404(terr_sel.comune_detail(), codice_istat=code)


def _zone(slug: str) -> Any:
    return get_object_or_404(terr_sel.zones_with_totals(), slug=slug)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "objective",
            _objective,
            ctx.objective_context,
            lambda o: _("Obiettivo %(code)s – %(title)s") % {"code": o.code, "title": o.title},  # noqa: RUF001
            lambda o: f"dossier-obiettivo-{o.code}.pdf",
        ),
        Kind(
            "mission",
            _mission,
            ctx.mission_context,
            lambda m: _("Missione %(n)s – %(title)s") % {"n": m.number, "title": m.title},  # noqa: RUF001
            lambda m: f"dossier-missione-{m.code}.pdf",
        ),
        Kind(
            "comune",
            _comune,
            ctx.comune_context,
            lambda c: _("Comune di %(name)s") % {"name": c.name},
            lambda c: f"dossier-comune-{c.codice_istat}.pdf",
        ),
        Kind(
            "zone",
            _zone,
            ctx.zone_context,
            lambda z: _("Zona omogenea %(name)s") % {"name": z.name},
            lambda z: f"dossier-zona-{z.slug}.pdf",
        ),
    )
}


def version_key() -> str:
    """The data version (one query) and today's date, hashed: a dossier's identity besides its page."""
    raw = repr((data_version(), timezone.localdate().isoformat()))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def render_html(kind: Kind, obj: Any, *, version: str) -> str:
    """The dossier's HTML (what WeasyPrint prints), in Italian whatever the visitor's language."""
    with translation.override("it"):
        context = kind.context(obj)
        return render_to_string(
            f"reports/dossiers/{kind.name}.html",
            {
                **context,
                "title": kind.title(obj),
                "version": version,
                "today": timezone.localdate(),
                "generated_at": timezone.localtime(),
            },
        )


def render_pdf(html: str, *, title: str, base_url: str = "") -> tuple[bytes, int]:
    """The PDF of `html` and its number of pages: tagged (PDF/UA-1), with the title in its metadata."""
    import weasyprint  # imported here: Pango is loaded only by the processes that print

    document = weasyprint.HTML(string=html, base_url=base_url or None).render(
        stylesheets=[weasyprint.CSS(filename=str(CSS_PATH))]
    )
    document.metadata.title = title  # also the HTML's <title>; `lang` comes from <html lang="it">
    pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    return pdf, len(document.pages)


def dossier_build(dossier: Dossier) -> Dossier:
    """Build the PDF of the dossier's row (the task's work) and keep it; older versions of the same dossier
    are removed. A page that no longer exists (an objective removed meanwhile) marks the row failed."""
    kind = KINDS[dossier.kind]
    try:
        obj = kind.lookup(dossier.key)
        html = render_html(kind, obj, version=dossier.version)
        pdf, pages = render_pdf(html, title=kind.title(obj))
    except Exception as exc:
        Dossier.objects.filter(pk=dossier.pk).update(
            state=Dossier.State.FAILED,
            message=f"{type(exc).__name__}: {exc}"[:2000],
            updated_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(
            state=Dossier.State.READY, pdf=pdf, pages=pages, message="", updated_at=timezone.now()
        )
        Dossier.objects.filter(kind=dossier.kind, key=dossier.key).exclude(pk=dossier.pk).delete()
    dossier.refresh_from_db()
    return dossier


def dossier_request(kind_name: str, key: str) -> tuple[Dossier, Any]:
    """The dossier of this page for the current data version: ready, or being prepared (its build enqueued
    by this call if no other request did it first, or again if the last try failed or got lost). Raises
    Http404 for an unknown page. Returns the row and the page's object."""
    from decimetro.reports.tasks import dossier_build as build_task

    kind = KINDS[kind_name]
    obj = kind.lookup(key)
    canonical = {"objective": "code", "mission": "code", "comune": "codice_istat", "zone": "slug"}[kind_name]
    key = str(getattr(obj, canonical))
    version = version_key()
    dossier = Dossier.objects.filter(kind=kind_name, key=key, version=version).defer("pdf").first()
    enqueue = False
    if dossier is None:
        try:
            with transaction.atomic():
                dossier = Dossier.objects.create(kind=kind_name, key=key, version=version)
            enqueue = True
        except IntegrityError:  # another request created it meanwhile: it enqueued the build
            dossier = Dossier.objects.defer("pdf").get(kind=kind_name, key=key, version=version)
    elif dossier.state != Dossier.State.READY and dossier.updated_at < timezone.now() - RETRY_AFTER:
        # Claim the retry: only the request whose update matched the old timestamp enqueues it.
        enqueue = bool(
            Dossier.objects.filter(pk=dossier.pk, updated_at=dossier.updated_at).update(
                state=Dossier.State.PENDING, message="", updated_at=timezone.now()
            )
        )
    if enqueue:
        build_task.enqueue(dossier.pk)
        dossier.refresh_from_db()
    return dossier, obj
