"""Public pages of participation: consultations, verification photos, DUP alignment."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from decimetro.core.http import add_service_errors
from decimetro.core.permissions import can, ensure, organisation_of
from decimetro.participation import selectors_consultations as cons_sel
from decimetro.participation import selectors_dup as dup_sel
from decimetro.participation.credits import DUP
from decimetro.participation.models import (
    Consultation,
    Observation,
    VerificationPhoto,
)
from decimetro.participation.permissions import managed_dup_key
from decimetro.participation.services_consultations import ConsultationNotOpen, observation_submit
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Edition, Objective
from decimetro.public.forms import ObservationForm

DUP_CREDIT = str(DUP)


def consultation_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    consultations = list(cons_sel.consultations_public())
    groups: dict[str, list[Consultation]] = {"open": [], "scheduled": [], "closed": []}
    for c in consultations:
        groups[c.state_on(today)].append(c)
    return render(
        request,
        "public/participation/consultation_list.html",
        {"nav": "partecipazione", "groups": groups, "can_manage": can(request.user, "consultation.manage")},
    )


def _consultation_page(
    request: HttpRequest,
    consultation: Consultation,
    *,
    form: ObservationForm | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    state = consultation.state_on(timezone.localdate())
    entitled = can(request.user, "observation.submit", consultation)
    own: list[Observation] = []
    organisation = organisation_of(request.user)
    if organisation is not None:
        own = list(consultation.observations.filter(organisation=organisation).order_by("created_at"))
    return render(
        request,
        "public/participation/consultation_detail.html",
        {
            "nav": "partecipazione",
            "consultation": consultation,
            "state": state,
            "entitled": entitled,
            "form": form
            if form is not None
            else (ObservationForm() if entitled and state == "open" else None),
            "own_observations": own,
            "can_manage": can(request.user, "consultation.manage"),
            "error": error,
        },
        status=status,
    )


def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(cons_sel.consultation_public_detail(), pk=pk)
    return _consultation_page(request, consultation)


def observation_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The attachment: public once the observation is published; before, only its organisation and Ente."""
    obs = get_object_or_404(Observation.objects.select_related("organisation"), pk=pk)
    if not obs.attachment or not can(request.user, "observation.view_attachment", obs):
        raise Http404
    return _file_response(obs.attachment, obs.attachment_name, as_attachment=True)


def _file_response(field: Any, name: str, *, as_attachment: bool) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=name or "", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def verification_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = get_object_or_404(VerificationPhoto.objects.select_related("report__organisation"), pk=pk)
    report = photo.report
    if report.hidden and not can(request.user, "verification.view_hidden", report):
        raise Http404
    return _file_response(photo.image, photo.original_name, as_attachment=False)


def _selected_objective(request: HttpRequest, edition: Edition) -> Objective | None:
    code = (request.GET.get("obiettivo") or "").strip().upper()[:10]
    if not code:
        return None
    return Objective.objects.filter(edition=edition, code=code).select_related("mission").first()


def dup_territory(request: HttpRequest) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    objectives = list(dup_sel.territory_matrix(edition))
    selected = _selected_objective(request, edition)
    covering = list(dup_sel.comuni_covering(selected)) if selected else []
    comuni = list(dup_sel.comuni_dup_summary(edition))
    total_comuni = len(comuni)
    return render(
        request,
        "public/participation/dup_territory.html",
        {
            "nav": "dup",
            "edition": edition,
            "objectives": objectives,
            "covered_count": sum(1 for o in objectives if getattr(o, "comuni_count", 0)),
            "selected": selected,
            "covering": covering,
            "covering_codes": [c.codice_istat for c in covering],
            "comuni": comuni,
            "total_comuni": total_comuni,
            "comuni_with_dup": sum(1 for c in comuni if getattr(c, "dup_count", 0)),
            "credit": DUP_CREDIT,
            "manage_url": _manage_url(request.user),
        },
    )


def _manage_url(user: Any) -> str | None:
    key = managed_dup_key(user)
    return reverse("backoffice:dup_manage", args=[key]) if key else None


def dup_detail(request: HttpRequest, key: str) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    organisation, label, comune = dup_sel.dup_owner_or_404(key)
    matrix = list(dup_sel.organisation_matrix(edition, organisation)) if organisation else []
    if organisation is None:
        matrix = list(plan_sel.objectives_for(edition).order_by("mission__number", "number"))
        for o in matrix:
            o.covering = []  # type: ignore[attr-defined]
    dup_objectives = list(dup_sel.dup_objectives_of(organisation)) if organisation else []
    return render(
        request,
        "public/participation/dup_detail.html",
        {
            "nav": "dup",
            "key": key,
            "label": label,
            "comune": comune,
            "organisation": organisation,
            "matrix": matrix,
            "covered_count": sum(1 for o in matrix if getattr(o, "covering", None)),
            "dup_objectives": dup_objectives,
            "can_edit": organisation is not None and can(request.user, "dup.write", organisation),
            "credit": DUP_CREDIT,
        },
    )


@login_required
@require_POST
def observation_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(cons_sel.consultation_public_detail(), pk=pk)
    ensure(request.user, "observation.submit", consultation)
    form = ObservationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _consultation_page(request, consultation, form=form, status=400)
    try:
        observation_submit(
            by=request.user,
            consultation=consultation,
            text=form.cleaned_data["text"],
            attachment=form.cleaned_data.get("attachment"),
            proposal_kind=form.cleaned_data.get("proposal_kind") or "",
            proposal=form.cleaned_data.get("proposal") or "",
        )
    except ConsultationNotOpen as exc:
        return _consultation_page(request, consultation, status=403, error=str(exc))
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _consultation_page(request, consultation, form=form, status=400)
    messages.success(request, _t("Osservazione inviata: sarà pubblicata dopo la moderazione dell'Ente."))
    return redirect("public:consultation", pk=consultation.pk)
