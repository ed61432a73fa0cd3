"""The status rule: every branch, both polarities, the boundaries (pure function, no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from decimetro.monitoring.status import (
    ACHIEVED,
    AT_RISK,
    LATE,
    NO_DATA,
    ON_TRACK,
    STATUS_RULE,
    add_months,
    compute_status,
    expected_progress,
    next_due_date,
)

D = Decimal
# A 100-day plan: from 2025-01-01 to 2025-04-11; on 2025-02-20 (day 50) the expected progress is 50%.
BASE, TARGET, MID = date(2025, 1, 1), date(2025, 4, 11), date(2025, 2, 20)


def status(
    *, polarity="higher", last=None, last_date=MID, today=MID, frequency="monthly", base=0, target=100
):
    if polarity == "lower" and base == 0 and target == 100:
        base, target = 100, 0
    return compute_status(
        baseline_value=D(base),
        baseline_date=BASE,
        target_value=D(target),
        target_date=TARGET,
        polarity=polarity,
        frequency=frequency,
        last_value=None if last is None else D(str(last)),
        last_date=None if last is None else last_date,
        today=today,
    )


@pytest.mark.parametrize("polarity", ["higher", "lower"])
def test_no_value_is_no_data_and_first_value_due_one_period_after_baseline(polarity):
    result = status(polarity=polarity, last=None, frequency="quarterly")
    assert result.status == NO_DATA
    assert result.next_due == date(2025, 4, 1)
    assert result.progress is None


@pytest.mark.parametrize(("last", "expected"), [(100, ACHIEVED), (130, ACHIEVED), (99.99, ON_TRACK)])
def test_higher_is_better_reached_when_at_or_above_target(last, expected):
    assert status(last=last).status == expected


@pytest.mark.parametrize(("last", "expected"), [(0, ACHIEVED), (-5, ACHIEVED), (0.01, ON_TRACK)])
def test_lower_is_better_reached_when_at_or_below_target(last, expected):
    assert status(polarity="lower", last=last).status == expected


def test_higher_is_better_value_below_target_is_not_reached_even_if_lower_would_be():
    # 130 → 100: above the target is not "reached" when lower is better.
    assert status(polarity="lower", base=150, target=100, last=130).status != ACHIEVED


def test_late_after_due_date_plus_grace_days_not_before():
    # monthly, last value 2025-02-20 → due 2025-03-20; grace 30 days → late from 2025-04-20.
    assert status(last=60, today=date(2025, 4, 19)).status == ON_TRACK
    assert status(last=60, today=date(2025, 4, 20)).status == LATE
    result = status(last=60, today=date(2025, 4, 20))
    assert result.next_due == date(2025, 3, 20)


def test_achieved_wins_over_late():
    assert status(last=100, today=date(2026, 1, 1)).status == ACHIEVED


def test_late_uses_the_frequency():
    today = date(2025, 6, 1)  # 101 days after the last value
    assert status(last=60, today=today, frequency="monthly").status == LATE
    assert status(last=60, today=today, frequency="quarterly").status == ON_TRACK
    assert status(last=60, today=today, frequency="yearly").status == ON_TRACK


@pytest.mark.parametrize(
    ("last", "expected"),
    [(50, ON_TRACK), (40, ON_TRACK), (39.99, AT_RISK), (10, AT_RISK), (-10, AT_RISK)],
)
def test_higher_on_track_within_ten_points_of_expected_else_at_risk(last, expected):
    result = status(last=last)
    assert result.expected == D("0.5")
    assert result.status == expected


@pytest.mark.parametrize(
    ("last", "expected"),
    [(50, ON_TRACK), (60, ON_TRACK), (60.01, AT_RISK), (95, AT_RISK), (110, AT_RISK)],
)
def test_lower_on_track_within_ten_points_of_expected_else_at_risk(last, expected):
    result = status(polarity="lower", last=last)
    assert result.status == expected


def test_progress_and_expected_are_reported():
    result = status(last=45)
    assert result.progress == D("0.45")
    assert result.progress_pct == D("45")
    assert result.expected_pct == D("50")


def test_expected_progress_is_clamped():
    assert expected_progress(baseline_date=BASE, target_date=TARGET, at=date(2024, 1, 1)) == 0
    assert expected_progress(baseline_date=BASE, target_date=TARGET, at=date(2030, 1, 1)) == 1
    # past the target date the whole way is expected: within 10 points is still on track
    assert status(last=85, last_date=date(2025, 5, 1), today=date(2025, 5, 1)).status == AT_RISK
    assert status(last=95, last_date=date(2025, 5, 1), today=date(2025, 5, 1)).status == ON_TRACK


def test_add_months_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert next_due_date(reference=date(2025, 3, 31), frequency="yearly") == date(2026, 3, 31)


def test_the_rule_sentence_names_every_status():
    text = str(STATUS_RULE)
    for word in ("nessun dato", "raggiunto", "in ritardo", "in linea", "a rischio", "10 punti", "30 giorni"):
        assert word in text
