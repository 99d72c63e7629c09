"""Visit commands (SPEC §5): logging a visit, the monthly plan's generation and life cycle.

Every change a person asks for goes through one function here; the screens, the route page, the
API and the job call the same ones, so the checks (future times, entitlements, coordinates, who
may approve, closed months) are made once.
"""
import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.clock import business_now, business_stamp, business_today
from backoffice.extensions import db
from backoffice.models import Client, Staff, Tier, TierScheme, VisitLog, VisitPlan, VisitPlanEvent, VisitPlanItem
from backoffice.models.visits import entitlements_of
from backoffice.rules import visit_frequency as freq
from backoffice.rules.service_level import VISIT_INTERVAL_DAYS
from backoffice.rules.visit_plan_states import EDITABLE, VISIT_PLAN
from backoffice.security.scope import in_scope, scope_clause

from . import lifecycle
from .actors import acting_staff, current_user, is_admin
from .errors import CommandError

MACHINE = VISIT_PLAN
# SPEC §5 "times in the future are refused"; a few minutes' grace for a phone's slow clock.
FUTURE_GRACE = dt.timedelta(minutes=5)
SERVICE_SEPARATOR = "\n"


def default_staff(visit):
    if visit.staff_id is None and visit.staff is None:
        visit.staff = acting_staff()
    return visit


# ---------------------------------------------------------------- service levels and entitlements

def intervals():
    """Service level -> visit interval in days, from the tiers (seeded 7/7/14), else the rule's defaults."""
    out = dict(VISIT_INTERVAL_DAYS)
    rows = db.session.execute(
        sa.select(Tier.code, Tier.visit_interval_days).join(TierScheme)
        .where(TierScheme.kind == "service_level", TierScheme.active.is_(True))
    ).all()
    out.update({code: days for code, days in rows if days})
    return out


def entitlements(client):
    """The "3+3" services of the client's service level (seed 004 §2.3), in the tier's order."""
    return entitlements_of(client.service_level)


# ---------------------------------------------------------------- visit logs

def check_visit_values(client, *, visited_at, kind, latitude=None, longitude=None, services=(),
                       satisfaction=None):
    """Field -> message for what SPEC §5 refuses; empty when the visit may be saved."""
    errors = {}
    if visited_at is None:
        errors["visited_at"] = _("Enter the date and time of the visit.")
    elif visited_at > business_now() + FUTURE_GRACE:
        errors["visited_at"] = _("A visit cannot be logged in the future.")
    for name, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is not None and not -bound <= value <= bound:
            errors[name] = _("%(name)s must lie between -%(bound)s and %(bound)s.",
                             name=_("Latitude") if name == "latitude" else _("Longitude"), bound=bound)
    allowed = set(entitlements(client))
    unknown = [s for s in services if s not in allowed]
    if unknown:
        errors["services"] = _("Not a service of this client's service level: %(names)s.", names="、".join(unknown))
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        errors["satisfaction"] = _("Satisfaction is scored from 1 to 5.")
    if kind == "follow_up" and satisfaction is None:
        errors["satisfaction"] = _("A follow-up visit records the client's satisfaction.")
    return errors


def log_visit(client, *, visited_at, kind, services=(), findings=None, next_step=None, purpose=None,
              latitude=None, longitude=None, satisfaction=None, staff=None, commit=True):
    """Record a visit (SPEC §5), tick the plan item it fulfils, and for a follow-up (回访) write the
    satisfaction into the client's archive (seed 001). CommandError (nothing saved) on bad input."""
    if client is None or not in_scope(client):
        raise CommandError(_("Record not found."), status=404)
    staff = staff or acting_staff()
    if staff is None:
        raise CommandError(_("Only staff members log visits."))
    services = [s for s in services if s]
    errors = check_visit_values(client, visited_at=visited_at, kind=kind, latitude=latitude, longitude=longitude,
                                services=services, satisfaction=satisfaction)
    if errors:
        exc = CommandError(" ".join(errors.values()), field=next(iter(errors)))
        exc.errors = errors  # every field's message, for the form
        raise exc
    visit = VisitLog(client=client, staff=staff, visited_at=visited_at.replace(microsecond=0), kind=kind,
                     purpose=purpose, services_done=SERVICE_SEPARATOR.join(services) or None,
                     findings=findings, next_step=next_step, satisfaction=satisfaction,
                     latitude=latitude, longitude=longitude)
    db.session.add(visit)
    db.session.flush()
    tick_plan(visit)
    if kind == "follow_up":
        record_follow_up(client, visit)
    if commit:
        db.session.commit()
    return visit


def record_follow_up(client, visit):
    """seed 001: the follow-up's outcome belongs in the client's archive (a dated line in its notes)."""
    line = _("Follow-up %(at)s: satisfaction %(score)s/5.", at=f"{visit.visited_at:%Y-%m-%d %H:%M}",
             score=visit.satisfaction)
    if visit.findings:
        line += " " + visit.findings
    client.notes = f"{client.notes}\n{line}" if client.notes else line


def tick_plan(visit):
    """Mark done the plan item the visit fulfils: in the visiting person's plan of the visit's month,
    the client's open item due latest on or before the visit day (its own period's), else any
    open item of that client due later in the same period."""
    day = visit.visited_at.date()
    month = freq.month_start(day)
    base = (
        sa.select(VisitPlanItem).join(VisitPlan)
        .where(VisitPlan.staff_id == visit.staff_id, VisitPlan.month == month,
               VisitPlanItem.client_id == visit.client_id, VisitPlanItem.done.is_(False))
    )
    item = db.session.execute(
        base.where(VisitPlanItem.due_on <= day).order_by(VisitPlanItem.due_on.desc(), VisitPlanItem.id).limit(1)
    ).scalar()
    if item is None:
        item = db.session.execute(base.order_by(VisitPlanItem.due_on, VisitPlanItem.id).limit(1)).scalar()
    if item is not None:
        item.done = True
        item.visit = visit
    return item


# ---------------------------------------------------------------- plan generation

def _first(month):
    return freq.month_start(month)


def check_month_open(month, today=None):
    """A month that has ended is closed: its plan is history (SPEC §5: generated at month start)."""
    today = today or business_today()
    if _first(month) < freq.month_start(today):
        raise CommandError(_("%(month)s is closed: plans are generated for the current or a coming month.",
                             month=f"{month:%Y-%m}"), field="month")
    if _first(month) > freq.next_month(freq.month_start(today)):
        raise CommandError(_("Plans are generated at most one month ahead."), field="month")


def _due_rows(month):
    """A literal table (level, due_on) of every due date of ``month`` per service level."""
    ivs = intervals()
    rows = [(level, d) for level, days in sorted(ivs.items()) for d in freq.due_dates(days, month)]
    rows += [("", d) for d in freq.due_dates(None, month)]  # no service level: the monthly visit
    selects = [sa.select(sa.literal(level, sa.String).label("level"), sa.literal(d, sa.Date).label("due_on"))
               for level, d in rows]
    return sa.union_all(*selects).subquery("dues")


def _inserted(stmt):
    """Rows an INSERT … SELECT … RETURNING wrote (rowcount is -1 for it on some drivers)."""
    return len(db.session.execute(stmt).all())


def generate_plans(month, staff_ids=None, *, check=True, commit=True):
    """Create each client manager's plan for ``month`` with set-based INSERT … SELECT (SPEC §5).

    One plan per owner of active clients (or the given staff); one item per owned client and due
    period of its service level; last month's unfinished items carried over (one per client, due
    on the 1st, marked ``carried_over``). Idempotent: what exists is not inserted again, and
    plans past 计划 / 计划驳回 are left as they are. Returns (plans created, items created).
    """
    month = _first(month)
    if check:
        check_month_open(month)
    previous = freq.previous_month(month)
    user = current_user()
    uid = getattr(user, "id", None)
    now = business_stamp()
    c, p, i = Client.__table__, VisitPlan.__table__, VisitPlanItem.__table__
    owners = sa.and_(c.c.status == "active", c.c.owner_id.isnot(None))
    if staff_ids is not None:
        owners = sa.and_(owners, c.c.owner_id.in_(list(staff_ids)))
    s = db.session

    plan_rows = (
        sa.select(c.c.owner_id, sa.literal(month, sa.Date), sa.literal("draft"), sa.literal(1),
                  sa.literal(now, sa.DateTime), sa.literal(now, sa.DateTime),
                  sa.literal(uid, sa.Integer), sa.literal(uid, sa.Integer))
        .where(owners, ~sa.exists().where(p.c.staff_id == c.c.owner_id, p.c.month == month))
        .distinct()
    )
    plans = _inserted(sa.insert(p).from_select(
        ["staff_id", "month", "state", "version", "created_on", "changed_on", "created_by_fk", "changed_by_fk"],
        plan_rows).returning(p.c.id))

    dues = _due_rows(month)
    editable = sa.and_(p.c.staff_id == c.c.owner_id, p.c.month == month, p.c.state.in_(sorted(EDITABLE)))
    j = i.alias("existing")
    regular = (
        sa.select(p.c.id, c.c.id, dues.c.due_on, sa.false(), sa.false())
        .select_from(c.join(p, editable).join(dues, dues.c.level == sa.func.coalesce(c.c.service_level, "")))
        .where(owners, ~sa.exists().where(j.c.plan_id == p.c.id, j.c.client_id == c.c.id,
                                           j.c.due_on == dues.c.due_on, j.c.carried_over.is_(False)))
    )
    items = _inserted(sa.insert(i).from_select(["plan_id", "client_id", "due_on", "done", "carried_over"],
                                               regular).returning(i.c.id))

    old_p, old_i = p.alias("old_plan"), i.alias("old_item")
    carried = (
        sa.select(p.c.id, old_i.c.client_id, sa.literal(month, sa.Date), sa.false(), sa.true())
        .select_from(old_i.join(old_p, sa.and_(old_p.c.id == old_i.c.plan_id, old_p.c.month == previous))
                     .join(c, c.c.id == old_i.c.client_id)
                     .join(p, sa.and_(editable, p.c.staff_id == old_p.c.staff_id)))
        .where(owners, old_i.c.done.is_(False),
               ~sa.exists().where(j.c.plan_id == p.c.id, j.c.client_id == old_i.c.client_id,
                                  j.c.due_on == month, j.c.carried_over.is_(True)))
        .distinct()
    )
    items += _inserted(sa.insert(i).from_select(["plan_id", "client_id", "due_on", "done", "carried_over"],
                                                carried).returning(i.c.id))
    if commit:
        s.commit()
    return plans, items


def generate_for_scope(month):
    """The department head's "generate now": the plans of the staff in their scope."""
    check_month_open(month)
    clause = scope_clause(Staff)
    query = sa.select(Staff.id)
    if clause is not None:
        query = query.where(clause)
    ids = [row[0] for row in db.session.execute(query)]
    return generate_plans(month, ids, check=False)


# ---------------------------------------------------------------- plan life cycle

def allowed_events(plan):
    return lifecycle.allowed_events(plan, MACHINE, state_attr="state")


def transition(plan, event, note=None, commit=True):
    """One step of the plan (SPEC §5), recorded with user, time and note; a rejection needs a reason."""
    note = (note or "").strip() or None
    if event == "reject" and note is None:
        raise CommandError(_("Give the reason for the rejection."), field="note")
    before = lifecycle.value(plan.state)

    def effects(t):
        db.session.add(VisitPlanEvent(plan=plan, event=event, from_state=before, to_state=t.target,
                                      user_id=getattr(current_user(), "id", None), note=note))

    return lifecycle.apply(plan, MACHINE, event, state_attr="state", effects=effects, commit=commit)


def check_editable(plan):
    """SPEC §5: a plan is edited while planned or after a rejection (计划驳回: editable again)."""
    state = lifecycle.value(plan.state)
    if state is not None and state not in EDITABLE and not is_admin():
        raise CommandError(_("A visit plan can be changed only while planned or after a rejection."))


# ---------------------------------------------------------------- today's route

def todays_route(staff, today=None):
    """SPEC §5 daily route: the staff member's open plan items due today or overdue this week
    (and carried-over ones), in 片区 / 线路 order."""
    today = today or business_today()
    monday = today - dt.timedelta(days=today.weekday())
    month = freq.month_start(today)
    rows = db.session.execute(
        sa.select(VisitPlanItem, Client).join(VisitPlan).join(Client, Client.id == VisitPlanItem.client_id)
        .where(VisitPlan.staff_id == staff.id, VisitPlan.month == month, VisitPlanItem.done.is_(False),
               VisitPlanItem.due_on <= today,
               sa.or_(VisitPlanItem.due_on >= monday, VisitPlanItem.carried_over.is_(True)))
        .order_by(sa.func.coalesce(Client.area, ""), sa.func.coalesce(Client.route, ""), Client.code,
                  VisitPlanItem.due_on)
    ).all()
    seen, out = set(), []
    for item, client in rows:
        if client.id not in seen:  # one stop per client, however many items are open
            seen.add(client.id)
            out.append((item, client))
    return out


def done_today(staff, today=None):
    today = today or business_today()
    start = dt.datetime.combine(today, dt.time())
    return db.session.execute(
        sa.select(VisitLog).where(VisitLog.staff_id == staff.id, VisitLog.visited_at >= start,
                                  VisitLog.visited_at < start + dt.timedelta(days=1))
        .order_by(VisitLog.visited_at)
    ).scalars().all()
