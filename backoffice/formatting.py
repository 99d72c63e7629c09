"""How values read on list and show pages: labels for codes, 是/否 for flags, grouped money.

FAB prints ``Enum.value`` (the stored code), ``None`` and ``True`` as they are; a person should
see "城镇 (C)", an empty cell, "是", "¥12,345.60" and "2026-11-22 09:30". One formatter per
column, derived from the column's type, so every screen gets the same treatment.
"""
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup

from backoffice.models.choices import Choice, RegionClass, ServiceLevel


def blank_if_none(fn):
    def wrapped(value):
        if value is None or value == "":
            return ""
        return fn(value)

    return wrapped


def choice_label(enum_class):
    def fmt(value):
        try:
            return str(enum_class.coerce(value).label)
        except ValueError:  # a code the catalogue no longer knows: show it as stored
            return value

    return blank_if_none(fmt)


@blank_if_none
def yes_no(value):
    return Markup('<span class="text-success">%s</span>') % _("Yes") if value else _("No")


def money(value):
    if value is None:
        return ""
    return f"¥{Decimal(value):,.2f}"


def number(scale):
    return blank_if_none(lambda v: f"{Decimal(v):,.{scale}f}")


@blank_if_none
def percent(value):
    """A factor as a percentage: 1.05 -> "105%", 0.88 -> "88%" (pay factor, SPEC §6)."""
    text = f"{Decimal(value) * 100:,.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


@blank_if_none
def date_time(value):
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value)


@blank_if_none
def date(value):
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def plain(value):
    return "" if value is None else value


# -- issue #11: months, periods, scores, strata and the system user as a person reads them ----

@blank_if_none
def month(value):
    """A month stored as its first day: 2026-10-01 -> "2026-10" (Chinese convention, issue #11)."""
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)


_QUARTER = re.compile(r"([0-9]{4})Q([1-4])")
_HALF = re.compile(r"([0-9]{4})H([12])")
_YEAR = re.compile(r"[0-9]{4}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-01)?")


@blank_if_none
def period(value):
    """A period label as words: 2026Q3 -> 2026年第3季度, 2026H2 -> 2026年下半年, 2026 -> 2026年."""
    text = str(value).strip()
    m = _QUARTER.fullmatch(text)
    if m:
        return _("Q%(quarter)s %(year)s", year=m.group(1), quarter=m.group(2))
    m = _HALF.fullmatch(text)
    if m:
        return (_("First half of %(year)s", year=m.group(1)) if m.group(2) == "1"
                else _("Second half of %(year)s", year=m.group(1)))
    if _YEAR.fullmatch(text):
        return _("Year %(year)s", year=text)
    m = _MONTH.fullmatch(text)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    return text


SCORE_PLACES = 4


@blank_if_none
def score(value):
    """An exact score (stored as text, e.g. "0.104448768638") to four decimals: "0.1044"."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.{SCORE_PLACES}f}"


def stratum(value):
    """A sampling stratum key "F|city_b|B" as "便利店 · 城市B类 · B级服务" (SPEC §7)."""
    if value in (None, ""):
        return ""
    parts = str(value).split("|")
    if len(parts) != 3:
        return str(value)
    fmt_code, region, level = parts
    words = [format_name(fmt_code)]
    for code, enum_class in ((region, RegionClass), (level, ServiceLevel)):
        try:
            words.append(str(enum_class.coerce(code).label))
        except ValueError:
            words.append(_("(none)") if code == "-" else code)
    return " · ".join(words)


def format_name(code):
    """A business format's name from its code (the letter of the composite code)."""
    if code in (None, "", "-"):
        return _("(none)")
    from backoffice.extensions import db
    from backoffice.models.clients import BusinessFormat

    name = db.session.execute(sa.select(BusinessFormat.name).where(BusinessFormat.code == code)).scalar()
    return name or code


SYSTEM_USERNAME = "system"


def person(value):
    """A user or staff member as a person reads it; the jobs' own user is named in words
    ("System Jobs" was its stored first and last name, issue #11)."""
    if value is None:
        return ""
    if getattr(value, "username", None) == SYSTEM_USERNAME:
        return _("System (automatic jobs)")
    return str(value)


# Columns whose name says more than their type (a Date holding a month, a String holding a
# period label or an exact score).
BY_NAME = {
    ("month", sa.Date): month,
    ("period", sa.String): period,
    ("score", sa.String): score,
    ("stratum", sa.String): stratum,
}


def column_formatter(column):
    """The formatter for one mapped column, chosen by its type."""
    ctype = column.type
    for (name, type_class), formatter in BY_NAME.items():
        if column.key == name and isinstance(ctype, type_class):
            return formatter
    enum_class = getattr(ctype, "enum_class", None)
    if enum_class is not None and issubclass(enum_class, Choice):
        return choice_label(enum_class)
    if isinstance(ctype, sa.Boolean):
        return yes_no
    if column.info.get("money"):
        return money
    if isinstance(ctype, sa.Numeric) and not isinstance(ctype, sa.Float):
        return number(ctype.scale or 0)
    if isinstance(ctype, sa.DateTime):
        return date_time
    if isinstance(ctype, sa.Date):
        return date
    return plain


def formatters_for(model):
    """Column name -> formatter for every column and to-one relation of ``model``."""
    mapper = sa.inspect(model)
    out = {}
    for attr in mapper.column_attrs:
        out[attr.key] = column_formatter(attr.columns[0])
    for rel in mapper.relationships:
        if not rel.uselist:
            out[rel.key] = person if rel.mapper.class_.__name__ == "User" else plain
    return out
