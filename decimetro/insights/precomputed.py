"""The figures of the heavy public pages precomputed per data version (the "cold page" path).

What a page computes through `insights.cache.cached_for_data_version` — the home, mission and objective
dashboards, each comune's and zone's PNRR block, the map's values, the list pages' territory figures, the
"data as of" dates — is computed here, once per language, by the same functions the pages call with the same
arguments, and stored in `PrecomputedFigure` under the data version it was computed for. The first request
after a change then reads one row per figure instead of grouping every project; a page whose row is older
than the current data version computes live, so a stale figure is never shown.

Run by the refresh task (`insights.tasks.figures_refresh`), which every change of the data enqueues (every
write of the services leaves an audit row: imports, link decisions, rule and suggestion refreshes, plan
edits), by `manage.py insights_precompute` and by `setup_data`. It writes no audit row: the rows are a
derived copy, and an audit row would change the data version it has just computed for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from decimetro.insights import areas, cache, dashboards, figures, freshness, lists
from decimetro.insights import map as sm
from decimetro.insights.allocation import DEFAULT_ALLOCATION_RULE
from decimetro.insights.models import PrecomputedFigure
from decimetro.plan import selectors as plan_sel
from decimetro.territory import selectors as terr_sel
from decimetro.territory.models import Zone


@dataclass
class PrecomputeReport:
    pages: int = 0  # page figures computed (per language)
    stored: int = 0  # rows written or replaced
    removed: int = 0  # rows of computations no page asks for any more (another day, a removed objective)
    version: str = ""


def _page_figures() -> list[Callable[[], Any]]:
    """The calls of the heavy pages, with the arguments their views pass (so that the keys are the same)."""
    # The PNRR-scope figures first (kept across link decisions and plan edits, `insights.cache.SCOPE_PNRR`):
    # every project's share, which the home, mission and objective dashboards read, then the map.
    calls: list[Callable[[], Any]] = [freshness.dataset_dates, figures.located_set_data, sm.map_data]
    calls.append(lambda: lists.territory_figures(DEFAULT_ALLOCATION_RULE))
    edition = plan_sel.current_edition()
    if edition is not None:
        components = list(plan_sel.components_for(edition))
        missions = list(plan_sel.missions_for(edition))
        objectives = list(plan_sel.objectives_for(edition))
        calls.append(lambda: dashboards.home_dashboard(components, missions, objectives))
        calls += [partial(dashboards.mission_dashboard, m) for m in plan_sel.mission_detail(edition)]
        calls += [partial(dashboards.objective_dashboard, o) for o in objectives]
    for comune in terr_sel.comune_detail():
        calls.append(partial(areas.area_pnrr, comuni=[comune], rule=DEFAULT_ALLOCATION_RULE))
    for zone in Zone.objects.filter(comuni__codice_uts=settings.DECIMETRO_TERRITORY_UTS).distinct():
        comuni = list(terr_sel.comuni_list(zone=zone.slug))
        calls.append(partial(areas.area_pnrr, comuni=comuni, rule=DEFAULT_ALLOCATION_RULE))
    return calls


def precompute_figures(*, progress: Callable[[int, int], None] | None = None) -> PrecomputeReport:
    """Compute and store the heavy pages' figures for the current data version, in every language of the
    site; then remove the rows this run did not write (computations of another day or of objects that are
    gone). Idempotent: a second run for the same data rewrites the same values."""
    started = timezone.now()
    report = PrecomputeReport(version=repr(cache.data_version()))
    languages = [code for code, _name in settings.LANGUAGES]
    token = cache._building.set(True)
    try:
        for language in languages:
            with translation.override(language):
                calls = _page_figures()
                for i, call in enumerate(calls, 1):
                    call()
                    report.pages += 1
                    if progress:
                        progress(i, len(calls))
    finally:
        cache._building.reset(token)
    report.stored = PrecomputedFigure.objects.filter(built_at__gte=started).count()
    report.removed, _ = PrecomputedFigure.objects.filter(built_at__lt=started).delete()
    return report
