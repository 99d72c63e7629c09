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

# SPEC §6: department adjustment by target result (keys = TargetResult codes of the models).
ADJUSTMENT_RATES = {
    "exceeded": Decimal("0.05"),  # 超额完成 (challenge target reached)
    "met": Decimal("0"),  # 完成
    "missed": Decimal("-0.05"),  # 未完成
}

PayBreakdown = namedtuple("PayBreakdown", "factor adjusted_pay adjustment final_pay")


def pay_factor(total):
    """Performance-pay factor for a total score. seed 001 L512–L516, SPEC §6.

    [95, 100] -> 1.05; [90, 95) -> 1.00; [60, 90) -> total / 100; [0, 60) -> 0.
    A total outside 0..100 raises ValueError.
    """
    score = to_decimal(total, "total score")
    if score < 0 or score > MAX_TOTAL:
        raise ValueError("The total score must be between 0 and 100.")
    if score >= 95:
        return Decimal("1.05")
    if score >= 90:
        return Decimal("1.00")
    if score >= 60:
        return score / 100
    return Decimal("0")


def pay_breakdown(base, total, adjustment="met"):
    """Every money step of the month's performance pay. SPEC §6 [decision] rounding.

    adjusted = round_fen(base × pay_factor(total));
    adjustment = round_fen(adjusted × 5 %) with the sign of the department result;
    final = adjusted ± adjustment. ``adjustment`` is "exceeded", "met" or "missed".
    """
    base_pay = to_decimal(base, "performance-pay base")
    if base_pay < 0:
        raise ValueError("The performance-pay base cannot be negative.")
    if adjustment not in ADJUSTMENT_RATES:
        raise ValueError(f"Unknown department result: {adjustment!r} (expected exceeded, met or missed).")
    factor = pay_factor(total)
    adjusted = round_half_up_to_fen(base_pay * factor)
    rate = ADJUSTMENT_RATES[adjustment]
    # Round the magnitude, then apply the sign: +5 % and −5 % of the same pay are equal amounts.
    magnitude = round_half_up_to_fen(adjusted * abs(rate))
    signed = magnitude if rate > 0 else -magnitude
    return PayBreakdown(factor, adjusted, signed, adjusted + signed)


def final_pay(base, total, adjustment="met"):
    """The month's performance pay in 元 (Decimal, to the fen). seed 001 §5.6, SPEC §6.

    Source vectors: (3000, 88, exceeded) -> 2772.00; (1000, 88, exceeded) -> 924.00;
    (500, 80, met) -> 400.00.
    """
    return pay_breakdown(base, total, adjustment).final_pay


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
