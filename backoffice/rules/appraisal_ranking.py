"""Monthly appraisal ranking and the 末位淘汰 warning (SPEC §6, seed 001 L495–L537).

Staff are ranked per department and template by total score, highest first; equal totals share
a rank and the next rank skips (competition ranking, "1, 1, 3"). A staff member who is last in
three consecutive months (per department and template) is flagged. Plain values only.
"""
import datetime as dt
from decimal import Decimal

STREAK_MONTHS = 3  # SPEC §6: "ranked last in three consecutive months"


def competition_ranks(scores):
    """{key: rank} for {key: total score}; ties share the best rank (1, 1, 3). None scores are left out."""
    valid = {k: Decimal(v) for k, v in scores.items() if v is not None}
    ordered = sorted(valid.values(), reverse=True)
    first = {}
    for position, value in enumerate(ordered, 1):
        first.setdefault(value, position)
    return {k: first[v] for k, v in valid.items()}


def last_keys(ranks):
    """The keys ranked last (all of them when tied); nobody is last in a group of one."""
    if len(ranks) < 2:
        return set()
    worst = max(ranks.values())
    if worst == 1:  # everyone tied for first: nobody is last
        return set()
    return {k for k, r in ranks.items() if r == worst}


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def flagged(last_by_month, month, streak=STREAK_MONTHS):
    """Keys last in ``month`` and each of the ``streak - 1`` calendar months before it.

    ``last_by_month`` maps a month (first day) to the set of keys ranked last that month; a
    month without a ranking breaks the streak (Aug and Oct last, no Sep → not flagged).
    """
    month = month.replace(day=1)
    keys = set(last_by_month.get(month, set()))
    for _ in range(streak - 1):
        month = previous_month(month)
        keys &= set(last_by_month.get(month, set()))
    return keys
