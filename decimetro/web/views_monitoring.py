"""Indicator pages: public list and page; back office (define, record a value, CSV import, overdue)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from decimetro.monitoring import permissions as perms
from decimetro.monitoring import selectors as sel
from decimetro.monitoring.models import Indicator
from decimetro.monitoring.services import (
    CSV_MAX_BYTES,
    CSV_OPTIONAL,
    CSV_REQUIRED,
    CsvImportError,
    IndicatorData,
    indicator_create,
    indicator_deactivate,
    indicator_update,
    indicator_value_record,
    indicator_values_import_csv,
)
from decimetro.monitoring.status import GRACE_DAYS, STATUS_LABELS, STATUS_RULE, plain_decimal
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective
from decimetro.web.charts import chart
from decimetro.web.forms_monitoring import IndicatorForm, ValueForm, ValuesCsvForm

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
        "web/monitoring/indicator_list.html",
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
            "can_manage": perms.can_manage_indicators(request.user),
        },
    )


def _get_indicator(pk: int) -> Any:
    indicator = sel.indicator_detail(pk=pk)
    if indicator is None:
        raise Http404
    return indicator


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
    ind = _get_indicator(pk)
    if not ind.active and not perms.can_manage_indicators(request.user):
        raise Http404
    return render(
        request,
        "web/monitoring/indicator_detail.html",
        {
            "nav": "indicatori",
            "indicator": ind,
            "chart": _indicator_chart(ind),
            "status_rule": STATUS_RULE,
            "grace_days": GRACE_DAYS,
            "can_manage": perms.can_manage_indicators(request.user),
            "can_record": perms.can_record_value(request.user, ind),
        },
    )


def indicator_values_csv(request: HttpRequest, pk: int) -> HttpResponse:
    ind = _get_indicator(pk)
    if not ind.active and not perms.can_manage_indicators(request.user):
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicatore_{ind.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["indicatore", "data", "valore", "fonte", "nota"])
    for v in ind.value_list:
        writer.writerow([ind.code, v.date.isoformat(), plain_decimal(v.value), v.source, v.note])
    return response


# Back office ------------------------------------------------------------------------------------------------


def _manage_only(request: HttpRequest) -> None:
    if not perms.can_manage_indicators(request.user):
        raise PermissionDenied


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    _manage_only(request)
    indicators = sel.indicators_list(filters=sel.IndicatorFilters(include_inactive=True))
    return render(request, "web/monitoring/manage_list.html", {"indicators": indicators})


def _form_initial(ind: Indicator) -> dict[str, Any]:
    return {name: getattr(ind, name) for name in IndicatorData.__dataclass_fields__}


def _save_indicator(request: HttpRequest, indicator: Indicator | None) -> HttpResponse:
    edition = plan_sel.current_edition()
    objectives = plan_sel.objectives_for(edition) if edition else Objective.objects.none()
    form = IndicatorForm(
        request.POST if request.method == "POST" else None,
        initial=_form_initial(indicator) if indicator else {},
        objectives=objectives,
    )
    if form.is_bound and form.is_valid():
        data = IndicatorData(**form.cleaned_data)
        try:
            if indicator is None:
                indicator = indicator_create(by=request.user, data=data)  # type: ignore[arg-type]
                messages.success(request, _("Indicatore %(code)s creato.") % {"code": indicator.code})
            else:
                indicator = indicator_update(by=request.user, indicator=indicator, data=data)  # type: ignore[arg-type]
                messages.success(request, _("Indicatore %(code)s aggiornato.") % {"code": indicator.code})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("web:indicator", pk=indicator.pk)
    return render(request, "web/monitoring/indicator_form.html", {"form": form, "indicator": indicator})


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create_view(request: HttpRequest) -> HttpResponse:
    _manage_only(request)
    return _save_indicator(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _manage_only(request)
    return _save_indicator(request, _get_indicator(pk))


@login_required
@require_POST
def indicator_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    _manage_only(request)
    ind = indicator_deactivate(by=request.user, indicator=_get_indicator(pk))  # type: ignore[arg-type]
    messages.success(request, _("Indicatore %(code)s disattivato.") % {"code": ind.code})
    return redirect("web:indicators_manage")


@login_required
@require_http_methods(["GET", "POST"])
def indicator_value_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    ind = _get_indicator(pk)
    if not perms.can_record_value(request.user, ind) or not ind.active:
        raise PermissionDenied
    form = ValueForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            indicator_value_record(by=request.user, indicator=ind, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Valore registrato."))
            return redirect("web:indicator", pk=ind.pk)
    return render(request, "web/monitoring/value_form.html", {"form": form, "indicator": ind})


@login_required
@require_http_methods(["GET", "POST"])
def indicator_import_view(request: HttpRequest) -> HttpResponse:
    if not perms.can_record_any_value(request.user):
        raise PermissionDenied
    form = ValuesCsvForm(request.POST or None, request.FILES or None)
    problems = []
    file_name = ""
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        file_name = upload.name
        content = upload.read(CSV_MAX_BYTES + 1)
        try:
            result = indicator_values_import_csv(by=request.user, name=file_name, content=content)  # type: ignore[arg-type]
        except CsvImportError as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                _("Importazione completata: %(created)s valori nuovi, %(unchanged)s già presenti.")
                % {"created": result.created, "unchanged": result.unchanged},
            )
            return redirect("web:indicator_import")
    return render(
        request,
        "web/monitoring/import.html",
        {
            "form": form,
            "problems": problems,
            "file_name": file_name,
            "required": CSV_REQUIRED,
            "optional": CSV_OPTIONAL,
        },
    )


@login_required
def indicator_overdue_view(request: HttpRequest) -> HttpResponse:
    _manage_only(request)
    return render(
        request,
        "web/monitoring/overdue.html",
        {"indicators": sel.indicators_due(), "grace_days": GRACE_DAYS},
    )
