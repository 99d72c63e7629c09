"""The one row-scope mechanism (SPEC §1).

Every scoped record type reaches either a client or a staff member; each role reaches clients and
staff ``all``, within the user's department subtree (``dept``), or as their owner (``own``). A
user's scope is the union over their roles. The same SQL clause serves list, show, edit, delete,
actions, the REST API, related views, selects on forms, exports and charts, through
``ScopeFilter`` (a FAB ``BaseFilter``) and ``in_scope`` (a single-row check).
"""
from flask import g
from flask_appbuilder.models.filters import BaseFilter
import sqlalchemy as sa

from backoffice import models as m
from backoffice.rules.ticket_states import ASSIGNERS as TICKET_ASSIGNERS
from backoffice.rules.ticket_states import COMPANY_WIDE_LINKS as TICKET_COMPANY_WIDE_LINKS
from backoffice.rules.ticket_states import COMPLAINANT_FIELDS as TICKET_COMPLAINANT_FIELDS

# role -> (reach over clients, reach over staff)
ROLE_REACH = {
    "Admin": ("all", "all"),
    "Viewer": ("all", "all"),
    "DeptHead": ("dept", "dept"),
    "BackOffice": ("dept", "dept"),
    "ClientManager": ("own", "own"),
    "ServiceDesk": ("all", "own"),
}

# Appraisal sheets (SPEC §6, seed 001 L9–L14, L466): pay is personal. Every staff member is
# appraised, and sees their own sheet; the department head sees the sheets of the department
# subtree (they score and approve them); Admin and Viewer (督察) see all. A role missing here
# sees its own sheets only, whatever its reach over staff (BackOffice reaches its department's
# staff, not their pay; the service desk reaches clients company-wide, not sheets) [decision].
SHEET_REACH = {"Admin": "all", "Viewer": "all", "DeptHead": "dept"}

# Job runs on this queue concern the whole company (tiers, scale, service level, rankings).
COMPANY_WIDE_QUEUE = "recalc"

# model -> how it reaches the scope: ("client", column) or ("staff", column) or ("department", column)
SCOPED = {
    m.Client: ("client", m.Client.id),
    m.Contact: ("client", m.Contact.client_id),
    m.PurchaseRecord: ("client", m.PurchaseRecord.client_id),
    m.ClientTier: ("client", m.ClientTier.client_id),
    m.TierHistory: ("client", m.TierHistory.client_id),
    # Tickets (SPEC §4 [decision], 统一受理): the client's scope, the responsible department's
    # subtree, the responsible person and the receiver (``_ticket_clause``).
    m.Ticket: ("ticket_row", m.Ticket.id),
    m.TicketEvent: ("ticket", m.TicketEvent.ticket_id),
    # A callback belongs to the client's archive and to its ticket: seen by either's scope.
    m.CallbackRecord: ("callback", m.CallbackRecord.client_id),
    m.VisitLog: ("client", m.VisitLog.client_id),
    m.VisitPlanItem: ("client", m.VisitPlanItem.client_id),
    m.VisitPlan: ("staff", m.VisitPlan.staff_id),
    m.Staff: ("staff", m.Staff.id),
    m.AppraisalSheet: ("appraisee", m.AppraisalSheet.staff_id),
    m.AppraisalScore: ("sheet", m.AppraisalScore.sheet_id),
    m.Department: ("department", m.Department.id),
    m.DepartmentMonthOutcome: ("department", m.DepartmentMonthOutcome.department_id),  # SPEC §6
    m.JobRun: ("launcher", m.JobRun.launched_by_id),
    m.ChangeLog: ("actor", m.ChangeLog.user_id),
    # Surveys (SPEC §7 [decision]): a campaign belongs to a department (NULL: the company); its
    # invitations follow their client, answers their invitation, results their campaign and the
    # department or staff member they count; rectification notes their department.
    m.SurveyCampaign: ("campaign", m.SurveyCampaign.department_id),
    m.SurveyInvitation: ("client", m.SurveyInvitation.client_id),
    m.SurveyAnswer: ("invitation", m.SurveyAnswer.invitation_id),
    m.SurveyResult: ("result", m.SurveyResult.campaign_id),
    m.SurveyRectification: ("department", m.SurveyRectification.department_id),
    # In-app notifications (issue #12): a personal inbox, its recipient's only, whatever the role.
    m.Notification: ("recipient", m.Notification.recipient_id),
}


def current_user():
    return getattr(g, "user", None)


def outside_scope_message():
    """What forms, the API and imports answer when a record links to a row outside the scope."""
    from flask_babel import gettext as _

    return _("You may not link a record outside your scope.")


def act_as(user):
    """Make ``user`` the current user of this app context (jobs acting for whoever launched them):
    row scope, audit columns and the change log are then theirs. Drops the per-request caches,
    which belonged to the previous user."""
    g.user = user
    for cache in ("_scope_staff", "_scope_subtree", "_nested_can_get", "_nested_in_scope"):
        g.pop(cache, None)
    return user


def staff_of(user):
    if user is None or not getattr(user, "id", None):
        return None
    cache = g.setdefault("_scope_staff", {})
    if user.id not in cache:
        from backoffice.extensions import db

        cache[user.id] = db.session.execute(
            sa.select(m.Staff).where(m.Staff.user_id == user.id)
        ).scalar_one_or_none()
    return cache[user.id]


def department_subtree(root_id):
    """The department and all departments below it (a small table: read once per request)."""
    from backoffice.extensions import db

    cache = g.setdefault("_scope_subtree", {})
    if root_id not in cache:
        rows = db.session.execute(sa.select(m.Department.id, m.Department.parent_id)).all()
        children = {}
        for did, parent in rows:
            children.setdefault(parent, []).append(did)
        found, todo = set(), [root_id]
        while todo:
            d = todo.pop()
            if d not in found:
                found.add(d)
                todo.extend(children.get(d, []))
        cache[root_id] = found
    return cache[root_id]


def reaches(user):
    """The set of (client reach, staff reach) pairs the user's roles give."""
    names = {r.name for r in getattr(user, "roles", []) or []}
    return {ROLE_REACH[n] for n in names if n in ROLE_REACH}


def _client_clause(reach, staff):
    if reach == "all":
        return sa.true()
    if staff is None:
        return sa.false()
    if reach == "dept":
        return m.Client.department_id.in_(department_subtree(staff.department_id))
    return m.Client.owner_id == staff.id


def _staff_clause(reach, staff):
    if reach == "all":
        return sa.true()
    if staff is None:
        return sa.false()
    if reach == "dept":
        return m.Staff.department_id.in_(department_subtree(staff.department_id))
    return m.Staff.id == staff.id


def scope_clause(model, user=None):
    """A SQL condition on ``model`` selecting the rows ``user`` may see, or None for no limit."""
    clause = _scope_clause(model, user)
    if model is m.ChangeLog:
        # No retaliation (SPEC §4): whatever the role, not the complainant's identity in the log
        # of a complaint about the user (security/complainant.py).
        private = complainant_log_clause(user)
        if private is not None:
            clause = private if clause is None else sa.and_(clause, private)
    return clause


def complainant_log_clause(user=None):
    """Change-log rows the user may see, as far as complainants go (SPEC §4 no retaliation): not,
    for a ticket about the user, the entries holding the complainant's name or phone (their field
    changes, and the record's create / delete snapshots). None when nothing is hidden."""
    staff = staff_of(user if user is not None else current_user())
    if staff is None:
        return None
    log = m.ChangeLog
    about_me = sa.select(m.Ticket.id).where(m.Ticket.about_staff_id == staff.id)
    holds_identity = sa.or_(log.field.in_(TICKET_COMPLAINANT_FIELDS), log.action.in_(("create", "delete")))
    return sa.not_(sa.and_(log.table_name == m.Ticket.__tablename__, log.record_id.in_(about_me), holds_identity))


def _scope_clause(model, user=None):
    if model not in SCOPED:
        return None
    user = user if user is not None else current_user()
    if SCOPED[model][0] == "recipient":  # before the roles reaching everything: Admin too sees only its own
        return SCOPED[model][1] == getattr(user, "id", None) if getattr(user, "id", None) else sa.false()
    pairs = reaches(user)
    if ("all", "all") in pairs or "Admin" in {r.name for r in getattr(user, "roles", []) or []}:
        return None
    kind, column = SCOPED[model]
    staff = staff_of(user)
    if kind == "client":
        ors = [_client_clause(c, staff) for c, _s in pairs]
        if any(c == "all" for c, _s in pairs):
            return None
        if not ors:
            return sa.false()
        if model is m.Client:
            # On the client table itself the condition applies directly (issue #16): "id IN
            # (SELECT id FROM client WHERE ...)" made PostgreSQL scan a million clients twice and
            # hash-join them for every scoped list page, count and export.
            return sa.or_(*ors)
        return column.in_(sa.select(m.Client.id).where(sa.or_(*ors)))
    if kind == "staff":
        if any(s == "all" for _c, s in pairs):
            return None
        ors = [_staff_clause(s, staff) for _c, s in pairs]
        if not ors:
            return sa.false()
        if model is m.Staff:  # the same on the staff table itself
            return sa.or_(*ors)
        return column.in_(sa.select(m.Staff.id).where(sa.or_(*ors)))
    if kind == "appraisee":
        names = {r.name for r in getattr(user, "roles", []) or []}
        sheet_reach = {SHEET_REACH.get(n, "own") for n in names if n in ROLE_REACH}
        if "all" in sheet_reach:
            return None
        ors = [_staff_clause(r, staff) for r in sheet_reach]
        return column.in_(sa.select(m.Staff.id).where(sa.or_(*ors))) if ors else sa.false()
    if kind in ("ticket_row", "callback") and any(c == "all" for c, _s in pairs):
        return None
    if kind == "ticket_row":
        return _ticket_clause(pairs, staff)
    if kind == "callback":
        tickets = _ticket_clause(pairs, staff)
        clients = scope_clause(m.Client, user)
        return sa.or_(m.CallbackRecord.client_id.in_(sa.select(m.Client.id).where(clients)),
                      m.CallbackRecord.ticket_id.in_(sa.select(m.Ticket.id).where(tickets)))
    if kind == "ticket":
        inner = scope_clause(m.Ticket, user)
        return None if inner is None else column.in_(sa.select(m.Ticket.id).where(inner))
    if kind == "invitation":
        inner = scope_clause(m.SurveyInvitation, user)
        return None if inner is None else column.in_(sa.select(m.SurveyInvitation.id).where(inner))
    if kind == "sheet":
        inner = scope_clause(m.AppraisalSheet, user)
        return None if inner is None else column.in_(sa.select(m.AppraisalSheet.id).where(inner))
    if kind == "department":
        if staff is None:
            return sa.false()
        if any(s in ("dept",) for _c, s in pairs):
            return column.in_(department_subtree(staff.department_id))
        return column == staff.department_id
    if kind == "campaign":
        return _campaign_clause(column, pairs, staff)
    if kind == "result":
        return _result_clause(column, pairs, staff, user)
    if kind == "launcher":
        # Job runs (SPEC §8): recalculations (queue "recalc") are company-wide, so every role
        # allowed to list runs sees them all; any other run is seen by whoever launched it.
        return sa.or_(column == getattr(user, "id", None), m.JobRun.queue == COMPANY_WIDE_QUEUE)
    if kind == "actor":
        # Change log (SPEC §2): the entries written by the staff the user reaches (a department
        # head: the people of the department), and the user's own.
        # An entry about a scoped record also needs that record in scope (issue #9: an admin of
        # the department changing another department's staff pay must not show it to the head).
        own = column == getattr(user, "id", None)
        if any(s == "all" for _c, s in pairs):
            return None
        ors = [_staff_clause(s, staff) for _c, s in pairs]
        if not ors:
            return own
        return sa.or_(own, sa.and_(column.in_(sa.select(m.Staff.user_id).where(sa.or_(*ors))),
                                   _logged_record_in_scope(user)))
    return sa.false()


def _ticket_clause(pairs, staff):
    """SPEC §4 [decision]: a ticket is in the scope of whoever has its client in scope, of the
    responsible department's subtree (the roles reaching a department subtree: its heads and
    clerks, like the department's own clients), of the responsible person and of the receiver
    (首问负责制, seed 003). Roles reaching every client (Admin, Viewer, ServiceDesk) see every
    ticket; this is only called when no role does."""
    ors = [_client_clause(c, staff) for c, _s in pairs]
    # A correlated EXISTS, not "client_id IN (SELECT id FROM client ...)" (issue #15): under the
    # OR PostgreSQL cannot turn the IN into a join, so it hashed every client of the scope (half
    # a million for a department head) for each count of a few thousand overdue tickets; for an
    # EXISTS it costs both ways and, for a few rows, looks each ticket's client up by its key.
    client = sa.exists().where(m.Client.id == m.Ticket.client_id, sa.or_(*ors)) if ors else None
    parts = [client] if ors else []
    if staff is not None:
        if any(c == "dept" for c, _s in pairs):
            parts.append(m.Ticket.responsible_department_id.in_(department_subtree(staff.department_id)))
        parts.append(m.Ticket.responsible_staff_id == staff.id)
        parts.append(m.Ticket.receiver_id == staff.id)
    return sa.or_(*parts) if parts else sa.false()


def may_link(model, key, target, user=None):
    """Whether a record of ``model`` may point its relation ``key`` at ``target``: a target in the
    user's scope, or one of the links 统一受理 opens company-wide to the roles registering tickets
    (SPEC §4: the desk assigns a department and a person anywhere in the company; rules/
    ticket_states.py ``COMPANY_WIDE_LINKS``). Every other relation stays within the scope."""
    if in_scope(target, user):
        return True
    if model is m.Ticket and key in TICKET_COMPANY_WIDE_LINKS:
        user = user if user is not None else current_user()
        names = {r.name for r in getattr(user, "roles", []) or []}
        return "Admin" in names or bool(names & TICKET_ASSIGNERS)
    return False


def _logged_record_in_scope(user):
    """Change-log rows about a record of a scoped type: only those whose record the user reaches
    (a deleted record is no longer reached: its snapshot stays with its author and the roles
    reaching everything)."""
    conditions = []
    for model in SCOPED:
        if model is m.ChangeLog:
            continue
        clause = scope_clause(model, user)
        if clause is None:
            continue
        inner = sa.select(model.id).where(clause)
        conditions.append(sa.or_(m.ChangeLog.table_name != model.__tablename__, m.ChangeLog.record_id.in_(inner)))
    return sa.and_(*conditions) if conditions else sa.true()


def _campaign_clause(column, pairs, staff):
    """SPEC §7 [decision]: roles reaching every client (Admin, Viewer, the service desk, which
    runs the phone surveys company-wide, SPEC §1) see every campaign; the others see their
    department subtree's campaigns and the company's (department NULL), whose answers and
    results still reach them only through their own scope. Changing a company campaign is the
    admin's (``backoffice.surveys.campaigns.may_change_campaign``)."""
    if any(c == "all" for c, _s in pairs):
        return None
    if staff is None:
        return column.is_(None)
    return sa.or_(column.is_(None), column.in_(department_subtree(staff.department_id)))


def _result_clause(column, pairs, staff, user):
    """A result row: of a campaign in scope, and when it counts one department or one staff
    member (grouping "department" / "staff", key = their id), of a department or staff member
    the user reaches. Whole-campaign, question, dimension and service-level rows are figures of
    the campaign as a whole."""
    campaign = scope_clause(m.SurveyCampaign, user)
    parts = [] if campaign is None else [column.in_(sa.select(m.SurveyCampaign.id).where(campaign))]
    if not any(s == "all" for _c, s in pairs):
        ors = [_staff_clause(s, staff) for _c, s in pairs]
        staff_keys = sa.select(sa.cast(m.Staff.id, sa.String(80))).where(sa.or_(*ors)) if ors else None
        depts = set()
        if staff is not None and any(s == "dept" for _c, s in pairs):
            depts = department_subtree(staff.department_id)
        elif staff is not None:
            depts = {staff.department_id}
        grouping, key = m.SurveyResult.grouping, m.SurveyResult.key
        parts.append(sa.or_(grouping != "staff", key.in_(staff_keys) if staff_keys is not None else sa.false()))
        parts.append(sa.or_(grouping != "department", key.in_(sorted(str(d) for d in depts)) if depts else sa.false()))
    return sa.and_(*parts) if parts else None


def in_scope(obj, user=None):
    """Whether one loaded row lies in the user's scope (same clause, asked of the database)."""
    from backoffice.extensions import db

    model = type(obj)
    clause = scope_clause(model, user)
    if clause is None:
        return True
    pk = sa.inspect(obj).identity
    if pk is None:  # not yet saved: judge by what it points at
        return True
    return db.session.execute(sa.select(model.id).where(model.id == pk[0], clause)).first() is not None


class ScopeFilter(BaseFilter):
    """FAB base filter applying ``scope_clause`` to whatever model the view lists."""

    name = "Row scope"
    arg_name = "scope"

    def apply(self, query, value):
        clause = scope_clause(self.model)
        return query if clause is None else query.filter(clause)
