"""Working days by the Chinese holiday calendar (the ``chinese-calendar`` package).

Due-process periods (the response window before a deduction counts, the public
posting, the answer to an objection) are counted in working days as the State
Council's holiday notice sets them: public holidays are not working days, and the
weekend days it moves (调休 make-up days) are. Weekdays alone would end a window in
the middle of the Spring Festival.

The package knows the years whose notice has been published. For a later year the
count falls back to Monday–Friday, and ``calendar_covers`` lets a system check warn
the operator to upgrade the package once the new notice is out.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import chinese_calendar

logger = logging.getLogger(__name__)


@functools.cache
def calendar_covers(year: int) -> bool:
    """Whether the installed calendar knows the holidays of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    """A working day: by the holiday notice where known, else Monday to Friday."""
    if calendar_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day ``days`` working days after ``start`` (``start`` itself not counted).

    0 days gives ``start``. A window of 5 working days opened on a Friday before the
    Spring Festival ends after the holiday week, on the fifth working day.
    """
    if days < 0:
        raise ValueError("a number of working days cannot be negative")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def check_calendar_coverage(app_configs=None, **kwargs) -> list:
    """System check: warn when next year's holidays are unknown (weekdays would be used)."""
    from django.core.checks import Warning as CheckWarning
    from django.utils import timezone

    year = timezone.localdate().year + 1
    if calendar_covers(year):
        return []
    return [
        CheckWarning(
            f"The installed chinese-calendar knows no holidays for {year}: working days in "
            f"{year} are counted Monday to Friday.",
            hint="Upgrade the chinesecalendar package once the State Council's holiday "
            "notice for that year is published.",
            id="scoring.W001",
        )
    ]
