"""Tickets (工单): complaints and other requests, with their event history (SPEC §4)."""
import datetime as dt
import secrets
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import AuditMixin, Model, Validated
from .choices import (
    CallbackResult,
    Channel,
    ComplaintClass,
    Severity,
    TicketStatus,
    TicketType,
    choice_column_type,
)
from .clients import Client
from .org import Department, Staff


def now():
    return dt.datetime.now().replace(microsecond=0)


class Ticket(Validated, AuditMixin, Model):
    __tablename__ = "ticket"
    __table_args__ = (
        sa.Index("ix_ticket_status_registered", "status", "registered_at"),
        sa.Index("ix_ticket_client", "client_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)  # 工单号
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"))
    client: Mapped[Client] = relationship(backref="tickets")
    type: Mapped[TicketType] = mapped_column(choice_column_type(TicketType, "ck_ticket_type"), index=True)
    complaint_class: Mapped[Optional[ComplaintClass]] = mapped_column(
        choice_column_type(ComplaintClass, "ck_ticket_class")
    )
    severity: Mapped[Severity] = mapped_column(
        choice_column_type(Severity, "ck_ticket_severity"), default=Severity.normal
    )
    channel: Mapped[Channel] = mapped_column(choice_column_type(Channel, "ck_ticket_channel"))
    subject: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[Optional[str]] = mapped_column(sa.Text)
    complainant_name: Mapped[Optional[str]] = mapped_column(sa.String(50))
    complainant_phone: Mapped[Optional[str]] = mapped_column(sa.String(30))
    status: Mapped[TicketStatus] = mapped_column(
        choice_column_type(TicketStatus, "ck_ticket_status"), default=TicketStatus.registered
    )
    # 首问负责制 (seed 003): the first receiver owns the ticket until an explicit hand-over.
    receiver_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    receiver: Mapped[Optional[Staff]] = relationship(foreign_keys=[receiver_id])
    responsible_department_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("department.id"), index=True
    )
    responsible_department: Mapped[Optional[Department]] = relationship()
    responsible_staff_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id"))
    responsible_staff: Mapped[Optional[Staff]] = relationship(foreign_keys=[responsible_staff_id])
    about_staff_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id"))
    about_staff: Mapped[Optional[Staff]] = relationship(foreign_keys=[about_staff_id])
    registered_at: Mapped[dt.datetime] = mapped_column(default=now)
    due_at: Mapped[Optional[dt.datetime]] = mapped_column(index=True)
    fed_back_at: Mapped[Optional[dt.datetime]] = mapped_column()
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column()
    resolution: Mapped[Optional[str]] = mapped_column(sa.Text)
    callback_result: Mapped[Optional[CallbackResult]] = mapped_column(
        choice_column_type(CallbackResult, "ck_ticket_callback")
    )
    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.at"
    )

    def __repr__(self):
        return self.number or ""

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        if values.get("client") is None and values.get("client_id") is None:
            errors["client"] = _("Choose the client the ticket is about.")
        ttype = values.get("type")
        if str(getattr(ttype, "value", ttype)) == "complaint" and not values.get("complaint_class"):
            errors["complaint_class"] = _("A complaint needs its class.")
        return errors

    def update_derived(self, session):
        if not self.number:
            stamp = (self.registered_at or now()).strftime("%Y%m%d")
            self.number = f"GD{stamp}-{secrets.token_hex(3).upper()}"


class TicketEvent(Model):
    """Every state change of a ticket: who, when, from, to, note (SPEC §4)."""

    __tablename__ = "ticket_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    ticket: Mapped[Ticket] = relationship(back_populates="events")
    from_status: Mapped[Optional[TicketStatus]] = mapped_column(
        choice_column_type(TicketStatus, "ck_event_from")
    )
    to_status: Mapped[TicketStatus] = mapped_column(choice_column_type(TicketStatus, "ck_event_to"))
    at: Mapped[dt.datetime] = mapped_column(default=now)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))
    user: Mapped[Optional[User]] = relationship()
    note: Mapped[Optional[str]] = mapped_column(sa.Text)
