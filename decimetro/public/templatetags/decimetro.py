from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from decimetro.core.audit_labels import organisation_name_of

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
def organisation_of(user: object) -> str:
    """Who did something, as public pages say it: the user's organisation, never the username
    (`core.audit_labels.organisation_name_of`; select `…__membership__organisation` with the row)."""
    return organisation_name_of(user) if user is not None else "—"


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


CENT = Decimal("0.01")
COMPACT_FROM = Decimal("1000000")  # below a million the exact amount fits a card


@register.filter
def money_compact(value: object) -> SafeString | str:
    """An amount for a card: rounded ("1,84 mld €", "835,6 mln €") from a million up, with the exact amount
    (to the cent) as the tooltip, for screen readers and in `data-exact`; the exact amount below a million.
    Tables and exports show the exact amount (`floatformat:"2g"`)."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(CENT, ROUND_HALF_EVEN)
    except InvalidOperation:
        return ""
    exact = f"{number_format(amount, 2, force_grouping=True)} €"
    if abs(amount) < COMPACT_FROM:
        return format_html('<span data-exact="{}">{}</span>', amount, exact)
    if abs(amount) >= COMPACT_FROM * 1000:
        short = _("%(amount)s mld €") % {
            "amount": number_format((amount / 10**9).quantize(CENT, ROUND_HALF_EVEN), 2, force_grouping=True)
        }
    else:
        short = _("%(amount)s mln €") % {
            "amount": number_format(
                (amount / 10**6).quantize(Decimal("0.1"), ROUND_HALF_EVEN), 1, force_grouping=True
            )
        }
    return format_html(
        '<span title="{}" data-exact="{}"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></span>',
        exact,
        amount,
        short,
        exact,
    )


@register.filter
def percent(value: object) -> str:
    """A share (0.006) as a percentage with one decimal, Italian style ("0,6"): the same rounding as the
    figures' text, so a table never says "1%" where the sentence above says "0,6%"."""
    if value is None or value == "":
        return ""
    return floatformat(Decimal(str(value)) * 100, 1)
