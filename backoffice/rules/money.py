"""Exact numbers for the rules: conversion to Decimal and rounding money to the fen.

SPEC §6: "Money is computed with Decimal and rounded to the fen, half up."
"""
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
