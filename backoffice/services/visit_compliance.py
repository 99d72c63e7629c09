"""The monthly visit compliance report (SPEC §5) per client manager and per department.

The periods come from the pure rules (``backoffice/rules/visit_frequency.py``); the database
only maps each visit to the index of the period it falls in and counts, one GROUP BY per client,
so 100,000 clients and a million visits are one pass (bench/visits.py measures it). The rules
then decide per client whether it met its frequency, and the figures are summed per person.
"""
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from backoffice.extensions import db
from backoffice.models import Client, Department, Staff, VisitLog, VisitPlan, VisitPlanItem
from backoffice.rules import visit_frequency as freq
from backoffice.security.scope import scope_clause

from .visits import intervals


@dataclass
class Row:
    staff_id: object
    name: str
    department: str
    figures: freq.Compliance


def _at(day):
    return dt.datetime.combine(day, dt.time())


def _period_index(periods, column):
    """CASE mapping a timestamp to the index of the period holding it (NULL: none)."""
    return sa.case(*[(sa.and_(column >= _at(p.start), column < _at(p.end + dt.timedelta(days=1))), n)
                     for n, p in enumerate(periods)], else_=None)


def per_client(month, staff_ids=None):
    """(client id, owner id, service level, visited in month, weeks visited, blocks visited)."""
    first, last = freq.month_start(month), freq.month_end(month)
    w0, w1 = freq.window(month)
    v = VisitLog.__table__
    c = Client.__table__
    in_month = sa.and_(v.c.visited_at >= _at(first), v.c.visited_at < _at(last + dt.timedelta(days=1)))
    query = (
        sa.select(
            c.c.id, c.c.owner_id, c.c.service_level,
            sa.func.max(sa.case((in_month, 1), else_=0)),
            sa.func.count(sa.distinct(_period_index(freq.weeks_of_month(month), v.c.visited_at))),
            sa.func.count(sa.distinct(_period_index(freq.blocks_of_month(month), v.c.visited_at))),
        )
        .select_from(c.outerjoin(v, sa.and_(v.c.client_id == c.c.id, v.c.visited_at >= _at(w0),
                                            v.c.visited_at < _at(w1 + dt.timedelta(days=1)))))
        .where(c.c.status == "active", c.c.owner_id.isnot(None))
        .group_by(c.c.id, c.c.owner_id, c.c.service_level)
    )
    if staff_ids is not None:
        query = query.where(c.c.owner_id.in_(list(staff_ids)))
    return db.session.execute(query).all()


def compute(month, staff_ids=None):
    """staff id -> Compliance for ``month`` (the owners of active clients, or the given staff)."""
    month = freq.month_start(month)
    ivs = intervals()
    need = {}  # service level -> (period kind, periods required)
    acc = {}
    for _cid, owner, level, visited, weeks, blocks in per_client(month, staff_ids):
        level = getattr(level, "value", level)
        if level not in need:
            interval = freq.interval_days(level, ivs)
            need[level] = (freq.period_kind(interval), len(freq.required_periods(interval, month)))
        kind, required = need[level]
        got = {"week": weeks, "block": blocks}.get(kind, visited)
        a = acc.setdefault(owner, [0, 0, 0])
        a[0] += 1
        a[1] += 1 if visited else 0
        a[2] += 0 if freq.meets_period_count(required, got) else 1
    distinct = dict(db.session.execute(_distinct_query(month, staff_ids)).all())
    plans = {sid: (planned, done) for sid, planned, done in db.session.execute(_plan_query(month, staff_ids))}
    out = {}
    for sid in set(acc) | set(distinct) | set(plans):
        owned, visited, below = acc.get(sid, (0, 0, 0))
        planned, done = plans.get(sid, (0, 0))
        out[sid] = freq.Compliance(owned=owned, visited=visited, below_frequency=below,
                                   distinct_visited=distinct.get(sid, 0), planned=planned or 0, done=done or 0)
    return out


def _distinct_query(month, staff_ids):
    first, last = freq.month_start(month), freq.month_end(month)
    q = (sa.select(VisitLog.staff_id, sa.func.count(sa.distinct(VisitLog.client_id)))
         .where(VisitLog.visited_at >= _at(first), VisitLog.visited_at < _at(last + dt.timedelta(days=1)))
         .group_by(VisitLog.staff_id))
    return q.where(VisitLog.staff_id.in_(list(staff_ids))) if staff_ids is not None else q


def _plan_query(month, staff_ids):
    q = (sa.select(VisitPlan.staff_id, sa.func.count(VisitPlanItem.id),
                   sa.func.sum(sa.case((VisitPlanItem.done.is_(True), 1), else_=0)))
         .join(VisitPlanItem, VisitPlanItem.plan_id == VisitPlan.id)
         .where(VisitPlan.month == freq.month_start(month)).group_by(VisitPlan.staff_id))
    return q.where(VisitPlan.staff_id.in_(list(staff_ids))) if staff_ids is not None else q


def scoped_staff():
    """The staff the current user reaches (backoffice/security/scope.py)."""
    query = sa.select(Staff.id)
    clause = scope_clause(Staff)
    if clause is not None:
        query = query.where(clause)
    return [r[0] for r in db.session.execute(query)]


def report(month):
    """(rows per person, rows per department) for the staff in the current user's scope."""
    ids = scoped_staff()
    figures = compute(month, ids)
    staff = {s.id: s for s in db.session.execute(sa.select(Staff).where(Staff.id.in_(list(figures)))).scalars()}
    depts = {d.id: d for d in db.session.execute(sa.select(Department)).scalars()}
    people = []
    for sid, f in figures.items():
        s = staff.get(sid)
        if s is None:
            continue
        dept = depts.get(s.department_id)
        people.append(Row(sid, s.name, dept.name if dept else "", f))
    people.sort(key=lambda r: (r.department, r.name))
    by_dept = {}
    for r in people:
        by_dept.setdefault(r.department, []).append(r.figures)
    departments = [
        Row(None, name, name, freq.Compliance(
            owned=sum(f.owned for f in fs), visited=sum(f.visited for f in fs),
            below_frequency=sum(f.below_frequency for f in fs),
            distinct_visited=sum(f.distinct_visited for f in fs),
            planned=sum(f.planned for f in fs), done=sum(f.done for f in fs)))
        for name, fs in sorted(by_dept.items())
    ]
    return people, departments
