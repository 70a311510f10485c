"""Working days and deadlines of the public API (township_integrity.services).

Expected dates come from the installed chinese-calendar (1.11), which carries the
State Council's 2026 notice: Mid-Autumn Festival 25–27 September, National Day
1–7 October; Sunday 20 September and Saturday 10 October are make-up working days
(调休), Thursday 8 October is an ordinary working day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from township_integrity import services
from township_integrity.services import (
    add_working_days,
    is_working_day,
    working_days_between,
    working_deadline,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_public_names_are_the_calendars_own():
    from platform_core.scoring import workdays

    assert is_working_day is workdays.is_working_day
    assert add_working_days is workdays.add_working_days
    assert working_days_between is workdays.working_days_between
    for name in (
        "is_working_day",
        "add_working_days",
        "working_days_between",
        "working_deadline",
    ):
        assert name in services.__all__


def test_the_national_day_week_and_its_make_up_days():
    assert not is_working_day(dt.date(2026, 10, 1))
    assert not is_working_day(dt.date(2026, 10, 7))
    assert is_working_day(dt.date(2026, 10, 8))
    # Make-up days: a Sunday before and a Saturday after the holiday are worked.
    assert is_working_day(dt.date(2026, 9, 20))
    assert is_working_day(dt.date(2026, 10, 10))
    assert not is_working_day(dt.date(2026, 10, 11))
    # Mid-Autumn Festival: Friday 25 September is a holiday.
    assert not is_working_day(dt.date(2026, 9, 25))


def test_add_working_days_across_the_national_day():
    # Wednesday 30 September + 1 = Thursday 8 October (1–7 October off).
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    # + 3 = Saturday 10 October, a make-up working day.
    assert add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    # + 4 skips Sunday 11 October.
    assert add_working_days(dt.date(2026, 9, 30), 4) == dt.date(2026, 10, 12)
    assert add_working_days(dt.date(2026, 9, 30), 0) == dt.date(2026, 9, 30)
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 9, 30), -1)


def test_working_days_between_counts_the_end_not_the_start():
    # 30 Sept -> 12 Oct: 8, 9, 10 (make-up Saturday), 12 October.
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 12)) == 4
    assert working_days_between(dt.date(2026, 10, 12), dt.date(2026, 9, 30)) == 0
    assert working_days_between(dt.date(2026, 10, 1), dt.date(2026, 10, 7)) == 0


def test_a_deadline_is_the_local_end_of_the_working_day():
    received = dt.datetime(2026, 9, 30, 10, 15, tzinfo=SHANGHAI)
    due = working_deadline(received, 1)
    assert due == dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
    assert due.tzinfo is not None
    # Six working days (the hotline's answer): 8, 9, 10, 12, 13, 14 October.
    assert working_deadline(received, 6) == dt.datetime(2026, 10, 14, 23, 59, 59, tzinfo=SHANGHAI)
    # 0 days: the end of the day received.
    assert working_deadline(received, 0) == dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=SHANGHAI)


def test_the_received_day_is_the_local_day_not_utcs():
    # 8 October 17:30 UTC is already Friday 9 October 01:30 in Shanghai: one working
    # day later is the make-up Saturday 10 October, not Friday 9.
    received = dt.datetime(2026, 10, 8, 17, 30, tzinfo=dt.UTC)
    assert working_deadline(received, 1) == dt.datetime(2026, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_case_received_on_a_holiday_counts_from_the_holiday():
    received = dt.datetime(2026, 10, 3, 9, 0, tzinfo=SHANGHAI)
    assert working_deadline(received, 1) == dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        working_deadline(dt.datetime(2026, 9, 30, 10, 0), 1)
