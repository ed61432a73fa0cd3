from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


@register.filter
def plan_text(value: str) -> SafeString:
    """Render the plan's text: paragraphs separated by blank lines, **bold** as <strong>."""
    paragraphs = [p.strip() for p in str(value).split("\n\n") if p.strip()]
    html = []
    for p in paragraphs:
        escaped = str(conditional_escape(p))
        html.append("<p>" + BOLD.sub(r"<strong>\1</strong>", escaped) + "</p>")
    return mark_safe("".join(html))  # noqa: S308 - input escaped above


@register.filter
def dot(value: bool) -> SafeString:
    """An accessible ● cell: the symbol for sighted users, words for screen readers."""
    if value:
        return format_html(
            '<span aria-hidden="true">●</span><span class="visually-hidden">{}</span>', _("sì")
        )
    return format_html('<span class="visually-hidden">{}</span>', _("no"))


@register.filter
def get_item(mapping: dict, key: str) -> object:  # type: ignore[type-arg]
    return mapping.get(key)
