"""Amount inputs on forms and in the REST API read through the one parser (issue #11).

``backoffice.rules.money.parse_amount`` is what imports use; here forms' DecimalFields and the
API schemas' Decimal fields are switched over to it, so "600,000" and "600000" are the same
amount everywhere and a 1.005 元 is refused with a message instead of being stored as ¥1.00.
The number of decimals kept is the column's scale (Numeric(14, 2): two).
"""
import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError
from marshmallow import fields as ma_fields
from wtforms import DecimalField
from wtforms.fields.core import UnboundField

from backoffice.rules.money import AmountError, parse_amount


def amount_message(exc):
    if exc.code == "places":
        if exc.places == 0:
            return _("Whole numbers only: no decimals.")
        return _("At most %(places)s decimal places; the amount is not rounded for you.", places=exc.places)
    return _("Not a number. Write digits, with or without thousands separators: 600000 or 600,000.")


def column_places(model, name):
    """Decimals the column keeps (its Numeric scale), None when it is not a fixed-point column."""
    column = sa.inspect(model).columns.get(name)
    if column is None or not isinstance(column.type, sa.Numeric) or isinstance(column.type, sa.Float):
        return None
    return column.type.scale


class AmountField(DecimalField):
    """A DecimalField that reads "600,000", "¥1,234.50" and refuses extra decimals."""

    def __init__(self, *args, max_places=2, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_places = max_places

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_amount(text, self.max_places)
        except AmountError as exc:
            self.data = None
            raise ValueError(amount_message(exc)) from None


def amount_field(unbound, model, name):
    """FAB's DecimalField for the Numeric column ``name``, as an AmountField with its scale."""
    if not isinstance(unbound, UnboundField) or unbound.field_class is not DecimalField:
        return unbound
    places = column_places(model, name)
    kwargs = dict(unbound.kwargs, max_places=places)
    field = UnboundField(AmountField, *unbound.args, name=unbound.name, **kwargs)
    field.creation_counter = unbound.creation_counter
    return field


class AmountSchemaField(ma_fields.Decimal):
    """marshmallow's Decimal reading amount text with the one parser (API POST/PUT)."""

    max_places = 2

    def _validated(self, value):
        if value is None:
            return None
        try:
            return parse_amount(value, self.max_places)
        except AmountError as exc:
            raise ValidationError(amount_message(exc)) from None


def use_amount_parser(schema, model):
    """Switch the Decimal fields of a load schema (add / edit) to ``AmountSchemaField``."""
    for name, field in (getattr(schema, "fields", None) or {}).items():
        if type(field) is ma_fields.Decimal:
            # The field is already bound to its schema; changing its class keeps every option
            # FAB gave it (required, allow_none, validators) and only changes how it reads.
            field.__class__ = AmountSchemaField
            field.max_places = column_places(model, name)
