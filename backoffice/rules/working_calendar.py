"""The Chinese working-day calendar and SLA deadlines (SPEC §4).

A ``WorkingCalendar`` is a plain value: the days that differ from the Monday–Friday week
(public holidays 放假 that fall on weekdays, make-up working days 调休 that fall on weekends),
the years whose arrangement is only provisional (not yet published by the State Council), and
the business hours. The database table of holidays is turned into this value once; the rules
below never touch the database, so the bulk SLA scan can be proven equal to them.

Deadline rules [decision, SPEC §4], business hours 09:00–17:30 Asia/Shanghai by default:

- ``working_days`` N: due at the close of business of the N-th working day *after* the day of
  registration. A ticket registered on a non-working day counts from that day too, so its
  first working day after is the next working day (seed 004 Art. 17: "1 个工作日内").
- ``same_day`` (当日, seed 002): due at the close of business of the registration day when
  that is a working day and the ticket came in before the close; otherwise at the close of the
  next working day (a ticket registered at 17:31 cannot be due at 17:30 the same day).
- ``hours`` N: N clock hours after registration, whatever the calendar (seed 000 "24 小时内").

Times are naive wall-clock times of the business time zone, as every business record stores
them (backoffice/clock.py).
"""
import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

UNITS = ("working_days", "same_day", "hours")

# How far a search for a working day may go: no published arrangement has more than ten
# consecutive days off (Spring Festival 2020 was extended to 10); a year of days off means
# the calendar table is broken, which is an error rather than an endless loop.
MAX_SEARCH_DAYS = 366


class CalendarError(ValueError):
    """The calendar or the SLA parameters cannot give a deadline."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Exceptions to the Monday–Friday week and the business hours.

    ``days`` maps a date to True (a working day, e.g. a 调休 Saturday) or False (a day off,
    e.g. National Day on a Thursday); any other date is a working day from Monday to Friday.
    ``unconfirmed_years``: years whose rows are provisional (see ``provisional_days``).
    """

    days: Mapping[dt.date, bool] = field(default_factory=dict)
    unconfirmed_years: frozenset = frozenset()
    # Years whose official arrangement is in the table. None = every year not listed as
    # unconfirmed counts as confirmed; a set = a year outside it (no rows at all, e.g. 2030 before
    # anyone filled it) is unconfirmed too, so a deadline there still warns (SPEC §4).
    confirmed_years: Optional[frozenset] = None
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 30)

    def __post_init__(self):
        if not self.opens < self.closes:
            raise CalendarError("Business hours must open before they close.")

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.days:
            return bool(self.days[day])
        return day.weekday() < 5

    def is_confirmed(self, day: dt.date) -> bool:
        """Whether the official arrangement of ``day``'s year is known (not provisional)."""
        if day.year in self.unconfirmed_years:
            return False
        return self.confirmed_years is None or day.year in self.confirmed_years

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        for step in range(1, MAX_SEARCH_DAYS + 1):
            candidate = day + dt.timedelta(days=step)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError("No working day within a year: the holiday table is wrong.")

    def nth_working_day_after(self, day: dt.date, n: int) -> dt.date:
        if n < 1:
            raise CalendarError("The number of working days must be at least 1.")
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def close_of(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.closes)


@dataclass(frozen=True)
class SlaDeadline:
    """A deadline and whether it rests on a provisional calendar (the ticket then warns)."""

    due_at: dt.datetime
    confirmed: bool


def deadline(registered_at: dt.datetime, unit: str, amount: int, calendar: WorkingCalendar) -> SlaDeadline:
    """When a ticket registered at ``registered_at`` is due under a policy of ``amount`` ``unit``.

    With the 2026 arrangement: a complaint (1 working day) registered on Thursday 2026-09-24 is
    due on Monday 09-28 17:30 (Mid-Autumn Festival on Friday); one registered on Wednesday 09-30
    is due on Thursday 10-08 17:30 (National Day 10-01..10-07); one registered on Friday 10-09 is
    due on the make-up Saturday 10-10. More vectors in tests/unit/test_working_calendar.py.
    """
    if unit not in UNITS:
        raise CalendarError(f"Unknown deadline unit {unit!r}.")
    if unit == "same_day":
        day = registered_at.date()
        if not (calendar.is_working_day(day) and registered_at.time() < calendar.closes):
            day = calendar.next_working_day(day)
        due = calendar.close_of(day)
        spanned = (registered_at.date(), day)
    elif unit == "working_days":
        if not isinstance(amount, int) or amount < 1:
            raise CalendarError("A deadline in working days needs at least 1 day.")
        day = calendar.nth_working_day_after(registered_at.date(), amount)
        due = calendar.close_of(day)
        spanned = (registered_at.date(), day)
    else:
        if not isinstance(amount, int) or amount < 1:
            raise CalendarError("A deadline in hours needs at least 1 hour.")
        due = registered_at + dt.timedelta(hours=amount)
        spanned = (registered_at.date(), due.date())
    confirmed = all(calendar.is_confirmed(d) for d in spanned)
    return SlaDeadline(due_at=due, confirmed=confirmed)


def provisional_days(year: int, statutory_holidays: Mapping[dt.date, str]) -> dict:
    """The provisional arrangement of a year the State Council has not published yet.

    [decision, SPEC §4] Weekends plus the statutory holidays whose dates the law fixes or the
    lunar calendar gives (computed by the ``holidays`` package for any year); no 调休 is
    invented. Returns {date: (working?, name)} for the days that differ from Monday–Friday, so a
    weekend holiday adds no row. A bare Monday–Friday fallback would make 1 January 2027 a
    working day.
    """
    out = {}
    for day, name in sorted(statutory_holidays.items()):
        if day.year == year and day.weekday() < 5:
            out[day] = (False, name)
    return out


@dataclass(frozen=True)
class PolicyTerms:
    """One SLA policy as plain values (SPEC §4: "SLA policies are data"). ``complaint_class`` or
    ``severity`` None means "any"."""

    id: object
    ticket_type: str
    complaint_class: Optional[str]
    severity: Optional[str]
    first_response_unit: str
    first_response_amount: int
    resolution_unit: str
    resolution_amount: int


def match_policy(policies: Sequence[PolicyTerms], ticket_type, complaint_class, severity) -> Optional[PolicyTerms]:
    """The policy for a ticket: among the policies of its type whose class and severity are
    either equal or "any", the most specific (class counts before severity); ties go to the
    lowest id, so the choice never depends on the order rows come back from the database."""
    best, best_key = None, None
    for p in policies:
        if p.ticket_type != ticket_type:
            continue
        if p.complaint_class is not None and p.complaint_class != complaint_class:
            continue
        if p.severity is not None and p.severity != severity:
            continue
        key = (p.complaint_class is None, p.severity is None, p.id)
        if best_key is None or key < best_key:
            best, best_key = p, key
    return best


def validate_terms(unit: str, amount) -> Optional[str]:
    """What is wrong with a deadline term ("unit" or "amount"), or None. Every amount is a whole
    number of at least 1 (a zero or negative duration is refused; "the same day" stores 1)."""
    if unit not in UNITS:
        return "unit"
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        return "amount"
    return None


@dataclass(frozen=True)
class TicketDeadlines:
    """The two deadlines of a ticket under its policy (SPEC §4)."""

    policy: PolicyTerms
    first_response: SlaDeadline
    resolution: SlaDeadline

    @property
    def confirmed(self) -> bool:
        return self.first_response.confirmed and self.resolution.confirmed


def ticket_deadlines(policies, calendar, ticket_type, complaint_class, severity, registered_at):
    """The policy a ticket falls under and both its deadlines, or None when no policy covers it.
    The one rule every path uses: registration, a change of type, the demo company, and the bulk
    SQL stamping (proven equal by tests/integration/test_sla.py)."""
    policy = match_policy(policies, ticket_type, complaint_class, severity)
    if policy is None:
        return None
    return TicketDeadlines(
        policy=policy,
        first_response=deadline(registered_at, policy.first_response_unit, policy.first_response_amount, calendar),
        resolution=deadline(registered_at, policy.resolution_unit, policy.resolution_amount, calendar),
    )
