"""Change log (变更日志): who changed which field of which record, from what to what (SPEC §2).

One row per changed field of an update; one row for a create (``details`` holds the values the
record was created with) and for a delete (``details`` holds the values it had); one row per
export (``details``: list, filters, sort, row count, SPEC §9) and per bulk SQL write a job
reports through ``backoffice.audit.log_bulk_change``. Rows are written by
``backoffice.audit`` only; no screen or API may edit or delete them.
"""
import datetime as dt
import decimal
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import business_stamp
from backoffice.formatting import formatters_for
from backoffice.labels import LABELS

from .base import Model

# action code -> what a person reads
ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "export": _l("Exported"),
}


class ChangeLog(Model):
    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_record", "table_name", "record_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Business wall-clock time (backoffice.clock), like AuditMixin's changed_on shown beside the
    # History tab on the same page (README: How times are stored).
    at: Mapped[dt.datetime] = mapped_column(default=business_stamp, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))
    user: Mapped[Optional[User]] = relationship()
    action: Mapped[str] = mapped_column(sa.String(10))  # create / update / delete / export
    table_name: Mapped[str] = mapped_column(sa.String(50))
    record_id: Mapped[Optional[int]] = mapped_column()
    field: Mapped[Optional[str]] = mapped_column(sa.String(50))
    old_value: Mapped[Optional[str]] = mapped_column(sa.Text)
    new_value: Mapped[Optional[str]] = mapped_column(sa.Text)
    # A line a person can read without the details (the record, the list exported, "1,234 rows").
    summary: Mapped[Optional[str]] = mapped_column(sa.String(200))
    # Machine-readable extras: create/delete snapshots, export filters, bulk-write counts.
    details: Mapped[Optional[dict]] = mapped_column(sa.JSON)

    def __repr__(self):
        return f"{self.table_name}#{self.record_id} {self.action}"

    # What the change-log screen shows (labels, 是/否, ¥ amounts).
    def action_label(self):
        return str(ACTION_LABELS.get(self.action, self.action))

    def record_type(self):
        return str(record_label(self.table_name))

    def field_label(self):
        return field_label(self.field)

    def old_text(self):
        return display_value(self.table_name, self.field, self.old_value)

    def new_text(self):
        return display_value(self.table_name, self.field, self.new_value)


# -- display of logged values: here beside the record, so the model needs no service module ----
# table -> what a person calls one record of it (History tab, change log screen, export log)
RECORD_LABELS = {
    "client": _l("Client"),
    "contact": _l("Contact"),
    "purchase_record": _l("Purchase record"),
    "business_format": _l("Business format"),
    "client_tier": _l("Client tier"),
    "tier_scheme": _l("Tier scheme"),
    "tier": _l("Tier"),
    "ticket": _l("Ticket"),
    "visit_log": _l("Visit log"),
    "visit_plan": _l("Visit plan"),
    "visit_plan_item": _l("Visit plan item"),
    "appraisal_template": _l("Appraisal template"),
    "appraisal_item": _l("Appraisal item"),
    "appraisal_sheet": _l("Appraisal sheet"),
    "appraisal_score": _l("Appraisal score"),
    "department": _l("Department"),
    "staff": _l("Staff member"),
    "job_run": _l("Job run"),
    "change_log": _l("Change log"),
}


def model_for(table_name):
    for mapper in Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table_name:
            return mapper.class_
    return None


def record_label(table_name):
    return RECORD_LABELS.get(table_name, table_name)


def field_label(field):
    return str(LABELS.get(field, field)) if field else ""


def display_value(table_name, field, text):
    """What a screen shows for a logged value: labels for codes, 是/否, ¥ amounts, dates."""
    if text is None or field is None:
        return "" if text is None else text
    model = model_for(table_name)
    if model is None:
        return text
    mapper = sa.inspect(model)
    col_attr = next((a for a in mapper.column_attrs if a.key == field), None)
    if col_attr is None:
        return text  # a relation: its label was stored
    column = col_attr.columns[0]
    try:
        if isinstance(column.type, sa.Boolean):
            value = text == "true"
        elif isinstance(column.type, sa.DateTime):
            value = dt.datetime.fromisoformat(text)
        elif isinstance(column.type, sa.Date):
            value = dt.date.fromisoformat(text)
        elif isinstance(column.type, sa.Numeric):
            value = decimal.Decimal(text)
        else:
            value = text
        out = formatters_for(model)[field](value)
    except (ValueError, ArithmeticError, KeyError):
        return text
    striptags = getattr(out, "striptags", None)
    return striptags() if striptags else ("" if out is None else str(out))
