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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import business_stamp
from backoffice.extensions import db
from backoffice.formatting import formatters_for, person
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

    def details_text(self):
        return details_text(self)


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
    "callback_record": _l("Callback record"),
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


# -- create / delete snapshots in words (issue #11: "Owner Id: 6" on the History tab) ----------
# A snapshot keeps the record's columns as stored (foreign keys as ids, codes as codes); a
# person reads the field's label and the referenced record's name: owner_id: 6 -> 客户经理: 张伟.
# An update of a foreign key is already logged with both records' names (audit._label).
# Row versions (Versioned) are bookkeeping, not something a person changed.
HIDDEN_FIELDS = {"version"}


def fk_relations(model):
    """FK column key -> its many-to-one relationship (``owner_id`` -> ``owner``)."""
    mapper = sa.inspect(model)
    out = {}
    for rel in mapper.relationships:
        if rel.uselist or rel.direction.name != "MANYTOONE" or len(rel.local_columns) != 1:
            continue
        (col,) = rel.local_columns
        for attr in mapper.column_attrs:
            if attr.columns[0] is col:
                out[attr.key] = rel
    return out


def record_name(target, pk):
    """The referenced record as its screens name it; "#6 (deleted)" when it is gone."""
    if pk is None or pk == "":
        return ""
    try:
        obj = db.session.get(target, int(pk))
    except (TypeError, ValueError):
        return str(pk)
    if obj is None:
        return _("#%(id)s (deleted)", id=pk)
    return person(obj) if target.__name__ == "User" else str(obj)


def field_text(table_name, field, labels=None):
    """A logged field's label; an FK column is labelled as its relation (owner_id -> 客户经理)."""
    labels = {**LABELS, **(labels or {})}
    if not field:
        return ""
    model = model_for(table_name)
    rel = fk_relations(model).get(field) if model is not None else None
    key = rel.key if rel is not None else field
    return str(LABELS.get(key) or labels.get(key) or key)


def snapshot_values(table_name, values, labels=None):
    """A create / delete snapshot as (label, text) pairs, empty values left out."""
    model = model_for(table_name)
    rels = fk_relations(model) if model is not None else {}
    out = []
    for field, raw in (values or {}).items():
        if raw is None or raw == "" or field in HIDDEN_FIELDS:
            continue
        rel = rels.get(field)
        if rel is not None:
            text = record_name(rel.mapper.class_, raw)
        else:
            text = display_value(table_name, field, raw if isinstance(raw, str) else _raw_text(raw))
        out.append((field_text(table_name, field, labels), text))
    return out


def _raw_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def details_text(entry):
    """The change-log screen's Details column: the snapshot in words, else the summary facts."""
    details = entry.details or {}
    if isinstance(details, dict) and "values" in details:
        return "; ".join(f"{label}: {text}" for label, text in snapshot_values(entry.table_name, details["values"]))
    if isinstance(details, dict):
        return "; ".join(f"{LABELS.get(k, k)}: {v}" for k, v in details.items()
                         if k not in ("old_id", "new_id", "bulk"))
    return str(details)


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
