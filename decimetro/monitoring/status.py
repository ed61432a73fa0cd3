"""The status of an indicator: one pure function of its definition, its last value and today's date.

The rule (also shown on every indicator page, see STATUS_RULE):
1. no value recorded → "nessun dato";
2. the last value has reached the target (≥ target if higher is better, ≤ if lower is better) → "raggiunto";
3. the next value was due (last value's date + the update period) more than GRACE_DAYS ago → "in ritardo";
4. otherwise progress = (last - baseline) / (target - baseline) is compared with the progress expected on a
   straight line from the baseline date to the target date, at the last value's date: progress ≥ expected - 10
   percentage points → "in linea", else "a rischio".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

GRACE_DAYS = 30
TOLERANCE = Decimal("0.10")  # 10 percentage points below the expected progress is still "in linea"
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}

NO_DATA = "no_data"
ACHIEVED = "achieved"
LATE = "late"
ON_TRACK = "on_track"
AT_RISK = "at_risk"

STATUS_LABELS: dict[str, Promise] = {
    NO_DATA: _("nessun dato"),
    ACHIEVED: _("raggiunto"),
    LATE: _("in ritardo"),
    ON_TRACK: _("in linea"),
    AT_RISK: _("a rischio"),
}
# Bootstrap Italia badge classes (text colour chosen for AA contrast on each background).
STATUS_BADGES = {
    NO_DATA: "bg-secondary",
    ACHIEVED: "bg-success",
    LATE: "bg-danger",
    ON_TRACK: "bg-primary",
    AT_RISK: "bg-warning",
}
STATUS_RULE = _(
    "«nessun dato» se non c'è alcun valore; «raggiunto» se l'ultimo valore ha raggiunto "
    "l'obiettivo (≥ obiettivo se più alto è meglio, ≤ se più basso è meglio); «in ritardo» se il valore "
    "successivo era atteso (data dell'ultimo valore + periodo di aggiornamento) da più di 30 giorni; "
    "altrimenti «in linea» se l'avanzamento (ultimo valore - partenza) / (obiettivo - partenza) è almeno "
    "pari a quello atteso in linea retta tra la data di partenza e la data dell'obiettivo, alla data "
    "dell'ultimo valore, meno 10 punti percentuali, e «a rischio» se è inferiore."
)


def plain_decimal(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form: 10.0000 → "10", 12.5000 → "12.5"."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due_date(*, reference: date, frequency: str) -> date:
    """When the next value is due: the last value's date (or the baseline date) plus one update period."""
    return add_months(reference, PERIOD_MONTHS[frequency])


@dataclass(frozen=True)
class StatusResult:
    status: str
    next_due: date
    progress: Decimal | None = None  # share of the way from baseline to target (0 = baseline, 1 = target)
    expected: Decimal | None = None  # share expected at the last value's date on the straight line

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def progress_pct(self) -> Decimal | None:
        return None if self.progress is None else (self.progress * 100).quantize(Decimal("1"))

    @property
    def expected_pct(self) -> Decimal | None:
        return None if self.expected is None else (self.expected * 100).quantize(Decimal("1"))


def expected_progress(*, baseline_date: date, target_date: date, at: date) -> Decimal:
    """The straight-line share of the way expected at `at`, clamped to [0, 1]."""
    span = (target_date - baseline_date).days
    if span <= 0:
        return Decimal(1)
    share = Decimal((at - baseline_date).days) / Decimal(span)
    return min(max(share, Decimal(0)), Decimal(1))


def compute_status(
    *,
    baseline_value: Decimal,
    baseline_date: date,
    target_value: Decimal,
    target_date: date,
    polarity: str,
    frequency: str,
    last_value: Decimal | None,
    last_date: date | None,
    today: date,
    grace_days: int = GRACE_DAYS,
) -> StatusResult:
    """The indicator's status by the rule in this module's docstring. Pure: no database, no clock."""
    if last_value is None or last_date is None:
        return StatusResult(NO_DATA, next_due_date(reference=baseline_date, frequency=frequency))
    due = next_due_date(reference=last_date, frequency=frequency)
    span = target_value - baseline_value
    progress = (last_value - baseline_value) / span if span else Decimal(1)
    expected = expected_progress(baseline_date=baseline_date, target_date=target_date, at=last_date)
    reached = last_value >= target_value if polarity == "higher" else last_value <= target_value
    if reached:
        return StatusResult(ACHIEVED, due, progress, expected)
    if today > due + timedelta(days=grace_days):
        return StatusResult(LATE, due, progress, expected)
    if progress >= expected - TOLERANCE:
        return StatusResult(ON_TRACK, due, progress, expected)
    return StatusResult(AT_RISK, due, progress, expected)
