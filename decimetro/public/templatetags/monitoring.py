from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def measure(value: Decimal | None) -> str:
    """An indicator's value in the active language, without useless zeros (12,5 / 1.250)."""
    if value is None:
        return "—"
    places = max(0, -int(value.normalize().as_tuple().exponent))
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)
