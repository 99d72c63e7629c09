"""The working-day calendar the objection window counts on (SPEC §6), until the shared loader lands.

TEMPORARY: sla-core is building the holiday table and ``services/calendar.py: working_calendar()``.
When it lands, make ``working_calendar`` below return that loader's value (one line); the window
rule (``rules/objection_window.py``) only needs a ``WorkingCalendar`` and does not change.

Built from ``chinese_calendar`` (the published arrangements, holidays and 调休) and, for the years
it does not cover yet, the provisional arrangement of the ``holidays`` package (SPEC §4 decision:
statutory holidays on weekdays, no invented 调休).
"""
import datetime as dt
from functools import lru_cache

from backoffice.rules.working_calendar import WorkingCalendar, provisional_days


@lru_cache(maxsize=1)
def _published():
    import chinese_calendar

    days = {d: False for d in chinese_calendar.holidays if d.weekday() < 5}
    days.update({d: True for d in chinese_calendar.workdays if d.weekday() >= 5})
    return days, max(chinese_calendar.holidays).year


def working_calendar(years=None) -> WorkingCalendar:
    """The calendar for ``years`` (default: last, this and next year)."""
    import holidays

    days, covered = _published()
    days = dict(days)
    this = dt.date.today().year
    years = years or (this - 1, this, this + 1)
    unconfirmed = set()
    for year in years:
        if year > covered:
            unconfirmed.add(year)
            days.update({d: w for d, (w, _n) in provisional_days(year, holidays.China(years=year)).items()})
    return WorkingCalendar(days=days, unconfirmed_years=frozenset(unconfirmed))
