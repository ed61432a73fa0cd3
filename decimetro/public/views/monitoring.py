"""Public pages of the indicators."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from decimetro.core.permissions import can
from decimetro.insights.charts import chart
from decimetro.monitoring import selectors as sel
from decimetro.monitoring.status import GRACE_DAYS, STATUS_LABELS, STATUS_RULE

HOW_TO_READ = gettext_lazy(
    "La linea continua sono i valori rilevati; le linee orizzontali il valore di partenza e l'obiettivo. "
    "Lo stato confronta l'avanzamento con quello atteso in linea retta fino alla data dell'obiettivo."
)


def _status_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in STATUS_LABELS.items()]


def indicator_list(request: HttpRequest) -> HttpResponse:
    filters = sel.IndicatorFilters(
        objective=(request.GET.get("obiettivo") or "").strip()[:10],
        mission=(request.GET.get("missione") or "").strip()[:4],
        comune=(request.GET.get("comune") or "").strip()[:6],
        status=(request.GET.get("stato") or "").strip()[:10],
    )
    indicators = sel.indicators_list(filters=filters)
    return render(
        request,
        "public/monitoring/indicator_list.html",
        {
            "nav": "indicatori",
            "indicators": indicators,
            "choices": sel.filter_choices(),
            "statuses": _status_choices(),
            "filters": {
                "obiettivo": filters.objective.upper(),
                "missione": filters.mission.upper(),
                "comune": filters.comune,
                "stato": filters.status,
            },
            "status_rule": STATUS_RULE,
            "can_manage": can(request.user, "indicator.manage"),
        },
    )


def _indicator_chart(ind: Any) -> dict[str, Any]:
    values = ind.value_list
    dates = sorted({ind.baseline_date, ind.target_date, *(v.date for v in values)})
    by_date = {v.date: v.value for v in values}
    return chart(
        "indicator-chart",
        kind="line",
        title=ind.name,
        labels=[d.strftime("%d/%m/%Y") for d in dates],
        datasets=[
            {"label": _("Valore rilevato"), "data": [by_date.get(d) for d in dates]},
            {"label": _("Valore di partenza"), "data": [ind.baseline_value for _d in dates]},
            {"label": _("Obiettivo"), "data": [ind.target_value for _d in dates]},
        ],
        unit=ind.unit,
        source=_("Fonte: %(source)s") % {"source": ind.source},
        as_of=values[-1].date if values else None,
        how_to_read=str(HOW_TO_READ),
        label_header=_("Data"),
    )


def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ind = sel.indicator_detail_or_404(pk=pk)
    if not ind.active and not can(request.user, "indicator.manage"):
        raise Http404
    return render(
        request,
        "public/monitoring/indicator_detail.html",
        {
            "nav": "indicatori",
            "indicator": ind,
            "chart": _indicator_chart(ind),
            "status_rule": STATUS_RULE,
            "grace_days": GRACE_DAYS,
            "can_manage": can(request.user, "indicator.manage"),
            "can_record": can(request.user, "indicator.record_value", ind),
        },
    )
