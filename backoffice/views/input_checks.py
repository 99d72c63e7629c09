"""Input that the database would refuse, refused first, in the user's language (issue #9, SPEC §10).

The database answers a value it cannot store -- a NUL byte, text longer than the column, an
integer beyond int4, more decimals than ``Numeric(p, s)`` keeps, a code the CHECK does not know,
a related id that does not exist -- with an exception, which FAB turns into a 500. Every such
limit is already written in the column types, so it is read from there, once, for every form,
API and list of ours:

- ``column_errors``: the values of a record against its column types (forms and API, through
  ``views.base.all_errors``), keyed by field name;
- ``payload_errors``: the related ids of a JSON body, before marshmallow-sqlalchemy looks them up
  (it builds an empty row for an id it cannot find, which then fails NOT NULL);
- ``list_args_message`` / ``rison_message``: the filter, sort and paging arguments of a list
  screen (``_flt_*``, ``page_*``, ``psize_*``, ``_oc_*``, ``_od_*``) and of the API's Rison ``q``,
  before FAB parses them -- so an export is refused before its first byte, too;
- ``guard_datamodel``: ``datamodel.get`` finds nothing for a key that cannot exist (FAB then
  answers 404) instead of sending ``WHERE id = 9999999999::INTEGER`` to PostgreSQL.
"""
import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation

import prison
import sqlalchemy as sa
from dateutil import parser as date_parser
from flask import request
from flask_babel import gettext as _

from backoffice.models.choices import Choice

# The ranges of the integer types PostgreSQL has (SQLite takes 64 bits for all of them).
INT_BOUNDS = ((sa.SmallInteger, 2 ** 15), (sa.BigInteger, 2 ** 63), (sa.Integer, 2 ** 31))
MAX_PAGE = 2 ** 31 - 1  # page x page size must stay a valid OFFSET
MAX_PAGE_SIZE = 1000  # the screens offer 25 to 100 rows a page
ORDER_DIRECTIONS = ("asc", "desc")
ARG_PATTERNS = re.compile(r"^(?:page_|psize_|_oc_|_od_|_flt_)")


def int_bounds(coltype):
    """(lowest, highest) integer a column of this type holds, or None for non-integers."""
    if not isinstance(coltype, sa.Integer):
        return None
    for kind, bound in INT_BOUNDS:
        if isinstance(coltype, kind):
            return -bound, bound - 1
    return None


def _enum_class(column):
    enum_class = getattr(column.type, "enum_class", None)
    return enum_class if enum_class is not None and issubclass(enum_class, Choice) else None


def _choices_text(enum_class):
    return ", ".join(str(c.value) for c in enum_class)


def text_error(value):
    if "\x00" in value:
        return _("Must not contain a NUL character.")
    return None


def value_error(column, value):
    """The translated reason ``value`` cannot be stored in ``column``, or None."""
    if value is None:
        return None
    coltype = column.type
    enum_class = _enum_class(column)
    if enum_class is not None:
        if isinstance(value, enum_class):
            return None
        try:
            enum_class.coerce(value)
        except (ValueError, TypeError, KeyError):
            return _("Must be one of: %(choices)s.", choices=_choices_text(enum_class))
        return None
    if isinstance(value, str):
        message = text_error(value)
        if message:
            return message
        length = getattr(coltype, "length", None)
        if isinstance(coltype, sa.String) and length and len(value) > length:
            return _("At most %(max)s characters.", max=length)
        return None
    if isinstance(value, bool):
        return None
    bounds = int_bounds(coltype)
    if bounds is not None and isinstance(value, int):
        low, high = bounds
        if not low <= value <= high:
            return _("Must be between %(min)s and %(max)s.", min=f"{low:,}", max=f"{high:,}")
        return None
    if isinstance(coltype, sa.Numeric) and isinstance(value, (Decimal, int, float)):
        number = Decimal(str(value))
        if not number.is_finite():
            return _("Enter a number.")
        if isinstance(coltype, sa.Float):
            return None
        scale = coltype.scale or 0
        digits, exponent = len(number.as_tuple().digits), number.as_tuple().exponent
        places = max(0, -number.normalize().as_tuple().exponent) if number else 0
        if places > scale:
            # the same words as the amount parser (views/amount_fields.py): one rule, one message
            return _("At most %(places)s decimal places; the amount is not rounded for you.", places=scale)
        if coltype.precision is not None:
            whole = max(0, digits + exponent)  # digits before the decimal point
            if whole > coltype.precision - scale:
                return _("At most %(digits)s digits before the decimal point.", digits=coltype.precision - scale)
    return None


def column_errors(model, values):
    """Field name -> message for every value the record's columns cannot hold."""
    errors = {}
    for attr in sa.inspect(model).column_attrs:
        if attr.key in values and len(attr.columns) == 1 and isinstance(attr.columns[0], sa.Column):
            message = value_error(attr.columns[0], values[attr.key])
            if message:
                errors[attr.key] = message
    return errors


def missing_related_errors(model, values):
    """A relation set to a row that is not in the database (marshmallow-sqlalchemy's ``Related``
    makes a new, empty one for an unknown id) is refused on that field."""
    errors = {}
    for rel in sa.inspect(model).relationships:
        target = values.get(rel.key) if not rel.uselist else None
        if target is None:
            continue
        state = sa.inspect(target, raiseerr=False)
        if state is not None and (state.transient or state.pending) and not state.has_identity:
            errors[rel.key] = _("No such record.")
    return errors


def _pk_bounds(model):
    pk = sa.inspect(model).primary_key
    return int_bounds(pk[0].type) if len(pk) == 1 else None


def key_can_exist(model, pk):
    """False for a primary key that no row of ``model`` can have (not a number, beyond int4)."""
    bounds = _pk_bounds(model)
    if bounds is None:
        return True
    if isinstance(pk, bool):
        return False
    if isinstance(pk, str):
        if not re.fullmatch(r"\s*-?\d{1,30}\s*", pk):
            return False
        pk = int(pk)
    if not isinstance(pk, int):
        return False
    return bounds[0] <= pk <= bounds[1]


def guard_datamodel(datamodel):
    """``datamodel.get`` answers None (FAB: 404) for a key that cannot exist; once per interface."""
    if getattr(datamodel, "_keys_guarded", False):
        return datamodel
    original = datamodel.get
    model = datamodel.obj

    def get(id, *args, **kwargs):
        if not key_can_exist(model, id):
            return None
        return original(id, *args, **kwargs)

    datamodel.get = get
    datamodel._keys_guarded = True
    return datamodel


def payload_errors(model, payload):
    """Related ids of a JSON body that cannot name a row: field -> message (HTTP 422)."""
    if not isinstance(payload, dict):
        return {}
    errors = {}
    mapper = sa.inspect(model)
    for rel in mapper.relationships:
        if rel.key not in payload or payload[rel.key] is None:
            continue
        value = payload[rel.key]
        ids = value if (rel.uselist and isinstance(value, list)) else [value]
        for one in ids:
            if isinstance(one, bool) or not isinstance(one, (int, str)) or not key_can_exist(rel.mapper.class_, one):
                errors[rel.key] = _("No such record.")
                break
    for key, value in payload.items():
        if isinstance(value, str) and key not in errors and text_error(value):
            errors[key] = text_error(value)
    # marshmallow's Decimal field rounds to the column's places: more decimals than the column
    # keeps are refused on the raw value instead of being silently cut ("1.123456789" -> 1.12).
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        raw = payload.get(attr.key)
        if (attr.key in errors or not isinstance(column.type, sa.Numeric) or isinstance(column.type, sa.Float)
                or isinstance(raw, bool) or not isinstance(raw, (str, int, float))):
            continue
        try:
            number = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            continue  # marshmallow says "Enter a number."
        message = value_error(column, number)
        if message:
            errors[attr.key] = message
    return errors


# -- filters, sort and paging -------------------------------------------------------------------

# Rison filter operators that compare with NULL as SQL does (FAB: ``col == None`` is IS NULL).
NULL_OPERATORS = (None, "eq", "neq")


def filter_value_error(model, name, value, opr=None):
    """Why ``value`` cannot filter column or relation ``name`` of ``model`` (None if it can).

    ``opr`` is the Rison filter operator; the list screens' ``_flt_`` values are strings."""
    if isinstance(value, (list, tuple)):
        for one in value:
            message = filter_value_error(model, name, one, opr)
            if message:
                return message
        return None
    if isinstance(value, dict):
        return _("Enter text.")
    if value is None:
        return None if opr in NULL_OPERATORS else _("Enter text.")
    if value == "":
        return None
    if isinstance(value, str) and text_error(value):
        return text_error(value)
    mapper = sa.inspect(model)
    if name in mapper.relationships:
        rel = mapper.relationships[name]
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not key_can_exist(rel.mapper.class_, value):
            return _("No such record.")
        return None
    if name not in mapper.column_attrs:
        return None
    column = mapper.column_attrs[name].columns[0]
    coltype = column.type
    if _enum_class(column) is not None:
        return value_error(column, value)
    if isinstance(coltype, sa.Boolean):
        if value in ("y", "n", True, False, 0, 1):
            return None
        return _("Enter true or false.")
    if isinstance(coltype, sa.Integer):
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(value, bool):
            return _("Enter a whole number.")
        return value_error(column, number)
    if isinstance(coltype, sa.Numeric):
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            return _("Enter a number.")
        if not number.is_finite() or len(str(value)) > 40:
            return _("Enter a number.")
        return None
    if isinstance(coltype, (sa.Date, sa.DateTime)):
        if isinstance(value, (dt.date, dt.datetime)):
            return None
        try:
            date_parser.parse(str(value))
        except (ValueError, OverflowError, TypeError):
            return _("Enter a date as YYYY-MM-DD.")
        return None
    if isinstance(coltype, sa.String) and isinstance(value, bool):  # LIKE true: SQLAlchemy cannot bind it
        return _("Enter text.")
    return None


def _labelled(name, message):
    from backoffice.views.labels import LABELS

    return _("%(field)s: %(message)s", field=str(LABELS.get(name, name)), message=message)


def list_args_message(view):
    """The reason the list arguments of this request are malformed (HTTP 400), or None.

    FAB reads them with ``int()`` and an index into the column's filters, and hands the values
    to SQL as they are (``urltools.get_*_args``, ``filters.set_value_to_type``).
    """
    views = {type(v).__name__: v for v in view.appbuilder.baseviews}
    for arg in request.args:
        if not ARG_PATTERNS.match(arg):
            continue
        values = request.args.getlist(arg)
        if arg.startswith(("page_", "psize_")):
            low, high = (0, MAX_PAGE) if arg.startswith("page_") else (1, MAX_PAGE_SIZE)
            for value in values:
                if not re.fullmatch(r"\d{1,12}", value.strip()) or not low <= int(value) <= high:
                    if arg.startswith("page_"):
                        return _("The page number must be a whole number from %(min)s to %(max)s.", min=low, max=high)
                    return _("The page size must be a whole number from %(min)s to %(max)s.", min=low, max=high)
        elif arg.startswith("_od_"):
            if any(v not in ORDER_DIRECTIONS for v in values):
                return _("The sort direction must be asc or desc.")
        elif arg.startswith("_oc_"):
            target = views.get(arg[len("_oc_"):])
            allowed = getattr(target, "order_columns", None) if target is not None else None
            if allowed is not None and any(v not in allowed for v in values):
                return _("The list cannot be sorted by %(column)s.", column=values[0][:50])
        else:  # _flt_<index>_<column>
            match = re.fullmatch(r"_flt_(\d+)_(.*)", arg)
            if not match:
                return _("Unknown filter %(arg)s.", arg=arg[:50])
            index, column = int(match.group(1)), match.group(2)
            search = view.datamodel.get_filters(view.search_columns).get_search_filters()
            if column not in search:
                continue  # FAB ignores a column it cannot search
            if index >= len(search[column]):
                return _("Unknown filter %(arg)s.", arg=arg[:50])
            message = filter_value_error(view.datamodel.obj, column, values)
            if message:
                return _labelled(column, message)
    return None


def parse_rison_q():
    """(arguments, None) from the ``q`` argument (Rison, or JSON as FAB also accepts), or
    (None, message)."""
    text = request.args.get("q")
    if not text:
        return {}, None
    try:
        args = prison.loads(text)
    except Exception:
        try:
            args = json.loads(text)
        except Exception:
            return None, _("The q argument is not valid Rison.")
    return args, None


def rison_message(api):
    """Why the API's ``q`` argument is malformed (HTTP 400), or None."""
    args, message = parse_rison_q()
    if message:
        return message
    if args in ({}, None):
        return None
    if not isinstance(args, dict):
        return _("The q argument is not valid Rison.")
    page, page_size = args.get("page"), args.get("page_size")
    if page is not None and (isinstance(page, bool) or not isinstance(page, int) or not 0 <= page <= MAX_PAGE):
        return _("The page number must be a whole number from %(min)s to %(max)s.", min=0, max=MAX_PAGE)
    if page_size is not None and (isinstance(page_size, bool) or not isinstance(page_size, int)
                                  or not 1 <= page_size <= MAX_PAGE_SIZE):
        return _("The page size must be a whole number from %(min)s to %(max)s.", min=1, max=MAX_PAGE_SIZE)
    direction = args.get("order_direction")
    if direction is not None and direction not in ORDER_DIRECTIONS:
        return _("The sort direction must be asc or desc.")
    filters = args.get("filters", [])
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        return _("The q argument is not valid Rison.")
    for flt in filters:
        column = flt.get("col")
        if not isinstance(column, str) or not isinstance(flt.get("opr"), str):
            return _("The q argument is not valid Rison.")
        message = filter_value_error(api.datamodel.obj, column, flt.get("value"), flt.get("opr"))
        if message:
            return _labelled(column, message)
    return None


def escape_field_errors(form):
    """FAB's ``lib.html`` prints a field error as ``{{ _(error) }}``, and Jinja's new-style
    gettext always applies ``%`` formatting, so a translated message holding "%" ("不超过 1（100%）")
    crashed the page. Doubling it prints it once."""
    for field in form:
        if field.errors:
            field.errors = [e.replace("%", "%%") if isinstance(e, str) else e for e in field.errors]


def add_column_errors(form, model):
    """The column checks on a WTForms form, each message on its field; False if any.

    They run even when another field is missing, so a person sees every such problem at once."""
    values = {name: field.data for name, field in form._fields.items() if not field.errors}
    errors = column_errors(model, values)
    prefer_rule_messages(model, values, errors)
    for name, message in errors.items():
        form._fields[name].errors = list(form._fields[name].errors) + [message]
    return not errors


def prefer_rule_messages(model, values, errors, item=None):
    """For an unknown code, the record type's own words win where it has them ("市场类型必须为 C
    （城镇）或 X（乡村）。" rather than "必须为以下之一：C, X。"); NUL, lengths and ranges keep ours."""
    mapper = sa.inspect(model)
    codes = [k for k in errors if k in mapper.column_attrs and _enum_class(mapper.column_attrs[k].columns[0])]
    if not codes:
        return errors
    try:
        rules = model.business_errors(values, item)
    except Exception:  # the values are the bad ones: a rule may not compare them
        rules = {}
    errors.update({k: rules[k] for k in codes if k in rules})
    return errors
