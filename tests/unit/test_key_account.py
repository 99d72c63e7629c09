from decimal import Decimal

import pytest

from backoffice.rules.key_account import is_key_account, key_account_reasons, profit_share_exceeds


@pytest.mark.parametrize(
    "amount, expected",
    [
        (Decimal("1000000.01"), True),
        (Decimal("1000000"), False),  # "超过" = strictly greater
        (Decimal("999999.99"), False),
        (None, False),
    ],
)
def test_amount_test(amount, expected):
    assert is_key_account(amount) is expected


def test_profit_share_strict():
    assert profit_share_exceeds(Decimal("10.01"), Decimal("100"))
    assert not profit_share_exceeds(Decimal("10"), Decimal("100"))
    assert not profit_share_exceeds(Decimal("50"), Decimal("0"))  # company profit <= 0: false
    assert not profit_share_exceeds(Decimal("50"), Decimal("-100"))
    assert not profit_share_exceeds(None, Decimal("100"))
    assert not profit_share_exceeds(Decimal("50"), None)
    assert not profit_share_exceeds(Decimal("-50"), Decimal("100"))


def test_reasons_and_any_one_qualifies():
    assert key_account_reasons(Decimal("2000000"), Decimal("20"), Decimal("100"), True) == (
        "amount",
        "profit",
        "potential",
    )
    assert key_account_reasons(Decimal("10"), Decimal("11"), Decimal("100")) == ("profit",)
    assert key_account_reasons(0, potential=True) == ("potential",)
    assert is_key_account(0, potential=True)
    assert not is_key_account(0, Decimal("1"), Decimal("100"))


def test_thresholds_are_parameters():
    assert is_key_account(Decimal("600000"), amount_threshold=Decimal("500000"))
    assert not is_key_account(0, Decimal("6"), Decimal("100"))
    assert is_key_account(0, Decimal("6"), Decimal("100"), profit_share_threshold=Decimal("0.05"))


def test_garbage_rejected():
    with pytest.raises(ValueError):
        is_key_account("lots")
