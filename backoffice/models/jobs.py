"""Job runs: the database record that is the source of truth for every background job (SPEC §8)."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utc_now

from .base import Model
from .choices import JobState, choice_column_type


class JobRun(Model):
    __tablename__ = "job_run"
    __table_args__ = (
        sa.Index("ix_job_run_state", "state", "queued_at"),
        # One active run per piece of work (same scheme and period, same campaign...): the
        # database refuses a second launch even when two arrive at once.
        sa.Index(
            "uq_job_run_active_dedupe", "dedupe_key", unique=True,
            postgresql_where=sa.text("state IN ('queued', 'running')"),
            sqlite_where=sa.text("state IN ('queued', 'running')"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(50), index=True)
    queue: Mapped[str] = mapped_column(sa.String(30), default="default")
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    dedupe_key: Mapped[Optional[str]] = mapped_column(sa.String(120), index=True)
    launched_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ab_user.id"))
    launched_by: Mapped[Optional[User]] = relationship()
    state: Mapped[str] = mapped_column(choice_column_type(JobState, "ck_job_state"), default=JobState.queued)
    rq_job_id: Mapped[Optional[str]] = mapped_column(sa.String(64))
    enqueued: Mapped[bool] = mapped_column(default=False)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utc_now)  # job bookkeeping: UTC (clock.py)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column()
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column()
    heartbeat_at: Mapped[Optional[dt.datetime]] = mapped_column()  # refreshed while a worker runs it
    summary: Mapped[Optional[dict]] = mapped_column(sa.JSON)
    error: Mapped[Optional[str]] = mapped_column(sa.Text)

    def __repr__(self):
        return f"#{self.id} {self.kind}"
