"""Monthly KPI figures per department (issues #12 and #15; SPEC §4, §5, §7; seed 004 Art. 13b, 15, 17).

Two halves:

* ``department_counts(month)`` computes every department's own counts for a month in a handful
  of GROUP BY statements (tickets by their responsible department, else their client's; clients
  by their department, the scope's own key, ``security/scope.py``; visit compliance by the manager's department, through
  ``services/visit_compliance.py``), and ``write_snapshots`` stores them as ``kpi_snapshot`` rows,
  replacing the month's rows in one transaction (the ``kpi.snapshot`` job, queue ``recalc``).
* ``read`` sums the snapshot rows of a department's subtree (a few rows per month): the home and
  KPI pages never scan tickets, visits or clients per page view. The rates come from the pure
  rules (``rules/kpi.py``: a zero denominator gives "no data", never a division by zero).

The department a user may pick is limited by ``scope_clause(Department)``; a department head's
scope is his subtree, so the figures of any department he can pick are figures he may see.
"""
import datetime as dt
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa

from backoffice.clock import business_now, business_today
from backoffice.extensions import db
from backoffice.models import (
    Client, ClientTier, Department, KpiSnapshot, Staff, SurveyCampaign, SurveyResult, Ticket, Tier, TierScheme,
)
from backoffice.rules import kpi as rules
from backoffice.security.scope import department_subtree, scope_clause, staff_of

SNAPSHOT_KIND = "kpi.snapshot"
NONE_KEY = "none"


def _at(day):
    return dt.datetime.combine(day, dt.time())


def _code(value):
    value = getattr(value, "value", value)
    return NONE_KEY if value is None else str(value)


# -- computing the counts (the job) ---------------------------------------------------------------
def _ticket_counts(month, now, acc):
    t, c = Ticket.__table__, Client.__table__
    first, nxt = _at(month), _at(rules.next_month(month))
    # A ticket counts once, for the department that answers for it: the responsible department the
    # desk assigned (统一受理, SPEC §4), else the client's own department.
    dept = sa.func.coalesce(t.c.responsible_department_id, c.c.department_id)
    in_month = sa.and_(t.c.registered_at >= first, t.c.registered_at < nxt)
    fed_in_month = sa.and_(t.c.fed_back_at >= first, t.c.fed_back_at < nxt)
    closed_in_month = sa.and_(t.c.closed_at >= first, t.c.closed_at < nxt, t.c.type == "complaint")
    awaiting = t.c.status.in_(rules.AWAITING_FEEDBACK)

    def n(cond):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    # Only the tickets that touch the month (registered, fed back or closed in it) are read.
    touches = sa.or_(in_month, fed_in_month, sa.and_(t.c.closed_at >= first, t.c.closed_at < nxt))
    rows = db.session.execute(
        sa.select(
            dept,
            n(in_month),
            n(sa.and_(in_month, t.c.status != "closed")),
            n(sa.and_(in_month, awaiting, t.c.due_at < now)),
            n(sa.and_(fed_in_month, t.c.due_at.isnot(None))),
            n(sa.and_(fed_in_month, t.c.due_at.isnot(None), t.c.fed_back_at <= t.c.due_at)),
            n(closed_in_month),
            n(sa.and_(closed_in_month, t.c.callback_result.isnot(None))),
            n(sa.and_(closed_in_month, t.c.callback_result.in_(rules.SATISFIED_RESULTS))),
        ).select_from(t.join(c, c.c.id == t.c.client_id)).where(touches).group_by(dept)
    ).all()
    for d, reg, open_, overdue, fed, on_time, closed, called, satisfied in rows:
        a = acc.setdefault(d, rules.Counts())
        a.tickets_registered, a.tickets_open, a.tickets_overdue = int(reg), int(open_), int(overdue)
        a.fed_back_with_deadline, a.fed_back_on_time = int(fed), int(on_time)
        a.complaints_closed, a.complaints_called_back = int(closed), int(called)
        a.callbacks, a.callbacks_satisfied = int(called), int(satisfied)
    for d, ttype, cls, count in db.session.execute(
        sa.select(dept, t.c.type, t.c.complaint_class, sa.func.count())
        .select_from(t.join(c, c.c.id == t.c.client_id)).where(in_month)
        .group_by(dept, t.c.type, t.c.complaint_class)
    ):
        a = acc.setdefault(d, rules.Counts())
        a.by_type[_code(ttype)] = a.by_type.get(_code(ttype), 0) + int(count)
        if _code(ttype) == "complaint":
            a.by_class[_code(cls)] = a.by_class.get(_code(cls), 0) + int(count)
    for d, result, count in db.session.execute(
        sa.select(dept, t.c.callback_result, sa.func.count())
        .select_from(t.join(c, c.c.id == t.c.client_id)).where(closed_in_month)
        .group_by(dept, t.c.callback_result)
    ):
        acc.setdefault(d, rules.Counts()).callback_results[_code(result)] = int(count)


def _client_counts(acc):
    c = Client.__table__
    active = c.c.status == "active"
    for field, column in (("scale", c.c.scale), ("service_level", c.c.service_level)):
        for d, key, count in db.session.execute(
            sa.select(c.c.department_id, column, sa.func.count()).where(active).group_by(c.c.department_id, column)
        ):
            a = acc.setdefault(d, rules.Counts())
            getattr(a, field)[_code(key)] = int(count)
            if field == "scale":
                a.clients_active += int(count)
    # Annual purchase tier A-D (SPEC §3 scheme 1): the client's current tier of that scheme.
    ct, tier, scheme = ClientTier.__table__, Tier.__table__, TierScheme.__table__
    for d, code, count in db.session.execute(
        sa.select(c.c.department_id, tier.c.code, sa.func.count())
        .select_from(c.join(ct, ct.c.client_id == c.c.id).join(scheme, scheme.c.id == ct.c.scheme_id)
                     .join(tier, tier.c.id == ct.c.tier_id))
        .where(active, scheme.c.kind == "annual_amount").group_by(c.c.department_id, tier.c.code)
    ):
        acc.setdefault(d, rules.Counts()).annual_tier[_code(code)] = int(count)


def _visit_counts(month, acc):
    from backoffice.services import visit_compliance

    figures = visit_compliance.compute(month)
    depts = dict(db.session.execute(sa.select(Staff.id, Staff.department_id).where(Staff.id.in_(list(figures)))).all())
    for sid, f in figures.items():
        if sid not in depts or not f.owned:
            continue  # a person owning no active client is no client manager of the month
        a = acc.setdefault(depts[sid], rules.Counts())
        a.clients_owned += f.owned
        a.clients_visited += f.visited
        a.managers += 1
        a.managers_under_target += 0 if f.distinct_visited >= rules.DISTINCT_CLIENTS_TARGET else 1


def department_counts(month, now=None):
    """department id -> Counts of its own rows (not its subtree's) for ``month``."""
    month = rules.month_start(month)
    now = now or business_now()
    acc = {}
    _ticket_counts(month, now, acc)
    _client_counts(acc)
    _visit_counts(month, acc)
    return acc


def counts_json(c):
    return {f: getattr(c, f) for f in rules.COUNT_FIELDS + rules.MIX_FIELDS}


def counts_from_json(data):
    data = data or {}
    return rules.Counts(**{f: data.get(f, {} if f in rules.MIX_FIELDS else 0)
                           for f in rules.COUNT_FIELDS + rules.MIX_FIELDS})


def write_snapshots(month, run_id=None, progress=None):
    """Replace the month's snapshot rows (every department, zero rows too) in one transaction."""
    month = rules.month_start(month)
    acc = department_counts(month)
    dept_ids = [d for (d,) in db.session.execute(sa.select(Department.id))]
    stamp = business_now()
    db.session.execute(sa.delete(KpiSnapshot).where(KpiSnapshot.month == month))
    db.session.add_all([KpiSnapshot(department_id=d, month=month, counts=counts_json(acc.get(d, rules.Counts())),
                                    computed_at=stamp, run_id=run_id) for d in dept_ids])
    db.session.commit()
    if progress:
        progress(len(dept_ids), len(dept_ids))
    return {"month": f"{month:%Y-%m}", "departments": len(dept_ids)}


def launch_snapshot(month, user=None):
    """Queue the month's snapshot job (``recalc`` queue, SPEC §8), once at a time per month."""
    from backoffice.jobs import JobRefused, launch
    from backoffice.services import CommandError

    period = f"{rules.month_start(month):%Y-%m}"
    try:
        return launch(SNAPSHOT_KIND, {"period": period}, user=user, dedupe_key=f"kpi-snapshot:{period}")
    except JobRefused as exc:
        raise CommandError(str(exc), status=409) from None


# -- reading them (the pages) ---------------------------------------------------------------------
@dataclass
class MonthFigures:
    department_id: Optional[int]
    month: dt.date
    counts: rules.Counts
    figures: rules.Figures
    computed_at: Optional[dt.datetime]  # None: no snapshot for this month yet

    @property
    def has_data(self):
        return self.computed_at is not None


def departments_in_scope(user=None):
    """The departments the user may pick (scope_clause(Department)), in code order."""
    q = sa.select(Department).order_by(Department.code)
    clause = scope_clause(Department, user)
    if clause is not None:
        q = q.where(clause)
    return db.session.execute(q).scalars().all()


def default_department(user=None):
    """The user's own department when in scope, else the top of what they may pick (None: nothing)."""
    staff = staff_of(user) if user is not None else None
    allowed = departments_in_scope(user)
    ids = {d.id for d in allowed}
    if staff is not None and staff.department_id in ids:
        return staff.department_id
    roots = [d for d in allowed if d.parent_id not in ids]
    return roots[0].id if roots else None


def read_months(department_id, months):
    """[MonthFigures] of the department's subtree for each month (one query over the snapshots)."""
    ids = sorted(department_subtree(department_id)) if department_id is not None else []
    rows = db.session.execute(
        sa.select(KpiSnapshot.month, KpiSnapshot.counts, KpiSnapshot.computed_at)
        .where(KpiSnapshot.department_id.in_(ids), KpiSnapshot.month.in_(list(months)))
    ).all() if ids else []
    by_month = {}
    for month, counts, at in rows:
        c, stamp = by_month.get(month, (rules.Counts(), None))
        by_month[month] = (c + counts_from_json(counts), at if stamp is None else min(stamp, at))
    out = []
    for m in months:
        c, at = by_month.get(m, (rules.Counts(), None))
        out.append(MonthFigures(department_id, m, c, rules.figures(c), at))
    return out


def read(department_id, month):
    return read_months(department_id, [rules.month_start(month)])[0]


def trend(department_id, month, n=12):
    return read_months(department_id, rules.previous_months(month, n))


@dataclass
class SurveyFigure:
    campaign_id: int
    campaign: str
    rate: Optional[object]
    answers: int
    computed_at: dt.datetime

    @property
    def ok(self):
        return rules.meets(self.rate, rules.SUPPLY_TARGET)


def latest_supply_satisfaction(department_id, user=None):
    """The supply dimension (seed 004 Art. 15, ≥ 80 %) of the latest aggregated campaign of the
    department's subtree or of the company, within the user's scope; None if none yet."""
    ids = sorted(department_subtree(department_id)) if department_id is not None else []
    q = (sa.select(SurveyResult, SurveyCampaign.name)
         .join(SurveyCampaign, SurveyCampaign.id == SurveyResult.campaign_id)
         .where(SurveyResult.grouping == "dimension", SurveyResult.key == "supply",
                sa.or_(SurveyCampaign.department_id.is_(None), SurveyCampaign.department_id.in_(ids)))
         .order_by(SurveyResult.computed_at.desc(), SurveyResult.id.desc()).limit(1))
    clause = scope_clause(SurveyResult, user)
    if clause is not None:
        q = q.where(clause)
    row = db.session.execute(q).first()
    if row is None:
        return None
    result, name = row
    return SurveyFigure(result.campaign_id, name, result.satisfaction_rate, result.answers, result.computed_at)


def current_month():
    return rules.month_start(business_today())
