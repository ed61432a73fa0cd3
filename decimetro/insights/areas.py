"""The figures of an area's page (a comune, a zona omogenea) and of the comparison of two areas: the PNRR
totals under the reader's allocation rule, the largest projects, and where the area stands among its peers.

Context for `public/pnrr/_area_projects.html` (`area_pnrr`) and `public/_area_standing.html`
(`area_standing_context`, `area_where`); the views add what is theirs (the URLs of their links).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from decimetro.insights import figures
from decimetro.insights import map as sm
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE, RULE_NOTES, AllocationRule
from decimetro.insights.cache import SCOPE_PNRR, cached_for_data_version
from decimetro.insights.charts import PNRR_SOURCE, chart
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.territory.models import Comune


def area_pnrr(*, comuni: list[Comune], rule: AllocationRule, limit: int = 10) -> dict[str, Any]:
    """The PNRR block of an area: totals per mission and per resident under `rule`, the amount not
    attributable to any comune, and the `limit` largest projects. `comuni` must be a list (already fetched),
    so this costs two queries whatever the number of projects; in production one (the data version) when
    this process has already computed the same area and rule for the same data."""
    totals, top_projects = cached_for_data_version(
        "area",
        (tuple(c.pk for c in comuni), rule.value, limit),
        lambda: (
            figures.area_totals(comuni=comuni, rule=rule),
            pnrr_sel.area_top_projects(comuni=comuni, limit=limit),
        ),
        scope=SCOPE_PNRR,  # PNRR and territory data only
    )
    missions = [
        {
            "code": m.code,
            "name": m.name,
            "projects": m.projects,
            "amount": m.amount,
            "per_resident": (m.amount / totals.population).quantize(figures.CENT)
            if totals.population
            else None,
        }
        for m in totals.by_mission
    ]
    return {
        "totals": totals,
        "missions": missions,
        "top_projects": top_projects,
        "rule": rule,
        "rules": AllocationRule.choices,
        "default_rule": DEFAULT_ALLOCATION_RULE,
        "limit": limit,
    }


def area_standing_context(
    *, data: sm.MapData, key: str, totals: figures.AreaTotals, chart_id: str = "missions-mix"
) -> dict[str, Any]:
    """The "where it stands" block: funding per resident against the metropolitan median, payment progress,
    projects, and the missions mix as a chart with its table (from `totals`, already computed)."""
    standing = sm.area_standing(data=data, key=key) or {}
    mix = chart(
        chart_id,
        kind="hbar",
        title=_("Importo PNRR attribuito per missione"),
        labels=[f"{m.code} {m.name}" for m in totals.by_mission],
        datasets=[{"label": _("Importo PNRR attribuito"), "data": [m.amount for m in totals.by_mission]}],
        unit="€",
        source=PNRR_SOURCE,
        as_of=data.payments_as_of,
        dates=data.date_groups,
        how_to_read=_(
            "Ogni barra è la parte dell'importo PNRR dei progetti localizzati qui, per missione (%(rule)s)."
        )
        % {"rule": totals.rule_label},
        label_header=_("Missione"),
    )
    return {
        "standing": standing,
        "area": standing.get("area"),
        "mix": mix,
        "data": data,
        "rule_note": RULE_NOTES[data.rule],
        "payment_rule": sm.PAYMENT_RULE,
    }


def area_where(*, key: str, totals: figures.AreaTotals) -> dict[str, Any]:
    """The "where it stands" block of a comune (ISTAT code) or zone (slug) page, under the rule of its PNRR
    block (`totals`, from `area_pnrr`). Three queries (the map's values)."""
    data = sm.map_data(rule=totals.rule, metric="funding_per_resident")
    return area_standing_context(data=data, key=key, totals=totals)
