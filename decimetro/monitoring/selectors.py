"""Reads of indicators, each with its last value and its status, in a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from decimetro.monitoring.models import Indicator, IndicatorValue
from decimetro.monitoring.status import STATUS_LABELS, StatusResult, compute_status
from decimetro.plan.models import Objective
from decimetro.territory.models import Comune


def today_local() -> date:
    return timezone.localdate()


def indicators_annotated() -> QuerySet[Indicator]:
    """Indicators with objective, mission, comune and owner joined, and `last_value`/`last_date` annotated."""
    last = IndicatorValue.objects.filter(indicator=OuterRef("pk")).order_by("-date")
    return Indicator.objects.select_related(
        "objective__mission", "comune", "owner__membership__organisation"
    ).annotate(
        last_value=Subquery(last.values("value")[:1]),
        last_date=Subquery(last.values("date")[:1]),
    )


def status_of(indicator: Indicator, *, today: date | None = None) -> StatusResult:
    """The status of an indicator from `indicators_annotated()` (no query)."""
    return compute_status(
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target_value=indicator.target_value,
        target_date=indicator.target_date,
        polarity=indicator.polarity,
        frequency=indicator.frequency,
        last_value=indicator.last_value,  # type: ignore[attr-defined]
        last_date=indicator.last_date,  # type: ignore[attr-defined]
        today=today or today_local(),
    )


def with_status(indicators: Iterable[Indicator], *, today: date | None = None) -> list[Indicator]:
    """The indicators as a list, each with `.status` (a StatusResult) attached."""
    today = today or today_local()
    out = list(indicators)
    for ind in out:
        ind.status = status_of(ind, today=today)  # type: ignore[attr-defined]
    return out


@dataclass(frozen=True)
class IndicatorFilters:
    objective: str = ""  # objective code, e.g. M2.05
    mission: str = ""  # mission code, e.g. M2
    comune: str = ""  # ISTAT code; "-" = only the indicators of the whole territory
    status: str = ""  # one of STATUS_LABELS
    include_inactive: bool = False


def indicators_list(*, filters: IndicatorFilters, today: date | None = None) -> list[Indicator]:
    """Filtered indicators with status. Filters run in SQL, except the status (it depends on today)."""
    qs = indicators_annotated()
    if not filters.include_inactive:
        qs = qs.filter(active=True)
    if filters.objective:
        qs = qs.filter(objective__code=filters.objective.upper())
    if filters.mission:
        qs = qs.filter(objective__mission__code=filters.mission.upper())
    if filters.comune == "-":
        qs = qs.filter(comune__isnull=True)
    elif filters.comune:
        qs = qs.filter(comune__codice_istat=filters.comune)
    items = with_status(qs, today=today)
    if filters.status in STATUS_LABELS:
        items = [i for i in items if i.status.status == filters.status]  # type: ignore[attr-defined]
    return items


def indicators_recordable_by(
    *, user_id: int, comune_id: int | None, today: date | None = None
) -> list[Indicator]:
    """The active indicators a person keeps up to date, with status: those of the Comune they write for
    (`comune_id`, from core.permissions.writable_comune_id) and those they own. Another comune's indicators
    and the territory-wide ones (the Ente's) are not theirs."""
    mine = Q(owner_id=user_id)
    if comune_id is not None:
        mine |= Q(comune_id=comune_id)
    qs = indicators_annotated().filter(mine, active=True).order_by("code")
    return with_status(qs, today=today)


def indicator_detail(*, pk: int, today: date | None = None) -> Indicator | None:
    """One indicator with status and `.value_list` (values oldest first, with who entered them)."""
    ind = indicators_annotated().filter(pk=pk).first()
    if ind is None:
        return None
    ind.status = status_of(ind, today=today)  # type: ignore[attr-defined]
    ind.value_list = list(  # type: ignore[attr-defined]
        IndicatorValue.objects.filter(indicator=ind)
        .select_related("entered_by__membership__organisation")
        .order_by("date")
    )
    return ind


def indicators_for_objective(objective: Objective, *, today: date | None = None) -> list[Indicator]:
    return with_status(indicators_annotated().filter(objective=objective, active=True), today=today)


def indicators_for_comune(comune: Comune, *, today: date | None = None) -> list[Indicator]:
    return with_status(indicators_annotated().filter(comune=comune, active=True), today=today)


def indicators_due(*, today: date | None = None) -> list[Indicator]:
    """Active indicators whose next value is due (due date ≤ today) and not recorded, most overdue first.
    Each has `.status` and `.days_overdue`."""
    today = today or today_local()
    due = [
        i
        for i in with_status(indicators_annotated().filter(active=True), today=today)
        if i.status.next_due <= today  # type: ignore[attr-defined]
    ]
    for ind in due:
        ind.days_overdue = (today - ind.status.next_due).days  # type: ignore[attr-defined]
    due.sort(key=lambda i: (i.status.next_due, i.code))  # type: ignore[attr-defined]
    return due


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Options of the list's filters: the objectives, missions and comuni that have indicators."""
    base = Indicator.objects.filter(active=True)
    objectives = (
        Objective.objects.filter(indicators__in=base)
        .distinct()
        .select_related("mission")
        .order_by("mission__number", "number")
    )
    comuni = Comune.objects.filter(indicators__in=base).distinct().order_by("name")
    missions: dict[str, str] = {}
    for o in objectives:
        missions.setdefault(o.mission.code, f"{o.mission.code} {o.mission.title}")
    return {
        "objectives": [(o.code, f"{o.code} {o.title[:80]}") for o in objectives],
        "missions": list(missions.items()),
        "comuni": [(c.codice_istat, c.name) for c in comuni],
    }


def owners_due(*, today: date | None = None) -> dict[int, list[Indicator]]:
    """Due indicators grouped by owner id (indicators without an owner are left out)."""
    groups: dict[int, list[Indicator]] = {}
    for ind in indicators_due(today=today):
        if ind.owner_id is not None:
            groups.setdefault(ind.owner_id, []).append(ind)
    return groups


def indicator_detail_or_404(*, pk: int) -> Indicator:
    """`indicator_detail`, or 404 (public page, export and back office share it)."""
    indicator = indicator_detail(pk=pk)
    if indicator is None:
        raise Http404
    return indicator


# The desk ("La mia scrivania") ------------------------------------------------------------------------------


def indicators_due_of_comune(comune: Comune, *, today: date | None = None) -> list[Indicator]:
    """A Comune's active indicators whose next value is due (due date ≤ today) and not recorded, most overdue
    first, each with `.status` and `.days_overdue` (as `indicators_due`, for one Comune). One query."""
    today = today or today_local()
    due = [
        i
        for i in with_status(indicators_annotated().filter(active=True, comune=comune), today=today)
        if i.status.next_due <= today  # type: ignore[attr-defined]
    ]
    for ind in due:
        ind.days_overdue = (today - ind.status.next_due).days  # type: ignore[attr-defined]
    due.sort(key=lambda i: (i.status.next_due, i.code))  # type: ignore[attr-defined]
    return due
