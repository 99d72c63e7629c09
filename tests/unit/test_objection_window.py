"""The 5-working-day objection window (SPEC §6 [decision]) on the Chinese calendar."""
import datetime as dt

from backoffice.rules.objection_window import objection_deadline, within_window, working_day_number
from backoffice.rules.working_calendar import WorkingCalendar

PLAIN = WorkingCalendar()
# National Day 2026: 1–7 October off (the weekdays 1, 2, 5, 6, 7 as rows), 10 October a 调休 Saturday.
NATIONAL_DAY = WorkingCalendar(days={
    **{dt.date(2026, 10, d): False for d in (1, 2, 5, 6, 7)}, dt.date(2026, 10, 10): True,
})


def test_day_five_is_accepted_and_day_six_refused():
    approved = dt.date(2026, 11, 2)  # a Monday
    assert objection_deadline(approved, PLAIN) == dt.date(2026, 11, 9)
    assert within_window(approved, dt.date(2026, 11, 9), PLAIN)  # working day 5
    assert not within_window(approved, dt.date(2026, 11, 10), PLAIN)  # working day 6
    assert working_day_number(approved, dt.date(2026, 11, 10), PLAIN) == 6


def test_the_window_runs_across_a_holiday():
    approved = dt.date(2026, 9, 29)  # Tuesday before National Day
    # working days after: 30 Sep (1), 8 Oct (2), 9 Oct (3), 10 Oct Saturday 调休 (4), 12 Oct (5)
    assert objection_deadline(approved, NATIONAL_DAY) == dt.date(2026, 10, 12)
    assert within_window(approved, dt.date(2026, 10, 12), NATIONAL_DAY)
    assert not within_window(approved, dt.date(2026, 10, 13), NATIONAL_DAY)
    # without the holiday table the window would have closed on 6 October
    assert objection_deadline(approved, PLAIN) == dt.date(2026, 10, 6)


def test_an_objection_before_the_approval_day_is_not_in_the_window():
    assert not within_window(dt.date(2026, 11, 2), dt.date(2026, 11, 1), PLAIN)
