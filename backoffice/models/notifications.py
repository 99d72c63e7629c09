"""In-app notifications (issue #12: overdue tickets escalated to the department head, SPEC §4).

One row per recipient (a FAB user) and event. ``kind`` names the event and picks the sentence
shown (``services/notifications.py``, translated when read, in the reader's language);
``params`` holds the values the sentence needs, ``due_at`` the missed deadline.

Escalation rows are written by one set-based statement (``services/sla_scan.py``); the unique
constraint on (ticket, kind, recipient) makes it idempotent under ``ON CONFLICT DO NOTHING`` and
its index (ticket, kind, ...) answers "was this deadline escalated already?". The menu bar's
unread count reads ``ix_notification_recipient_unread`` only.
"""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import business_now

from .base import Model
from .tickets import Ticket


class Notification(Model):
    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "kind", "recipient_id", name="uq_notification_ticket_kind_recipient"),
        sa.Index("ix_notification_recipient_unread", "recipient_id", "read_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("ab_user.id", ondelete="CASCADE"))
    recipient: Mapped[User] = relationship()
    kind: Mapped[str] = mapped_column(sa.String(40))
    ticket_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    ticket: Mapped[Optional[Ticket]] = relationship()
    due_at: Mapped[Optional[dt.datetime]] = mapped_column()  # the deadline that was missed
    params: Mapped[Optional[dict]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=business_now)
    read_at: Mapped[Optional[dt.datetime]] = mapped_column()

    def __repr__(self):
        return f"{self.kind} #{self.id}"
