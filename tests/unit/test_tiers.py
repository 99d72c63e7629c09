from decimal import Decimal

import pytest

from backoffice.rules.tiers import (
    CONTRIBUTION_TIERS,
    DEFAULT_ANNUAL_RANKS,
    DEFAULT_ANNUAL_THRESHOLDS,
    TierOverrideError,
    annual_tier,
    effective_tier,
    ranks_from_thresholds,
    validate_override,
    validate_thresholds,
)


@pytest.mark.parametrize(
    "amount, tier",
    [
        (Decimal("1000000.00"), "A"),  # seed 000: 100万元(含)以上
        (Decimal("5000000"), "A"),
        (Decimal("999999.99"), "B"),
        (Decimal("500000"), "B"),
        (Decimal("499999.99"), "C"),
        (Decimal("100000"), "C"),
        (Decimal("99999.99"), "D"),
        (Decimal("0"), "D"),
        (Decimal("-10"), "D"),  # net returns: lowest tier
        (1000000, "A"),
        ("500000.00", "B"),
        (99999.99, "D"),  # float via repr, not binary expansion
    ],
)
def test_annual_tier(amount, tier):
    assert annual_tier(amount) == tier


def test_annual_tier_custom_thresholds():
    scheme = (("GOLD", Decimal("10")), ("SILVER", Decimal("5")), ("BRONZE", Decimal("0")))
    assert annual_tier(Decimal("10"), scheme) == "GOLD"
    assert annual_tier(Decimal("9.99"), scheme) == "SILVER"
    assert annual_tier(Decimal("-1"), scheme) == "BRONZE"


def test_annual_tier_rejects_garbage():
    with pytest.raises(ValueError):
        annual_tier(None)
    with pytest.raises(ValueError):
        annual_tier("abc")
    with pytest.raises(ValueError):
        annual_tier(float("nan"))


def test_thresholds_validation():
    validate_thresholds(DEFAULT_ANNUAL_THRESHOLDS)
    assert ranks_from_thresholds(DEFAULT_ANNUAL_THRESHOLDS) == DEFAULT_ANNUAL_RANKS
    with pytest.raises(ValueError):
        validate_thresholds(())
    with pytest.raises(ValueError):
        validate_thresholds((("A", 10), ("A", 5)))
    with pytest.raises(ValueError):
        validate_thresholds((("A", 10), ("B", 10)))
    with pytest.raises(ValueError):
        validate_thresholds((("A", 5), ("B", 10)))


def test_upward_override_wins():
    # seed 000: amount 50,000 (D) with 重大 contribution -> A
    computed = annual_tier(Decimal("50000"))
    override = CONTRIBUTION_TIERS["重大"]
    validate_override(computed, override, DEFAULT_ANNUAL_RANKS)
    assert effective_tier(computed, override, DEFAULT_ANNUAL_RANKS) == "A"


def test_downward_override_refused():
    with pytest.raises(TierOverrideError) as info:
        validate_override("B", "C", DEFAULT_ANNUAL_RANKS)
    assert isinstance(info.value, ValueError)
    assert "raise" in str(info.value)


def test_equal_override_accepted_and_none_is_no_override():
    validate_override("B", "B", DEFAULT_ANNUAL_RANKS)
    validate_override("B", None, DEFAULT_ANNUAL_RANKS)
    assert effective_tier("B", None) == "B"


def test_unknown_codes_refused():
    with pytest.raises(TierOverrideError):
        validate_override("B", "Z", DEFAULT_ANNUAL_RANKS)
    with pytest.raises(TierOverrideError):
        effective_tier("Q", "A", DEFAULT_ANNUAL_RANKS)


def test_override_survives_a_regrade_but_never_lowers():
    # the override stays stored; once the computed tier is better, the computed tier applies
    assert effective_tier("D", "B") == "B"
    assert effective_tier("A", "B") == "A"
    assert effective_tier(None, "B") == "B"
