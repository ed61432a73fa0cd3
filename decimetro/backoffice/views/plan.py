"""Back office: its home and the plan's edit pages (Ente staff)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from decimetro.backoffice.forms.plan import ComponentForm, EditionUploadForm, MissionForm, ObjectiveForm
from decimetro.core.http import AuthenticatedHttpRequest, require_perm
from decimetro.plan import selectors as plan_sel
from decimetro.plan.models import ACTOR_FIELDS, EditionStatus
from decimetro.plan.plan_file import PlanFileError, parse_plan
from decimetro.plan.services import (
    component_update,
    edition_publish,
    mission_update,
    objective_update,
    plan_load,
)


@require_perm("plan.edit")
def backoffice(request: AuthenticatedHttpRequest) -> HttpResponse:
    edition = plan_sel.current_edition_or_404()
    return render(
        request,
        "backoffice/backoffice.html",
        {
            "edition": edition,
            "missions": plan_sel.mission_detail(edition),
        },
    )


def _edit_entry(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    context: dict[str, Any],
    success: str,
    back_url: str,
) -> HttpResponse:
    """The shared flow of the back-office edit pages: validate, call the service, report, redirect."""
    if form.is_bound and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success)
            return redirect(back_url)
    return render(request, "backoffice/edit_form.html", {"form": form, "back_url": back_url, **context})


def _post_data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
@require_perm("plan.edit")
def objective_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    objective = get_object_or_404(
        plan_sel.objectives_for(plan_sel.current_edition_or_404()), code=code.upper()
    )
    return _edit_entry(
        request,
        form=ObjectiveForm(_post_data(request), initial={"title": objective.title, **objective.actors}),
        save=lambda data: objective_update(
            objective=objective,
            by=request.user,
            title=data["title"],
            actors={a: data[a] for a in ACTOR_FIELDS},
        ),
        context={"entry": objective, "kind": _("obiettivo")},
        success=_t("Obiettivo %(code)s aggiornato.") % {"code": objective.code},
        back_url=reverse("public:objective", args=[objective.code]),
    )


@require_http_methods(["GET", "POST"])
@require_perm("plan.edit")
def mission_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    mission = get_object_or_404(plan_sel.missions_for(plan_sel.current_edition_or_404()), code=code.upper())
    return _edit_entry(
        request,
        form=MissionForm(
            _post_data(request), initial={"title": mission.title, "introduction": mission.introduction}
        ),
        save=lambda data: mission_update(
            mission=mission,
            by=request.user,
            title=data["title"],
            introduction=data["introduction"],
        ),
        context={"entry": mission, "kind": _("missione")},
        success=_t("Missione %(code)s aggiornata.") % {"code": mission.code},
        back_url=reverse("public:mission", args=[mission.code]),
    )


@require_http_methods(["GET", "POST"])
@require_perm("plan.edit")
def component_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    component = get_object_or_404(
        plan_sel.components_for(plan_sel.current_edition_or_404()), code=code.upper()
    )
    return _edit_entry(
        request,
        form=ComponentForm(_post_data(request), initial={"title": component.title, **component.actors}),
        save=lambda data: component_update(
            component=component,
            by=request.user,
            title=data["title"],
            actors={a: data[a] for a in ACTOR_FIELDS},
        ),
        context={"entry": component, "kind": _("componente"), "history": plan_sel.plan_history(component)},
        success=_t("Componente %(code)s aggiornata.") % {"code": component.code},
        back_url=reverse("public:mission", args=[component.mission.code]),
    )


# Plan editions ----------------------------------------------------------------------------------------------

MAX_PLAN_FILE_BYTES = 2 * 1024 * 1024


@require_http_methods(["GET", "POST"])
@require_perm("plan.edit")
def editions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The editions, and the upload of a new one as a draft (never touches the current edition)."""
    form = EditionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_PLAN_FILE_BYTES:
                raise ValidationError(_t("Il file supera 2 MB."))
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(_t("Il file non è UTF-8.")) from exc
            data = parse_plan(text, upload.name)
            plan_load(data=data, by=request.user, by_label=request.user.get_username(), draft=True)
        except PlanFileError as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _t("Bozza %(slug)s caricata.") % {"slug": data.edition.slug})
            return redirect("backoffice:edition_compare", data.edition.slug)
    return render(
        request,
        "backoffice/plan/editions.html",
        {"editions": plan_sel.all_editions(), "current": plan_sel.current_edition(), "form": form},
    )


@require_http_methods(["GET", "POST"])
@require_perm("plan.edit")
def edition_compare(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The draft side by side with the current edition, the map old → new objective, and the publication."""
    edition = get_object_or_404(plan_sel.all_editions(), slug=slug)
    current = plan_sel.current_edition()
    diff = plan_sel.edition_diff(current, edition)
    mapping = plan_sel.default_mapping(diff)
    new_objectives = list(plan_sel.objectives_for(edition))
    error = ""
    if request.method == "POST":
        valid = {str(o.pk): o.pk for o in new_objectives}
        chosen = {old: valid.get(request.POST.get(f"map-{old}", "")) for old in mapping}
        try:
            summary = edition_publish(by=request.user, edition=edition, mapping=chosen)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            moved = ", ".join(f"{k}: {v}" for k, v in sorted(summary.moved.items())) or "—"
            messages.success(
                request,
                _t("Edizione %(slug)s pubblicata; spostati: %(moved)s.")
                % {"slug": edition.slug, "moved": moved},
            )
            return redirect("backoffice:editions")
    rows = [
        (c, mapping.get(c.old.pk) if c.old is not None else None)
        for c in (*diff.reworded, *diff.removed, *diff.unchanged)
    ]
    return render(
        request,
        "backoffice/plan/edition_compare.html",
        {
            "edition": edition,
            "current": current,
            "diff": diff,
            "rows": rows,
            "new_objectives": new_objectives,
            "error": error,
            "is_draft": edition.status == EditionStatus.DRAFT,
        },
    )
