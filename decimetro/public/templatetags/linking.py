"""The "objectives served" section of the project page (confirmed links, one by one or by rule; the number of
suggestions in review, listed only for the staff who review them; for staff the links' history): one
inclusion tag, so the project view needs no change."""

from __future__ import annotations

from typing import Any

from django import template

from decimetro.core.permissions import can
from decimetro.linking import selectors as link_sel
from decimetro.linking.models import LinkStatus

register = template.Library()


@register.inclusion_tag("public/linking/_project_links.html", takes_context=True)
def project_links(context: template.Context, project: Any) -> dict[str, Any]:
    request = context.get("request")
    can_edit = can(getattr(request, "user", None), "link.review")
    links = list(link_sel.links_of_project(project))
    return {
        "confirmed": [link for link in links if link.status == LinkStatus.CONFIRMED],
        "suggested": [link for link in links if link.status == LinkStatus.SUGGESTED] if can_edit else [],
        "suggested_count": sum(1 for link in links if link.status == LinkStatus.SUGGESTED),
        "can_edit": can_edit,
        "history": list(link_sel.link_history(project)[:30]) if can_edit else [],
    }
