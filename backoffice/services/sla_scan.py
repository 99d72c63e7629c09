"""The escalation scan and the deadline filters, in SQL (SPEC §4 "Overdue tickets are flagged and
escalated by a periodic job (to the department head), never by a page view"; issue #12).

What is awaited, missed, due today or this week is ``rules/sla_overdue.py``; the clauses here say
the same over the ``ticket`` table (``tests/unit`` and ``tests/integration/test_sla_scan.py`` hold
them to the rule functions).

``escalate_overdue(now)`` is ONE statement, ``INSERT INTO notification ... SELECT ... ON CONFLICT
DO NOTHING``, over every open ticket with a missed deadline, joined to the heads it goes to:

- the heads of a department are its active staff in the position "department head" who have a
  login, and the staff member set as the department's head (``department.head_id``);
- a missed deadline goes to the heads of the ticket's responsible department; when it has none
  (no responsible department yet, or a team without a head) to the heads of the client's
  department, or of the nearest department above it that has heads (a team's head is the head
  of the department it belongs to, as in ``demo._department_head``);
- each (ticket, deadline kind) is escalated once: ``NOT EXISTS`` an earlier notification of that
  ticket and kind (even if the heads changed since; read once into a MATERIALIZED CTE), and the unique constraint (ticket, kind,
  recipient) with ``ON CONFLICT DO NOTHING`` so two scans racing cannot notify anyone twice.

[decision] The scan does NOT move the ticket to 已升级 (escalated). In ``rules/ticket_states.py``
``escalate`` is a handler's transition (HANDLERS) and leads to a state whose only way on is
``start`` back to in progress; taking it automatically would rewrite the ticket's state and
version behind its handlers' backs (their next save would be refused by the optimistic lock) and
put events in its history nobody made. SPEC §4's "escalated ... to the department head" is the
notification: the head then decides, and may escalate the ticket by hand. The ticket is flagged
on the screens by its deadline badge and the "overdue" filter (``views/ticket_deadlines.py``),
computed from the same clauses as the scan.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import Client, Department, Notification, Staff, Ticket
from backoffice.models.choices import Position, TicketStatus
from backoffice.rules.sla_overdue import AWAITED_IN, FIRST_RESPONSE, KINDS, RESOLUTION, bounds

KIND_PREFIX = "overdue."  # notification kinds: overdue.first_response, overdue.resolution
NOTIFICATION_KINDS = {kind: KIND_PREFIX + kind for kind in KINDS}


def _deadline(table, kind):
    return table.c.first_response_due_at if kind == FIRST_RESPONSE else table.c.due_at


def awaited(kind, table=None):
    """SQL: the ticket still owes its ``kind`` deadline (rules.sla_overdue.awaited_deadlines)."""
    table = table if table is not None else Ticket.__table__
    states = [TicketStatus(s) for s in sorted(AWAITED_IN[kind])]
    return sa.and_(table.c.status.in_(states), _deadline(table, kind).isnot(None))


def missed(kind, now, table=None):
    table = table if table is not None else Ticket.__table__
    return sa.and_(awaited(kind, table), _deadline(table, kind) < now)


def overdue_clause(now, table=None):
    """Some deadline still awaited has passed at ``now``."""
    return sa.or_(*(missed(kind, now, table) for kind in KINDS))


def due_before_clause(now, end, table=None):
    """Not overdue, and some deadline still awaited falls before ``end``."""
    return sa.and_(sa.not_(overdue_clause(now, table)), overdue_clause(end, table))


def deadline_bounds(now=None):
    """(now, end of the business day, end of its week) on the working-day calendar."""
    from backoffice.services.calendar import working_calendar

    now = now or business_now()
    return (now, *bounds(now, working_calendar()))


# -- who is told --------------------------------------------------------------------------------
def heads_cte():
    """(department_id, user_id) of every department's heads (see the module docstring)."""
    s, d = Staff.__table__, Department.__table__
    by_position = sa.select(s.c.department_id.label("department_id"), s.c.user_id.label("user_id")).where(
        s.c.position == Position.dept_head, s.c.active.is_(True), s.c.user_id.isnot(None))
    by_department = sa.select(d.c.id, s.c.user_id).select_from(d.join(s, s.c.id == d.c.head_id)).where(
        s.c.active.is_(True), s.c.user_id.isnot(None))
    return sa.union(by_position, by_department).cte("dept_heads")


def head_route_cte(heads):
    """(dept_id, head_dept): the department itself when it has heads, else the nearest above it."""
    d = Department.__table__
    up = d.alias("up")
    anc = sa.select(d.c.id.label("dept_id"), d.c.id.label("ancestor_id"), sa.literal(0).label("depth")) \
        .cte("dept_ancestors", recursive=True)
    anc = anc.union_all(
        sa.select(anc.c.dept_id, up.c.parent_id, anc.c.depth + 1)
        .select_from(anc.join(up, up.c.id == anc.c.ancestor_id)).where(up.c.parent_id.isnot(None)))
    nearest = (sa.select(anc.c.dept_id, sa.func.min(anc.c.depth).label("depth"))
               .where(anc.c.ancestor_id.in_(sa.select(heads.c.department_id))).group_by(anc.c.dept_id)
               .cte("dept_nearest_head"))
    return (sa.select(anc.c.dept_id, anc.c.ancestor_id.label("head_dept"))
            .select_from(anc.join(nearest, sa.and_(nearest.c.dept_id == anc.c.dept_id,
                                                    nearest.c.depth == anc.c.depth)))
            .cte("dept_head_route"))


def _json_params(dialect, number):
    fn = sa.func.json_build_object if dialect == "postgresql" else sa.func.json_object
    return fn(sa.literal("number"), number)


def escalation_rows(now, dialect):
    """SELECT recipient_id, kind, ticket_id, due_at, params, created_at: the notifications to write."""
    t, c, n = Ticket.__table__, Client.__table__, Notification.__table__
    overdue = sa.union_all(*(
        sa.select(t.c.id.label("ticket_id"), sa.literal(NOTIFICATION_KINDS[kind], sa.String).label("kind"),
                  _deadline(t, kind).label("due_at"), t.c.number.label("number"),
                  t.c.client_id.label("client_id"), t.c.responsible_department_id.label("department_id"))
        .where(missed(kind, now, t))
        for kind in (FIRST_RESPONSE, RESOLUTION)
    )).cte("overdue")
    # The deadlines escalated before, read once as the statement starts (MATERIALIZED): a NOT EXISTS
    # probing ``notification`` itself would, on a table the planner thinks empty (the first scan
    # of a backlog), re-scan the rows this very INSERT adds (invisible to it, but still read) for
    # every candidate row: quadratic (bench/sla.py found it at 1,000,000 tickets).
    escalated = (sa.select(n.c.ticket_id, n.c.kind)
                 .where(n.c.kind.in_(sorted(NOTIFICATION_KINDS.values())),
                        n.c.ticket_id.in_(sa.select(overdue.c.ticket_id)))
                 .cte("escalated").prefix_with("MATERIALIZED"))
    heads = heads_cte()
    route = head_route_cte(heads)
    target = sa.case((overdue.c.department_id.in_(sa.select(heads.c.department_id)), overdue.c.department_id),
                     else_=route.c.head_dept)
    return (
        sa.select(heads.c.user_id, overdue.c.kind, overdue.c.ticket_id, overdue.c.due_at,
                  _json_params(dialect, overdue.c.number), sa.literal(now, sa.DateTime))
        .select_from(overdue.join(c, c.c.id == overdue.c.client_id)
                     .outerjoin(route, route.c.dept_id == c.c.department_id)
                     .join(heads, heads.c.department_id == target))
        .where(~sa.exists().where(escalated.c.ticket_id == overdue.c.ticket_id, escalated.c.kind == overdue.c.kind))
    )


def escalation_statement(now, dialect):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = ["recipient_id", "kind", "ticket_id", "due_at", "params", "created_at"]
    return insert(Notification.__table__).from_select(columns, escalation_rows(now, dialect)).on_conflict_do_nothing()


def escalate_overdue(now=None, session=None, commit=True):
    """Notify the heads of every missed deadline not escalated yet; returns the notifications written."""
    session = session or db.session
    now = now or business_now()
    dialect = session.get_bind().dialect.name
    result = session.execute(escalation_statement(now, dialect).execution_options(preserve_rowcount=True))
    # sqlite3 reports no rowcount for a statement starting WITH: ask SQLite itself
    written = result.rowcount if dialect == "postgresql" else session.execute(sa.text("SELECT changes()")).scalar()
    if commit:
        session.commit()
    return max(written or 0, 0)
