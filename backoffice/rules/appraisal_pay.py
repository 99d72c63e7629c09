"""Appraisal sheets: item scores, template totals and performance pay (考核表, seed 001 §5, SPEC §6).

seed 001 (销售人员 / 内勤月度绩效考核办法, L512–L536):
  得分 95–100 → 当月绩效工资按105%发放; 90–94 → 100%; 60–89 → 按相应分数比例发放; 60分以下 → 不予发放.
  部门业绩目标超额完成(挑战目标) → +5%; 完成 → 0; 未完成 → −5%, on the score-adjusted pay
  (source example: 3000 × 88% = 2640; 2640 × 5% = 132; 2640 + 132 = 2772).
SPEC §6 [decision]: half-open bands [95,100], [90,95), [60,90), [0,60); every money step is
rounded to the fen, half up.
"""
from collections import namedtuple
from decimal import Decimal

from .money import round_half_up_to_fen, to_decimal

TEMPLATE_TOTAL = Decimal(100)
MAX_TOTAL = Decimal(100)


class PayBand(namedtuple("PayBand", "lower upper factor as_percentage")):
    """A band of total scores and its pay factor: ``lower`` <= total < ``upper`` (the band ending
    at 100 includes 100). ``as_percentage`` True: the factor is the score itself (80 points → 80 %)
    and ``factor`` is ignored. The bands are data the administrator edits (AppraisalPayBand)."""

    __slots__ = ()

    def holds(self, total):
        return self.lower <= total < self.upper or (self.upper == MAX_TOTAL and total == MAX_TOTAL)


# SPEC §6 / seed 001 L512–L516, half-open [decision]: the seeded bands, used when none are given.
DEFAULT_BANDS = (
    PayBand(Decimal(95), Decimal(100), Decimal("1.05"), False),  # 表现突出: 105 %
    PayBand(Decimal(90), Decimal(95), Decimal("1.00"), False),  # 100 %
    PayBand(Decimal(60), Decimal(90), None, True),  # 按相应分数比例发放
    PayBand(Decimal(0), Decimal(60), Decimal("0"), False),  # 不予发放绩效工资
)

# SPEC §6: department adjustment by target result (keys = TargetResult codes of the models),
# the seeded rates; the administrator edits them (DepartmentAdjustment rows).
ADJUSTMENT_RATES = {
    "exceeded": Decimal("0.05"),  # 超额完成 (challenge target reached)
    "met": Decimal("0"),  # 完成
    "missed": Decimal("-0.05"),  # 未完成
}

PayBreakdown = namedtuple("PayBreakdown", "factor adjusted_pay adjustment final_pay")


def band_problems(bands):
    """What is wrong with a set of bands, as (code, values) pairs; empty when they cover 0–100
    exactly once. Codes: "empty", "bounds" (lower >= upper or outside 0–100), "factor" (missing
    or negative factor), "start" (nothing starts at 0), "end" (nothing ends at 100), "gap"
    (values: the uncovered (from, to)), "overlap" (values: the doubly covered (from, to))."""
    problems = []
    if not bands:
        return [("empty", ())]
    for b in bands:
        if not (0 <= b.lower < b.upper <= MAX_TOTAL):
            problems.append(("bounds", (b.lower, b.upper)))
        if not b.as_percentage and (b.factor is None or b.factor < 0):
            problems.append(("factor", (b.lower, b.upper)))
    if problems:
        return problems
    ordered = sorted(bands, key=lambda b: (b.lower, b.upper))
    if ordered[0].lower != 0:
        problems.append(("start", (Decimal(0), ordered[0].lower)))
    for before, after in zip(ordered, ordered[1:]):
        if after.lower > before.upper:
            problems.append(("gap", (before.upper, after.lower)))
        elif after.lower < before.upper:
            problems.append(("overlap", (after.lower, min(before.upper, after.upper))))
    if max(b.upper for b in ordered) != MAX_TOTAL:
        problems.append(("end", (max(b.upper for b in ordered), MAX_TOTAL)))
    return problems


def pay_factor(total, bands=DEFAULT_BANDS):
    """Performance-pay factor for a total score. seed 001 L512–L516, SPEC §6.

    With the seeded bands: [95, 100] -> 1.05; [90, 95) -> 1.00; [60, 90) -> total / 100;
    [0, 60) -> 0. A total outside 0..100 (or outside every band) raises ValueError.
    """
    score = to_decimal(total, "total score")
    if score < 0 or score > MAX_TOTAL:
        raise ValueError("The total score must be between 0 and 100.")
    for band in bands:
        if band.holds(score):
            return score / 100 if band.as_percentage else Decimal(band.factor)
    raise ValueError(f"No pay band holds the total {score}.")


def band_of(total, bands=DEFAULT_BANDS):
    """The band a total falls in, or None."""
    score = to_decimal(total, "total score")
    return next((b for b in bands if b.holds(score)), None)


def pay_breakdown(base, total, adjustment="met", bands=DEFAULT_BANDS, rates=None):
    """Every money step of the month's performance pay. SPEC §6 [decision] rounding.

    adjusted = round_fen(base × pay_factor(total));
    adjustment = round_fen(adjusted × |rate|) with the sign of the department result's rate
    (seeded ±5 %); final = adjusted ± adjustment. ``adjustment`` is "exceeded", "met" or "missed";
    ``rates`` maps them to their rate (default ``ADJUSTMENT_RATES``).
    """
    rates = ADJUSTMENT_RATES if rates is None else rates
    base_pay = to_decimal(base, "performance-pay base")
    if base_pay < 0:
        raise ValueError("The performance-pay base cannot be negative.")
    if adjustment not in rates:
        raise ValueError(f"Unknown department result: {adjustment!r} (expected exceeded, met or missed).")
    factor = pay_factor(total, bands)
    adjusted = round_half_up_to_fen(base_pay * factor)
    rate = Decimal(rates[adjustment])
    # Round the magnitude, then apply the sign: +5 % and −5 % of the same pay are equal amounts.
    magnitude = round_half_up_to_fen(adjusted * abs(rate))
    signed = magnitude if rate > 0 else -magnitude
    return PayBreakdown(factor, adjusted, signed, adjusted + signed)


def final_pay(base, total, adjustment="met", bands=DEFAULT_BANDS, rates=None):
    """The month's performance pay in 元 (Decimal, to the fen). seed 001 §5.6, SPEC §6.

    Source vectors: (3000, 88, exceeded) -> 2772.00; (1000, 88, exceeded) -> 924.00;
    (500, 80, met) -> 400.00.
    """
    return pay_breakdown(base, total, adjustment, bands, rates).final_pay


def validate_item_score(score, max_points):
    """Refuse an item score below 0 or above the item's maximum (SPEC §6). Returns it as Decimal."""
    value = to_decimal(score, "item score")
    maximum = to_decimal(max_points, "maximum points")
    if value < 0:
        raise ValueError("An item score cannot be negative.")
    if value > maximum:
        raise ValueError(f"An item score cannot exceed the item's maximum of {maximum} points.")
    return value


def template_total_ok(item_maxima):
    """True if a template's item maxima are all positive and sum to exactly 100 (SPEC §6).

    Seeded: sales 60 + 20 + 20; clerk 20 + 30 + 40 + 10 (seed 001 §5.2, §5.3).
    """
    maxima = [to_decimal(m, "maximum points") for m in item_maxima]
    return bool(maxima) and all(m > 0 for m in maxima) and sum(maxima) == TEMPLATE_TOTAL
