"""Reports tasks: the build of a PDF dossier (`reports.dossiers`), enqueued once per dossier and data version
by the first request that asks for it."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from decimetro.reports.models import Dossier


@task()
def dossier_build(dossier_id: int) -> dict[str, Any]:
    """Idempotent: a dossier already built (a task run twice) is left as it is."""
    from decimetro.reports import dossiers

    dossier = Dossier.objects.defer("pdf").filter(pk=dossier_id).first()
    if dossier is None or dossier.state == Dossier.State.READY:
        return {}
    dossier = dossiers.dossier_build(dossier)
    return {"kind": dossier.kind, "key": dossier.key, "version": dossier.version, "pages": dossier.pages}
