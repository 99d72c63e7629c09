"""Tickets (工单): complaints and other requests, with their event history (SPEC §4).

Ticket numbers (工单号) are ``GD`` + the registration date in the business time zone + a daily
sequence of (at least) four digits: ``GD202611230001``, ``GD202611230002``, ... The sequence comes
from ``ticket_number_counter`` (one row per day), incremented with a single
``INSERT ... ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last`` in the flush that
inserts the ticket. On PostgreSQL the row lock makes a concurrent registration wait for the first
one's commit, so two sessions can never draw the same number (and a rolled-back registration
leaves a gap, like any database sequence); SQLite serialises writers anyway. A number given
explicitly (the demo company, an import) pushes the counter past it, so later numbers of that day
cannot collide with it. The first counter row of a day starts after the highest number already
stored for that day, so a database that had tickets before this table existed continues from there.
"""
import datetime as dt
import re
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import business_now

from .base import AuditMixin, Model, Validated, Versioned
from .choices import (
    CallbackResult,
    Channel,
    ComplaintClass,
    Severity,
    TicketStatus,
    TicketType,
    choice_column_type,
)
from .clients import Client, phone_errors
from .org import Department, Staff
from .sla import SlaPolicy


def now():
    """Registration and event times are wall-clock times of the business time zone (SPEC §4)."""
    return business_now()


NUMBER_PREFIX = "GD"
NUMBER_PATTERN = re.compile(r"GD(\d{8})(\d{4,})")


def format_number(day, seq):
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{seq:04d}"


class TicketNumberCounter(Model):
    """Last ticket sequence number handed out per registration day (see the module docstring)."""

    __tablename__ = "ticket_number_counter"
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


def _upsert(session, day, value_sql, update_sql, params):
    """INSERT the day's counter row or UPDATE it, atomically, returning the new ``last``."""
    table = TicketNumberCounter.__tablename__
    sql = (
        f"INSERT INTO {table} (day, last) VALUES (:day, {value_sql}) "
        f"ON CONFLICT (day) DO UPDATE SET last = {update_sql} RETURNING last"
    )
    stmt = sa.text(sql).bindparams(sa.bindparam("day", type_=sa.Date()))
    return session.execute(stmt, {"day": day, **params}).scalar_one()


def _highest_stored(session):
    """SQL for the highest sequence already stored for the day of ``:digits`` (0 if none); only
    numbers of our format (GD + 8 digits + at least 4 digits) count."""
    if session.get_bind().dialect.name == "postgresql":
        match = "number ~ ('^GD' || :digits || '[0-9]{4,}$')"
    else:
        match = "number GLOB ('GD' || :digits || '[0-9][0-9][0-9][0-9]*')"
    return f"(SELECT COALESCE(MAX(CAST(SUBSTR(number, 11) AS INTEGER)), 0) FROM ticket WHERE {match})"


def next_number(session, day):
    """Draw the next number of ``day`` (a business date); see the module docstring."""
    seq = _upsert(
        session, day, f"{_highest_stored(session)} + 1", f"{TicketNumberCounter.__tablename__}.last + 1",
        {"digits": f"{day:%Y%m%d}"},
    )
    return format_number(day, seq)


def reserve_number(session, number):
    """An explicitly given number of our format: make sure the counter never hands it out again."""
    m = NUMBER_PATTERN.fullmatch(number or "")
    if not m:
        return
    day = dt.datetime.strptime(m.group(1), "%Y%m%d").date()
    seq = int(m.group(2))
    table = TicketNumberCounter.__tablename__
    _upsert(session, day, ":seq", f"CASE WHEN {table}.last < :seq THEN :seq ELSE {table}.last END",
            {"seq": seq})


class Ticket(Validated, Versioned, AuditMixin, Model):
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
    due_at: Mapped[Optional[dt.datetime]] = mapped_column(index=True)  # resolution deadline
    # SPEC §4 SLA, stamped by services/sla.py from the policy when registered, recomputed when
    # the type, class or severity changes; ``due_provisional``: counted on a year whose official
    # arrangement is not published yet, so the screens warn.
    first_response_due_at: Mapped[Optional[dt.datetime]] = mapped_column()
    sla_policy_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("sla_policy.id"))
    sla_policy: Mapped[Optional["SlaPolicy"]] = relationship()
    due_provisional: Mapped[bool] = mapped_column(default=False)
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
        return phone_errors(values, ["complainant_phone"], errors)  # rules/contact_info.py (issue #12)

    def update_derived(self, session):
        if sa.inspect(self).persistent:
            return  # the number is drawn once, when the ticket is inserted
        if self.registered_at is None:
            self.registered_at = now()
        if not self.number:
            self.number = next_number(session, self.registered_at.date())
        else:
            reserve_number(session, self.number)


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


class CallbackRecord(Model):
    """A callback (回访) in the client's archive (客户档案): seed 002 第十九條四 / 第二十條 ("follow-up
    records and their handling go into the client archive", 《客户投诉回访记录》), seed 001 L252
    (回访内容: 满意度评价, 问题; 更新和完善客户档案), seed 004 Art. 17 (new requests). Written by
    ``services.tickets`` with the ticket's callback event, one row per callback (a ticket reopened
    by "not satisfied" and called back again has two), so the KPIs can count every callback."""

    __tablename__ = "callback_record"
    __table_args__ = (sa.Index("ix_callback_record_client_at", "client_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"))
    client: Mapped[Client] = relationship(backref="callbacks")
    ticket_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    ticket: Mapped[Optional[Ticket]] = relationship(backref="callbacks")
    at: Mapped[dt.datetime] = mapped_column(default=now)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))
    user: Mapped[Optional[User]] = relationship()
    result: Mapped[CallbackResult] = mapped_column(choice_column_type(CallbackResult, "ck_callback_record_result"))
    new_requests: Mapped[Optional[str]] = mapped_column(sa.Text)  # 新需求 (seed 004 Art. 17)
    note: Mapped[Optional[str]] = mapped_column(sa.Text)

    def __repr__(self):
        return f"{self.at:%Y-%m-%d %H:%M}" if self.at else ""
