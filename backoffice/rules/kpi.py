"""Monthly KPI arithmetic of a department (SPEC §4, §5, §7; seed 004 §2.2, seed 003): pure.

Counts in, rates out. A rate whose denominator is 0 is ``None`` ("no data"), never a division by
zero; a ``None`` rate neither meets nor misses its target (``meets`` gives ``None``).

Definitions (the sources' words, and where they are silent the project's **[decision]**):

* callback rate (投诉回访率, seed 004 Art. 17, ≥ 95 %): complaints called back / complaints closed,
  SPEC §4 "called back / closed"; the complaints closed in the month (``closed_at``) count, a
  closed complaint is called back when it carries a callback result.
* outcome satisfaction (投诉处理结果满意率, seed 004 Art. 17, ≥ 85 %): satisfied callbacks /
  callbacks (SPEC §4, seed 004 "satisfied callbacks / callbacks done"). The seeds give no scale
  (seed 004 notes "no rating scale … 满意/基本满意/不满意"); **[decision]** "satisfied" means the
  callback results in ``SATISFIED_RESULTS``: satisfied and basically satisfied (满意 + 基本满意),
  the usual reading of a Chinese 满意率; data, so a stricter reading is a one-line change.
  Seed 004 worked example 12: 95 callbacks, 80 satisfied → 84.2 % fails; 81 → 85.3 % passes.
* on-time rate (按时办结率) **[decision]**: tickets fed back in the month that had a deadline,
  fed back at or before it (SPEC §4: "handled and result fed back" within the deadline).
* visit coverage (月度拜访维护面, seed 004 Art. 13b, 100 %): clients visited in the month / active
  clients owned (``rules/visit_frequency.py``); managers under 20 distinct clients (seed 003).
* supply satisfaction (seed 004 Art. 15, ≥ 80 %): the supply dimension of the latest survey.
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

CALLBACK_TARGET = Decimal("0.95")  # seed 004 Art. 17 投诉回访率 ≥ 95 %
OUTCOME_TARGET = Decimal("0.85")  # seed 004 Art. 17 投诉处理结果满意率 ≥ 85 %
COVERAGE_TARGET = Decimal("1")  # seed 004 Art. 13b 月度拜访维护面 100 %
SUPPLY_TARGET = Decimal("0.80")  # seed 004 Art. 15 供应满意度 ≥ 80 %
DISTINCT_CLIENTS_TARGET = 20  # seed 003: ≥ 20 distinct clients per manager and month

SATISFIED_RESULTS = ("satisfied", "basically")  # [decision] 满意 + 基本满意, see the docstring
OPEN_STATES = ("registered", "in_progress", "escalated", "fed_back", "called_back")
# Overdue: the deadline is to handle and feed back (SPEC §4), so a ticket fed back (or later) is
# no longer late; "open but not fed back" are these states.
AWAITING_FEEDBACK = ("registered", "in_progress", "escalated")
NOT_AWAITING_FEEDBACK = ("fed_back", "called_back", "closed")

TICKET_TYPES = ("complaint", "report", "inquiry", "opinion", "suggestion", "service_request")
COMPLAINT_CLASSES = ("own_service", "product", "external")
ANNUAL_TIERS = ("A", "B", "C", "D")  # SPEC §3 scheme 1
SCALES = (1, 2, 3)  # SPEC §3 scheme 2
SERVICE_LEVELS = ("A", "B", "C")  # SPEC §3 scheme 3


def rate(part, whole) -> Optional[Decimal]:
    """part / whole, 4 decimals half-up; None when the denominator is 0 or unknown."""
    if not whole or part is None:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def meets(value, target) -> Optional[bool]:
    """Whether a rate reaches its target (inclusive, seed 004 example 12-13); None without data."""
    if value is None or target is None:
        return None
    return Decimal(value) >= Decimal(target)


def percent(value) -> Optional[str]:
    """0.8421 -> '84.2' (one decimal, half-up), None stays None."""
    if value is None:
        return None
    return str((Decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def month_start(day):
    return dt.date(day.year, day.month, 1)


def next_month(month):
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_months(month, n):
    """The n months ending with ``month``, oldest first (a chart's 12-month trend)."""
    out, m = [], month_start(month)
    for _i in range(n):
        out.append(m)
        m = dt.date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)
    return out[::-1]


def parse_month(text) -> Optional[dt.date]:
    """'2026-10' -> date(2026, 10, 1); anything else -> None."""
    try:
        year, month = str(text).strip().split("-")
        if len(year) != 4 or not 1 <= len(month) <= 2:
            return None
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


COUNT_FIELDS = (
    "tickets_registered", "tickets_open", "tickets_overdue", "fed_back_with_deadline", "fed_back_on_time",
    "complaints_closed", "complaints_called_back", "callbacks", "callbacks_satisfied",
    "clients_active", "clients_owned", "clients_visited", "managers", "managers_under_target",
)
MIX_FIELDS = ("by_type", "by_class", "annual_tier", "scale", "service_level", "callback_results")


@dataclass
class Counts:
    """The counts of one department (or a sum of departments) for one month."""

    tickets_registered: int = 0
    tickets_open: int = 0  # of those registered in the month, not closed
    tickets_overdue: int = 0  # of those, past the deadline and not yet fed back
    fed_back_with_deadline: int = 0
    fed_back_on_time: int = 0
    complaints_closed: int = 0
    complaints_called_back: int = 0
    callbacks: int = 0
    callbacks_satisfied: int = 0
    clients_active: int = 0
    clients_owned: int = 0  # active clients with an owner: the coverage denominator
    clients_visited: int = 0
    managers: int = 0
    managers_under_target: int = 0
    by_type: dict = field(default_factory=dict)
    by_class: dict = field(default_factory=dict)
    annual_tier: dict = field(default_factory=dict)
    scale: dict = field(default_factory=dict)
    service_level: dict = field(default_factory=dict)
    callback_results: dict = field(default_factory=dict)  # complaints closed in the month, by result

    def __add__(self, other):
        out = Counts(**{f: getattr(self, f) + getattr(other, f) for f in COUNT_FIELDS})
        for f in MIX_FIELDS:
            merged = dict(getattr(self, f))
            for k, v in getattr(other, f).items():
                merged[k] = merged.get(k, 0) + v
            setattr(out, f, merged)
        return out


def total(counts):
    out = Counts()
    for c in counts:
        out = out + c
    return out


@dataclass(frozen=True)
class Figures:
    """The rates of a month against their targets."""

    callback_rate: Optional[Decimal]
    outcome_satisfaction: Optional[Decimal]
    on_time_rate: Optional[Decimal]
    visit_coverage: Optional[Decimal]

    @property
    def callback_ok(self):
        return meets(self.callback_rate, CALLBACK_TARGET)

    @property
    def outcome_ok(self):
        return meets(self.outcome_satisfaction, OUTCOME_TARGET)

    @property
    def coverage_ok(self):
        return meets(self.visit_coverage, COVERAGE_TARGET)


def figures(c: Counts) -> Figures:
    return Figures(
        callback_rate=rate(c.complaints_called_back, c.complaints_closed),
        outcome_satisfaction=rate(c.callbacks_satisfied, c.callbacks),
        on_time_rate=rate(c.fed_back_on_time, c.fed_back_with_deadline),
        visit_coverage=rate(c.clients_visited, c.clients_owned),
    )


def mix(counts: dict, keys) -> list:
    """[(key, count, share)] in the order of ``keys``, then any other key (e.g. "none"); the share
    of a mix with no clients is None."""
    whole = sum(counts.values())
    ordered = [str(k) for k in keys] + sorted(str(k) for k in counts if str(k) not in {str(x) for x in keys})
    by_key = {str(k): v for k, v in counts.items()}
    return [(k, by_key.get(k, 0), rate(by_key.get(k, 0), whole)) for k in ordered]
