"""Server-side sign-out: a per-user session epoch (SPEC §1 roles; issue #9 "a replayed cookie").

Flask keeps the session in a signed cookie, so signing out only asks the browser to forget it;
a copy of the cookie would still work. Each sign-in writes the user's current ``epoch`` into the
session, each request compares the two, and signing out moves the epoch on: every cookie issued
before is refused from then on (on every device of that user: "sign out" signs out everywhere).
Written with Core statements by ``backoffice.security.sessions`` (no change-log entry: this is
bookkeeping, not a business record).
"""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class UserSessionEpoch(Model):
    __tablename__ = "user_session_epoch"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    epoch: Mapped[int] = mapped_column(default=0)
    changed_on: Mapped[dt.datetime] = mapped_column(default=dt.datetime.utcnow)
