"""Which deadlines are awaited, missed, due today or this week (rules/sla_overdue.py, issue #12)."""
import datetime as dt

from backoffice.rules import sla_overdue as r
from backoffice.rules.working_calendar import WorkingCalendar

D = dt.datetime
# 2026: 1-7 Oct National Day (days off), 10 Oct (Saturday) a make-up working day
CAL = WorkingCalendar(days={**{dt.date(2026, 10, d): False for d in range(1, 8)}, dt.date(2026, 10, 10): True})


def test_first_response_is_awaited_only_while_registered():
    first, due = D(2026, 11, 24, 9), D(2026, 11, 25, 17, 30)
    assert r.awaited_deadlines("registered", first, due) == {"first_response": first, "resolution": due}
    for status in ("in_progress", "escalated"):
        assert r.awaited_deadlines(status, first, due) == {"resolution": due}
    for status in ("fed_back", "called_back", "closed"):  # seed 004 Art. 17: handled and fed back
        assert r.awaited_deadlines(status, first, due) == {}
    assert r.awaited_deadlines("registered", None, None) == {}


def test_missed_deadlines_at_the_minute():
    first, due = D(2026, 11, 24, 9), D(2026, 11, 24, 17, 30)
    assert r.missed_deadlines("registered", first, due, D(2026, 11, 24, 9)) == ()
    assert r.missed_deadlines("registered", first, due, D(2026, 11, 24, 9, 1)) == ("first_response",)
    assert r.missed_deadlines("registered", first, due, D(2026, 11, 24, 17, 31)) == ("first_response", "resolution")
    assert r.missed_deadlines("in_progress", first, due, D(2026, 11, 24, 17, 31)) == ("resolution",)
    assert r.missed_deadlines("closed", first, due, D(2026, 12, 24)) == ()


def test_today_and_this_week_on_the_working_calendar():
    # a plain Tuesday
    assert r.bounds(D(2026, 11, 24, 10), CAL) == (D(2026, 11, 25), D(2026, 11, 30))
    # a Saturday: the business day is Monday, its week the next one
    assert r.bounds(D(2026, 11, 28, 10), CAL) == (D(2026, 12, 1), D(2026, 12, 7))
    # a holiday Saturday in National Day: the next working day is Thursday 8 October
    assert r.bounds(D(2026, 10, 3, 10), CAL) == (D(2026, 10, 9), D(2026, 10, 12))
    # the make-up Saturday is a working day of its own
    assert r.bounds(D(2026, 10, 10, 10), CAL) == (D(2026, 10, 11), D(2026, 10, 12))


def test_band_of_the_earliest_deadline_awaited():
    now = D(2026, 11, 28, 10)  # Saturday
    day_end, week_end = r.bounds(now, CAL)
    band = lambda status, first, due: r.band(status, first, due, now, day_end, week_end)  # noqa: E731
    assert band("registered", D(2026, 11, 27, 17, 30), D(2026, 12, 10)) == r.OVERDUE
    assert band("in_progress", D(2026, 11, 27, 17, 30), D(2026, 11, 30, 17, 30)) == r.TODAY  # first answered
    assert band("in_progress", None, D(2026, 11, 28, 12)) == r.TODAY  # 24 clock hours ending on the Saturday
    assert band("in_progress", None, D(2026, 12, 1, 17, 30)) == r.WEEK
    assert band("in_progress", None, D(2026, 12, 7, 17, 30)) == r.LATER
    assert band("fed_back", None, D(2026, 11, 27)) is None
    # "today" is always within "this week"
    for day in range(1, 32):
        now = D(2026, 10, day, 12)
        day_end, week_end = r.bounds(now, CAL)
        assert now < day_end <= week_end
