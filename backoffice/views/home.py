"""The home page per role (issue #15): today's work and this month's figures, each number a link
to the list showing exactly those rows.

A tile's number is counted by the list screen it links to: the same FAB view, its base filters
(the row scope, ``security/scope.py``) and the FAB filters written in the link's URL
(``_flt_<index>_<column>=value``), so the number and the list cannot disagree. The month's
figures come from the KPI snapshots (``services/kpi.py``), never from a scan per page view.

Unread escalations come from ``services/notifications.py`` (the deadline scan's notifications,
SPEC §4) and link to the user's inbox; the ticket tiles filter the ticket list on ``due_at``,
``fed_back_at``, ``closed_at`` and ``callback_result`` (``TicketView.search_columns``).
"""
import datetime as dt
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import g, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import gettext as _

from backoffice.clock import business_now, business_today, utc_now
from backoffice.extensions import db
from backoffice.models import AppraisalSheet, CalendarDay, JobRun, PurchaseRecord, VisitPlan
from backoffice.rules import kpi as rules
from backoffice.security.scope import scope_clause, staff_of
from backoffice.services import notifications
from backoffice.views.list_count import CappedCountMixin

ROLE_ORDER = ("DeptHead", "ClientManager", "ServiceDesk", "BackOffice", "Admin")
STAMP = "%Y-%m-%d %H:%M:%S"


def unread_escalations(user):
    """Unread escalation notifications of ``user`` (services/notifications.py)."""
    return notifications.unread_count(user)


def escalations_link():
    return url_for("NotificationView.inbox")


@dataclass
class Tile:
    key: str  # stable id for tests and the page (data-tile)
    label: str
    count: Optional[int] = None  # None: not available
    url: Optional[str] = None
    note: str = ""
    status: str = ""  # "ok" / "bad" / "" (against a target)
    text: Optional[str] = None  # a value that is not a count (a state, a month)


@dataclass
class Section:
    role: str
    title: str
    tiles: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # what is missing, in words (no staff record, ...)
    month: object = None  # DeptHead: the MonthFigures of the department
    survey: object = None
    runs: list = field(default_factory=list)
    department: object = None
    rows: list = field(default_factory=list)  # the month's figures against their targets
    mixes: dict = field(default_factory=dict)  # tier mix, tickets by type and class


# -- counting through the list screens -------------------------------------------------------------
def _view(name):
    for v in g.home_views if hasattr(g, "home_views") else []:
        if type(v).__name__ == name:
            return v
    from flask import current_app

    for v in current_app.appbuilder.baseviews:
        if type(v).__name__ == name:
            return v
    return None


def list_tile(key, label, view_name, filters=(), order=None, note="", count=None):
    """A tile counting the rows of ``view_name``'s list under ``filters`` [(column, FAB filter
    class name, value)], and the URL of that list with the same filters. ``count`` given: a
    pre-aggregated number of those rows (the KPI snapshot), the list is not counted."""
    view = _view(view_name)
    if view is None or not current_user_may_list(view):
        return None
    flt = view.datamodel.get_filters(view.search_columns)
    search = flt.get_search_filters()
    args = []
    grouped = {}
    for column, filter_name, value in filters:
        names = [type(f).__name__ for f in search.get(column, [])]
        if filter_name not in names:
            return None  # the list cannot show exactly these rows: no tile rather than a wrong one
        index = names.index(filter_name)
        grouped.setdefault((column, index), []).append(value)
        args.append((f"_flt_{index}_{column}", value))
    if count is None:
        for (column, index), values in grouped.items():
            flt.add_filter_index(column, index, values)
        joined = flt.get_joined_filters(view._base_filters)
        # FAB's list counts its rows with this same call (SQLAInterface.query -> query_count), but
        # exactly: the list screen stops counting at 2,000 ("more than 2,000", views/list_count.py),
        # a head's home says how many are overdue. The tiles' filters are indexed (the awaiting
        # tickets' partial index, states, dates), so the exact count stays cheap.
        dm = view.datamodel
        exact = super(CappedCountMixin, dm) if isinstance(dm, CappedCountMixin) else dm
        count = exact.query_count(dm.session.query(dm.obj), joined)
    if order:
        args += [(f"_oc_{view_name}", order[0]), (f"_od_{view_name}", order[1])]
    url = url_for(f"{view_name}.list") + ("?" + urlencode(args) if args else "")
    return Tile(key, label, int(count), url, note=note)


def current_user_may_list(view):
    """FAB's own check; the user's permissions are read once per request (security/access_cache.py)."""
    from flask import current_app

    return current_app.appbuilder.sm.has_access("can_list", view.class_permission_name)


def _add(section, tile):
    if tile is not None:
        section.tiles.append(tile)


def _stamp(moment):
    return moment.strftime(STAMP)


# -- the sections ----------------------------------------------------------------------------------
def ticket_deadline_tiles(section, now):
    """Overdue and due today (SPEC §4: the deadline is to handle and feed back)."""
    not_fed = [("status", "FilterNotEqual", s) for s in rules.NOT_AWAITING_FEEDBACK]
    end_of_day = dt.datetime.combine(now.date(), dt.time(23, 59, 59))
    _add(section, list_tile("overdue", _("Overdue tickets"), "TicketView",
                            not_fed + [("due_at", "FilterSmaller", _stamp(now))], order=("due_at", "asc")))
    _add(section, list_tile("due_today", _("Tickets due later today"), "TicketView",
                            not_fed + [("due_at", "FilterGreater", _stamp(now - dt.timedelta(seconds=1))),
                                       ("due_at", "FilterSmaller", _stamp(end_of_day + dt.timedelta(seconds=1)))],
                            order=("due_at", "asc")))


def month_ticket_tiles(section, mf):
    """The month's ticket figures behind the rates: the snapshot's numbers (no scan per page
    view), each linked to the ticket list with the filters that select the rows it counted."""
    month, c = mf.month, mf.counts
    first = dt.datetime.combine(month, dt.time()) - dt.timedelta(seconds=1)
    nxt = dt.datetime.combine(rules.next_month(month), dt.time())
    closed = [("type", "FilterEqual", "complaint"), ("closed_at", "FilterGreater", _stamp(first)),
              ("closed_at", "FilterSmaller", _stamp(nxt))]
    _add(section, list_tile("registered_month", _("Tickets registered this month"), "TicketView",
                            [("registered_at", "FilterGreater", _stamp(first)),
                             ("registered_at", "FilterSmaller", _stamp(nxt))], count=c.tickets_registered))
    _add(section, list_tile("complaints_closed", _("Complaints closed this month"), "TicketView", closed,
                            count=c.complaints_closed))
    for result, label in (("satisfied", _("called back: satisfied")), ("basically", _("called back: basically satisfied")),
                          ("unsatisfied", _("called back: not satisfied"))):
        _add(section, list_tile(f"callback_{result}", label, "TicketView",
                                closed + [("callback_result", "FilterEqual", result)],
                                count=c.callback_results.get(result, 0)))


def dept_head_section(user, staff, now):
    from backoffice.services import kpi

    s = Section("DeptHead", _("Department head"))
    if staff is None:
        s.missing.append(_("Your user has no staff record, so no department: ask an administrator to create it."))
        return s
    ticket_deadline_tiles(s, now)
    count = unread_escalations(user)
    s.tiles.append(Tile("escalations", _("Unread escalations"), count, escalations_link() if count is not None else None,
                        note="" if count is not None else _("Not available yet")))
    _add(s, list_tile("plans_submitted", _("Visit plans waiting for approval"), "VisitPlanView",
                      [("state", "FilterEqual", "submitted")]))
    _add(s, list_tile("plan_results", _("Visit plan results waiting for review"), "VisitPlanView",
                      [("state", "FilterEqual", "result_submitted")]))
    _add(s, list_tile("sheets_submitted", _("Appraisal sheets waiting for approval"), "AppraisalSheetView",
                      [("status", "FilterEqual", "submitted")]))
    _add(s, list_tile("objections", _("Objections to review"), "AppraisalSheetView",
                      [("status", "FilterEqual", "objected")]))
    month = kpi.current_month()
    s.department = db.session.get(kpi.Department, staff.department_id)
    s.month = kpi.read(staff.department_id, month)
    s.survey = kpi.latest_supply_satisfaction(staff.department_id, user)
    if not s.month.has_data:
        s.missing.append(_("No figures for %(month)s yet: they are computed every 15 minutes.", month=f"{month:%Y-%m}"))
    elif not s.month.counts.clients_active:
        s.missing.append(_("The department has no active clients."))
    if s.month.has_data:
        month_ticket_tiles(s, s.month)
    s.runs = last_runs(user)
    from backoffice.views.kpi import figure_rows, mix_rows

    s.rows, s.mixes = figure_rows(s.month, s.survey), mix_rows(s.month.counts)
    return s


def last_runs(user):
    """The last recalculation and survey runs the user sees, with their state."""
    out = []
    for queue in ("recalc", "surveys"):
        q = sa.select(JobRun).where(JobRun.queue == queue).order_by(JobRun.id.desc()).limit(1)
        clause = scope_clause(JobRun, user)
        if clause is not None:
            q = q.where(clause)
        run = db.session.execute(q).scalars().first()
        if run is not None:
            out.append(run)
    return out


def client_manager_section(user, staff, now):
    from backoffice.services import visits

    s = Section("ClientManager", _("Client manager"))
    if staff is None:
        s.missing.append(_("Your user has no staff record, so no clients: ask an administrator to create it."))
        return s
    stops = visits.todays_route(staff, now.date())
    s.tiles.append(Tile("route", _("Clients to visit today"), len(stops), url_for("VisitRouteView.today")))
    _add(s, list_tile("own_open", _("Open tickets on my clients"), "TicketView",
                      [("status", "FilterNotEqual", "closed")], order=("due_at", "asc")))
    ticket_deadline_tiles(s, now)
    month = rules.month_start(now.date())
    plan = db.session.execute(sa.select(VisitPlan).where(VisitPlan.staff_id == staff.id, VisitPlan.month == month)
                              ).scalars().first()
    if plan is not None:
        s.tiles.append(Tile("plan", _("My visit plan of %(month)s", month=f"{month:%Y-%m}"), None,
                            url_for("VisitPlanPageView.show", pk=plan.id), text=str(plan.state.label)))
    else:
        s.missing.append(_("No visit plan for %(month)s yet.", month=f"{month:%Y-%m}"))
    sheet = db.session.execute(sa.select(AppraisalSheet).where(AppraisalSheet.staff_id == staff.id)
                               .order_by(AppraisalSheet.month.desc(), AppraisalSheet.id.desc())).scalars().first()
    if sheet is not None:
        s.tiles.append(Tile("sheet", _("My latest appraisal sheet (%(month)s)", month=f"{sheet.month:%Y-%m}"), None,
                            url_for("AppraisalSheetView.show", pk=sheet.id), text=str(sheet.status.label)))
    else:
        s.missing.append(_("No appraisal sheet yet."))
    return s


def service_desk_section(user, staff, now):
    s = Section("ServiceDesk", _("Service desk"))
    today = dt.datetime.combine(now.date(), dt.time())
    _add(s, list_tile("registered_today", _("Tickets registered today"), "TicketView",
                      [("registered_at", "FilterGreater", _stamp(today - dt.timedelta(seconds=1)))]))
    _add(s, list_tile("callbacks_due", _("Callbacks due (fed back before today)"), "TicketView",
                      [("status", "FilterEqual", "fed_back"), ("fed_back_at", "FilterSmaller", _stamp(today))],
                      order=("due_at", "asc")))
    _add(s, list_tile("awaiting_callback", _("Tickets waiting for a callback"), "TicketView",
                      [("status", "FilterEqual", "fed_back")]))
    _add(s, list_tile("phone_surveys", _("Phone survey invitations assigned"), "PhoneSurveyView"))
    if staff is None:
        s.missing.append(_("Your user has no staff record: phone surveys cannot be assigned to you."))
    return s


def back_office_section(user, staff, now):
    s = Section("BackOffice", _("Back office"))
    week_ago = utc_now() - dt.timedelta(days=7)  # job bookkeeping is UTC (clock.py)
    _add(s, list_tile("imports_week", _("Imports in the last 7 days"), "JobRunView",
                      [("kind", "FilterStartsWith", "import"), ("queued_at", "FilterGreater", _stamp(week_ago))]))
    _add(s, list_tile("imports_failed", _("Imports failed in the last 7 days"), "JobRunView",
                      [("kind", "FilterStartsWith", "import"), ("state", "FilterEqual", "failed"),
                       ("queued_at", "FilterGreater", _stamp(week_ago))]))
    _add(s, list_tile("exports_week", _("Exports in the last 7 days"), "JobRunView",
                      [("kind", "FilterStartsWith", "export"), ("queued_at", "FilterGreater", _stamp(week_ago))]))
    q = sa.select(sa.func.max(PurchaseRecord.month))
    clause = scope_clause(PurchaseRecord, user)
    if clause is not None:
        q = q.where(clause)
    latest = db.session.execute(q).scalar()
    if latest is None:
        s.missing.append(_("No purchase data loaded yet."))
    else:
        tile = list_tile("purchases_latest", _("Purchase records of the last month loaded (%(month)s)",
                                              month=f"{latest:%Y-%m}"), "PurchaseRecordView",
                         [("month", "FilterEqual", latest.isoformat())])
        if tile is not None:
            age = (rules.month_start(now.date()).year - latest.year) * 12 + rules.month_start(now.date()).month - latest.month
            tile.status = "ok" if age <= 1 else "bad"
            tile.note = _("Up to date") if age <= 1 else _("%(n)s months old", n=age)
            s.tiles.append(tile)
    return s


def admin_section(user, staff, now):
    s = Section("Admin", _("Administrator"))
    utc = utc_now()
    day_ago = utc - dt.timedelta(days=1)
    _add(s, list_tile("runs_failed", _("Job runs failed in the last day"), "JobRunView",
                      [("state", "FilterEqual", "failed"), ("queued_at", "FilterGreater", _stamp(day_ago))]))
    _add(s, list_tile("runs_stuck_running", _("Job runs running for over an hour"), "JobRunView",
                      [("state", "FilterEqual", "running"), ("queued_at", "FilterSmaller", _stamp(utc - dt.timedelta(hours=1)))]))
    _add(s, list_tile("runs_stuck_queued", _("Job runs queued for over 10 minutes"), "JobRunView",
                      [("state", "FilterEqual", "queued"), ("queued_at", "FilterSmaller", _stamp(utc - dt.timedelta(minutes=10)))]))
    workers, queues = rq_status()
    # Workers and queue lengths are Redis's figures, not rows of a list: shown without a link.
    s.tiles.append(Tile("workers", _("Workers seen"), workers, None,
                        note="" if workers is not None else _("No Redis configured: jobs run in the web process")))
    for name, length in queues:
        s.tiles.append(Tile(f"queue_{name}", _("Queue %(name)s: jobs waiting", name=name), length, None))
    years = sorted({d.year for (d,) in db.session.execute(
        sa.select(CalendarDay.day).where(CalendarDay.confirmed.is_(False)))})
    _add(s, list_tile("calendar_unconfirmed", _("Calendar days not confirmed (years: %(years)s)",
                                                years=", ".join(str(y) for y in years) or "-"),
                      "CalendarDayView", [("confirmed", "FilterNotEqual", "y")]))
    from flask_appbuilder.security.sqla.models import User

    from backoffice.models import Staff

    lonely = db.session.execute(
        sa.select(User).where(~User.id.in_(sa.select(Staff.user_id).where(Staff.user_id.isnot(None))))
        .order_by(User.username)).scalars().all()
    s.tiles.append(Tile("users_without_staff", _("Users without a staff record (they see no clients)"),
                        len(lonely), None,  # FAB's user list cannot filter "no staff record": the names follow
                        note=", ".join(u.username for u in lonely[:10]) + (" …" if len(lonely) > 10 else "")))
    return s


def rq_status():
    """(workers seen, [(queue, length)]) from Redis, (None, []) without Redis."""
    from backoffice.jobs.connection import redis_connection
    from backoffice.jobs.registry import QUEUES

    conn = redis_connection()
    if conn is None:
        return None, []
    try:
        from rq import Queue, Worker

        return len(Worker.all(connection=conn)), [(q, Queue(q, connection=conn).count) for q in QUEUES]
    except Exception:  # noqa: BLE001  (Redis down: the page still renders)
        return None, []


SECTIONS = {
    "DeptHead": dept_head_section,
    "ClientManager": client_manager_section,
    "ServiceDesk": service_desk_section,
    "BackOffice": back_office_section,
    "Admin": admin_section,
}


def sections_for(user):
    """The sections of the user's roles, in a fixed order (a user with two roles sees both)."""
    names = {r.name for r in getattr(user, "roles", []) or []}
    staff = staff_of(user)
    now = business_now()
    return [SECTIONS[role](user, staff, now) for role in ROLE_ORDER if role in names]


class HomeView(IndexView):
    """FAB's index replaced by the role home page (registered in ``create_app``)."""

    index_template = "home/index.html"

    @expose("/")
    def index(self):
        user = g.user if getattr(g, "user", None) is not None and g.user.is_authenticated else None
        if user is None:
            return self.render_template("home/anonymous.html")
        from backoffice.rules.kpi import percent

        sections = sections_for(user)
        return self.render_template(
            self.index_template, sections=sections, percent=percent, rules=rules,
            today=business_today(), staff=staff_of(user),
            chart_data=chart_payload(sections), kind_label=kind_label, run_state=run_state,
        )


def kind_label(kind):
    from backoffice.views.job_display import kind_label as label

    return label(kind)


def run_state(run):
    from backoffice.models.choices import JobState

    code = getattr(run.state, "value", run.state)
    try:
        return str(JobState(code).label)
    except ValueError:
        return code


def chart_payload(sections):
    """The DeptHead section's charts as JSON for home.js (the same figures as the tables)."""
    from backoffice.views.kpi import charts_json

    for s in sections:
        if s.role == "DeptHead" and s.month is not None:
            return charts_json(s.department.id, s.month)
    return None
