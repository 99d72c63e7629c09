"""Visit logs and monthly visit plans (拜访, SPEC §5)."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import business_now

from .base import AuditMixin, Model, Validated, Versioned
from .choices import VisitKind, VisitPlanState, choice_column_type
from .clients import Client
from .org import Staff


def entitlements_of(level):
    """The "3+3" services of a service level (seed 004 §2.3): the active service-level tier's
    list (data an admin can edit), else the regulation's list (rules/service_level.py)."""
    from backoffice.extensions import db
    from backoffice.rules.service_level import ENTITLEMENTS

    from .tiers import Tier, TierScheme

    level = getattr(level, "value", level)
    if not level:
        return []
    text = db.session.execute(
        sa.select(Tier.entitlements).join(TierScheme)
        .where(TierScheme.kind == "service_level", TierScheme.active.is_(True), Tier.code == level)
    ).scalar()
    if text:
        return [line.strip() for line in text.splitlines() if line.strip()]
    return [s for group in ENTITLEMENTS.get(level, {}).values() for s in group]


def services_of(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class VisitLog(Validated, Versioned, AuditMixin, Model):
    __tablename__ = "visit_log"
    __table_args__ = (
        sa.CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="ck_visit_lat"),
        sa.CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="ck_visit_lon"),
        sa.CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="ck_visit_sat"),
        sa.Index("ix_visit_staff_time", "staff_id", "visited_at"),
        sa.Index("ix_visit_client_time", "client_id", "visited_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"))
    client: Mapped[Client] = relationship(backref="visits")
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    staff: Mapped[Staff] = relationship()
    visited_at: Mapped[dt.datetime] = mapped_column(default=business_now)  # business time zone
    kind: Mapped[VisitKind] = mapped_column(choice_column_type(VisitKind, "ck_visit_kind"))
    latitude: Mapped[Optional[float]] = mapped_column()
    longitude: Mapped[Optional[float]] = mapped_column()
    purpose: Mapped[Optional[str]] = mapped_column(sa.String(200))
    services_done: Mapped[Optional[str]] = mapped_column(sa.Text)
    findings: Mapped[Optional[str]] = mapped_column(sa.Text)  # findings and client needs
    satisfaction: Mapped[Optional[int]] = mapped_column()  # 1-5, for follow-ups
    next_step: Mapped[Optional[str]] = mapped_column(sa.Text)

    def __repr__(self):
        return f"{self.client} {self.visited_at:%Y-%m-%d}" if self.visited_at else str(self.client)

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        at = values.get("visited_at")
        # SPEC §5 "times in the future are refused": wall-clock time of the business time zone
        # (Asia/Shanghai), with five minutes' grace for a slow clock on the client's device.
        if isinstance(at, dt.datetime) and at > business_now() + dt.timedelta(minutes=5):
            errors["visited_at"] = _("A visit cannot be logged in the future.")
        sat = values.get("satisfaction")
        if sat is not None and not 1 <= sat <= 5:
            errors["satisfaction"] = _("Satisfaction is scored from 1 to 5.")
        for name, bound in (("latitude", 90), ("longitude", 180)):
            v = values.get(name)
            if v is not None and not -bound <= v <= bound:
                errors[name] = _("Must lie between -%(bound)s and %(bound)s.", bound=bound)
        client = values.get("client")
        done = services_of(values.get("services_done"))
        if hasattr(client, "service_level") and done:  # a loaded client (the API's raw payload has an id)
            allowed = set(entitlements_of(client.service_level))
            unknown = [s for s in done if s not in allowed]
            if unknown:
                errors["services_done"] = _("Not a service of this client's service level: %(names)s.",
                                            names="、".join(unknown))
        if values.get("kind") in ("follow_up", VisitKind.follow_up) and values.get("satisfaction") is None:
            errors["satisfaction"] = _("A follow-up visit records the client's satisfaction.")
        return errors


class VisitPlan(Validated, Versioned, AuditMixin, Model):
    """Monthly visit plan of one staff member (seed 003 task sheet)."""

    __tablename__ = "visit_plan"
    __table_args__ = (sa.UniqueConstraint("staff_id", "month", name="uq_visit_plan"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    staff: Mapped[Staff] = relationship()
    month: Mapped[dt.date] = mapped_column()
    state: Mapped[VisitPlanState] = mapped_column(
        choice_column_type(VisitPlanState, "ck_visit_plan_state"), default=VisitPlanState.draft
    )
    items: Mapped[list["VisitPlanItem"]] = relationship(back_populates="plan", cascade="all, delete-orphan")

    def __repr__(self):
        return f"{self.staff} {self.month:%Y-%m}" if self.month else str(self.staff)


class VisitPlanItem(Model):
    """One visit a plan expects: a client, the first day of its period, done or not. Carried-over
    items (last month's unfinished ones, SPEC §5) are due on the 1st and marked ``carried_over``;
    the unique key makes plan generation idempotent."""

    __tablename__ = "visit_plan_item"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "client_id", "due_on", "carried_over", name="uq_visit_plan_item"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_plan.id", ondelete="CASCADE"), index=True)
    plan: Mapped[VisitPlan] = relationship(back_populates="items")
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"))
    client: Mapped[Client] = relationship()
    due_on: Mapped[dt.date] = mapped_column()
    done: Mapped[bool] = mapped_column(default=False)
    carried_over: Mapped[bool] = mapped_column(default=False)
    visit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("visit_log.id", ondelete="SET NULL"))
    visit: Mapped[Optional[VisitLog]] = relationship()

    def __repr__(self):
        return f"{self.client} {self.due_on:%Y-%m-%d}" if self.due_on else str(self.client)


class VisitPlanEvent(Model):
    """Every step of a visit plan: who, when, from, to, note (SPEC §5: each step recorded)."""

    __tablename__ = "visit_plan_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_plan.id", ondelete="CASCADE"), index=True)
    plan: Mapped[VisitPlan] = relationship(backref=sa.orm.backref("events", order_by="VisitPlanEvent.id",
                                                                  cascade="all, delete-orphan"))
    event: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[Optional[str]] = mapped_column(sa.String(30))
    to_state: Mapped[str] = mapped_column(sa.String(30))
    at: Mapped[dt.datetime] = mapped_column(default=business_now)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))
    user: Mapped[Optional[User]] = relationship()
    note: Mapped[Optional[str]] = mapped_column(sa.Text)
