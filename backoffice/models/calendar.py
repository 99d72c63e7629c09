"""The working-day calendar table (SPEC §4): the days that differ from the plain week.

One row per date: a public holiday (放假, ``working`` False) or a make-up working day (调休,
``working`` True), with its name, where it comes from (``chinese-calendar``, a State Council
CSV imported by an admin, the provisional calendar, a manual entry) and whether it is confirmed.
A year whose rows are not all confirmed is provisional: deadlines there are still computed, and
the ticket screens warn (``services/calendar.py`` turns the table into a ``WorkingCalendar``).
"""
import datetime as dt
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db

from .base import AuditMixin, Model, Validated


class CalendarDay(Validated, AuditMixin, Model):
    __tablename__ = "calendar_day"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(unique=True)
    working: Mapped[bool] = mapped_column(default=False)  # True: 调休 make-up working day
    name: Mapped[str] = mapped_column(sa.String(60))
    source: Mapped[str] = mapped_column(sa.String(60), default="manual")
    confirmed: Mapped[bool] = mapped_column(default=True)

    def __repr__(self):
        return f"{self.day:%Y-%m-%d} {self.name}" if self.day else ""

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        day = values.get("day")
        if isinstance(day, dt.datetime):
            day = day.date()
        if isinstance(day, dt.date):
            q = sa.select(cls.id).where(cls.day == day)
            if item is not None and item.id is not None:
                q = q.where(cls.id != item.id)
            if db.session.execute(q).first():
                errors["day"] = _("%(day)s is already in the calendar; edit that row instead.",
                                  day=f"{day:%Y-%m-%d}")
        if not (values.get("name") or "").strip():
            errors["name"] = _("Give the day its name, e.g. 春节 or 国庆节调休.")
        return errors
