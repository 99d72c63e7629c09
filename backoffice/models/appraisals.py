"""Appraisal templates and sheets (考核表, seed 001, SPEC §6)."""
import datetime as dt
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.rules.appraisal_pay import ADJUSTMENT_RATES, DEFAULT_BANDS, PayBand, pay_breakdown

from .base import AuditMixin, Model, Validated, Versioned
from .choices import Position, SheetStatus, TargetResult, choice_column_type
from .org import Department, Staff


class AppraisalTemplate(Validated, Model):
    __tablename__ = "appraisal_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[Optional[Position]] = mapped_column(
        choice_column_type(Position, "ck_template_position")
    )
    active: Mapped[bool] = mapped_column(default=True)
    items: Mapped[list["AppraisalItem"]] = relationship(
        back_populates="template", order_by="AppraisalItem.sort_order", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return self.name

    @property
    def total_points(self):
        return sum(i.max_points for i in self.items)

    @classmethod
    def business_errors(cls, values, item=None):
        """SPEC §6: a template in use has items summing to 100 (an existing one is checked)."""
        if item is not None and values.get("active") and item.items and item.total_points != 100:
            return {"active": _("The items of this template sum to %(n)s points, not 100: it cannot be active.",
                                n=item.total_points)}
        return {}


class AppraisalItem(Validated, Model):
    __tablename__ = "appraisal_item"
    __table_args__ = (
        sa.CheckConstraint("max_points > 0 AND max_points <= 100", name="ck_item_max_points"),
        sa.UniqueConstraint("template_id", "name", name="uq_item_template_name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("appraisal_template.id", ondelete="CASCADE"))
    template: Mapped[AppraisalTemplate] = relationship(back_populates="items")
    name: Mapped[str] = mapped_column(sa.String(50))
    max_points: Mapped[int] = mapped_column()
    sort_order: Mapped[int] = mapped_column(default=0)
    description: Mapped[Optional[str]] = mapped_column(sa.Text)

    def __repr__(self):
        return f"{self.name} ({self.max_points})"

    @classmethod
    def business_errors(cls, values, item=None):
        mp = values.get("max_points")
        if mp is not None and not 0 < mp <= 100:
            return {"max_points": _("Maximum points must be between 1 and 100.")}
        template = values.get("template")
        if mp is not None and template is not None:
            # SPEC §6: a template's items sum to 100; a change that would pass 100 is refused.
            others = sum(i.max_points for i in template.items if item is None or i.id != item.id)
            if others + mp > 100:
                return {"max_points": _("The template's items would sum to %(n)s points; they must sum to 100.",
                                        n=others + mp)}
        return {}


class AppraisalSheet(Validated, Versioned, AuditMixin, Model):
    __tablename__ = "appraisal_sheet"
    __table_args__ = (
        sa.UniqueConstraint("staff_id", "template_id", "month", name="uq_sheet_staff_month"),
        sa.CheckConstraint("pay_base >= 0", name="ck_sheet_pay_base"),
        sa.CheckConstraint("total_score IS NULL OR total_score BETWEEN 0 AND 100", name="ck_sheet_total"),
        sa.Index("ix_sheet_month", "month"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("appraisal_template.id"))
    template: Mapped[AppraisalTemplate] = relationship()
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])
    evaluator_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id"))
    evaluator: Mapped[Optional[Staff]] = relationship(foreign_keys=[evaluator_id])
    month: Mapped[dt.date] = mapped_column()
    status: Mapped[SheetStatus] = mapped_column(
        choice_column_type(SheetStatus, "ck_sheet_status"), default=SheetStatus.draft
    )
    target_result: Mapped[TargetResult] = mapped_column(
        choice_column_type(TargetResult, "ck_sheet_target"), default=TargetResult.met
    )
    pay_base: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0"), info={"money": True})
    total_score: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(5, 2))
    pay_factor: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(6, 4))
    final_pay: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(12, 2), info={"money": True})
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column()  # starts the objection window (SPEC §6)
    objection: Mapped[Optional[str]] = mapped_column(sa.Text)  # 异议
    objection_at: Mapped[Optional[dt.datetime]] = mapped_column()
    comments: Mapped[Optional[str]] = mapped_column(sa.Text)
    # The monthly ranking job (jobs/kind_appraisal_ranking.py, SPEC §6) writes these three.
    rank: Mapped[Optional[int]] = mapped_column()
    ranked_of: Mapped[Optional[int]] = mapped_column()
    last_three_months: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # 末位淘汰 warning
    scores: Mapped[list["AppraisalScore"]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"{self.staff} {self.month:%Y-%m}" if self.month else str(self.staff)

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        if values.get("pay_base") is not None and values["pay_base"] < 0:
            errors["pay_base"] = _("Must not be negative.")
        return errors

    def update_derived(self, session):
        """Total and pay follow the item scores (SPEC §6; rules in backoffice.rules.appraisal_pay)."""
        if self.month is not None and self.month.day != 1:
            self.month = self.month.replace(day=1)
        if not self.scores:
            self.total_score = self.pay_factor = self.final_pay = None
            return
        total = sum((Decimal(s.score) for s in self.scores if s.score is not None), Decimal("0"))
        self.total_score = total
        if total > 100:
            return  # refused by the score rules before it gets here; the CHECK backs it
        target = getattr(self.target_result, "value", self.target_result) or "met"
        bands, rates = pay_settings(session)
        b = pay_breakdown(Decimal(self.pay_base or 0), total, target, bands, rates)
        self.pay_factor, self.final_pay = b.factor, b.final_pay


class AppraisalScore(Validated, Model):
    """One item's score on a sheet; ``max_points`` is copied from the item so history stays right."""

    __tablename__ = "appraisal_score"
    __table_args__ = (
        sa.UniqueConstraint("sheet_id", "item_id", name="uq_score_sheet_item"),
        sa.CheckConstraint("score >= 0 AND score <= max_points", name="ck_score_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("appraisal_sheet.id", ondelete="CASCADE"))
    sheet: Mapped[AppraisalSheet] = relationship(back_populates="scores")
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("appraisal_item.id"))
    item: Mapped[AppraisalItem] = relationship()
    max_points: Mapped[int] = mapped_column()
    score: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    note: Mapped[Optional[str]] = mapped_column(sa.String(200))

    def __repr__(self):
        return f"{self.item}: {self.score}"

    @classmethod
    def business_errors(cls, values, item=None):
        score, it = values.get("score"), values.get("item")
        if score is None:
            return {}
        if score < 0:
            return {"score": _("A score cannot be below 0.")}
        if it is not None and score > it.max_points:
            return {"score": _("The score cannot exceed the item's maximum of %(max)s.", max=it.max_points)}
        return {}

    def update_derived(self, session):
        if self.item is not None:
            self.max_points = self.item.max_points
        if self.sheet is not None:
            self.sheet.update_derived(session)


class DepartmentMonthOutcome(Model):
    """The department's result for a month (SPEC §6 department adjustment), entered by its head:
    target missed / met / challenge target reached. The sheets of the department's staff take it."""

    __tablename__ = "department_month_outcome"
    __table_args__ = (sa.UniqueConstraint("department_id", "month", name="uq_dept_month_outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id", ondelete="CASCADE"))
    department: Mapped[Department] = relationship()
    month: Mapped[dt.date] = mapped_column()
    result: Mapped[TargetResult] = mapped_column(
        choice_column_type(TargetResult, "ck_dept_outcome_result"), default=TargetResult.met
    )
    entered_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))
    entered_by: Mapped[Optional[Staff]] = relationship(foreign_keys=[entered_by_id])

    def __repr__(self):
        return f"{self.department} {self.month:%Y-%m}" if self.month else str(self.department)


class AppraisalPayBand(Model):
    """A pay band of SPEC §6 (seed 001 L512–L516) as data the administrator edits: totals from
    ``lower`` (included) to ``upper`` (excluded; the band ending at 100 includes 100) pay
    ``factor`` × the base, or the score as a percentage. The set must cover 0–100 without gaps
    or overlaps (services/appraisal_settings.py, rules/appraisal_pay.band_problems)."""

    __tablename__ = "appraisal_pay_band"
    __table_args__ = (
        sa.CheckConstraint("lower_bound >= 0 AND upper_bound <= 100 AND lower_bound < upper_bound",
                           name="ck_pay_band_bounds"),
        sa.CheckConstraint("score_as_percentage OR (factor IS NOT NULL AND factor >= 0)", name="ck_pay_band_factor"),
        sa.UniqueConstraint("lower_bound", name="uq_pay_band_lower"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lower_bound: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    upper_bound: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    factor: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(6, 4))
    score_as_percentage: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self):
        return f"[{self.lower_bound}, {self.upper_bound})"

    def as_rule(self):
        return PayBand(Decimal(self.lower_bound), Decimal(self.upper_bound),
                       None if self.factor is None else Decimal(self.factor), bool(self.score_as_percentage))


class DepartmentAdjustment(Model):
    """The adjustment of the score-adjusted pay per department result (SPEC §6: challenge target
    reached +5 %, met 0, missed −5 %), as data the administrator edits; ``rate`` is a fraction."""

    __tablename__ = "appraisal_department_adjustment"
    __table_args__ = (
        sa.UniqueConstraint("result", name="uq_department_adjustment_result"),
        sa.CheckConstraint("rate >= -1 AND rate <= 1", name="ck_department_adjustment_rate"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    result: Mapped[TargetResult] = mapped_column(choice_column_type(TargetResult, "ck_department_adjustment_code"))
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))

    def __repr__(self):
        return f"{self.result}: {self.rate}"


def pay_settings(session):
    """(bands, rates) of the pay rule from the tables; the seeded values of SPEC §6 where a table
    is empty (a database created before the tables were seeded)."""
    rows = session.execute(sa.select(AppraisalPayBand).order_by(AppraisalPayBand.lower_bound.desc())).scalars().all()
    bands = tuple(r.as_rule() for r in rows) or DEFAULT_BANDS
    rates = dict(ADJUSTMENT_RATES)
    for r in session.execute(sa.select(DepartmentAdjustment)).scalars():
        rates[getattr(r.result, "value", r.result)] = Decimal(r.rate)
    return bands, rates
