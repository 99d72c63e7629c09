"""Set-based SLA stamping (SPEC §4, ARCHITECTURE "bulk ... proven equal to the rule functions").

``stamp_deadlines_sql(ticket_ids=None)`` gives many tickets (an import, a re-stamp after the
calendar changed) the same policy and deadlines as ``services.sla.stamp`` gives one, in a few
statements on either backend:

1. ``sla_day``: every date from the earliest receipt date to 800 days after the latest, joined to
   the ``calendar_day`` table (a date not in the table is a working day Monday–Friday), with
   ``rank`` = the number of working days up to and including that date. The N-th working day
   after date d is then the working day of rank ``rank(d) + N``; "the same day" is the working
   day of rank ``rank(d)`` when d is a working day and the ticket came before the close, else
   ``rank(d) + 1`` (exactly ``rules.working_calendar.deadline``).
2. ``sla_year``: years whose rows are all confirmed; a year without rows is not confirmed.
3. ``sla_choice``: for each (type, class, severity) present, the most specific active policy
   (class before severity, then the lowest id: ``rules.working_calendar.match_policy``).
4. One ``UPDATE ... FROM`` writes policy, both deadlines and the provisional flag.

``ticket_ids`` None = every ticket not stamped yet (``sla_policy_id`` empty).
"""
import datetime as dt

import sqlalchemy as sa

from backoffice.extensions import db

from .calendar import _hours

HORIZON_DAYS = 800  # past the longest deadline: no arrangement has a year of days off

PG = {
    "date": "CAST({x} AS date)",
    "time_before": "CAST({x} AS time) < TIME '{closes}'",
    "weekday": "EXTRACT(ISODOW FROM {x}) < 6",
    "year": "CAST(EXTRACT(YEAR FROM {x}) AS integer)",
    "close": "({x} + TIME '{closes}')",
    "plus_hours": "({x} + {n} * INTERVAL '1 hour')",
    "series": (
        "SELECT CAST(g AS date) AS day FROM span, "
        "generate_series(CAST(span.lo AS timestamp), CAST(span.hi AS timestamp), INTERVAL '1 day') AS g "
        "WHERE span.lo IS NOT NULL"
    ),
    "span_hi": "CAST(MAX(registered_at) AS date) + {h}",
}
SQLITE = {
    "date": "date({x})",
    "time_before": "time({x}) < '{closes}'",
    "weekday": "strftime('%w', {x}) NOT IN ('0', '6')",
    "year": "CAST(strftime('%Y', {x}) AS INTEGER)",
    "close": "({x} || ' {closes}.000000')",
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff': keep the fraction datetime() drops.
    "plus_hours": "(datetime({x}, '+' || {n} || ' hours') || substr({x}, 20))",
    "series": None,  # a recursive CTE, below
    "span_hi": "date(MAX(registered_at), '+{h} days')",
}


def _dialect(session):
    return PG if session.get_bind().dialect.name == "postgresql" else SQLITE


def _where(ticket_ids, alias="t"):
    if ticket_ids is None:
        return f"{alias}.sla_policy_id IS NULL"
    return f"{alias}.id IN :ids"


def _exec(session, sql, ticket_ids):
    stmt = sa.text(sql)
    params = {}
    if ticket_ids is not None and ":ids" in sql:
        stmt = stmt.bindparams(sa.bindparam("ids", expanding=True))
        params["ids"] = list(ticket_ids)
    return session.execute(stmt, params)


def build_day_tables(session, ticket_ids=None, prefix="sla"):
    """Temporary tables ``{prefix}_day``, ``{prefix}_wday``, ``{prefix}_year`` (see the docstring)."""
    d = _dialect(session)
    for name in ("day", "wday", "year"):
        session.execute(sa.text(f"DROP TABLE IF EXISTS {prefix}_{name}"))
    span = (f"span AS (SELECT {d['date'].format(x='MIN(registered_at)')} AS lo, "
            f"{d['span_hi'].format(h=HORIZON_DAYS)} AS hi FROM ticket t WHERE {_where(ticket_ids)})")
    if d["series"]:
        series = f"series AS ({d['series']})"
        head = "WITH "
    else:
        series = ("series(day) AS (SELECT lo FROM span WHERE lo IS NOT NULL "
                  "UNION ALL SELECT date(day, '+1 day') FROM series, span WHERE day < span.hi)")
        head = "WITH RECURSIVE "
    _exec(session, (
        f"CREATE TEMP TABLE {prefix}_day AS {head}{span}, {series}, "
        f"marked AS (SELECT s.day, CASE WHEN c.working IS NOT NULL THEN "
        f"CASE WHEN c.working THEN 1 ELSE 0 END "
        f"WHEN {d['weekday'].format(x='s.day')} THEN 1 ELSE 0 END AS working "
        f"FROM series s LEFT JOIN calendar_day c ON c.day = s.day) "
        f"SELECT day, working, SUM(working) OVER (ORDER BY day ROWS UNBOUNDED PRECEDING) AS rank FROM marked"
    ), ticket_ids)
    session.execute(sa.text(f"CREATE TEMP TABLE {prefix}_wday AS SELECT rank, day FROM {prefix}_day WHERE working = 1"))
    session.execute(sa.text(f"CREATE UNIQUE INDEX ix_{prefix}_wday ON {prefix}_wday (rank)"))
    session.execute(sa.text(f"CREATE UNIQUE INDEX ix_{prefix}_day ON {prefix}_day (day)"))
    session.execute(sa.text(
        f"CREATE TEMP TABLE {prefix}_year AS SELECT {d['year'].format(x='day')} AS year, "
        f"MIN(CASE WHEN confirmed THEN 1 ELSE 0 END) AS ok FROM calendar_day GROUP BY {d['year'].format(x='day')}"
    ))


def build_choice_table(session, ticket_ids=None, prefix="sla"):
    session.execute(sa.text(f"DROP TABLE IF EXISTS {prefix}_choice"))
    _exec(session, (
        f"CREATE TEMP TABLE {prefix}_choice AS SELECT k.type, k.cls, k.severity, ("
        "SELECT p.id FROM sla_policy p WHERE p.active AND p.ticket_type = k.type "
        "AND (p.complaint_class IS NULL OR p.complaint_class = k.cls) "
        "AND (p.severity IS NULL OR p.severity = k.severity) "
        "ORDER BY CASE WHEN p.complaint_class IS NULL THEN 1 ELSE 0 END, "
        "CASE WHEN p.severity IS NULL THEN 1 ELSE 0 END, p.id LIMIT 1) AS policy_id "
        f"FROM (SELECT DISTINCT t.type, COALESCE(t.complaint_class, '') AS cls, t.severity FROM ticket t "
        f"WHERE {_where(ticket_ids)}) k"
    ), ticket_ids)


def deadlines_select(session, ticket_ids=None, prefix="sla"):
    """SELECT id, policy_id, first_response_due_at, due_at, due_provisional for the tickets,
    over the temporary tables of ``build_day_tables`` and ``build_choice_table``."""
    d = _dialect(session)
    opens, closes = _hours()
    closes_text = f"{closes:%H:%M:%S}"

    def term(kind):
        unit, amount = f"p.{kind}_unit", f"p.{kind}_amount"
        target = (f"CASE {unit} WHEN 'working_days' THEN d0.rank + {amount} "
                  f"WHEN 'same_day' THEN CASE WHEN d0.working = 1 AND "
                  f"{d['time_before'].format(x='t.registered_at', closes=closes_text)} "
                  f"THEN d0.rank ELSE d0.rank + 1 END END")
        due = (f"CASE WHEN {unit} = 'hours' THEN {d['plus_hours'].format(x='t.registered_at', n=amount)} "
               f"ELSE {d['close'].format(x=f'w_{kind}.day', closes=closes_text)} END")
        return target, due

    fr_target, fr_due = term("first_response")
    res_target, res_due = term("resolution")
    year = d["year"]
    inner = (
        f"SELECT t.id, p.id AS policy_id, t.registered_at, {fr_due} AS fr_due, {res_due} AS res_due "
        f"FROM ticket t "
        f"JOIN {prefix}_choice ch ON ch.type = t.type AND ch.cls = COALESCE(t.complaint_class, '') "
        f"AND ch.severity = t.severity "
        f"JOIN sla_policy p ON p.id = ch.policy_id "
        f"JOIN {prefix}_day d0 ON d0.day = {d['date'].format(x='t.registered_at')} "
        f"LEFT JOIN {prefix}_wday w_first_response ON w_first_response.rank = {fr_target} "
        f"LEFT JOIN {prefix}_wday w_resolution ON w_resolution.rank = {res_target} "
        f"WHERE {_where(ticket_ids)}"
    )
    return (
        f"SELECT x.id, x.policy_id, x.fr_due AS first_response_due_at, x.res_due AS due_at, "
        f"CASE WHEN COALESCE(y0.ok, 0) = 1 AND COALESCE(y1.ok, 0) = 1 AND COALESCE(y2.ok, 0) = 1 "
        f"THEN 0 ELSE 1 END AS provisional "
        f"FROM ({inner}) x "
        f"LEFT JOIN {prefix}_year y0 ON y0.year = {year.format(x='x.registered_at')} "
        f"LEFT JOIN {prefix}_year y1 ON y1.year = {year.format(x='x.fr_due')} "
        f"LEFT JOIN {prefix}_year y2 ON y2.year = {year.format(x='x.res_due')}"
    )


def stamp_deadlines_sql(ticket_ids=None, session=None, commit=False):
    """Stamp policy, deadlines and the provisional flag on many tickets at once; returns the
    number of tickets stamped (those an active policy covers)."""
    session = session or db.session
    if ticket_ids is not None and not ticket_ids:
        return 0
    build_day_tables(session, ticket_ids)
    build_choice_table(session, ticket_ids)
    select = deadlines_select(session, ticket_ids)
    flag = "(s.provisional = 1)"
    result = _exec(session, (
        f"UPDATE ticket SET sla_policy_id = s.policy_id, first_response_due_at = s.first_response_due_at, "
        f"due_at = s.due_at, due_provisional = {flag} "
        f"FROM ({select}) s WHERE ticket.id = s.id"
    ), ticket_ids)
    count = result.rowcount
    for name in ("day", "wday", "year", "choice"):
        session.execute(sa.text(f"DROP TABLE IF EXISTS sla_{name}"))
    if commit:
        session.commit()
    return count
