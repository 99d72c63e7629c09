"""Properties of the performance pay (SPEC §6), over many scores and bases (hypothesis)."""
from decimal import Decimal

from hypothesis import given, strategies as st

from backoffice.rules.appraisal_pay import pay_breakdown, pay_factor
from backoffice.rules.money import round_half_up_to_fen

scores = st.decimals(min_value=0, max_value=100, places=2)
bases = st.decimals(min_value=0, max_value=100000, places=2)
results = st.sampled_from(["exceeded", "met", "missed"])
BANDS = [(Decimal(95), Decimal(100)), (Decimal(90), Decimal("94.99")), (Decimal(60), Decimal("89.99")),
         (Decimal(0), Decimal("59.99"))]


def band_of(total):
    return next(i for i, (lo, hi) in enumerate(BANDS) if lo <= total <= hi)


@given(bases, scores, results)
def test_pay_is_never_negative(base, total, result):
    b = pay_breakdown(base, total, result)
    assert b.final_pay >= 0 and b.adjusted_pay >= 0


@given(bases, scores, scores, results)
def test_within_a_band_a_higher_score_never_pays_less(base, a, b, result):
    if band_of(a) != band_of(b):
        return
    low, high = sorted([a, b])
    assert pay_breakdown(base, high, result).final_pay >= pay_breakdown(base, low, result).final_pay


@given(bases, scores)
def test_the_five_percent_applies_to_the_score_adjusted_pay(base, total):
    adjusted = round_half_up_to_fen(base * pay_factor(total))
    five = round_half_up_to_fen(adjusted * Decimal("0.05"))
    assert pay_breakdown(base, total, "met").final_pay == adjusted
    assert pay_breakdown(base, total, "exceeded").final_pay == adjusted + five
    assert pay_breakdown(base, total, "missed").final_pay == adjusted - five


def test_band_edges_pay_as_the_spec_says():
    base = Decimal(1000)
    assert pay_breakdown(base, Decimal("94.99")).final_pay == Decimal("1000.00")
    assert pay_breakdown(base, 95).final_pay == Decimal("1050.00")
    assert pay_breakdown(base, Decimal("89.99")).final_pay == Decimal("899.90")
    assert pay_breakdown(base, 90).final_pay == Decimal("1000.00")
    assert pay_breakdown(base, 60).final_pay == Decimal("600.00")
    assert pay_breakdown(base, Decimal("59.99")).final_pay == Decimal("0.00")


# Bands an administrator may set (issue #14): any cut of 0–100 into bands with factors >= 0.
from backoffice.rules.appraisal_pay import PayBand, band_problems  # noqa: E402

cuts = st.lists(st.integers(min_value=1, max_value=99), max_size=5, unique=True).map(sorted)
factors = st.one_of(st.none(), st.decimals(min_value=0, max_value=2, places=2))


@given(cuts, st.lists(factors, min_size=6, max_size=6), bases, scores, results)
def test_any_valid_bands_pay_never_negative_and_the_adjustment_applies_to_the_adjusted_pay(
        cut, fs, base, total, result):
    edges = [Decimal(0)] + [Decimal(c) for c in cut] + [Decimal(100)]
    bands = tuple(PayBand(lo, hi, fs[i], fs[i] is None) for i, (lo, hi) in enumerate(zip(edges, edges[1:])))
    assert band_problems(bands) == []
    b = pay_breakdown(base, total, result, bands)
    assert b.final_pay >= 0
    rate = {"exceeded": Decimal("0.05"), "met": Decimal(0), "missed": Decimal("-0.05")}[result]
    assert abs(b.adjustment) == round_half_up_to_fen(b.adjusted_pay * abs(rate))
