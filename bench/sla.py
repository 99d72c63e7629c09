"""Benchmark of SLA deadline stamping and of the overdue scan (SPEC §4, issue #12) on PostgreSQL.

    .venv/bin/python bench/sla.py                    # N = 1,000,000 imported tickets (make bench-sla)
    .venv/bin/python bench/sla.py --tickets 100000   # a quick look on a busy machine
    .venv/bin/python bench/sla.py --part scan        # only the scan (the tickets stamped untimed)

Uses DATABASE_URL (a scratch PostgreSQL database: the bench adds its tickets to it) or creates a
fresh database on postgresql://postgres@127.0.0.1:5432 and drops it afterwards. Builds N unstamped
tickets (INSERT ... SELECT) received between 2026-01-01 and 2027-12-31 (2026 official, 2027 the
provisional calendar), over every type and class, then measures:

  A  the product's ``services.sla.stamp_deadlines_sql()`` (every unstamped ticket), committed;
  B  one reference SQL statement: a WITH ... UPDATE joining the tickets to the calendar table
     (series of days, window rank of working days, policy per type/class/severity), committed.

Prints both times and A/B (target <= 3.0), whether A and B stamped identical values, and whether
a random sample of 2,000 tickets equals the rule function ``services.sla.stamp`` (pure rules).

The scan (``--part scan`` or ``all``): the N stamped tickets are spread over eight clients in eight
teams under one department (the department and the odd teams have heads with logins, the even
teams none) and over the open states (registered, in progress, escalated, fed back), a third of
them with a responsible team. At ``--scan-now`` (default 2026-03-01 12:00) it measures

  S  the product's ``services.sla_scan.escalate_overdue()``: ONE INSERT ... SELECT ... ON CONFLICT
     DO NOTHING into ``notification`` (its unique and unread indexes), committed;
  R  one reference statement computing the same set: CREATE TABLE ... AS WITH RECURSIVE ... SELECT
     (heads, nearest head up the tree with DISTINCT ON, a LATERAL pair of deadlines per ticket);
  S2 the same scan again (everything escalated already: writes nothing) against R2, the
     reference's SELECT counting the same set (no write).

Prints S/R (target <= 2.0), S2/R2, and whether the notifications written equal the reference set.
"""
import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import close, fresh_database, log, timed, vacuum  # noqa: E402

TARGET = 3.0
SCAN_TARGET = 2.0
SAMPLE = 2000
# (type, class) mix of the imported tickets
KINDS = [("complaint", "own_service"), ("complaint", "product"), ("complaint", "external"), ("inquiry", None),
         ("opinion", None), ("suggestion", None), ("report", None), ("service_request", None)]

REFERENCE = """
WITH span AS (
    SELECT CAST(MIN(registered_at) AS date) AS lo, CAST(MAX(registered_at) AS date) + 800 AS hi
    FROM ticket WHERE sla_policy_id IS NULL
), cal AS (
    SELECT CAST(g AS date) AS day,
           COALESCE(c.working, EXTRACT(ISODOW FROM g) < 6) AS working
    FROM span CROSS JOIN generate_series(CAST(span.lo AS timestamp), CAST(span.hi AS timestamp), INTERVAL '1 day') AS g
    LEFT JOIN calendar_day c ON c.day = CAST(g AS date)
), ranked AS (
    SELECT day, working, COUNT(*) FILTER (WHERE working) OVER (ORDER BY day) AS rank FROM cal
), wd AS (
    SELECT rank, day FROM ranked WHERE working
), confirmed_year AS (
    SELECT CAST(EXTRACT(YEAR FROM day) AS integer) AS year FROM calendar_day GROUP BY 1 HAVING bool_and(confirmed)
), combo AS (
    SELECT DISTINCT ON (k.type, k.cls, k.severity) k.type, k.cls, k.severity, p.id,
           p.first_response_unit AS fu, p.first_response_amount AS fa, p.resolution_unit AS ru, p.resolution_amount AS ra
    FROM (SELECT DISTINCT type, complaint_class AS cls, severity FROM ticket WHERE sla_policy_id IS NULL) k
    JOIN sla_policy p ON p.active AND p.ticket_type = k.type
         AND (p.complaint_class IS NULL OR p.complaint_class = k.cls) AND (p.severity IS NULL OR p.severity = k.severity)
    ORDER BY k.type, k.cls, k.severity, p.complaint_class IS NULL, p.severity IS NULL, p.id
), calc AS (
    SELECT t.id, c.id AS policy_id,
           CASE WHEN c.fu = 'hours' THEN t.registered_at + c.fa * INTERVAL '1 hour' ELSE w1.day + CAST(:closes AS time) END AS fr,
           CASE WHEN c.ru = 'hours' THEN t.registered_at + c.ra * INTERVAL '1 hour' ELSE w2.day + CAST(:closes AS time) END AS res,
           t.registered_at
    FROM ticket t
    JOIN combo c ON c.type = t.type AND c.cls IS NOT DISTINCT FROM t.complaint_class AND c.severity = t.severity
    JOIN ranked r ON r.day = CAST(t.registered_at AS date)
    LEFT JOIN wd w1 ON w1.rank = CASE c.fu WHEN 'working_days' THEN r.rank + c.fa
         WHEN 'same_day' THEN CASE WHEN r.working AND CAST(t.registered_at AS time) < CAST(:closes AS time)
                                   THEN r.rank ELSE r.rank + 1 END END
    LEFT JOIN wd w2 ON w2.rank = CASE c.ru WHEN 'working_days' THEN r.rank + c.ra
         WHEN 'same_day' THEN CASE WHEN r.working AND CAST(t.registered_at AS time) < CAST(:closes AS time)
                                   THEN r.rank ELSE r.rank + 1 END END
    WHERE t.sla_policy_id IS NULL
)
UPDATE ticket SET sla_policy_id = calc.policy_id, first_response_due_at = calc.fr, due_at = calc.res,
       due_provisional = NOT (
           CAST(EXTRACT(YEAR FROM calc.registered_at) AS integer) IN (SELECT year FROM confirmed_year)
           AND CAST(EXTRACT(YEAR FROM calc.fr) AS integer) IN (SELECT year FROM confirmed_year)
           AND CAST(EXTRACT(YEAR FROM calc.res) AS integer) IN (SELECT year FROM confirmed_year))
FROM calc WHERE ticket.id = calc.id
"""


def build_data(db, sa, n):
    """N unstamped tickets on one client, received at any minute of 2026-2027, 17:29-17:31 often."""
    from backoffice.cli import act_as_system

    user = act_as_system()
    s = db.session
    dept = s.execute(sa.text("INSERT INTO department (code, name) VALUES (:c, 'bench') RETURNING id"),
                     {"c": f"BENCH{os.getpid()}"}).scalar()
    fmt = s.execute(sa.text("SELECT id FROM business_format ORDER BY id LIMIT 1")).scalar()
    client = s.execute(sa.text("""
        INSERT INTO client (code, name, status, department_id, market_type, business_format_id, key_account,
                            development_potential, created_on, changed_on, created_by_fk, changed_by_fk)
        VALUES (:code, 'bench', 'active', :dept, 'C', :fmt, false, false, now(), now(), :u, :u) RETURNING id"""),
        {"code": f"BT{os.getpid()}", "dept": dept, "fmt": fmt, "u": user.id}).scalar()
    types = "ARRAY[" + ",".join(f"'{t}'" for t, _c in KINDS) + "]"
    classes = "ARRAY[" + ",".join(f"'{c}'" if c else "NULL" for _t, c in KINDS) + "]::text[]"
    s.execute(sa.text(f"""
        INSERT INTO ticket (number, client_id, type, complaint_class, severity, channel, subject, status,
                            registered_at, due_provisional, version, created_on, changed_on, created_by_fk, changed_by_fk)
        SELECT 'BN' || lpad(g::text, 12, '0'), :client, ({types})[1 + g % {len(KINDS)}],
               ({classes})[1 + g % {len(KINDS)}], CASE WHEN g % 10 = 0 THEN 'major' ELSE 'normal' END,
               'phone', 'bench', 'registered',
               CASE WHEN g % 13 = 0
                    THEN date_trunc('day', TIMESTAMP '2026-01-01' + ((g::bigint * 7919) % 730) * INTERVAL '1 day')
                         + TIME '17:29' + (g % 3) * INTERVAL '1 minute'
                    ELSE TIMESTAMP '2026-01-01' + ((g::bigint * 104729) % (730 * 1440)) * INTERVAL '1 minute' END,
               false, 1, now(), now(), :u, :u
        FROM generate_series(1, :n) AS g"""), {"client": client, "u": user.id, "n": n})
    s.commit()


SCAN_REFERENCE = """
WITH RECURSIVE heads AS (
    SELECT department_id AS dept, user_id FROM staff
    WHERE position = 'dept_head' AND active AND user_id IS NOT NULL
    UNION
    SELECT d.id, s.user_id FROM department d JOIN staff s ON s.id = d.head_id WHERE s.active AND s.user_id IS NOT NULL
), up AS (
    SELECT id AS dept, id AS anc, 0 AS depth FROM department
    UNION ALL
    SELECT up.dept, d.parent_id, up.depth + 1 FROM up JOIN department d ON d.id = up.anc WHERE d.parent_id IS NOT NULL
), route AS (
    SELECT DISTINCT ON (dept) dept, anc FROM up WHERE anc IN (SELECT dept FROM heads) ORDER BY dept, depth
), due AS (
    SELECT t.id, k.kind, k.due, t.responsible_department_id AS rd, c.department_id AS cd
    FROM ticket t JOIN client c ON c.id = t.client_id
    CROSS JOIN LATERAL (VALUES
        ('overdue.first_response', CASE WHEN t.status = 'registered' THEN t.first_response_due_at END),
        ('overdue.resolution', CASE WHEN t.status IN ('registered', 'in_progress', 'escalated') THEN t.due_at END)
    ) AS k(kind, due)
    WHERE k.due < :now
)
SELECT h.user_id AS recipient_id, due.kind, due.id AS ticket_id, due.due AS due_at
FROM due LEFT JOIN route r ON r.dept = due.cd
JOIN heads h ON h.dept = CASE WHEN due.rd IN (SELECT dept FROM heads) THEN due.rd ELSE r.anc END
"""


def build_scan_org(db, sa, user):
    """One department with eight teams (heads: the department and the odd teams), a client per
    team; the bench tickets spread over them, over the open states and responsible teams."""
    s = db.session
    tag = os.getpid()
    fmt = s.execute(sa.text("SELECT id FROM business_format ORDER BY id LIMIT 1")).scalar()

    def head(code, dept):
        uid = s.execute(sa.text(
            "INSERT INTO ab_user (first_name, last_name, username, email, active) "
            "VALUES ('bench', :c, :c, :e, true) RETURNING id"), {"c": f"{code}{tag}", "e": f"{code}{tag}@bench.invalid"}).scalar()
        s.execute(sa.text(
            "INSERT INTO staff (name, employee_no, user_id, department_id, position, pay_base, active) "
            "VALUES (:c, :c, :u, :d, 'dept_head', 0, true)"), {"c": f"{code}{tag}", "u": uid, "d": dept})

    root = s.execute(sa.text("INSERT INTO department (code, name) VALUES (:c, 'bench scan') RETURNING id"),
                     {"c": f"BS{tag}"}).scalar()
    head("BSH", root)
    teams, clients = [], []
    for i in range(8):
        team = s.execute(sa.text("INSERT INTO department (code, name, parent_id) VALUES (:c, 'bench team', :p) "
                                 "RETURNING id"), {"c": f"BS{tag}T{i}", "p": root}).scalar()
        if i % 2:
            head(f"BSH{i}", team)
        teams.append(team)
        clients.append(s.execute(sa.text("""
            INSERT INTO client (code, name, status, department_id, market_type, business_format_id, key_account,
                                development_potential, created_on, changed_on, created_by_fk, changed_by_fk)
            VALUES (:code, 'bench', 'active', :dept, 'C', :fmt, false, false, now(), now(), :u, :u) RETURNING id"""),
            {"code": f"BS{tag}C{i}", "dept": team, "fmt": fmt, "u": user.id}).scalar())
    s.execute(sa.text(f"""
        UPDATE ticket SET client_id = (ARRAY{clients})[1 + id % 8],
               responsible_department_id = CASE WHEN id % 3 = 0 THEN (ARRAY{teams})[1 + (id / 3) % 8] END,
               status = (ARRAY['registered', 'in_progress', 'escalated', 'fed_back'])[1 + (id / 7) % 4]
        WHERE number LIKE 'BN%'"""))
    s.commit()


def bench_scan(db, sa, n, now):
    from backoffice.cli import act_as_system
    from backoffice.services import sla_scan

    user = act_as_system()
    timed("spread the tickets over the scan's departments", lambda: build_scan_org(db, sa, user))
    vacuum(db, sa, "ticket", "client", "department", "staff", "notification")
    params = {"now": now}

    def run_r():
        db.session.execute(sa.text("DROP TABLE IF EXISTS bench_scan_r"))
        db.session.execute(sa.text("CREATE TABLE bench_scan_r AS " + SCAN_REFERENCE), params)
        db.session.commit()
        return db.session.execute(sa.text("SELECT COUNT(*) FROM bench_scan_r")).scalar()

    t_r, count_r = timed("R reference CREATE TABLE AS SELECT", run_r)
    t_s, count_s = timed("S services.sla_scan.escalate_overdue()", lambda: sla_scan.escalate_overdue(now))
    t_s2, count_s2 = timed("S2 the same scan again", lambda: sla_scan.escalate_overdue(now))
    t_r2, _ = timed("R2 reference SELECT COUNT(*)", lambda: db.session.execute(
        sa.text(f"SELECT COUNT(*) FROM ({SCAN_REFERENCE}) x"), params).scalar())
    diff = db.session.execute(sa.text("""
        SELECT (SELECT COUNT(*) FROM (SELECT recipient_id, kind, ticket_id, due_at FROM notification
                                      EXCEPT SELECT recipient_id, kind, ticket_id, due_at FROM bench_scan_r) a)
             + (SELECT COUNT(*) FROM (SELECT recipient_id, kind, ticket_id, due_at FROM bench_scan_r
                                      EXCEPT SELECT recipient_id, kind, ticket_id, due_at FROM notification) b)""")).scalar()
    overdue = db.session.execute(sa.text("SELECT COUNT(DISTINCT ticket_id) FROM bench_scan_r")).scalar()
    load = os.getloadavg()
    log("")
    log(f"scan at {now:%Y-%m-%d %H:%M} over N = {n:,} open tickets: {overdue:,} overdue, "
        f"{count_r:,} notifications in the reference set")
    log(f"S  escalate_overdue    : {t_s:8.2f} s  ({count_s:,} written)")
    log(f"R  reference statement : {t_r:8.2f} s")
    log(f"S/R = {t_s / t_r:.2f}  (target <= {SCAN_TARGET})")
    log(f"S2 second scan         : {t_s2:8.2f} s  ({count_s2:,} written)   R2 reference SELECT: {t_r2:.2f} s   "
        f"S2/R2 = {t_s2 / t_r2:.2f}")
    log(f"S and R identical: {'yes' if diff == 0 and count_s == count_r and count_s2 == 0 else f'NO ({diff} differ)'}")
    log(f"load average (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    assert diff == 0 and count_s == count_r and count_s2 == 0, "the scan and the reference differ"
    db.session.execute(sa.text("DROP TABLE IF EXISTS bench_scan_r"))
    db.session.commit()


def reset(db, sa):
    db.session.execute(sa.text("UPDATE ticket SET sla_policy_id = NULL, first_response_due_at = NULL, due_at = NULL, "
                               "due_provisional = false WHERE number LIKE 'BN%'"))
    db.session.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    parser.add_argument("--part", choices=("all", "stamp", "scan"), default="all")
    parser.add_argument("--scan-now", default="2026-03-01T12:00", help="the scan's clock (business time)")
    args = parser.parse_args()
    n = args.tickets
    import datetime as dt

    scan_now = dt.datetime.fromisoformat(args.scan_now)

    url, drop = (os.environ["DATABASE_URL"], None) if os.environ.get("DATABASE_URL") else fresh_database()
    os.environ.setdefault("BACKOFFICE_INSTANCE", "/tmp/backoffice-bench")
    import sqlalchemy as sa

    from backoffice import create_app
    from backoffice.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench"})
    try:
        with app.test_request_context():
            from backoffice.cli import initialise
            from backoffice.models import Ticket
            from backoffice.services import sla
            from backoffice.services.calendar import _hours, working_calendar

            log(f"database: {url.rsplit('/', 1)[-1]}; N = {n:,} tickets received 2026-01-01..2027-12-31")
            initialise()
            timed("build data", lambda: build_data(db, sa, n))
            vacuum(db, sa, "ticket", "calendar_day")
            if args.part == "scan":
                timed("stamp the tickets (untimed for the scan)", lambda: sla.stamp_deadlines_sql(commit=True))
                bench_scan(db, sa, n, scan_now)
                return
            closes = f"{_hours()[1]:%H:%M:%S}"

            def run_b():
                count = db.session.execute(sa.text(REFERENCE), {"closes": closes}).rowcount
                db.session.commit()
                return count

            t_b, count_b = timed("B reference SQL statement", run_b)
            db.session.execute(sa.text("DROP TABLE IF EXISTS bench_sla_b"))
            db.session.execute(sa.text("CREATE TABLE bench_sla_b AS SELECT id, sla_policy_id, first_response_due_at, "
                                       "due_at, due_provisional FROM ticket WHERE number LIKE 'BN%'"))
            db.session.commit()
            reset(db, sa)
            vacuum(db, sa, "ticket")

            t_a, count_a = timed("A services.sla.stamp_deadlines_sql()", lambda: sla.stamp_deadlines_sql(commit=True))
            diff = db.session.execute(sa.text("""
                SELECT COUNT(*) FROM ticket t JOIN bench_sla_b b ON b.id = t.id
                WHERE t.sla_policy_id IS DISTINCT FROM b.sla_policy_id
                   OR t.first_response_due_at IS DISTINCT FROM b.first_response_due_at
                   OR t.due_at IS DISTINCT FROM b.due_at OR t.due_provisional IS DISTINCT FROM b.due_provisional""")).scalar()
            provisional = db.session.execute(sa.text(
                "SELECT COUNT(*) FROM ticket WHERE number LIKE 'BN%' AND due_provisional")).scalar()

            # the rule function on a random sample
            ids = [r[0] for r in db.session.execute(sa.text("SELECT id FROM ticket WHERE number LIKE 'BN%'"))]
            sample = random.Random(2026).sample(ids, min(SAMPLE, len(ids)))
            calendar, policies = working_calendar(), sla.policy_terms()
            rule_diff = 0
            for t in db.session.execute(sa.select(Ticket).where(Ticket.id.in_(sample))).scalars():
                stored = (t.sla_policy_id, t.first_response_due_at, t.due_at, t.due_provisional)
                sla.stamp(t, calendar=calendar, policies=policies)
                rule_diff += stored != (t.sla_policy_id, t.first_response_due_at, t.due_at, t.due_provisional)
            db.session.rollback()

            log("")
            log(f"N = {n:,} tickets ({count_a:,} stamped by A, {count_b:,} by B; {provisional:,} on the provisional 2027 calendar)")
            log(f"A  stamp_deadlines_sql : {t_a:8.2f} s")
            log(f"B  reference statement : {t_b:8.2f} s")
            log(f"A/B = {t_a / t_b:.2f}  (target <= {TARGET})")
            log(f"A and B identical: {'yes' if diff == 0 and count_a == count_b == n else f'NO ({diff} differ)'}")
            log(f"A equals the rule function on {len(sample):,} random tickets: "
                f"{'yes' if rule_diff == 0 else f'NO ({rule_diff} differ)'}")
            db.session.execute(sa.text("DROP TABLE IF EXISTS bench_sla_b"))
            db.session.commit()
            if args.part == "all":
                bench_scan(db, sa, n, scan_now)
    finally:
        close(app, drop, keep=args.keep)


if __name__ == "__main__":
    main()
