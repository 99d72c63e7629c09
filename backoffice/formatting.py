"""How values read on list and show pages: labels for codes, 是/否 for flags, grouped money.

FAB prints ``Enum.value`` (the stored code), ``None`` and ``True`` as they are; a person should
see "城镇 (C)", an empty cell, "是", "¥12,345.60" and "2026-11-22 09:30". One formatter per
column, derived from the column's type, so every screen gets the same treatment.
"""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup

from backoffice.models.choices import Choice


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


def column_formatter(column):
    """The formatter for one mapped column, chosen by its type."""
    ctype = column.type
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
            out[rel.key] = plain
    return out
