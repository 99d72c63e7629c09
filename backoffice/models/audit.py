"""Change log (变更日志): who changed which field of which record, from what to what (SPEC §2)."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model


class ChangeLog(Model):
    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_record", "table_name", "record_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=dt.datetime.utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))
    user: Mapped[Optional[User]] = relationship()
    action: Mapped[str] = mapped_column(sa.String(10))  # create / update / delete / export
    table_name: Mapped[str] = mapped_column(sa.String(50))
    record_id: Mapped[Optional[int]] = mapped_column()
    field: Mapped[Optional[str]] = mapped_column(sa.String(50))
    old_value: Mapped[Optional[str]] = mapped_column(sa.Text)
    new_value: Mapped[Optional[str]] = mapped_column(sa.Text)
