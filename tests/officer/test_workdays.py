"""The working-day count the SLA uses, against a day-by-day count."""

import random
from datetime import date, timedelta

import pytest
from sicantik_officer_lib import workdays

HOLIDAYS = [date(2025, 3, 29), date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 1)]


def brute(start, end, holidays):
    if not start or not end or end <= start:
        return 0
    days, d = 0, start + timedelta(days=1)
    while d <= end:
        if d.weekday() < 5 and d not in holidays:
            days += 1
        d += timedelta(days=1)
    return days


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 3, 24), date(2025, 3, 28), 4),
        (date(2025, 3, 28), date(2025, 3, 31), 0),
        (date(2025, 3, 28), date(2025, 4, 2), 1),
        (date(2025, 3, 29), date(2025, 3, 30), 0),
        (date(2025, 3, 24), date(2025, 4, 7), 8),
        (date(2025, 3, 24), date(2025, 3, 24), 0),
        (date(2025, 3, 28), date(2025, 3, 24), 0),
        (None, date(2025, 3, 24), 0),
    ],
)
def test_hand_computed(start, end, expected):
    assert workdays.working_days(start, end, HOLIDAYS) == expected


def test_epoch_is_a_monday():
    assert workdays.EPOCH.weekday() == 0
    assert workdays.weekdays_upto(workdays.EPOCH) == 1


def test_matches_day_by_day_count():
    rng = random.Random(3)
    holidays = set(HOLIDAYS) | {date(2026, 1, 1), date(2026, 8, 17)}
    for _i in range(2000):
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
        end = start + timedelta(days=rng.randint(-3, 500))
        assert workdays.working_days(start, end, holidays) == brute(
            start, end, holidays
        )
