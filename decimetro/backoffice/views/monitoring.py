"""Back office: indicators and their values."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from decimetro.backoffice.forms.monitoring import IndicatorForm, ValueForm, ValuesCsvForm
from decimetro.core.http import AuthenticatedHttpRequest, require_perm
from decimetro.core.permissions import can, ensure, writable_comune_id
from decimetro.monitoring import selectors as sel
from decimetro.monitoring.models import Indicator
from decimetro.monitoring.services import (
    CSV_ALIASES,
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
from decimetro.monitoring.status import GRACE_DAYS
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Objective
from decimetro.reports import exports


@require_perm("indicator.record_some")
def manage_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Ente's staff see every indicator (also deactivated) and manage them; a Comune's editor, or an
    indicator's owner, sees the ones they keep up to date, each with its value form right there."""
    if can(request.user, "indicator.manage"):
        indicators = sel.indicators_list(filters=sel.IndicatorFilters(include_inactive=True))
        return render(request, "backoffice/monitoring/manage_list.html", {"indicators": indicators})
    comune_id = writable_comune_id(request.user)
    mine = sel.indicators_recordable_by(user_id=request.user.pk, comune_id=comune_id)
    rows = [(ind, ValueForm(auto_id=f"id_v{ind.pk}_%s")) for ind in mine]
    return render(
        request,
        "backoffice/monitoring/record_list.html",
        {"rows": rows, "writes_for_comune": comune_id is not None},
    )


def _form_initial(ind: Indicator) -> dict[str, Any]:
    return {name: getattr(ind, name) for name in IndicatorData.__dataclass_fields__}


def _save_indicator(request: AuthenticatedHttpRequest, indicator: Indicator | None) -> HttpResponse:
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
                indicator = indicator_create(by=request.user, data=data)
                messages.success(request, _("Indicatore %(code)s creato.") % {"code": indicator.code})
            else:
                indicator = indicator_update(by=request.user, indicator=indicator, data=data)
                messages.success(request, _("Indicatore %(code)s aggiornato.") % {"code": indicator.code})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("public:indicator", pk=indicator.pk)
    return render(
        request, "backoffice/monitoring/indicator_form.html", {"form": form, "indicator": indicator}
    )


@require_http_methods(["GET", "POST"])
@require_perm("indicator.manage")
def indicator_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _save_indicator(request, None)


@require_http_methods(["GET", "POST"])
@require_perm("indicator.manage")
def indicator_edit_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _save_indicator(request, sel.indicator_detail_or_404(pk=pk))


@require_POST
@require_perm("indicator.manage")
def indicator_deactivate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ind = indicator_deactivate(by=request.user, indicator=sel.indicator_detail_or_404(pk=pk))
    messages.success(request, _("Indicatore %(code)s disattivato.") % {"code": ind.code})
    return redirect("backoffice:indicators_manage")


@require_http_methods(["GET", "POST"])
def indicator_value_record_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ind = sel.indicator_detail_or_404(pk=pk)
    ensure(request.user, "indicator.record_value", ind)
    if not ind.active:
        raise PermissionDenied
    form = ValueForm(request.POST if request.method == "POST" else None)
    back_to_list = request.POST.get("dopo") == "elenco" or request.GET.get("dopo") == "elenco"
    if form.is_bound and form.is_valid():
        try:
            indicator_value_record(by=request.user, indicator=ind, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Valore registrato per %(name)s.") % {"name": ind.name})
            if back_to_list:
                return redirect("backoffice:indicators_manage")
            return redirect("public:indicator", pk=ind.pk)
    return render(
        request,
        "backoffice/monitoring/value_form.html",
        {"form": form, "indicator": ind, "back_to_list": back_to_list},
    )


@require_http_methods(["GET", "POST"])
@require_perm("indicator.import_values")
def indicator_import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ValuesCsvForm(request.POST or None, request.FILES or None)
    problems = []
    file_name = ""
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        file_name = upload.name
        content = upload.read(CSV_MAX_BYTES + 1)
        try:
            result = indicator_values_import_csv(by=request.user, name=file_name, content=content)
        except CsvImportError as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                _("Importazione completata: %(created)s valori nuovi, %(unchanged)s già presenti.")
                % {"created": result.created, "unchanged": result.unchanged},
            )
            return redirect("backoffice:indicator_import")
    return render(
        request,
        "backoffice/monitoring/import.html",
        {
            "form": form,
            "problems": problems,
            "file_name": file_name,
            "required": CSV_REQUIRED,
            "optional": CSV_OPTIONAL,
            "aliases": CSV_ALIASES,
        },
    )


@require_perm("indicator.import_values")
def indicator_import_template(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The file to fill in: the header and one example row, as Excel on Italian Windows opens it."""
    return exports.indicator_values_template()


@require_perm("indicator.manage")
def indicator_overdue_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "backoffice/monitoring/overdue.html",
        {"indicators": sel.indicators_due(), "grace_days": GRACE_DAYS},
    )
