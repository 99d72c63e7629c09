"""Change log (变更日志): who changed which field of which record, from what to what (SPEC §2).

One row per changed field of an update; one row for a create (``details`` holds the values the
record was created with) and for a delete (``details`` holds the values it had); one row per
export (``details``: list, filters, sort, row count, SPEC §9) and per bulk SQL write a job
reports through ``backoffice.audit.log_bulk_change``. Rows are written by
``backoffice.audit`` only; no screen or API may edit or delete them.
"""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # Local time, like AuditMixin's changed_on shown beside the History tab on the same page.
    at: Mapped[dt.datetime] = mapped_column(default=dt.datetime.now, index=True)
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

    # What the change-log screen shows (labels, 是/否, ¥ amounts), see backoffice.audit.
    def action_label(self):
        return str(ACTION_LABELS.get(self.action, self.action))

    def record_type(self):
        from backoffice.audit import record_label

        return str(record_label(self.table_name))

    def field_label(self):
        from backoffice.audit import field_label

        return field_label(self.field)

    def old_text(self):
        from backoffice.audit import display_value

        return display_value(self.table_name, self.field, self.old_value)

    def new_text(self):
        from backoffice.audit import display_value

        return display_value(self.table_name, self.field, self.new_value)
