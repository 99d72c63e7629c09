"""Shared model pieces: the FAB declarative base, audit columns, and business validation.

``Validated.business_errors(values, item)`` is the one place a record type states the rules a
form, the REST API and an import must all enforce; the views call it (see
``backoffice.views.base``) and the database backs it with CHECK constraints.
"""
from typing import Mapping

import sqlalchemy as sa
from flask_appbuilder import Model as FabModel
from flask_appbuilder.models.mixins import AuditMixin as FabAuditMixin
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from backoffice.clock import business_stamp
from backoffice.extensions import db

__all__ = ["Model", "AuditMixin", "Validated", "Versioned"]


class Versioned:
    """A row version for optimistic locking (issue #10: two people saving one form).

    SQLAlchemy's ``version_id_col`` makes every ORM UPDATE of the row ``... WHERE id = :id AND
    version = :seen`` and bumps it, so a write based on a stale read fails (StaleDataError)
    instead of silently reverting the other person's change. Forms carry the version they were
    rendered with and the API accepts it in the body; ``backoffice/services/versions.py``
    refuses a stale one with a message naming who changed the record and when.
    """

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1, server_default=sa.text("1"))

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class AuditMixin(FabAuditMixin):
    """FAB's audit columns, stamped in business time (README: How times are stored).

    FAB stamps ``datetime.now()``, the server's zone (UTC on our servers), while every business
    time (a ticket's 登记时间, a visit) is Asia/Shanghai wall-clock time: one show page had
    登记时间 16:02 beside 创建时间 08:02. Same columns, same types: only the Python defaults change.
    """

    created_on = sa.Column(sa.DateTime, default=business_stamp, nullable=False)
    changed_on = sa.Column(sa.DateTime, default=business_stamp, onupdate=business_stamp, nullable=False)


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
    use."); ``models.uniqueness.unique_errors`` covers every other unique column generically.
    """
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
