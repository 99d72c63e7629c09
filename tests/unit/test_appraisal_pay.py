from decimal import Decimal

import pytest

from backoffice.rules.appraisal_pay import (
    final_pay,
    pay_breakdown,
    pay_factor,
    template_total_ok,
    validate_item_score,
)
from backoffice.rules.money import round_half_up_to_fen, to_decimal


@pytest.mark.parametrize(
    "total, factor",
    [
        (100, Decimal("1.05")),
        (95, Decimal("1.05")),
        (Decimal("94.99"), Decimal("1.00")),
        (90, Decimal("1.00")),
        (Decimal("89.99"), Decimal("0.8999")),
        (88, Decimal("0.88")),
        (80, Decimal("0.80")),
        (60, Decimal("0.60")),
        (Decimal("59.99"), Decimal("0")),
        (59, Decimal("0")),
        (0, Decimal("0")),
    ],
)
def test_pay_factor(total, factor):
    assert pay_factor(total) == factor


@pytest.mark.parametrize("total", [-1, Decimal("-0.01"), Decimal("100.01"), 101])
def test_pay_factor_out_of_range(total):
    with pytest.raises(ValueError):
        pay_factor(total)


@pytest.mark.parametrize(
    "total, base, adjustment, expected",
    [
        (88, 3000, "exceeded", Decimal("2772.00")),  # seed 001 L520: 2640 + 132
        (88, 1000, "exceeded", Decimal("924.00")),  # seed 001 L535: 880 + 44
        (80, 500, "met", Decimal("400.00")),  # seed 001 L531
        (96, 3000, "met", Decimal("3150.00")),
        (92, 3000, "missed", Decimal("2850.00")),
        (59, 3000, "exceeded", Decimal("0.00")),
        (59, 3000, "missed", Decimal("0.00")),
    ],
)
def test_final_pay_vectors(total, base, adjustment, expected):
    result = final_pay(base, total, adjustment)
    assert result == expected
    assert result.as_tuple().exponent == -2  # to the fen


def test_breakdown_of_source_example():
    b = pay_breakdown(Decimal("3000"), 88, "exceeded")
    assert (b.factor, b.adjusted_pay, b.adjustment, b.final_pay) == (
        Decimal("0.88"),
        Decimal("2640.00"),
        Decimal("132.00"),
        Decimal("2772.00"),
    )
    assert pay_breakdown(3000, 92, "missed").adjustment == Decimal("-150.00")


def test_rounding_half_up_at_half_fen():
    assert round_half_up_to_fen(Decimal("0.005")) == Decimal("0.01")
    assert round_half_up_to_fen(Decimal("0.015")) == Decimal("0.02")  # not banker's 0.02/0.01 luck
    assert round_half_up_to_fen(Decimal("0.025")) == Decimal("0.03")  # banker's would give 0.02
    assert round_half_up_to_fen(Decimal("0.0049")) == Decimal("0.00")
    # base 0.50 × 61 % = 0.305 -> 0.31 (half up), then ± round(0.31 × 5 %) = 0.0155 -> 0.02
    assert pay_breakdown(Decimal("0.50"), 61, "met").adjusted_pay == Decimal("0.31")
    assert final_pay(Decimal("0.50"), 61, "exceeded") == Decimal("0.33")
    assert final_pay(Decimal("0.50"), 61, "missed") == Decimal("0.29")
    # adjustment exactly at half a fen: 0.10 × 5 % = 0.005 -> 0.01, symmetric for ±
    assert final_pay(Decimal("0.10"), 90, "exceeded") == Decimal("0.11")
    assert final_pay(Decimal("0.10"), 90, "missed") == Decimal("0.09")


def test_each_step_is_rounded_before_the_next():
    # 1234.57 × 0.885 = 1092.59445 -> 1092.59; × 5 % = 54.6295 -> 54.63; 1092.59 + 54.63
    b = pay_breakdown(Decimal("1234.57"), Decimal("88.5"), "exceeded")
    assert b.adjusted_pay == Decimal("1092.59")
    assert b.adjustment == Decimal("54.63")
    assert b.final_pay == Decimal("1147.22")


def test_bad_pay_inputs():
    with pytest.raises(ValueError):
        final_pay(3000, 88, "great")
    with pytest.raises(ValueError):
        final_pay(-1, 88, "met")
    with pytest.raises(ValueError):
        final_pay(3000, 120, "met")
    assert final_pay("3000", "88", "met") == Decimal("2640.00")
    assert final_pay(3000.0, 88.0, "met") == Decimal("2640.00")


def test_validate_item_score():
    assert validate_item_score(60, 60) == 60
    assert validate_item_score(0, 20) == 0
    assert validate_item_score("17.5", 20) == Decimal("17.5")
    for score, maximum in ((61, 60), (-1, 20), (Decimal("20.01"), 20)):
        with pytest.raises(ValueError):
            validate_item_score(score, maximum)


def test_template_total():
    assert template_total_ok([60, 20, 20])  # sales
    assert template_total_ok([20, 30, 40, 10])  # clerk
    assert template_total_ok([Decimal("33.5"), Decimal("66.5")])
    assert not template_total_ok([60, 20, 19])
    assert not template_total_ok([60, 20, 21])
    assert not template_total_ok([])
    assert not template_total_ok([110, -10])


def test_to_decimal_rejects():
    for bad in (None, "abc", float("inf"), Decimal("NaN")):
        with pytest.raises(ValueError):
            to_decimal(bad)
    for bad in (True, [1]):
        with pytest.raises(TypeError):
            to_decimal(bad)


# -- bands and rates as data (issue #14): the rule takes them as values ---------------------------
from backoffice.rules.appraisal_pay import DEFAULT_BANDS, PayBand, band_of, band_problems  # noqa: E402

D = Decimal


def test_the_default_bands_cover_0_to_100_exactly_once():
    assert band_problems(DEFAULT_BANDS) == []
    assert band_of(100).factor == D("1.05") and band_of(D("94.99")).factor == D("1.00")
    assert band_of(D("89.99")).as_percentage and band_of(60).as_percentage and band_of(D("59.99")).factor == 0


def test_other_bands_and_rates_given_as_values():
    bands = (PayBand(D(85), D(100), D("1.10"), False), PayBand(D(0), D(85), None, True))
    assert pay_factor(85, bands) == D("1.10") and pay_factor(100, bands) == D("1.10")
    assert pay_factor(D("84.99"), bands) == D("0.8499")
    rates = {"exceeded": D("0.10"), "met": D("0.02"), "missed": D("-0.10")}
    assert final_pay(3000, 88, "met", bands, rates) == D("3366.00")  # 3300 + 66
    assert final_pay(3000, 88, "missed", bands, rates) == D("2970.00")  # 3300 − 330


@pytest.mark.parametrize("bands, code, values", [
    ((PayBand(D(90), D(100), D(1), False), PayBand(D(0), D(89), D(0), False)), "gap", (D(89), D(90))),
    ((PayBand(D(85), D(100), D(1), False), PayBand(D(0), D(90), D(0), False)), "overlap", (D(85), D(90))),
    ((PayBand(D(10), D(100), D(1), False),), "start", (D(0), D(10))),
    ((PayBand(D(0), D(99), D(1), False),), "end", (D(99), D(100))),
    ((PayBand(D(0), D(100), None, False),), "factor", (D(0), D(100))),
    ((PayBand(D(50), D(40), D(1), False),), "bounds", (D(50), D(40))),
    ((PayBand(D(0), D(101), D(1), False),), "bounds", (D(0), D(101))),
    ((), "empty", ()),
])
def test_band_problems_name_the_gap_or_overlap(bands, code, values):
    assert (code, values) in band_problems(bands)


def test_a_total_outside_every_band_is_refused():
    with pytest.raises(ValueError):
        pay_factor(50, (PayBand(D(60), D(100), D(1), False),))
