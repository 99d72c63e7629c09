"""Benchmark of SLA deadline stamping (SPEC §4) on PostgreSQL.

    .venv/bin/python bench/sla.py                    # N = 1,000,000 imported tickets (make bench-sla)
    .venv/bin/python bench/sla.py --tickets 100000   # a quick look on a busy machine

Uses DATABASE_URL (a scratch PostgreSQL database: the bench adds its tickets to it) or creates a
fresh database on postgresql://postgres@127.0.0.1:5432 and drops it afterwards. Builds N unstamped
tickets (INSERT ... SELECT) received between 2026-01-01 and 2027-12-31 (2026 official, 2027 the
provisional calendar), over every type and class, then measures:

  A  the product's ``services.sla.stamp_deadlines_sql()`` (every unstamped ticket), committed;
  B  one reference SQL statement: a WITH ... UPDATE joining the tickets to the calendar table
     (series of days, window rank of working days, policy per type/class/severity), committed.

Prints both times and A/B (target <= 3.0), whether A and B stamped identical values, and whether
a random sample of 2,000 tickets equals the rule function ``services.sla.stamp`` (pure rules).
"""
import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import close, fresh_database, log, timed, vacuum  # noqa: E402

TARGET = 3.0
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


def reset(db, sa):
    db.session.execute(sa.text("UPDATE ticket SET sla_policy_id = NULL, first_response_due_at = NULL, due_at = NULL, "
                               "due_provisional = false WHERE number LIKE 'BN%'"))
    db.session.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    args = parser.parse_args()
    n = args.tickets

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
    finally:
        close(app, drop, keep=args.keep)


if __name__ == "__main__":
    main()
