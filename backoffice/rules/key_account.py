"""Key account (大客户), seed 001 集团大客户管理制度 (L187–L190), SPEC §3.4.

"购买金额超过一定限额(如100万元)的客户可以被定义为大客户; 对企业贡献利润超过一定比例(如10%)的
客户可以被定义为大客户" plus development potential (发展潜力, a manual flag). Any one qualifies.
"如" = "for example": both numbers are defaults, editable (passed in as parameters).
"超过" = "exceeds": both tests are strict (>).
"""
from decimal import Decimal

from .money import to_decimal

DEFAULT_AMOUNT_THRESHOLD = Decimal("1000000")  # 元 per year
DEFAULT_PROFIT_SHARE_THRESHOLD = Decimal("0.10")  # of company profit

AMOUNT, PROFIT, POTENTIAL = "amount", "profit", "potential"


def profit_share_exceeds(profit_contribution, company_profit, threshold=DEFAULT_PROFIT_SHARE_THRESHOLD):
    """True if profit_contribution / company_profit > threshold (strict). seed 001 L189.

    Company profit missing or <= 0 makes the share meaningless: the test is false. A missing
    contribution is false too. Computed by cross-multiplication, exactly.
    """
    if profit_contribution is None or company_profit is None:
        return False
    company = to_decimal(company_profit, "company profit")
    if company <= 0:
        return False
    contribution = to_decimal(profit_contribution, "profit contribution")
    return contribution > to_decimal(threshold, "profit share threshold") * company


def key_account_reasons(
    annual_amount,
    profit_contribution=None,
    company_profit=None,
    potential=False,
    *,
    amount_threshold=DEFAULT_AMOUNT_THRESHOLD,
    profit_share_threshold=DEFAULT_PROFIT_SHARE_THRESHOLD,
):
    """Which key-account criteria a client meets: a tuple of ``"amount"``, ``"profit"``, ``"potential"``.

    seed 001 L187–L190 / SPEC §3.4: annual amount > 1,000,000 元 (strict); profit contribution
    > 10 % of company profit (strict; company profit <= 0 -> false); manual potential flag.
    A missing annual amount counts as no purchases.
    """
    reasons = []
    amount = Decimal(0) if annual_amount is None else to_decimal(annual_amount, "annual amount")
    if amount > to_decimal(amount_threshold, "amount threshold"):
        reasons.append(AMOUNT)
    if profit_share_exceeds(profit_contribution, company_profit, profit_share_threshold):
        reasons.append(PROFIT)
    if potential:
        reasons.append(POTENTIAL)
    return tuple(reasons)


def is_key_account(
    annual_amount,
    profit_contribution=None,
    company_profit=None,
    potential=False,
    *,
    amount_threshold=DEFAULT_AMOUNT_THRESHOLD,
    profit_share_threshold=DEFAULT_PROFIT_SHARE_THRESHOLD,
):
    """True if any key-account criterion is met (seed 001 L187–L190, SPEC §3.4)."""
    return bool(
        key_account_reasons(
            annual_amount,
            profit_contribution,
            company_profit,
            potential,
            amount_threshold=amount_threshold,
            profit_share_threshold=profit_share_threshold,
        )
    )
