"""Shared model pieces: the FAB declarative base, audit columns, and business validation.

``Validated.business_errors(values, item)`` is the one place a record type states the rules a
form, the REST API and an import must all enforce; the views call it (see
``backoffice.views.base``) and the database backs it with CHECK constraints.
"""
from typing import Mapping

from flask_appbuilder import Model as FabModel
from flask_babel import gettext as _
from flask_appbuilder.models.mixins import AuditMixin

__all__ = ["Model", "AuditMixin", "Validated"]


class Model(FabModel):
    """FAB's declarative base (same metadata), with the defaults every record type of ours has."""

    __abstract__ = True

    @classmethod
    def business_errors(cls, values: Mapping, item=None) -> dict:
        """No rules of its own (``Validated`` record types state theirs): forms and API call this
        on every model, so a record type without rules must still answer (issue #9)."""
        return {}


class Validated:
    @classmethod
    def business_errors(cls, values: Mapping, item=None) -> dict:
        """Field name -> translated message for every rule ``values`` break (empty if none).

        ``values`` holds the record as it would be saved; ``item`` is the stored row when
        editing (None when adding), so uniqueness checks can skip it.
        """
        return {}

    def update_derived(self, session) -> None:
        """Recompute stored values derived from other columns; called before every flush."""


def code_in_use(cls, values, item=None, field="code"):
    """The stripped value of ``field`` when another row of ``cls`` already has it, else None.

    For models that want a message naming the record type ("Client code W001 is already in
    use."); ``views.base.unique_errors`` covers every other unique column generically.
    """
    import sqlalchemy as sa

    from backoffice.extensions import db

    value = (values.get(field) or "").strip()
    if not value:
        return None
    column = getattr(cls, field)
    q = sa.select(cls.id).where(column == value)
    if item is not None and item.id is not None:
        q = q.where(cls.id != item.id)
    return value if db.session.execute(q).first() else None


def non_negative(values, fields, errors):
    for name in fields:
        v = values.get(name)
        if v is not None and v < 0:
            errors[name] = _("Must not be negative.")
    return errors
