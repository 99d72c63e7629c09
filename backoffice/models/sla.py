"""SLA policies (SPEC §4: "SLA policies are data"): ticket type, complaint class and severity
decide the first-response and resolution deadlines, each counted in working days, as "the same
day" (当日) or in clock hours (rules/working_calendar.py). A class or severity left empty means
"any"; the most specific active policy wins (``rules.working_calendar.match_policy``)."""
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.rules.working_calendar import validate_terms

from backoffice.extensions import db

from .base import AuditMixin, Model, Validated
from .choices import Choice, ComplaintClass, Severity, TicketType, choice_column_type


class DeadlineUnit(Choice):
    working_days = "working_days", _l("Working days")
    same_day = "same_day", _l("The same day")
    hours = "hours", _l("Clock hours")


class SlaPolicy(Validated, AuditMixin, Model):
    __tablename__ = "sla_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    ticket_type: Mapped[TicketType] = mapped_column(choice_column_type(TicketType, "ck_sla_type"))
    complaint_class: Mapped[Optional[ComplaintClass]] = mapped_column(choice_column_type(ComplaintClass, "ck_sla_class"))
    severity: Mapped[Optional[Severity]] = mapped_column(choice_column_type(Severity, "ck_sla_severity"))
    first_response_unit: Mapped[DeadlineUnit] = mapped_column(choice_column_type(DeadlineUnit, "ck_sla_first_unit"))
    first_response_amount: Mapped[int] = mapped_column(default=1)
    resolution_unit: Mapped[DeadlineUnit] = mapped_column(choice_column_type(DeadlineUnit, "ck_sla_res_unit"))
    resolution_amount: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    source: Mapped[Optional[str]] = mapped_column(sa.String(100))

    def __repr__(self):
        return self.name or self.code or ""

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        for prefix in ("first_response", "resolution"):
            unit = values.get(f"{prefix}_unit")
            unit = getattr(unit, "value", unit)
            amount = values.get(f"{prefix}_amount")
            if unit in (None, ""):
                errors[f"{prefix}_unit"] = _("Choose the unit of the deadline.")
                continue
            problem = validate_terms(str(unit), amount)
            if problem == "unit":
                errors[f"{prefix}_unit"] = _("Choose the unit of the deadline.")
            elif problem == "amount":
                errors[f"{prefix}_amount"] = _("A deadline must be a whole number of at least 1.")
        if not errors and values.get("active", True):
            same = sa.select(cls.id).where(
                cls.active.is_(True),
                cls.ticket_type == _code(values.get("ticket_type")),
                cls.complaint_class.is_(None) if not _code(values.get("complaint_class"))
                else cls.complaint_class == _code(values.get("complaint_class")),
                cls.severity.is_(None) if not _code(values.get("severity"))
                else cls.severity == _code(values.get("severity")),
            )
            if item is not None and item.id is not None:
                same = same.where(cls.id != item.id)
            other = db.session.execute(same).scalar()
            if other is not None and _code(values.get("ticket_type")):
                errors["ticket_type"] = _("Another active policy already covers this type, class and severity.")
        return errors


def _code(value):
    value = getattr(value, "value", value)
    return value or None
