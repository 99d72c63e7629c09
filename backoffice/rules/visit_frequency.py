"""Visit frequency and monthly compliance (SPEC §5; seed 004 Art. 13b, Art. 19; seed 003).

Pure functions: dates in, figures out. Nothing of Flask or the database.

Periods of a month **[decision]** (SPEC §5 says "every calendar week" for A and B and "every
two-week block" for C without fixing how they meet a month's edges):

* A calendar week is Monday–Sunday. A week **belongs to the month that holds its Thursday**
  (the ISO 8601 rule: the month with at least four of its days). So every week belongs to exactly
  one month: none is counted twice and none is lost at a boundary. A visit on any day of such a
  week counts for it, including the days that fall in the neighbouring month (the week of Monday
  30 November 2026 belongs to December, because Thursday is 3 December; a visit on 30 November
  satisfies it). December 2026 therefore has the weeks of 30 Nov, 7, 14, 21 and 28 Dec
  (Thursday 31 December); the week of 26 October belongs to October, not November.
* A two-week block is counted within the month: days 1–14 and days 15 to the month's end (the
  remainder of a 29–31-day month joins the second block, so a month always has two blocks and a
  C client two required visits, seed 004 "每两周拜访一次").
* Coverage (月度拜访维护面, seed 004 Art. 13b: 100 %) and distinct clients (seed 003: ≥ 20 a
  month) count visits whose date lies in the calendar month itself.
* A client whose level has no interval (none set) needs only the monthly visit (SPEC §5).
"""
import calendar
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from .service_level import VISIT_INTERVAL_DAYS

COVERAGE_TARGET = Fraction(1)  # seed 004 Art. 13b: 月度拜访维护面达到100%
DISTINCT_CLIENTS_TARGET = 20  # seed 003: each client manager visits ≥ 20 distinct clients a month


@dataclass(frozen=True)
class Period:
    """One period a client must be visited in: ``start`` ≤ day ≤ ``end`` (dates, inclusive)."""

    start: dt.date
    end: dt.date

    def holds(self, day):
        return self.start <= day <= self.end


def month_start(month):
    return dt.date(month.year, month.month, 1)


def month_end(month):
    return dt.date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])


def next_month(month):
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month):
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def weeks_of_month(month):
    """The Monday–Sunday weeks whose Thursday lies in ``month`` (module docstring)."""
    first, last = month_start(month), month_end(month)
    # The first Thursday on or after the 1st; its Monday starts the month's first week.
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    out = []
    while thursday <= last:
        monday = thursday - dt.timedelta(days=3)
        out.append(Period(monday, monday + dt.timedelta(days=6)))
        thursday += dt.timedelta(days=7)
    return out


def blocks_of_month(month):
    """Days 1–14 and 15–end (module docstring)."""
    first, last = month_start(month), month_end(month)
    return [Period(first, first + dt.timedelta(days=13)), Period(first + dt.timedelta(days=14), last)]


def interval_days(level, intervals=None):
    """The visit interval of a service level (Tier.visit_interval_days; SPEC §3.3 defaults)."""
    intervals = VISIT_INTERVAL_DAYS if intervals is None else intervals
    return intervals.get(level) if level else None


def period_kind(interval):
    """"week" for an interval of 7 days or fewer, "block" up to 14, else "month" (or no interval)."""
    if interval is not None and interval <= 7:
        return "week"
    if interval is not None and interval <= 14:
        return "block"
    return "month"


def required_periods(interval, month):
    """The periods a client with this visit interval must be visited in during ``month``."""
    kind = period_kind(interval)
    if kind == "week":
        return weeks_of_month(month)
    if kind == "block":
        return blocks_of_month(month)
    return [Period(month_start(month), month_end(month))]


def window(month):
    """The first and last day whose visits can count for ``month`` (weeks reach outside it)."""
    weeks = weeks_of_month(month)
    return min(weeks[0].start, month_start(month)), max(weeks[-1].end, month_end(month))


def due_dates(interval, month):
    """When a plan expects each required visit: the first day of each period inside the month."""
    first = month_start(month)
    return [max(p.start, first) for p in required_periods(interval, month)]


def missed_periods(interval, month, visit_days):
    """The required periods of ``month`` without a visit."""
    days = set(visit_days)
    return [p for p in required_periods(interval, month) if not any(p.holds(d) for d in days)]


def meets_frequency(interval, month, visit_days):
    """SPEC §5: A/B a visit in every calendar week, C in every two-week block."""
    return not missed_periods(interval, month, visit_days)


def meets_period_count(required, periods_visited):
    """The same test as ``meets_frequency`` when the periods visited were counted elsewhere (SQL)."""
    return periods_visited >= required


def visited_in_month(month, visit_days):
    first, last = month_start(month), month_end(month)
    return any(first <= d <= last for d in visit_days)


def coverage(visited, owned):
    """Clients visited at least once / clients owned (an exact Fraction; None without clients)."""
    return Fraction(visited, owned) if owned else None


def meets_coverage(rate):
    return rate is not None and rate >= COVERAGE_TARGET


def meets_distinct_target(distinct):
    return distinct >= DISTINCT_CLIENTS_TARGET


@dataclass(frozen=True)
class Compliance:
    """One client manager's (or a department's) month (SPEC §5 compliance report)."""

    owned: int
    visited: int  # clients visited at least once in the month
    below_frequency: int
    distinct_visited: int  # distinct clients the person visited (any owner's)
    planned: int
    done: int

    @property
    def coverage(self):
        return coverage(self.visited, self.owned)

    @property
    def coverage_ok(self):
        return meets_coverage(self.coverage)

    @property
    def distinct_ok(self):
        return meets_distinct_target(self.distinct_visited)


def percent(rate):
    """A rate as a whole-number-or-one-decimal percentage string (99 % → "99.0")."""
    if rate is None:
        return ""
    return f"{float(rate) * 100:.1f}"
