"""Which ticket deadlines are still awaited, missed, due today or this week (SPEC §4, issue #12).

Pure functions over plain values; ``services/sla_scan.py`` says the same in SQL (the escalation
scan, the ticket list's filters) and ``tests/unit/test_sla_overdue.py`` holds both to these.

A ticket has two deadlines, stamped by ``services/sla.py``:

- the first response (``first_response_due_at``) is awaited while the ticket is still
  ``registered``: any handling step (taking it in hand, escalating, feeding back) answers it;
- the resolution (``due_at``) is awaited until the result is fed back to the complainant
  (seed 004 Art. 17: "handled **and** fed back within one working day"): while ``registered``,
  ``in_progress`` (also after a "not satisfied" callback reopened it, seed 002 第十九條四) or
  ``escalated``. A ticket fed back, called back or closed has nothing awaited.

"Today" is the business day: today when it is a working day, otherwise the next working day
(on a Saturday nothing falls due before Monday's close of business, so Monday is what a head
plans for). "This week" runs to the end of the Sunday of that business day's week (Monday to
Sunday), so "today" always lies within "this week".
"""
import datetime as dt
from typing import Optional

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
KINDS = (FIRST_RESPONSE, RESOLUTION)

# status -> the deadlines still awaited in it (see the module docstring)
AWAITED_IN = {
    FIRST_RESPONSE: frozenset({"registered"}),
    RESOLUTION: frozenset({"registered", "in_progress", "escalated"}),
}

OVERDUE, TODAY, WEEK, LATER = "overdue", "today", "week", "later"


def _code(value):
    return getattr(value, "value", value)


def awaited_deadlines(status, first_response_due_at, due_at):
    """{kind: deadline} of the deadlines the ticket still owes (None deadlines left out)."""
    status = _code(status)
    out = {}
    for kind, deadline in ((FIRST_RESPONSE, first_response_due_at), (RESOLUTION, due_at)):
        if deadline is not None and status in AWAITED_IN[kind]:
            out[kind] = deadline
    return out


def missed_deadlines(status, first_response_due_at, due_at, now):
    """The kinds whose deadline has passed, unanswered, at ``now`` (what the scan escalates)."""
    return tuple(k for k, d in awaited_deadlines(status, first_response_due_at, due_at).items() if d < now)


def next_deadline(status, first_response_due_at, due_at) -> Optional[dt.datetime]:
    """The earliest deadline still awaited, or None."""
    awaited = awaited_deadlines(status, first_response_due_at, due_at)
    return min(awaited.values()) if awaited else None


def business_day(today, calendar):
    """Today when it is a working day, else the next working day (``calendar``: a WorkingCalendar)."""
    return today if calendar.is_working_day(today) else calendar.next_working_day(today)


def bounds(now, calendar):
    """(end of the business day, end of its week), as the first instants after them."""
    day = business_day(now.date(), calendar)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    week_end = dt.datetime.combine(day + dt.timedelta(days=7 - day.weekday()), dt.time())
    return day_end, week_end


def band(status, first_response_due_at, due_at, now, day_end, week_end):
    """overdue / today / week / later for the badge and the filters; None when nothing is awaited."""
    deadline = next_deadline(status, first_response_due_at, due_at)
    if deadline is None:
        return None
    if deadline < now:
        return OVERDUE
    if deadline < day_end:
        return TODAY
    if deadline < week_end:
        return WEEK
    return LATER
