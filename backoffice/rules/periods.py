"""Calendar periods of the recalculations: quarters (scale re-rank) and years (tier re-grade).

SPEC §3: the business scale is "re-ranked every quarter over the previous calendar quarter"
(seed 004 Art. 9); the annual purchase tier is re-graded once a year over the previous calendar
year's purchases (seed 002 第十三條, SPEC §3 [decision]).

Periods are half-open date ranges: ``start`` is the first day, ``end`` the first day *after*
the period (exclusive), so ``start <= d < end`` tests membership and
``purchase.month >= start and purchase.month < end`` selects a period's purchases.

Error messages are short English sentences; the app translates them for display.
"""
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

MIN_YEAR = 1900
MAX_YEAR = 9998  # a period must end before date.max (9999-12-31)

_QUARTER_RE = re.compile(r"([0-9]{4})Q([1-4])")
_YEAR_RE = re.compile(r"([0-9]{4})")


class PeriodError(ValueError):
    """A period label is malformed or out of range.

    ``template`` and ``params`` let a screen translate the message (models/surveys.py)."""

    def __init__(self, template, **params):
        super().__init__(template % params if params else template)
        self.template, self.params = template, params


def _check_year(year):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError("The year must be between %(low)s and %(high)s.", low=MIN_YEAR, high=MAX_YEAR)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, e.g. ``Quarter(2026, 3)`` = 2026-07-01 .. 2026-10-01 (exclusive)."""

    year: int
    q: int

    def __post_init__(self):
        _check_year(self.year)
        if self.q not in (1, 2, 3, 4):
            raise PeriodError("The quarter must be 1, 2, 3 or 4.")

    @property
    def start(self):
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self):
        """First day after the quarter (exclusive end)."""
        if self.q == 4:
            return dt.date(self.year + 1, 1, 1)
        return dt.date(self.year, 3 * self.q + 1, 1)

    @property
    def label(self):
        return f"{self.year}Q{self.q}"

    def __str__(self):
        return self.label

    def contains(self, day):
        return self.start <= day < self.end

    def previous(self):
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)


@dataclass(frozen=True, order=True)
class Year:
    """A calendar year, e.g. ``Year(2026)`` = 2026-01-01 .. 2027-01-01 (exclusive)."""

    year: int

    def __post_init__(self):
        _check_year(self.year)

    @property
    def start(self):
        return dt.date(self.year, 1, 1)

    @property
    def end(self):
        """First day after the year (exclusive end)."""
        return dt.date(self.year + 1, 1, 1)

    @property
    def label(self):
        return f"{self.year}"

    def __str__(self):
        return self.label

    def contains(self, day):
        return self.start <= day < self.end

    def previous(self):
        return Year(self.year - 1)


def _clean(text):
    if not isinstance(text, str):
        raise PeriodError("The period must be text such as 2026Q3 or 2026.")
    # NFKC folds full-width input from Chinese input methods ("２０２６Ｑ３") to ASCII.
    return unicodedata.normalize("NFKC", text).strip().upper()


def parse_quarter(text):
    """Parse ``"2026Q3"`` into a Quarter (lower-case ``q``, full-width characters and surrounding
    blanks are accepted).

    SPEC §3 / seed 004 Art. 9 (quarterly re-rank). Rejects ``2026Q5``, ``26Q1``, ``2026-3`` …
    with a PeriodError.
    """
    match = _QUARTER_RE.fullmatch(_clean(text))
    if not match:
        raise PeriodError("A quarter must be written like 2026Q3 (four-digit year, Q, 1 to 4).")
    return Quarter(int(match.group(1)), int(match.group(2)))


def parse_year(text):
    """Parse ``"2026"`` into a Year (SPEC §3: annual re-grade, seed 002 第十三條)."""
    match = _YEAR_RE.fullmatch(_clean(text))
    if not match:
        raise PeriodError("A year must be written with four digits, like 2026.")
    return Year(int(match.group(1)))


def parse_period(text):
    """Parse either a quarter (``2026Q3``) or a year (``2026``)."""
    cleaned = _clean(text)
    if "Q" in cleaned:
        return parse_quarter(cleaned)
    if _YEAR_RE.fullmatch(cleaned):
        return parse_year(cleaned)
    raise PeriodError("A period must be written like 2026Q3 (a quarter) or 2026 (a year).")


def quarter_of(day):
    """The calendar quarter containing ``day``."""
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def previous_quarter(day):
    """The calendar quarter before the one containing ``day``.

    SPEC §3: the quarterly scale re-rank runs over the previous calendar quarter
    (seed 004 Art. 9 gives the cycle; the window is the project's decision).
    """
    return quarter_of(day).previous()


def previous_year(day):
    """The calendar year before the one containing ``day``.

    SPEC §3 [decision]: the yearly tier re-grade uses the previous calendar year's purchases.
    """
    return Year(day.year - 1)


def is_future(period, today):
    """True if ``period`` has not ended by ``today`` (``period.end > today``).

    Choice (SPEC §3 / §8): a recalculation needs the period's complete purchases, so a period is
    refused while it is running or still to come. Because ``end`` is exclusive, the running
    quarter counts as "in the future" up to and including its last day; on the first day of the
    next quarter it is complete and may be recalculated. ``today`` is a calendar date in the
    company's time zone (Asia/Shanghai), passed in by the caller.
    """
    if isinstance(today, dt.datetime):
        today = today.date()
    return period.end > today
