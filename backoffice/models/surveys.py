"""Satisfaction surveys (满意度调查, SPEC §7; seed 004 Art. 25, seed 002).

A questionnaire holds questions (data an admin edits); a campaign samples clients into
invitations (one per client, single-use token); answers come in per invitation and question;
the aggregation job writes survey_result rows that the report shows; departments write their
rectification notes (整改措施) against a campaign.
"""
import datetime as dt
import secrets
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import business_now
from backoffice.rules.sampling import parse_campaign_period

from .base import AuditMixin, Model, Validated, Versioned, code_in_use
from .choices import (
    CampaignState,
    InvitationChannel,
    Position,
    QuestionDimension,
    SurveyKind,
    choice_column_type,
)
from .clients import Client
from .org import Department, Staff
from .tickets import Ticket

# SPEC §7 [decision]: on the 1-5 scale, 4 and 5 count as satisfied.
SATISFIED_MIN_SCORE = 4


def now():
    """Business wall-clock now (invitation times; README: How times are stored)."""
    return business_now()


def new_token() -> str:
    """A single-use invitation token (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)


class Questionnaire(Validated, AuditMixin, Model):
    __tablename__ = "questionnaire"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    questions: Mapped[list["SurveyQuestion"]] = relationship(
        back_populates="questionnaire", cascade="all, delete-orphan", order_by="SurveyQuestion.position"
    )

    def __repr__(self):
        return f"{self.code} {self.name}"

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        code = code_in_use(cls, values, item)
        if code:
            errors["code"] = _("Questionnaire code %(code)s is already in use.", code=code)
        return errors


class SurveyQuestion(Validated, Model):
    __tablename__ = "survey_question"
    __table_args__ = (
        sa.UniqueConstraint("questionnaire_id", "code", name="uq_survey_question_code"),
        sa.CheckConstraint(
            "min_score >= 1 AND min_score < max_score AND max_score <= 10", name="ck_survey_question_scale"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True
    )
    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")
    code: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column(default=0)
    dimension: Mapped[QuestionDimension] = mapped_column(
        choice_column_type(QuestionDimension, "ck_survey_question_dimension")
    )
    # For dimension=staff: which role serving the client is rated (client_manager, market_manager,
    # phone_order, delivery — seed 004 Art. 25).
    staff_position: Mapped[Optional[Position]] = mapped_column(
        choice_column_type(Position, "ck_survey_question_position")
    )
    text_zh: Mapped[str] = mapped_column(sa.String(300))
    text_zh_hant: Mapped[Optional[str]] = mapped_column(sa.String(300))
    text_en: Mapped[Optional[str]] = mapped_column(sa.String(300))
    min_score: Mapped[int] = mapped_column(default=1)
    max_score: Mapped[int] = mapped_column(default=5)
    comment_allowed: Mapped[bool] = mapped_column(default=True)

    def __repr__(self):
        return f"{self.code} {self.text_zh}"

    def text(self, locale: Optional[str] = None) -> str:
        """The question text in ``locale`` (zh, zh_HK/zh_Hant, en), falling back to Chinese."""
        loc = (locale or "zh").lower()
        if loc.startswith("en") and self.text_en:
            return self.text_en
        if loc.startswith(("zh_hk", "zh_hant", "zh_tw")) and self.text_zh_hant:
            return self.text_zh_hant
        return self.text_zh

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        lo, hi = values.get("min_score"), values.get("max_score")
        lo = 1 if lo is None else lo
        hi = 5 if hi is None else hi
        if not (1 <= lo < hi <= 10):
            errors["max_score"] = _("The scale must satisfy 1 <= lowest < highest <= 10.")
        dim = values.get("dimension")
        dim = str(getattr(dim, "value", dim) or "")
        pos = values.get("staff_position")
        pos = str(getattr(pos, "value", pos) or "")
        if dim == "staff" and not pos:
            errors["staff_position"] = _("A staff rating question needs the staff role it rates.")
        if dim and dim != "staff" and pos:
            errors["staff_position"] = _("Only a staff rating question names a staff role.")
        return errors


# The period rules (rules/periods.py, rules/sampling.py) speak English and import no Flask: their
# messages in the user's language (issue #11: the period hint on the campaign form was English).
PERIOD_MESSAGES = {
    "The year must be between %(low)s and %(high)s.": _l("The year must be between %(low)s and %(high)s."),
    "The quarter must be 1, 2, 3 or 4.": _l("The quarter must be 1, 2, 3 or 4."),
    "The period must be text such as 2026Q3 or 2026.": _l("The period must be text such as 2026Q3 or 2026."),
    "A quarter must be written like 2026Q3 (four-digit year, Q, 1 to 4).":
        _l("A quarter must be written like 2026Q3 (four-digit year, Q, 1 to 4)."),
    "A year must be written with four digits, like 2026.": _l("A year must be written with four digits, like 2026."),
    "A period must be written like 2026Q3 (a quarter) or 2026 (a year).":
        _l("A period must be written like 2026Q3 (a quarter) or 2026 (a year)."),
    "The top purchasers campaign covers a calendar year, e.g. 2026.":
        _l("The top purchasers campaign covers a calendar year, e.g. 2026."),
    "A semiannual campaign covers a half year, e.g. 2026H1 or 2026H2.":
        _l("A semiannual campaign covers a half year, e.g. 2026H1 or 2026H2."),
    "Write the period as a year (2026) or a half year (2026H1, 2026H2).":
        _l("Write the period as a year (2026) or a half year (2026H1, 2026H2)."),
}


def period_message(exc):
    template = getattr(exc, "template", str(exc))
    message = PERIOD_MESSAGES.get(template)
    if message is None:
        return str(exc)
    params = getattr(exc, "params", None) or {}
    return str(message) % params if params else str(message)


class SurveyCampaign(Validated, Versioned, AuditMixin, Model):
    __tablename__ = "survey_campaign"
    __table_args__ = (
        sa.CheckConstraint("sample_ratio > 0 AND sample_ratio <= 1", name="ck_survey_campaign_ratio"),
        sa.CheckConstraint("top_n > 0", name="ck_survey_campaign_top_n"),
        sa.Index("ix_survey_campaign_kind_period", "kind", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[SurveyKind] = mapped_column(choice_column_type(SurveyKind, "ck_survey_campaign_kind"))
    period: Mapped[str] = mapped_column(sa.String(10))  # "2026H2" (semiannual), "2026" (year)
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire.id"))
    questionnaire: Mapped[Questionnaire] = relationship()
    sample_ratio: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4), default=Decimal("0.05"))
    top_n: Mapped[int] = mapped_column(default=20)
    deadline: Mapped[dt.date] = mapped_column()
    seed: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    state: Mapped[CampaignState] = mapped_column(
        choice_column_type(CampaignState, "ck_survey_campaign_state"), default=CampaignState.draft
    )
    target_rate: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(5, 4))
    # How the invitations reach the clients [decision]: online link by default; "phone" makes
    # every invitation a service-desk call, assigned round-robin (backoffice.rules.sampling).
    channel: Mapped[InvitationChannel] = mapped_column(
        choice_column_type(InvitationChannel, "ck_survey_campaign_channel"), default=InvitationChannel.online
    )
    sample_summary: Mapped[Optional[dict]] = mapped_column(sa.JSON)
    department_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("department.id"), index=True)
    department: Mapped[Optional[Department]] = relationship()

    invitations: Mapped[list["SurveyInvitation"]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self):
        return self.name or ""

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        kind = values.get("kind")
        kind = str(getattr(kind, "value", kind) or "")
        period = (values.get("period") or "").strip()
        if period:
            try:
                parse_campaign_period(kind or None, period)
            except ValueError as exc:
                errors["period"] = period_message(exc)
        ratio = values.get("sample_ratio")
        if ratio is not None and not (0 < ratio <= 1):
            errors["sample_ratio"] = _("The sample ratio must be above 0 and at most 1 (100 %).")
        top_n = values.get("top_n")
        if top_n is not None and top_n <= 0:
            errors["top_n"] = _("The number of top purchasers must be at least 1.")
        target = values.get("target_rate")
        if target is not None and not (0 <= target <= 1):
            errors["target_rate"] = _("The target must be between 0 and 1 (100 %).")
        # The sample is reproducible (SPEC §7): once launched, what defines it stays as it was.
        if item is not None and getattr(item.state, "value", item.state) not in (None, "draft"):
            for field in ("kind", "period", "questionnaire", "sample_ratio", "top_n"):
                if field in values and values[field] != getattr(item, field):
                    errors[field] = _("A launched campaign keeps its sampling settings.")
        return errors

    def update_derived(self, session):
        # seed 002: the annual top purchasers must all be satisfied (target 100 %).
        kind = getattr(self.kind, "value", self.kind)
        if self.target_rate is None and kind == "top_purchasers":
            self.target_rate = Decimal("1")
        if self.sample_ratio is None:
            self.sample_ratio = Decimal("0.05")
        if self.top_n is None:
            self.top_n = 20


class SurveyInvitation(Model):
    __tablename__ = "survey_invitation"
    __table_args__ = (
        # One invitation per client and campaign; after-complaint invitations are once per ticket
        # instead (SPEC §7: "one invitation per closed ticket"), so a client with two closed
        # complaints in the period gets two.
        sa.Index(
            "uq_survey_invitation_client", "campaign_id", "client_id", unique=True,
            postgresql_where=sa.text("ticket_id IS NULL"), sqlite_where=sa.text("ticket_id IS NULL"),
        ),
        sa.Index("ix_survey_invitation_used", "campaign_id", "used_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_campaign.id", ondelete="CASCADE"))
    campaign: Mapped[SurveyCampaign] = relationship(back_populates="invitations")
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"), index=True)
    client: Mapped[Client] = relationship()
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    channel: Mapped[InvitationChannel] = mapped_column(
        choice_column_type(InvitationChannel, "ck_survey_invitation_channel"), default=InvitationChannel.online
    )
    assignee_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    assignee: Mapped[Optional[Staff]] = relationship()
    stratum: Mapped[Optional[str]] = mapped_column(sa.String(80))
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[Optional[dt.datetime]] = mapped_column()
    ticket_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ticket.id"), unique=True)
    ticket: Mapped[Optional[Ticket]] = relationship()
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    answers: Mapped[list["SurveyAnswer"]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self):
        return f"{self.campaign} / {self.client}"

    def is_expired(self, at: Optional[dt.datetime] = None) -> bool:
        return (at or now()) > self.expires_at

    def is_usable(self, at: Optional[dt.datetime] = None) -> bool:
        return self.used_at is None and not self.is_expired(at)


class SurveyAnswer(Validated, Model):
    __tablename__ = "survey_answer"
    __table_args__ = (
        sa.UniqueConstraint("invitation_id", "question_id", name="uq_survey_answer_question"),
        sa.CheckConstraint("score BETWEEN 1 AND 10", name="ck_survey_answer_score"),
        sa.Index("ix_survey_answer_question", "question_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_invitation.id", ondelete="CASCADE"))
    invitation: Mapped[SurveyInvitation] = relationship(back_populates="answers")
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_question.id"))
    question: Mapped[SurveyQuestion] = relationship()
    score: Mapped[int] = mapped_column()
    comment: Mapped[Optional[str]] = mapped_column(sa.Text)
    # The staff member of the rated role serving the client when the answer was given.
    staff_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    staff: Mapped[Optional[Staff]] = relationship()
    channel: Mapped[InvitationChannel] = mapped_column(
        choice_column_type(InvitationChannel, "ck_survey_answer_channel"), default=InvitationChannel.online
    )
    entered_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))  # NULL = client online
    entered_by: Mapped[Optional[User]] = relationship()
    answered_at: Mapped[dt.datetime] = mapped_column(default=now)

    def __repr__(self):
        return f"{self.question_id}: {self.score}"

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        question = values.get("question")
        score = values.get("score")
        if score is not None and question is not None:
            if not (question.min_score <= score <= question.max_score):
                errors["score"] = _(
                    "The score must be between %(low)s and %(high)s.",
                    low=question.min_score,
                    high=question.max_score,
                )
        elif score is not None and not (1 <= score <= 10):
            errors["score"] = _("The score must be between %(low)s and %(high)s.", low=1, high=10)
        comment = values.get("comment")
        if comment and question is not None and not question.comment_allowed:
            errors["comment"] = _("This question takes no comment.")
        return errors


class SurveyResult(Model):
    """One aggregated figure row; the aggregation job replaces a campaign's rows in one transaction."""

    __tablename__ = "survey_result"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "grouping", "key", name="uq_survey_result_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_campaign.id", ondelete="CASCADE"))
    campaign: Mapped[SurveyCampaign] = relationship()
    # "campaign", "question", "dimension", "department", "staff", "service_level"
    grouping: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(80))
    label: Mapped[str] = mapped_column(sa.String(200))
    invited: Mapped[int] = mapped_column(default=0)
    responded: Mapped[int] = mapped_column(default=0)
    answers: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    satisfaction_rate: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(6, 4))
    response_rate: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(6, 4))
    target: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(5, 4))
    computed_at: Mapped[dt.datetime] = mapped_column(default=now)
    run_id: Mapped[Optional[int]] = mapped_column()

    def __repr__(self):
        return f"{self.grouping}:{self.key}"

    @property
    def meets_target(self) -> Optional[bool]:
        if self.target is None or self.satisfaction_rate is None:
            return None
        return self.satisfaction_rate >= self.target


class SurveyRectification(Validated, AuditMixin, Model):
    """整改措施: a department's corrective measures after a campaign (SPEC §7)."""

    __tablename__ = "survey_rectification"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "department_id", name="uq_survey_rectification_dept"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_campaign.id", ondelete="CASCADE"), index=True)
    campaign: Mapped[SurveyCampaign] = relationship()
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    department: Mapped[Department] = relationship()
    notes: Mapped[str] = mapped_column(sa.Text)

    def __repr__(self):
        return f"{self.campaign} / {self.department}"

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        if not (values.get("notes") or "").strip():
            errors["notes"] = _("Write the rectification measures.")
        return errors
