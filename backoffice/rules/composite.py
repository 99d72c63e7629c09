"""Composite classification code (综合分类标识), seed 004 Art. 6, SPEC §3.

"客户分类标识共有三个代码组成, 第一个代码表示市场类型; 第二个代码表示客户业态类型; 第三个代码表示
经营规模。例如, CZ1代表该客户为城镇、食杂店、经营规模大" → market type (C 城镇 / X 乡村) +
business-format letter + scale digit (1 大 / 2 中 / 3 小).

Choice: a *missing* part (None or blank: no format letter yet, not yet ranked, market type not
set) gives no code (None); a *present but invalid* part raises ValueError. Values are stripped
and upper-cased, so a form's ``"c"`` is read as ``"C"``.
"""
import re

MARKET_TYPES = ("C", "X")  # seed 004 Art. 6 §3: C 城镇, X 乡村
SCALES = (1, 2, 3)
# Format codes are a lookup table (SPEC §3, only Z 食杂店 is confirmed); the column holds up to
# two letters, so one or two ASCII capitals are accepted.
_FORMAT_RE = re.compile(r"[A-Z]{1,2}")
_CODE_RE = re.compile(r"([A-Z])([A-Z]{1,2})([0-9])")


def _text(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"Expected a letter code, got {value!r}.")
    value = str.strip(value).upper()  # str.strip also turns a str-based enum into a plain str
    return value or None


def _scale(scale):
    if scale is None or (isinstance(scale, str) and not scale.strip()):
        return None
    if isinstance(scale, str) and scale.strip().isdigit():
        scale = int(scale.strip())
    if isinstance(scale, bool) or scale not in SCALES:
        raise ValueError(f"The business scale must be 1, 2 or 3, not {scale!r}.")
    return int(scale)


def validate_market_type(market_type):
    """Return the normalised market type; raise ValueError unless it is C or X (seed 004 Art. 6 §3)."""
    value = _text(market_type)
    if value not in MARKET_TYPES:
        raise ValueError(f"The market type must be C (town) or X (rural), not {market_type!r}.")
    return value


def composite_code(market_type, format_letter, scale):
    """``market type + format letter + scale digit``, e.g. ("C", "Z", 1) -> "CZ1". seed 004 Art. 6.

    Returns None if any part is missing; raises ValueError if a present part is invalid
    (market type not C/X, format not one or two letters, scale not 1–3).
    """
    market = _text(market_type)
    fmt = _text(format_letter)
    digit = _scale(scale)
    if market is not None and market not in MARKET_TYPES:
        raise ValueError(f"The market type must be C (town) or X (rural), not {market_type!r}.")
    if fmt is not None and not _FORMAT_RE.fullmatch(fmt):
        raise ValueError(f"The business format code must be one or two letters, not {format_letter!r}.")
    if market is None or fmt is None or digit is None:
        return None
    return f"{market}{fmt}{digit}"


def parse_composite_code(code):
    """Split "CZ1" into ("C", "Z", 1); ValueError if the code is malformed (e.g. on import)."""
    match = _CODE_RE.fullmatch(_text(code) or "")
    if not match:
        raise ValueError(f"Not a composite code (market type, format letter, scale digit): {code!r}.")
    market, fmt, digit = match.groups()
    validate_market_type(market)
    return market, fmt, _scale(int(digit))
