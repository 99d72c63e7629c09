"""The objection window of an approved appraisal sheet (SPEC §6 [decision: 5 working days]).

The appraised staff member may object (异议) once, until the close of the 5th working day after
the day of approval, counted on the Chinese working-day calendar (holidays and 调休,
``rules/working_calendar.WorkingCalendar``). Plain values only: the caller passes the calendar.
"""
import datetime as dt

from .working_calendar import WorkingCalendar

OBJECTION_WORKING_DAYS = 5


def objection_deadline(approved_on: dt.date, calendar: WorkingCalendar,
                       working_days: int = OBJECTION_WORKING_DAYS) -> dt.date:
    """The last day an objection is accepted: the ``working_days``-th working day after approval."""
    return calendar.nth_working_day_after(approved_on, working_days)


def working_day_number(approved_on: dt.date, day: dt.date, calendar: WorkingCalendar) -> int:
    """Which working day after approval ``day`` is (a day off counts as the working day before it)."""
    n, current = 0, approved_on
    while True:
        nxt = calendar.next_working_day(current)
        if nxt > day:
            return n
        n, current = n + 1, nxt


def within_window(approved_on: dt.date, today: dt.date, calendar: WorkingCalendar,
                  working_days: int = OBJECTION_WORKING_DAYS) -> bool:
    """Whether an objection on ``today`` is in time (day 5 yes, day 6 no)."""
    return approved_on <= today <= objection_deadline(approved_on, calendar, working_days)
