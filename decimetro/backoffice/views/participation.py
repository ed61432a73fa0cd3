"""Back office and organisation users: consultations, observations, verification reports, DUP."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_http_methods, require_POST

from decimetro.backoffice.forms.participation import (
    PHOTO_HELP,
    AnswerForm,
    ConsultationForm,
    DupCsvForm,
    DupObjectiveForm,
    HideForm,
    ModerationForm,
    VerificationForm,
)
from decimetro.core.http import AuthenticatedHttpRequest, add_service_errors, require_perm
from decimetro.core.models import Organisation, OrganisationKind
from decimetro.core.permissions import can, ensure
from decimetro.linking.classifier import ModelError, classify_text, classify_texts
from decimetro.linking.ranking import rank_objectives
from decimetro.participation import selectors_consultations as cons_sel
from decimetro.participation import selectors_dup as dup_sel
from decimetro.participation.models import (
    Consultation,
    DupObjective,
    Observation,
    VerificationReport,
)
from decimetro.participation.permissions import managed_dup_key
from decimetro.participation.services_consultations import (
    consultation_close,
    consultation_create,
    consultation_update,
    observation_answer,
    observation_moderate,
)
from decimetro.participation.services_dup import (
    CSV_COLUMNS,
    DupCsvError,
    dup_import_csv,
    dup_objective_create,
    dup_objective_delete,
    dup_objective_update,
)
from decimetro.participation.services_verification import (
    report_create,
    report_delete,
    report_set_hidden,
    report_update,
)
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import Edition, Objective
from decimetro.pnrr.models import Project


@require_perm("consultation.manage")
def consultation_admin_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    consultations = list(cons_sel.consultations_admin().order_by("-opens_on", "-pk"))
    for c in consultations:
        c.state = c.state_on(today)  # type: ignore[attr-defined]
    return render(
        request,
        "backoffice/participation/consultation_admin_list.html",
        {"nav": "partecipazione", "consultations": consultations},
    )


def _consultation_subject(data: dict[str, Any]) -> Any:
    kind = data.get("subject_kind")
    if kind == "project":
        return Project.objects.filter(pk=int(data.get("project") or 0)).first()
    return data.get(kind) if kind in ("objective", "mission") else None


def _consultation_save(
    request: HttpRequest, form: ConsultationForm, consultation: Consultation | None
) -> Consultation | None:
    data = form.cleaned_data
    subject = _consultation_subject(data)
    if subject is None and data.get("subject_kind") == "project":
        form.add_error("project", _t("Nessun progetto con questo numero."))
        return None
    kwargs = {
        "by": request.user,
        "title": data["title"],
        "text": data["text"],
        "subject": subject,
        "opens_on": data["opens_on"],
        "closes_on": data["closes_on"],
        "audience": data["audience"],
        "organisations": data.get("audience_organisations") or [],
        "kinds": data.get("audience_kinds") or [],
    }
    try:
        if consultation is None:
            return consultation_create(**kwargs)
        return consultation_update(consultation=consultation, **kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


@require_http_methods(["GET", "POST"])
@require_perm("consultation.manage")
def consultation_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    initial: dict[str, Any] = {
        "audience": "all",
        "subject_kind": "objective",
        "opens_on": timezone.localdate(),
    }
    for kind in ("objective", "mission", "project"):
        if request.GET.get(kind):
            initial["subject_kind"] = kind
            initial[kind] = request.GET[kind]
    form = ConsultationForm(request.POST or None, edition=edition, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _consultation_save(request, form, None)
        if saved is not None:
            messages.success(request, _t("Consultazione creata."))
            return redirect("backoffice:consultation_manage", pk=saved.pk)
    return render(
        request,
        "backoffice/participation/consultation_form.html",
        {"nav": "partecipazione", "form": form, "consultation": None},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm("consultation.manage")
def consultation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation, pk=pk)
    edition = plan_sel.current_edition_or_404()
    subject_kind = (
        "objective" if consultation.objective_id else "mission" if consultation.mission_id else "project"
    )
    initial = {
        "title": consultation.title,
        "text": consultation.text,
        "subject_kind": subject_kind,
        "objective": consultation.objective_id,
        "mission": consultation.mission_id,
        "project": consultation.project_id,
        "opens_on": consultation.opens_on,
        "closes_on": consultation.closes_on,
        "audience": consultation.audience,
        "audience_organisations": list(consultation.audience_organisations.values_list("pk", flat=True)),
        "audience_kinds": consultation.audience_kinds,
    }
    form = ConsultationForm(request.POST or None, edition=edition, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _consultation_save(request, form, consultation)
        if saved is not None:
            messages.success(request, _t("Consultazione aggiornata."))
            return redirect("backoffice:consultation_manage", pk=saved.pk)
    return render(
        request,
        "backoffice/participation/consultation_form.html",
        {"nav": "partecipazione", "form": form, "consultation": consultation},
        status=400 if form.is_bound else 200,
    )


@require_POST
@require_perm("consultation.manage")
def consultation_close_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation, pk=pk)
    consultation_close(by=request.user, consultation=consultation)
    messages.success(request, _t("Consultazione chiusa: non accetta più osservazioni."))
    return redirect("backoffice:consultation_manage", pk=pk)


def _observation_suggestions(observations: list[Observation]) -> dict[int, dict[str, Any]]:
    """observation pk → {"objectives": plan objectives its text (and proposal) suggests, "abstain": bool},
    from linking's classifier with a constant number of queries; {} when no model is installed (issue 18)."""
    texts = [" ".join(p for p in (o.text, o.proposal) if p) for o in observations]
    try:
        results = classify_texts(texts) if texts else []
    except ModelError:
        return {}
    codes = {code for r in results for code, _ in r.objectives}
    by_code = {o.code: o for o in Objective.objects.filter(edition__is_current=True, code__in=codes)}
    return {
        obs.pk: {
            "objectives": [by_code[code] for code, _ in r.objectives if code in by_code],
            "abstain": r.abstain,
        }
        for obs, r in zip(observations, results, strict=True)
    }


@require_perm("consultation.manage")
def consultation_manage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(cons_sel.consultations_admin(), pk=pk)
    observations = list(cons_sel.observations_for_moderation(consultation))
    suggestions = _observation_suggestions(observations)
    for obs in observations:
        obs.suggested = suggestions.get(obs.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "backoffice/participation/consultation_manage.html",
        {
            "nav": "partecipazione",
            "consultation": consultation,
            "state": consultation.state_on(timezone.localdate()),
            "observations": observations,
            "status_choices": ModerationForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        },
    )


@require_POST
@require_perm("consultation.manage")
def observation_moderate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    obs = get_object_or_404(Observation, pk=pk)
    form = ModerationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_t("Scelta non valida."))
        observation_moderate(
            by=request.user,
            observation=obs,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _t("Moderazione registrata."))
    return redirect(f"{reverse('backoffice:consultation_manage', args=[obs.consultation_id])}#oss-{obs.pk}")


@require_POST
@require_perm("consultation.manage")
def observation_answer_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    obs = get_object_or_404(Observation, pk=pk)
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_t("Scrivi la risposta."))
        observation_answer(by=request.user, observation=obs, answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _t("Risposta registrata."))
    return redirect(f"{reverse('backoffice:consultation_manage', args=[obs.consultation_id])}#oss-{obs.pk}")


def _report_form_page(
    request: HttpRequest,
    *,
    project: Project,
    form: VerificationForm,
    report: VerificationReport | None,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "backoffice/participation/verification_form.html",
        {"nav": "progetti", "project": project, "form": form, "report": report, "photo_help": PHOTO_HELP},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def verification_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    ensure(request.user, "verification.file")
    form = VerificationForm(
        request.POST if request.method == "POST" else None,
        initial={"seen_on": timezone.localdate()},
        photos=len(request.FILES.getlist("photos")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            report_create(
                by=request.user,
                project=project,
                status=form.cleaned_data["status"],
                seen_on=form.cleaned_data["seen_on"],
                note=form.cleaned_data["note"],
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _t("Verifica registrata."))
            return redirect(f"{reverse('public:project', args=[project.pk])}#verifiche")
    return _report_form_page(
        request, project=project, form=form, report=None, status=400 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
def verification_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(VerificationReport.objects.select_related("organisation", "project"), pk=pk)
    ensure(request.user, "verification.change", report)
    remove = [int(x) for x in request.POST.getlist("remove_photo") if x.isdigit()]
    kept = report.photos.exclude(pk__in=remove).count() if request.method == "POST" else 0
    form = VerificationForm(
        request.POST if request.method == "POST" else None,
        initial={"status": report.status, "seen_on": report.seen_on, "note": report.note},
        photos=kept + len(request.FILES.getlist("photos")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            report_update(
                by=request.user,
                report=report,
                status=form.cleaned_data["status"],
                seen_on=form.cleaned_data["seen_on"],
                note=form.cleaned_data["note"],
                photos=request.FILES.getlist("photos"),
                remove_photo_ids=remove,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _t("Verifica aggiornata."))
            return redirect(f"{reverse('public:project', args=[report.project_id])}#verifiche")
    return _report_form_page(
        request, project=report.project, form=form, report=report, status=400 if form.is_bound else 200
    )


@require_POST
def verification_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(VerificationReport.objects.select_related("organisation"), pk=pk)
    ensure(request.user, "verification.delete", report)
    project_id = report.project_id
    report_delete(by=request.user, report=report)
    messages.success(request, _t("Verifica eliminata."))
    return redirect(f"{reverse('public:project', args=[project_id])}#verifiche")


@require_POST
@require_perm("verification.hide")
def verification_hide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(VerificationReport, pk=pk)
    hide = request.POST.get("hidden", "1") == "1"
    form = HideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        report_set_hidden(by=request.user, report=report, hidden=hide, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _t("Verifica nascosta.") if hide else _t("Verifica di nuovo visibile."))
    return redirect(f"{reverse('public:project', args=[report.project_id])}#verifiche")


def _manage_url(user: Any) -> str | None:
    key = managed_dup_key(user)
    return reverse("backoffice:dup_manage", args=[key]) if key else None


def _writable_owner(request: HttpRequest, key: str) -> Organisation:
    organisation = dup_sel.dup_organisation(key)
    if organisation is None:
        raise Http404
    ensure(request.user, "dup.write", organisation)
    return organisation


def dup_manage_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    wanted = (request.GET.get("k") or "").strip()[:10]
    if wanted and can(request.user, "dup.manage_all") and dup_sel.dup_organisation(wanted) is not None:
        return redirect("backoffice:dup_manage", key=wanted)
    url = _manage_url(request.user)
    if url is None:
        raise PermissionDenied
    return redirect(url)


SUGGESTIONS = 3
SUGGEST_MAX_CHARS = 2000


def _suggested_objectives(edition: Edition, text: str) -> list[Objective]:
    return _suggestions(edition, text)[0]


def _suggestions(edition: Edition, text: str) -> tuple[list[Objective], bool]:
    """The plan objectives (at most SUGGESTIONS, best first) that a DUP objective's text suggests: linking's
    classifier (its component prediction and the objectives' texts) when a model is installed, else the text
    ranking alone; and whether the classifier abstains ("non so": not confident). Computed, never saved."""
    text = text.strip()[:SUGGEST_MAX_CHARS]
    if not text:
        return [], False
    abstain = False
    try:
        result = classify_text(text, limit=SUGGESTIONS)
        pairs, abstain = result.objectives, result.abstain
    except ModelError:
        pairs = rank_objectives(text=text, component_scores={}, limit=SUGGESTIONS)
    codes = [code for code, _score in pairs]
    by_code = {o.code: o for o in Objective.objects.filter(edition=edition, code__in=codes)}
    return [by_code[code] for code in codes if code in by_code], abstain


def _dup_form(
    request: HttpRequest, key: str, edition: Edition, *, data: Any = None, **kwargs: Any
) -> DupObjectiveForm:
    return DupObjectiveForm(
        data, edition=edition, suggest_url=reverse("backoffice:dup_suggest", args=[key]), **kwargs
    )


@require_http_methods(["GET"])
def dup_suggest(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """The plan objectives a text suggests, for the one who writes this DUP: the htmx fragment under the
    title, or (without JavaScript) a page with its own form. Reads only: nothing is saved."""
    organisation = _writable_owner(request, key)
    edition = plan_sel.current_edition_or_404()
    text = (request.GET.get("testo") or request.GET.get("title") or "")[:SUGGEST_MAX_CHARS]
    suggestions, abstain = _suggestions(edition, text) if text.strip() else (None, False)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "backoffice/participation/_dup_suggestions.html",
            {"suggestions": suggestions, "abstain": abstain},
        )
    return render(
        request,
        "backoffice/participation/dup_suggest.html",
        {
            "nav": "dup",
            "key": key,
            "organisation": organisation,
            "text": text,
            "suggestions": suggestions,
            "abstain": abstain,
        },
    )


def _manage_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    form: DupObjectiveForm | None = None,
    csv_form: DupCsvForm | None = None,
    csv_problems: list[Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    key = dup_sel.dup_key(organisation)
    return render(
        request,
        "backoffice/participation/dup_manage.html",
        {
            "nav": "dup",
            "key": key,
            "organisation": organisation,
            "dup_objectives": dup_sel.dup_objectives_of(organisation),
            "form": form or _dup_form(request, key, edition),
            "csv_form": csv_form or DupCsvForm(),
            "csv_problems": csv_problems or [],
            "csv_columns": CSV_COLUMNS,
            "comuni": Organisation.objects.filter(kind=OrganisationKind.COMUNE)
            .select_related("comune")
            .order_by("name")
            if can(request.user, "dup.manage_all")
            else [],
        },
        status=status,
    )


_DUP_OBJECTIVE_FIELDS = ("code", "title", "dup_mission", "year_from", "year_to", "plan_objectives")


def _dup_objective_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The DupObjectiveForm's cleaned data as the keyword arguments of dup_objective_create/update."""
    return {name: data[name] for name in _DUP_OBJECTIVE_FIELDS}


@require_http_methods(["GET", "POST"])
def dup_manage(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    organisation = _writable_owner(request, key)
    if request.method == "GET":
        return _manage_page(request, organisation)
    form = _dup_form(request, key, plan_sel.current_edition_or_404(), data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dup_objective_create(by=request.user, organisation=organisation, **_dup_objective_fields(data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _t("Obiettivo del DUP %(code)s aggiunto.") % {"code": data["code"]})
            return redirect("backoffice:dup_manage", key=key)
    return _manage_page(request, organisation, form=form, status=400)


def _dup_objective_of(request: HttpRequest, key: str, pk: int) -> DupObjective:
    organisation = _writable_owner(request, key)
    # A DUP objective is found only under its own organisation: a forged pk of another comune is a 404.
    return get_object_or_404(
        DupObjective.objects.select_related("organisation").prefetch_related("plan_objectives"),
        pk=pk,
        organisation=organisation,
    )


@require_http_methods(["GET", "POST"])
def dup_edit(request: AuthenticatedHttpRequest, key: str, pk: int) -> HttpResponse:
    dup_objective = _dup_objective_of(request, key, pk)
    initial = {
        "code": dup_objective.code,
        "title": dup_objective.title,
        "dup_mission": dup_objective.dup_mission,
        "year_from": dup_objective.year_from,
        "year_to": dup_objective.year_to,
        "plan_objectives": [o.pk for o in dup_objective.plan_objectives.all()],
    }
    edition = plan_sel.current_edition_or_404()
    form = _dup_form(
        request,
        key,
        edition,
        data=request.POST or None,
        initial=initial,
        suggest_text=dup_objective.title,
        suggestions=_suggested_objectives(edition, dup_objective.title),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dup_objective_update(by=request.user, dup_objective=dup_objective, **_dup_objective_fields(data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _t("Obiettivo del DUP %(code)s aggiornato.") % {"code": data["code"]})
            return redirect("backoffice:dup_manage", key=key)
    return render(
        request,
        "backoffice/participation/dup_edit.html",
        {"nav": "dup", "key": key, "form": form, "dup_objective": dup_objective},
        status=400 if form.is_bound else 200,
    )


@require_POST
def dup_delete(request: AuthenticatedHttpRequest, key: str, pk: int) -> HttpResponse:
    dup_objective = _dup_objective_of(request, key, pk)
    dup_objective_delete(by=request.user, dup_objective=dup_objective)
    messages.success(request, _t("Obiettivo del DUP %(code)s eliminato.") % {"code": dup_objective.code})
    return redirect("backoffice:dup_manage", key=key)


@require_POST
def dup_import(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    organisation = _writable_owner(request, key)
    csv_form = DupCsvForm(request.POST, request.FILES)
    if not csv_form.is_valid():
        return _manage_page(request, organisation, csv_form=csv_form, status=400)
    upload = csv_form.cleaned_data["file"]
    try:
        result = dup_import_csv(by=request.user, organisation=organisation, data=upload.read())
    except DupCsvError as exc:
        return _manage_page(request, organisation, csv_form=csv_form, csv_problems=exc.problems, status=400)
    messages.success(
        request,
        _t("File %(name)s importato: %(created)d obiettivi aggiunti, %(updated)d aggiornati.")
        % {"name": upload.name, "created": result.created, "updated": result.updated},
    )
    return redirect("backoffice:dup_manage", key=key)
