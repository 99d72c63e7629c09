"""Organisation: departments (a tree) and staff linked to FAB users (SPEC §2)."""
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, Validated, non_negative
from .choices import Position, choice_column_type


class Department(Validated, Model):
    """营销中心 > 营销部 > team."""

    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("department.id"), index=True)
    parent: Mapped[Optional["Department"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Department"]] = relationship(back_populates="parent")
    head_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("staff.id", use_alter=True, name="fk_department_head")
    )
    head: Mapped[Optional["Staff"]] = relationship(foreign_keys=[head_id], post_update=True)

    def __repr__(self):
        return self.name

    @classmethod
    def business_errors(cls, values, item=None):
        errors = {}
        parent = values.get("parent")
        node = parent
        while item is not None and node is not None:
            if node is item:
                errors["parent"] = _("A department cannot sit below itself.")
                break
            node = node.parent
        return errors


class Staff(Validated, Model):
    """An employee; ``user`` is the login (a delivery driver may have none)."""

    __tablename__ = "staff"
    __table_args__ = (sa.CheckConstraint("pay_base >= 0", name="ck_staff_pay_base"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    employee_no: Mapped[str] = mapped_column(sa.String(20), unique=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"), unique=True)
    user: Mapped[Optional[User]] = relationship(User)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    position: Mapped[Position] = mapped_column(choice_column_type(Position, "ck_staff_position"))
    phone: Mapped[Optional[str]] = mapped_column(sa.String(30))
    pay_base: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0"), info={"money": True})  # 绩效工资基数
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self):
        return self.name

    @classmethod
    def business_errors(cls, values, item=None):
        return non_negative(values, ["pay_base"], {})
