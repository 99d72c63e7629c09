"""Survey sampling rules (SPEC §7, seed 004 Art. 25, seed 002) — pure functions, no database.

Semiannual sample [decision, SPEC §7]:
  size = max(ceil(ratio × N), number of non-empty strata), capped at N;
  strata = business format × region class × service level (a missing region class or service
  level forms its own stratum "-");
  every non-empty stratum gets one client, the rest of the size is allocated in proportion to
  stratum size by the largest-remainder method (a stratum never gets more than it holds; ties of
  remainders go to the larger stratum, then to the smaller stratum key, so the result is
  deterministic);
  within a stratum, clients are drawn with ``random.Random(seed)`` from the stratum's ids in
  ascending order, strata visited in ascending key order — the same seed and the same client set
  give the same sample.

Annual top purchasers (seed 002): the N clients with the highest purchase amount of the year;
every client tied with the N-th amount is included too; clients without purchases are not
"top purchasers" and are never included.

Channel [decision]: every invitation of a campaign uses the campaign's channel (online link by
default). Phone invitations are assigned to the active service-desk members round-robin in
ascending staff id order, continuing from the number of phone invitations already assigned.

Messages are short English sentences; the app translates them for display.
"""
import datetime as dt
import math
import random
import re
import secrets
from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Hashable, Iterable, Mapping, Optional, Sequence

_HALF_RE = re.compile(r"([0-9]{4})H([12])")
_YEAR_RE = re.compile(r"([0-9]{4})")

# seed 004: supply satisfaction ≥ 80 %, outcome satisfaction ≥ 85 %; seed 002: top purchasers 100 %.
SUPPLY_TARGET = Decimal("0.80")
OUTCOME_TARGET = Decimal("0.85")
TOP_PURCHASERS_TARGET = Decimal("1")

MISSING = "-"


def N_(message):
    """Marks a message for the catalogue (Babel's default keyword); this module imports no Flask,
    so ``SurveyCampaign.business_errors`` translates it where it is shown (issue #9)."""
    return message


def parse_campaign_period(kind: Optional[str], period: str):
    """``(start, end)`` (end exclusive) of a campaign period.

    Semiannual campaigns take a half year ``2026H1`` / ``2026H2``; the other kinds take a
    calendar year ``2026`` (a half year is accepted for after-complaint campaigns too).
    """
    text = (period or "").strip().upper()
    m = _HALF_RE.fullmatch(text)
    if m:
        if kind == "top_purchasers":
            raise ValueError(N_("The top purchasers campaign covers a calendar year, e.g. 2026."))
        year, half = int(m.group(1)), int(m.group(2))
        _check_year(year)
        if half == 1:
            return dt.date(year, 1, 1), dt.date(year, 7, 1)
        return dt.date(year, 7, 1), dt.date(year + 1, 1, 1)
    m = _YEAR_RE.fullmatch(text)
    if m:
        if kind == "semiannual":
            raise ValueError(N_("A semiannual campaign covers a half year, e.g. 2026H1 or 2026H2."))
        year = int(m.group(1))
        _check_year(year)
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    raise ValueError(N_("Write the period as a year (2026) or a half year (2026H1, 2026H2)."))


def _check_year(year):
    if not 1900 <= year <= 9998:
        raise ValueError(N_("The year must be between 1900 and 9998."))


def half_year_of(day: dt.date) -> str:
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def stratum_key(format_code, region_class, service_level) -> str:
    """``Z|city_a|A``: business format × region class × service level (SPEC §7)."""

    def part(v):
        v = getattr(v, "value", v)
        return str(v) if v not in (None, "") else MISSING

    return f"{part(format_code)}|{part(region_class)}|{part(service_level)}"


def sample_size(n: int, ratio, n_strata: int) -> int:
    """max(ceil(ratio × N), non-empty strata), never more than N (SPEC §7)."""
    if n < 0 or n_strata < 0:
        raise ValueError("Counts cannot be negative.")
    if n_strata > n:
        raise ValueError("There cannot be more non-empty strata than clients.")
    r = Fraction(str(ratio))
    if not (0 < r <= 1):
        raise ValueError("The sample ratio must be above 0 and at most 1 (100 %).")
    return min(n, max(math.ceil(r * n), n_strata))


def allocate(strata_sizes: Mapping[Hashable, int], size: int) -> "OrderedDict[Hashable, int]":
    """Seats per stratum: one for each non-empty stratum, the rest by largest remainder.

    Returns every non-empty stratum in ascending key order; the seats sum to ``size``.
    """
    sizes = OrderedDict((k, int(v)) for k, v in sorted(strata_sizes.items(), key=lambda kv: str(kv[0])) if v > 0)
    total = sum(sizes.values())
    if size < len(sizes):
        raise ValueError("The sample is smaller than the number of non-empty strata.")
    if size > total:
        raise ValueError("The sample is larger than the population.")
    alloc = OrderedDict((k, 1) for k in sizes)
    remaining = size - len(sizes)
    while remaining > 0:
        open_ = [k for k in sizes if alloc[k] < sizes[k]]
        pool = sum(sizes[k] for k in open_)
        quotas = {k: Fraction(remaining * sizes[k], pool) for k in open_}
        given = 0
        for k in open_:
            add = min(math.floor(quotas[k]), sizes[k] - alloc[k])
            alloc[k] += add
            given += add
        left = remaining - given
        order = sorted(
            (k for k in open_ if alloc[k] < sizes[k]),
            key=lambda k: (-(quotas[k] - math.floor(quotas[k])), -sizes[k], str(k)),
        )
        for k in order[:left]:
            alloc[k] += 1
            given += 1
        remaining -= given
    return alloc


def draw_sample(strata: Mapping[Hashable, Sequence[int]], ratio, seed: int):
    """Stratified random sample. ``strata`` maps a stratum key to its client ids.

    Returns ``(chosen, allocation)``: ``chosen`` maps each non-empty stratum (ascending key order)
    to its sorted chosen ids; ``allocation`` is ``{stratum: (population, sampled)}``.
    """
    members = {k: sorted(set(v)) for k, v in strata.items() if v}
    n = sum(len(v) for v in members.values())
    size = sample_size(n, ratio, len(members))
    alloc = allocate({k: len(v) for k, v in members.items()}, size) if members else OrderedDict()
    rng = random.Random(seed)
    chosen = OrderedDict()
    for k, seats in alloc.items():
        chosen[k] = sorted(rng.sample(members[k], seats))
    summary = OrderedDict((k, (len(members[k]), alloc[k])) for k in alloc)
    return chosen, summary


def top_purchasers(amounts: Iterable[tuple], n: int) -> list:
    """Ids of the ``n`` clients with the highest amount, ties at rank ``n`` included (seed 002).

    ``amounts`` yields ``(client_id, amount)``; amounts of 0 or less never qualify.
    """
    if n <= 0:
        raise ValueError("The number of top purchasers must be at least 1.")
    rows = sorted(((cid, a) for cid, a in amounts if a is not None and a > 0), key=lambda r: (-r[1], r[0]))
    if len(rows) <= n:
        return [cid for cid, _ in rows]
    threshold = rows[n - 1][1]
    return [cid for cid, a in rows if a >= threshold]


def round_robin(items: Sequence, assignees: Sequence, start: int = 0) -> list:
    """Assignee for each item in turn, starting at position ``start`` (None if nobody)."""
    if not assignees:
        return [None] * len(items)
    k = len(assignees)
    return [assignees[(start + i) % k] for i in range(len(items))]


def campaign_target(kind: str, dimension: Optional[str] = None) -> Optional[Decimal]:
    """The satisfaction target a figure is held to (SPEC §7).

    Top purchasers: 100 % everywhere (seed 002). Otherwise supply ≥ 80 % for the supply
    dimension, and the outcome target 85 % for the campaign as a whole and the other groupings.
    """
    if kind == "top_purchasers":
        return TOP_PURCHASERS_TARGET
    if dimension == "supply":
        return SUPPLY_TARGET
    return OUTCOME_TARGET


def rate(part: int, whole: int) -> Optional[Decimal]:
    """part / whole rounded half-up to 4 decimals, None when nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def new_seed() -> int:
    """A fresh random seed that fits a signed 64-bit column."""
    return secrets.randbits(62)
