"""Monthly KPI snapshots (issue #15 "fast at scale"; SPEC §8: the ``recalc`` queue writes them).

One row per department and month holds that department's own counts (not its subtree's): the
counts a department's KPIs need (``backoffice/rules/kpi.py`` ``Counts``), so the figures of a
subtree are a sum of a few small rows and the home page never scans tickets, visits or clients.
The job ``kpi.snapshot`` (``backoffice/jobs/kind_kpi.py``) replaces a month's rows in one
transaction; ``computed_at`` tells the reader how fresh they are.
"""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import business_now

from .base import Model
from .tickets import Ticket

# The home tiles "overdue" and "due later today" (views/home.py) count the tickets still awaiting
# feedback by deadline: a partial index holds only those few (SPEC §4: fed back, called back and
# closed tickets are no longer late), so the count does not read the million others. PostgreSQL
# uses it for ``status <> 'fed_back' AND status <> 'called_back' AND status <> 'closed'``.
AWAITING_FEEDBACK_SQL = "status NOT IN ('fed_back', 'called_back', 'closed')"
TICKET_AWAITING_DUE = sa.Index(
    "ix_ticket_awaiting_due", Ticket.__table__.c.due_at,
    postgresql_where=sa.text(AWAITING_FEEDBACK_SQL), sqlite_where=sa.text(AWAITING_FEEDBACK_SQL),
)


def now():
    return business_now()


class KpiSnapshot(Model):
    __tablename__ = "kpi_snapshot"
    __table_args__ = (sa.UniqueConstraint("department_id", "month", name="uq_kpi_snapshot_dept_month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id", ondelete="CASCADE"), index=True)
    month: Mapped[dt.date] = mapped_column(index=True)  # first day of the month
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    computed_at: Mapped[dt.datetime] = mapped_column(default=now)
    run_id: Mapped[Optional[int]] = mapped_column()

    def __repr__(self):
        return f"{self.department_id}:{self.month:%Y-%m}"
