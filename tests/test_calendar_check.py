"""Working days for a year the holiday calendar does not know yet: weekdays, and a warning."""

import datetime as dt

from platform_core.scoring import workdays


def test_an_unknown_year_counts_weekdays_and_the_system_check_warns(monkeypatch):
    monkeypatch.setattr(workdays, "calendar_covers", lambda year: year != 2031)
    # Friday 3 January 2031 + 1 working day = Monday 6 January (weekend skipped).
    assert workdays.add_working_days(dt.date(2031, 1, 3), 1) == dt.date(2031, 1, 6)
    assert workdays.is_working_day(dt.date(2031, 1, 4)) is False
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2030, 6, 1))
    (warning,) = workdays.check_calendar_coverage()
    assert warning.id == "scoring.W001" and "2031" in warning.msg


def test_a_known_year_needs_no_warning(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2025, 6, 1))
    assert workdays.check_calendar_coverage() == []


def test_the_spring_festival_week_is_not_counted_and_make_up_days_are():
    # 2026: holidays 15–23 February; Saturday 14 and Saturday 28 February are working days.
    assert workdays.is_working_day(dt.date(2026, 2, 14))
    assert not workdays.is_working_day(dt.date(2026, 2, 16))
    assert workdays.is_working_day(dt.date(2026, 2, 28))
    # Friday 13 Feb + 2 working days: Sat 14 (make-up), then Tue 24 after the holiday.
    assert workdays.add_working_days(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)
    assert workdays.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 24)) == 2
