"""Small participation boxes included in pages owned by other parts of the site (objective, mission, project):
one template tag each, so those pages' views need no change."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from decimetro.core.permissions import can, organisation_of
from decimetro.participation import selectors_consultations as cons_sel

register = template.Library()


@register.inclusion_tag("public/participation/_open_consultations.html", takes_context=True)
def open_consultations(
    context: template.Context, *, objective: Any = None, mission: Any = None, project: Any = None
) -> dict[str, Any]:
    """The open consultations on this entry; for the Ente's staff, a link to open a new one on it."""
    request = context.get("request")
    new_url = None
    entries = (("objective", objective), ("mission", mission), ("project", project))
    kind, entry = next(((k, e) for k, e in entries if e is not None), ("", None))
    if entry is not None and can(getattr(request, "user", None), "consultation.manage"):
        new_url = f"{reverse('backoffice:consultation_create')}?{kind}={entry.pk}"
    return {
        "open_consultations": cons_sel.open_consultations_on(
            objective=objective, mission=mission, project=project
        ),
        "new_consultation_url": new_url,
    }


@register.inclusion_tag("public/participation/_project_verifications.html", takes_context=True)
def project_verifications(context: template.Context, project: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    staff = can(user, "verification.hide")
    organisation = organisation_of(user)
    can_file = can(user, "verification.file")
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "project": project,
        "reports": list(cons_sel.reports_for_project(project, include_hidden=staff)),
        "open_consultations": cons_sel.open_consultations_on(project=project),
        "new_consultation_url": f"{reverse('backoffice:consultation_create')}?project={project.pk}"
        if can(user, "consultation.manage")
        else None,
        "can_file": can_file,
        "is_staff": staff,
        "my_org_id": organisation.pk if organisation else None,
        "show_actions": staff or can_file,
    }
