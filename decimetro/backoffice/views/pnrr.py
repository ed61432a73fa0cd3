"""Back office: the PNRR import log and the data-quality report."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from decimetro.core.http import AuthenticatedHttpRequest, page_of, query_without, require_perm
from decimetro.insights.params import quality_filters_from
from decimetro.pnrr import quality as pnrr_quality
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.territory.models import Comune

QUALITY_LABELS = {
    "progetti": _("Progetti"),
    "progetti_validati": _("Progetti validati (ReGiS)"),
    "progetti_solo_universo": _("Progetti solo nell'universo (non validati)"),
    "progetti_senza_luogo": _("Progetti senza localizzazione"),
    "pnrr_maggiore_del_totale": _("Progetti con quota PNRR maggiore del finanziamento totale"),
    "luoghi_nazionali_o_sovracomunali": _("Localizzazioni nazionali o sovracomunali"),
    "luoghi_con_comune_fuori_territorio": _("Localizzazioni in comuni fuori dal territorio caricato"),
    "righe_scartate_importazioni": _("Righe scartate nelle importazioni"),
}


@require_perm("pnrr.quality.view")
def import_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    quality = pnrr_quality.data_quality()
    return render(
        request,
        "backoffice/pnrr/import_log.html",
        {
            "page": page_of(request, pnrr_sel.import_runs(), 50),
            "page_query": query_without(request, "pagina"),
            "quality": [(str(QUALITY_LABELS.get(k, k)), v) for k, v in quality.items()],
            "latest_release": pnrr_sel.latest_payment_release(),
        },
    )


@require_perm("pnrr.quality.view")
def data_quality(request: AuthenticatedHttpRequest) -> HttpResponse:
    release, comune, values = quality_filters_from(request.GET)
    report = pnrr_quality.data_quality_report(release=release, comune=comune)
    labels = [str(label) for label in pnrr_quality.QUALITY_CHECKS.values()]
    return render(
        request,
        "backoffice/pnrr/data_quality.html",
        {
            "report": report,
            "filters": values,
            "labels": labels,
            "comuni": Comune.objects.only("codice_istat", "name").order_by("name", "codice_istat"),
            "csv_query": query_without(request, "pagina"),
        },
    )
