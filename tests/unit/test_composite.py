import pytest

from backoffice.rules.composite import composite_code, parse_composite_code, validate_market_type


@pytest.mark.parametrize(
    "market, fmt, scale, code",
    [
        ("C", "Z", 1, "CZ1"),  # seed 004 Art. 6 example
        ("X", "Z", 3, "XZ3"),
        ("c", " z ", 2, "CZ2"),
        ("C", "SM", 2, "CSM2"),
        ("X", "B", "1", "XB1"),
    ],
)
def test_composite_code(market, fmt, scale, code):
    assert composite_code(market, fmt, scale) == code


def test_str_enum_market_type():
    import enum

    class Market(str, enum.Enum):
        C = "C"

        def __str__(self):
            return "城镇"

    assert composite_code(Market.C, "Z", 1) == "CZ1"


@pytest.mark.parametrize(
    "market, fmt, scale",
    [
        ("A", "Z", 1),
        ("Z", "Z", 1),
        ("CX", "Z", 1),
        ("C", "Z", 4),
        ("C", "Z", 0),
        ("C", "Z", True),
        ("C", "Z", 1.5),
        ("C", "食", 1),
        ("C", "Z1", 1),
        ("C", "ZZZ", 1),
        ("A", None, None),  # a present but invalid market type is an error even if parts are missing
        (None, "Z", 7),
    ],
)
def test_invalid_parts_raise(market, fmt, scale):
    with pytest.raises(ValueError):
        composite_code(market, fmt, scale)


@pytest.mark.parametrize(
    "market, fmt, scale", [("C", "Z", None), ("C", None, 1), ("C", "", 1), (None, "Z", 1), ("", "Z", 1)]
)
def test_missing_part_gives_no_code(market, fmt, scale):
    assert composite_code(market, fmt, scale) is None


def test_parse_composite_code():
    assert parse_composite_code("CZ1") == ("C", "Z", 1)
    assert parse_composite_code("xz3") == ("X", "Z", 3)
    for bad in ("AZ1", "CZ4", "CZ", "C1", "", None):
        with pytest.raises(ValueError):
            parse_composite_code(bad)


def test_validate_market_type():
    assert validate_market_type(" x ") == "X"
    with pytest.raises(ValueError):
        validate_market_type(None)
