"""The one amount parser and the phone / e-mail checks (backoffice/rules; issue #11)."""
from decimal import Decimal

import pytest

from backoffice.rules.contact_info import email_error, phone_error
from backoffice.rules.money import AmountError, parse_amount


@pytest.mark.parametrize("text, expected", [
    ("600,000", Decimal("600000")),
    ("600000", Decimal("600000")),
    ("600,000.50", Decimal("600000.50")),
    ("¥1,234.50", Decimal("1234.50")),
    ("１，２３４．５", Decimal("1234.5")),  # full-width, as typed with a Chinese IME
    (" 12 元", Decimal("12")),
    ("1.500", Decimal("1.50")),  # trailing zeros are no extra precision
    ("-3.5", Decimal("-3.5")),
    (Decimal("7.25"), Decimal("7.25")),
    (12, Decimal("12")),
    (0.1, Decimal("0.1")),
])
def test_amounts_read_alike(text, expected):
    value = parse_amount(text)
    assert value == expected
    assert value.as_tuple().exponent >= -2


@pytest.mark.parametrize("text", ["1.005", "0.001", Decimal("1.005"), 1.005, "600,000.123"])
def test_more_than_two_decimals_is_refused_not_rounded(text):
    with pytest.raises(AmountError) as exc:
        parse_amount(text)
    assert exc.value.code == "places"


@pytest.mark.parametrize("text", ["", "abc", "1,2", "12,34", "6,00,000", "1.2.3", "NaN", "Infinity", "1e5x", True])
def test_not_an_amount(text):
    with pytest.raises(AmountError) as exc:
        parse_amount(text)
    assert exc.value.code == "number"


def test_places_follow_the_column():
    assert parse_amount("1.2345", places=4) == Decimal("1.2345")
    with pytest.raises(AmountError):
        parse_amount("1.5", places=0)
    assert parse_amount("1.23456", places=None) == Decimal("1.23456")


@pytest.mark.parametrize("text", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+86 13800138000", "8613800138000",
    "0371-12345678", "010-1234567", "01012345678", "(010)12345678", "0371 12345678",
    "0371-12345678-801", "0371-12345678转801", "021-12345678 ext 5".replace(" ext ", "ext"),
    "400-123-4567", "１３８００１３８０００", "", None,
])
def test_phone_numbers_accepted(text):
    assert phone_error(text) is None


@pytest.mark.parametrize("text, code", [
    ("1" * 10000, "too_long"),
    ("12800138000", "phone"),  # 12x is not a mobile prefix
    ("1380013800", "phone"),  # ten digits
    ("138001380001", "phone"),
    ("0371-1234", "phone"),
    ("371-12345678", "phone"),  # area code without its 0
    ("tel: 13800138000", "phone"),
    ("not a phone", "phone"),
])
def test_phone_numbers_refused(text, code):
    assert phone_error(text) == code


@pytest.mark.parametrize("text", ["wang@example.com", "li.si+orders@example.com.cn", "张三@例子.中国", "", None])
def test_emails_accepted(text):
    assert email_error(text) is None


@pytest.mark.parametrize("text, code", [
    ("not-an-email", "email"), ("a@b", "email"), ("a@@b.cn", "email"), ("a b@c.cn", "email"),
    ("x" * 200 + "@example.com", "too_long"),
])
def test_emails_refused(text, code):
    assert email_error(text) == code
