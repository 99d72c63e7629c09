"""Client archive (客户档案): business formats, clients, contacts, monthly purchases (SPEC §2)."""
import datetime as dt
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.rules.composite import composite_code
from backoffice.rules.contact_info import MAX_EMAIL_LENGTH, MAX_PHONE_LENGTH, email_error, phone_error

from .base import AuditMixin, Model, Validated, Versioned, code_in_use, non_negative
from .choices import (
    ClientCategory,
    ClientQuality,
    ClientStatus,
    MarketType,
    RegionClass,
    ServiceLevel,
    Settlement,
    choice_column_type,
)
from .org import Department, Staff


def phone_errors(values, fields, errors):
    """A phone field that is not a mainland number gets a message (rules/contact_info.py)."""
    for name in fields:
        code = phone_error(values.get(name))
        if code == "too_long":
            errors[name] = _("At most %(n)s characters.", n=MAX_PHONE_LENGTH)
        elif code:
            errors[name] = _("Not a phone number. Write a mobile number (13800138000) or a landline with "
                             "its area code (0371-12345678, 010-1234567, 0371-12345678-801).")
    return errors


def email_errors(values, fields, errors):
    for name in fields:
        code = email_error(values.get(name))
        if code == "too_long":
            errors[name] = _("At most %(n)s characters.", n=MAX_EMAIL_LENGTH)
        elif code:
            errors[name] = _("Not an e-mail address (for example name@example.com).")
    return errors


class BusinessFormat(Validated, Model):
    """业态 lookup (seed 004 Art. 6); ``code`` is the letter of the composite code."""

    __tablename__ = "business_format"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(2), unique=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    verified: Mapped[bool] = mapped_column(default=False)

    def __repr__(self):
        return f"{self.code} {self.name}"


class Client(Validated, Versioned, AuditMixin, Model):
    __tablename__ = "client"
    __pinyin_sort__ = ("name",)  # lists sort client names by pinyin (backoffice/collation.py)
    __prefix_search__ = ("code",)  # "code starts with" read off the code's index (backoffice/code_search.py)
    __table_args__ = (
        sa.CheckConstraint("scale IS NULL OR scale BETWEEN 1 AND 3", name="ck_client_scale"),
        sa.Index("ix_client_format_region", "business_format_id", "region_class"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # 客户编码
    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    licence_no: Mapped[Optional[str]] = mapped_column(sa.String(30), index=True)  # 许可证号
    status: Mapped[ClientStatus] = mapped_column(
        choice_column_type(ClientStatus, "ck_client_status"), default=ClientStatus.active, index=True
    )
    owner_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    owner: Mapped[Optional[Staff]] = relationship(foreign_keys=[owner_id])
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    department: Mapped[Department] = relationship()
    area: Mapped[Optional[str]] = mapped_column(sa.String(50), index=True)  # 片区
    route: Mapped[Optional[str]] = mapped_column(sa.String(50))  # 线路
    address: Mapped[Optional[str]] = mapped_column(sa.String(200))
    phone: Mapped[Optional[str]] = mapped_column(sa.String(30))
    proprietor_birthday: Mapped[Optional[dt.date]] = mapped_column()
    joined_on: Mapped[Optional[dt.date]] = mapped_column()  # 入网日期
    settlement: Mapped[Optional[Settlement]] = mapped_column(
        choice_column_type(Settlement, "ck_client_settlement")
    )
    category: Mapped[Optional[ClientCategory]] = mapped_column(
        choice_column_type(ClientCategory, "ck_client_category")
    )
    quality: Mapped[Optional[ClientQuality]] = mapped_column(
        choice_column_type(ClientQuality, "ck_client_quality")
    )
    market_type: Mapped[MarketType] = mapped_column(choice_column_type(MarketType, "ck_client_market"))
    business_format_id: Mapped[int] = mapped_column(sa.ForeignKey("business_format.id"))
    business_format: Mapped[BusinessFormat] = relationship()
    region_class: Mapped[Optional[RegionClass]] = mapped_column(
        choice_column_type(RegionClass, "ck_client_region")
    )
    # Current results of the recalculations (SPEC §3); written with their ClientTier rows.
    scale: Mapped[Optional[int]] = mapped_column(index=True)
    service_level: Mapped[Optional[ServiceLevel]] = mapped_column(
        choice_column_type(ServiceLevel, "ck_client_service_level"), index=True
    )
    composite_code: Mapped[Optional[str]] = mapped_column(sa.String(4), index=True)  # e.g. CZ1
    key_account: Mapped[bool] = mapped_column(default=False, index=True)  # 大客户
    development_potential: Mapped[bool] = mapped_column(default=False)  # seed 001 manual flag
    notes: Mapped[Optional[str]] = mapped_column(sa.Text)

    contacts: Mapped[list["Contact"]] = relationship(back_populates="client", cascade="all, delete-orphan")
    purchases: Mapped[list["PurchaseRecord"]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"{self.code} {self.name}"

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        code = code_in_use(cls, values, item)
        if code:
            errors["code"] = _("Client code %(code)s is already in use.", code=code)
        mt = values.get("market_type")
        if mt is not None and str(getattr(mt, "value", mt)) not in {"C", "X"}:
            errors["market_type"] = _("Market type must be C (urban) or X (rural).")
        return phone_errors(values, ["phone"], errors)

    def update_derived(self, session):
        fmt = self.business_format
        if fmt is None and self.business_format_id:
            fmt = session.get(BusinessFormat, self.business_format_id)
        mt = getattr(self.market_type, "value", self.market_type)
        try:
            self.composite_code = composite_code(mt, fmt.code if fmt else None, self.scale)
        except ValueError:
            self.composite_code = None


class Contact(Validated, Versioned, AuditMixin, Model):
    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"), index=True)
    client: Mapped[Client] = relationship(back_populates="contacts")
    name: Mapped[str] = mapped_column(sa.String(50))
    title: Mapped[Optional[str]] = mapped_column(sa.String(50))
    phone: Mapped[Optional[str]] = mapped_column(sa.String(30))
    email: Mapped[Optional[str]] = mapped_column(sa.String(120))
    primary: Mapped[bool] = mapped_column(default=False)

    def __repr__(self):
        return self.name

    @classmethod
    def business_errors(cls, values, item=None):
        errors = phone_errors(values, ["phone"], {})
        return email_errors(values, ["email"], errors)


class PurchaseRecord(Validated, AuditMixin, Model):
    """购进记录: one row per client and month; the input of every recalculation."""

    __tablename__ = "purchase_record"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "month", name="uq_purchase_client_month"),
        sa.CheckConstraint("quantity >= 0", name="ck_purchase_quantity"),
        sa.CheckConstraint("amount >= 0", name="ck_purchase_amount"),
        sa.Index("ix_purchase_month", "month"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"))
    client: Mapped[Client] = relationship(back_populates="purchases")
    month: Mapped[dt.date] = mapped_column()  # first day of the month
    quantity: Mapped[int] = mapped_column(default=0)  # 条
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0"), info={"money": True})  # 元
    profit: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(14, 2), info={"money": True})

    def __repr__(self):
        return f"{self.month:%Y-%m}"

    @classmethod
    def business_errors(cls, values, item=None):
        return non_negative(values, ["quantity", "amount"], {})

    def update_derived(self, session):
        if self.month is not None and self.month.day != 1:
            self.month = self.month.replace(day=1)
