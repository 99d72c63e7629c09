"""Annual purchase tier A–D and its manual upward override (seed 000 F7 第四条, SPEC §3.1).

seed 000 (团队客户管理制度 第四条):
  A级: 年度采购额在100万元(含)以上, 或对公司业务有重大贡献
  B级: 50万元(含)至100万元以下, 或有重要贡献
  C级: 10万元(含)至50万元以下, 或有一定贡献
  D级: 10万元以下, 或贡献较小

Thresholds and ranks are data (admins edit tier schemes, SPEC §3): the defaults below are seeded.
"""
from decimal import Decimal

from .money import to_decimal

# (code, minimum annual amount in 元, inclusive), best tier first. The last tier catches every
# amount below the previous minimum (its own minimum is informative only).
DEFAULT_ANNUAL_THRESHOLDS = (
    ("A", Decimal("1000000")),
    ("B", Decimal("500000")),
    ("C", Decimal("100000")),
    ("D", Decimal("0")),
)

# rank 1 = highest tier (SPEC §2: "a rank (1 = highest)").
DEFAULT_ANNUAL_RANKS = {"A": 1, "B": 2, "C": 3, "D": 4}

# seed 000: the contribution that justifies an upward override, and the tier it earns.
CONTRIBUTION_TIERS = {"重大": "A", "重要": "B", "一定": "C"}


class TierOverrideError(ValueError):
    """A manual tier override is not allowed."""


def validate_thresholds(thresholds):
    """Check a threshold table: non-empty, unique codes, minimums strictly decreasing.

    Raises ValueError with a short English message. SPEC §3 (tier schemes are editable data).
    """
    if not thresholds:
        raise ValueError("A tier scheme needs at least one tier.")
    codes = [code for code, _ in thresholds]
    if len(set(codes)) != len(codes):
        raise ValueError("Tier codes must be unique.")
    minimums = [to_decimal(minimum, "minimum amount") for _, minimum in thresholds]
    for higher, lower in zip(minimums, minimums[1:]):
        if not higher > lower:
            raise ValueError("Tier minimum amounts must decrease from the best tier to the last.")


def ranks_from_thresholds(thresholds):
    """Ranks 1..n in the order of the threshold table (best tier first)."""
    return {code: i for i, (code, _) in enumerate(thresholds, start=1)}


def annual_tier(amount, thresholds=DEFAULT_ANNUAL_THRESHOLDS):
    """The tier earned by an annual purchase amount (元). seed 000 第四条, SPEC §3.1.

    Minimums are inclusive: 1,000,000.00 -> A, 999,999.99 -> B, 100,000 -> C, 99,999.99 -> D.
    An amount below every minimum (e.g. net returns, a negative amount) gets the last tier.
    """
    value = to_decimal(amount, "annual amount")
    for code, minimum in thresholds:
        if value >= to_decimal(minimum, "minimum amount"):
            return code
    return thresholds[-1][0]


def _rank(code, ranks, what):
    try:
        return ranks[code]
    except (KeyError, TypeError):
        raise TierOverrideError(f"Unknown {what} tier: {code!r}.") from None


def validate_override(computed, override, ranks=DEFAULT_ANNUAL_RANKS):
    """Refuse a manual override that is unknown or lower than the computed tier.

    SPEC §3.1: "An upward manual override … is allowed" (seed 000: 或对公司业务有重大/重要/一定贡献).
    An override equal to the computed tier is accepted: it pins the tier, so a later fall in
    purchases does not downgrade a client whose contribution justifies it. ``override=None``
    (no override) is always valid. Raises TierOverrideError (a ValueError).
    """
    if override is None:
        return
    override_rank = _rank(override, ranks, "override")
    computed_rank = _rank(computed, ranks, "computed")
    if override_rank > computed_rank:
        raise TierOverrideError(
            f"A manual tier can only raise the tier: {override} is below the computed tier {computed}."
        )


def effective_tier(computed, override, ranks=DEFAULT_ANNUAL_RANKS):
    """The tier that applies: the better (lower rank) of the computed tier and the override.

    SPEC §3: "A manual override survives recalculation until it is removed": after a re-grade
    that lifts the computed tier above the override, the computed tier wins and the override
    stays stored (harmless) until removed.
    """
    if override is None:
        return computed
    if computed is None:
        _rank(override, ranks, "override")
        return override
    return override if _rank(override, ranks, "override") < _rank(computed, ranks, "computed") else computed
