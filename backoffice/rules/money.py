"""Exact numbers for the rules: conversion to Decimal and rounding money to the fen.

SPEC §6: "Money is computed with Decimal and rounded to the fen, half up."
"""
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


def to_decimal(value, name="value"):
    """Return ``value`` as a finite Decimal.

    Accepts Decimal, int, str and float; a float is converted through its shortest repr
    (``0.1`` -> ``Decimal("0.1")``), never its binary expansion. ``None``, booleans, NaN and
    infinities raise ValueError (TypeError for unsupported types).
    """
    if value is None:
        raise ValueError(f"{name} is missing.")
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not a boolean.")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{name} is not a number: {value!r}.") from None
    else:
        raise TypeError(f"{name} must be a number, not {type(value).__name__}.")
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number.")
    return result


def round_half_up_to_fen(amount):
    """Round a money amount to the fen (0.01 元), half up (away from zero on .005). SPEC §6 [decision]."""
    return to_decimal(amount, "amount").quantize(FEN, rounding=ROUND_HALF_UP)


# -- the one amount parser: forms, the REST API and imports all read amount text through here
# (issue #11: "600,000" was refused by forms but accepted by imports; 1.005 was rounded silently).
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED_RE = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
# Signs people type or paste with an amount; they carry no value.
_SIGNS = ("¥", "￥", "元", "条")


class AmountError(ValueError):
    """Amount text that cannot be read; ``code`` names the message: "number" (not a number),
    "places" (more decimals than the field keeps)."""

    def __init__(self, code, places=None):
        super().__init__(code)
        self.code = code
        self.places = places


def clean_amount(text):
    """Number text without thousands separators or a currency sign: '¥1,234.50' -> '1234.50'.

    Full-width digits and commas are read as ASCII (NFKC). A comma is accepted only as a
    thousands separator in groups of three ("600,000" and "1,234.50", not "1,2" or "12,34").
    Raises AmountError("number") for anything else.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    for sign in _SIGNS:
        s = s.replace(sign, "")
    if "," in s:
        if not _GROUPED_RE.fullmatch(s):
            raise AmountError("number")
        s = s.replace(",", "")
    if not _NUMBER_RE.fullmatch(s):
        raise AmountError("number")
    return s


def parse_amount(text, places=2):
    """Amount text (or a number) -> Decimal with at most ``places`` decimals.

    "600,000", "600000", "¥1,234.50" and "1234.5" are all accepted; "1.005" with places=2 is
    refused (AmountError("places")), never rounded: SPEC §6 rounds computed money half up, but
    a typed amount that does not fit is the person's to correct. Trailing zeros ("1.500") are
    fine. ``places=None`` accepts any number of decimals.
    """
    if isinstance(text, bool):
        raise AmountError("number")
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, float):
        value = Decimal(repr(text))
    else:
        value = Decimal(clean_amount(text))
    if not value.is_finite():
        raise AmountError("number")
    if places is not None and value.as_tuple().exponent < -places:
        quantum = Decimal(1).scaleb(-places)
        if value != value.quantize(quantum):
            raise AmountError("places", places)
        value = value.quantize(quantum)
    return value
