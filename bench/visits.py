"""Benchmark of visit compliance and monthly plan generation (SPEC §5) on PostgreSQL.

    .venv/bin/python bench/visits.py                               # 100,000 clients, 1,000,000 visits
    .venv/bin/python bench/visits.py --clients 20000 --visits 200000   # smaller, on a busy machine

Uses DATABASE_URL (a scratch PostgreSQL database) or creates a fresh database on
postgresql://postgres@127.0.0.1:5432 (BENCH_PG_ADMIN_URL) and drops it afterwards. Builds N
active clients (service levels A/B/C and some without one) owned by N/100 client managers, then:

  A1  plan generation for October 2026 with the project's command
      (``services.visits.generate_plans``: plans, items per service level, carry-over);
  B1  one INSERT … SELECT writing the same items into a copy of visit_plan_item (same indexes,
      unique key and foreign keys), its due dates
      computed by PostgreSQL itself (date_trunc / generate_series), not by our rules;
  A2  the compliance figures of October 2026 for every client manager with the project's code
      (``services.visit_compliance.compute``: one GROUP BY per client, the pure rules per client,
      sums per person) over --visits visit logs spread from 28 Sep to 1 Nov (the weeks of
      October reach into both neighbouring months);
  B2  one SQL statement computing the same figures (weeks by date_trunc('week'), blocks by day 15).

Prints the times, A1/B1 (target <= 3.0), A2/B2 (target <= 2.0), and whether the rows and
figures are identical.
"""
import argparse
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import close, fresh_database, log, timed, vacuum  # noqa: E402

TARGETS = {"A1/B1": 3.0, "A2/B2": 2.0}
MONTH = dt.date(2026, 10, 1)
WINDOW = (dt.datetime(2026, 9, 28), dt.datetime(2026, 11, 2))  # the weeks of October: 28 Sep – 1 Nov


def build(db, sa, n, n_visits):
    from backoffice.cli import act_as_system

    user = act_as_system()
    s = db.session
    dept = s.execute(sa.text("INSERT INTO department (code, name) VALUES ('VB', 'bench') RETURNING id")).scalar()
    n_staff = max(1, n // 100)
    s.execute(sa.text("""
        INSERT INTO staff (name, employee_no, department_id, position, pay_base, active)
        SELECT 'bench cm ' || g, 'VB-' || g, :d, 'client_manager', 0, true FROM generate_series(1, :k) AS g"""),
              {"d": dept, "k": n_staff})
    staff0 = s.execute(sa.text("SELECT min(id) FROM staff WHERE employee_no LIKE 'VB-%'")).scalar()
    fmt = s.execute(sa.text("SELECT min(id) FROM business_format")).scalar()
    s.execute(sa.text("""
        INSERT INTO client (code, name, status, owner_id, department_id, market_type, business_format_id,
                            service_level, area, route, key_account, development_potential,
                            created_on, changed_on, created_by_fk, changed_by_fk, version)
        SELECT 'VB' || lpad(g::text, 8, '0'), 'bench ' || g, 'active', :s0 + (g % :k), :d, 'C', :f,
               CASE WHEN g % 17 = 0 THEN NULL
                    ELSE (ARRAY['A', 'B', 'B', 'C', 'C', 'C'])[1 + (g::bigint * 40503 % 65537) % 6] END,
               'A' || (g % 7), 'R' || (g % 5), false, false, now(), now(), :u, :u, 1
        FROM generate_series(1, :n) AS g"""), {"s0": staff0, "k": n_staff, "d": dept, "f": fmt, "u": user.id, "n": n})
    c0 = s.execute(sa.text("SELECT min(id) FROM client WHERE code LIKE 'VB%'")).scalar()
    seconds = int((WINDOW[1] - WINDOW[0]).total_seconds())
    # Visits: a scrambled client; its owner nine times in ten, else another manager; a scrambled
    # second within the window (so some weeks and blocks are missed, some clients never visited).
    s.execute(sa.text("""
        INSERT INTO visit_log (client_id, staff_id, visited_at, kind, version, created_on, changed_on,
                               created_by_fk, changed_by_fk)
        SELECT c.id, CASE WHEN g % 10 = 0 THEN :s0 + (g % :k) ELSE c.owner_id END,
               :w0 + make_interval(secs => (g::bigint * 2654435761 % :secs)), 'on_site', 1, now(), now(), :u, :u
        FROM generate_series(1, :v) AS g
        JOIN client c ON c.id = :c0 + ((g::bigint * 48271 + g / 7) % :n)"""),
              {"s0": staff0, "k": n_staff, "w0": WINDOW[0], "secs": seconds, "u": user.id, "v": n_visits,
               "c0": c0, "n": int(n * 0.97)})  # the last 3 % of the clients are never visited
    s.commit()
    return n_staff


REFERENCE_B1 = """
WITH m AS (SELECT CAST(:first AS date) AS f, CAST(CAST(:first AS date) + INTERVAL '1 month' - INTERVAL '1 day' AS date) AS l),
dues AS (
    SELECT lv.level, GREATEST(CAST(d AS date), m.f) AS due
    FROM m, (VALUES ('A'), ('B')) AS lv(level), generate_series(m.f - 6, m.l, INTERVAL '1 day') AS d
    WHERE extract(isodow FROM d) = 1 AND CAST(d AS date) + 3 BETWEEN m.f AND m.l
    UNION ALL SELECT 'C', m.f FROM m
    UNION ALL SELECT 'C', m.f + 14 FROM m
    UNION ALL SELECT '', m.f FROM m
)
INSERT INTO bench_plan_item (plan_id, client_id, due_on, done, carried_over)
SELECT p.id, c.id, dues.due, false, false
FROM client c
JOIN visit_plan p ON p.staff_id = c.owner_id AND p.month = CAST(:first AS date)
JOIN dues ON dues.level = COALESCE(c.service_level, '')
WHERE c.status = 'active' AND c.owner_id IS NOT NULL
"""

REFERENCE_B2 = """
WITH m AS (SELECT CAST(:first AS timestamp) AS f, CAST(:first AS timestamp) + INTERVAL '1 month' AS nxt),
weeks AS (  -- how many Monday-Sunday weeks have their Thursday in the month
    SELECT count(*) AS n FROM m, generate_series(m.f - INTERVAL '6 day', m.nxt, INTERVAL '1 day') AS d
    WHERE extract(isodow FROM d) = 4 AND d >= m.f AND d < m.nxt
),
per_client AS (
    SELECT c.id, c.owner_id, c.service_level,
           COALESCE(bool_or(v.visited_at >= m.f AND v.visited_at < m.nxt), false) AS in_month,
           count(DISTINCT date_trunc('week', v.visited_at))
               FILTER (WHERE date_trunc('week', v.visited_at) + INTERVAL '3 day' >= m.f
                         AND date_trunc('week', v.visited_at) + INTERVAL '3 day' < m.nxt) AS weeks,
           count(DISTINCT (v.visited_at >= m.f + INTERVAL '14 day'))
               FILTER (WHERE v.visited_at >= m.f AND v.visited_at < m.nxt) AS blocks
    FROM m CROSS JOIN client c
    LEFT JOIN visit_log v ON v.client_id = c.id AND v.visited_at >= :w0 AND v.visited_at < :w1
    WHERE c.status = 'active' AND c.owner_id IS NOT NULL
    GROUP BY c.id, c.owner_id, c.service_level
),
owners AS (
    SELECT owner_id AS staff_id, count(*) AS owned, count(*) FILTER (WHERE in_month) AS visited,
           count(*) FILTER (WHERE CASE WHEN service_level IN ('A', 'B') THEN weeks < (SELECT n FROM weeks)
                                       WHEN service_level = 'C' THEN blocks < 2
                                       ELSE NOT in_month END) AS below
    FROM per_client GROUP BY owner_id
),
dist AS (
    SELECT staff_id, count(DISTINCT client_id) AS distinct_visited FROM visit_log, m
    WHERE visited_at >= m.f AND visited_at < m.nxt GROUP BY staff_id
),
plans AS (
    SELECT p.staff_id, count(i.id) AS planned, count(i.id) FILTER (WHERE i.done) AS done
    FROM visit_plan p JOIN visit_plan_item i ON i.plan_id = p.id
    WHERE p.month = CAST(:first AS date) GROUP BY p.staff_id
)
SELECT COALESCE(o.staff_id, d.staff_id, p.staff_id), COALESCE(o.owned, 0), COALESCE(o.visited, 0),
       COALESCE(o.below, 0), COALESCE(d.distinct_visited, 0), COALESCE(p.planned, 0), COALESCE(p.done, 0)
FROM owners o
FULL JOIN dist d ON d.staff_id = o.staff_id
FULL JOIN plans p ON p.staff_id = COALESCE(o.staff_id, d.staff_id)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    args = parser.parse_args()
    url, drop = (os.environ["DATABASE_URL"], None) if os.environ.get("DATABASE_URL") else fresh_database("bo_bench_visits")
    os.environ.setdefault("BACKOFFICE_INSTANCE", "/tmp/backoffice-bench")
    import sqlalchemy as sa

    from backoffice import create_app
    from backoffice.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench"})
    failures = []
    try:
        with app.test_request_context():
            from backoffice.cli import initialise
            from backoffice.services import visit_compliance
            from backoffice.services.visits import generate_plans

            log(f"database: {url.rsplit('/', 1)[-1]}; {args.clients:,} clients, {args.visits:,} visits")
            initialise()
            _t, n_staff = timed("build clients and visits", lambda: build(db, sa, args.clients, args.visits))
            db.session.execute(sa.text("UPDATE client SET status = 'inactive' WHERE code NOT LIKE 'VB%'"))
            db.session.commit()
            vacuum(db, sa, "client", "staff", "visit_log")

            log(f"\n1. plan generation for {MONTH:%Y-%m} ({n_staff:,} client managers)")
            t_a1, (plans, items) = timed("A1 generate_plans (INSERT … SELECT, rules' due dates)",
                                         lambda: generate_plans(MONTH, check=False))
            # The same table: columns, defaults, unique key and indexes (LIKE … INCLUDING ALL) and
            # the foreign keys LIKE does not copy (their checks are part of writing an item).
            db.session.execute(sa.text("CREATE TABLE bench_plan_item (LIKE visit_plan_item INCLUDING ALL)"))
            db.session.execute(sa.text(
                "ALTER TABLE bench_plan_item ADD FOREIGN KEY (plan_id) REFERENCES visit_plan (id) ON DELETE CASCADE, "
                "ADD FOREIGN KEY (client_id) REFERENCES client (id) ON DELETE CASCADE, "
                "ADD FOREIGN KEY (visit_id) REFERENCES visit_log (id) ON DELETE SET NULL"))
            db.session.commit()

            def run_b1():
                db.session.execute(sa.text(REFERENCE_B1), {"first": MONTH})
                db.session.commit()

            t_b1, _ = timed("B1 one INSERT … SELECT of the items", run_b1)
            diff1 = db.session.execute(sa.text("""
                SELECT count(*) FROM (
                  (SELECT plan_id, client_id, due_on FROM visit_plan_item EXCEPT SELECT plan_id, client_id, due_on FROM bench_plan_item)
                  UNION ALL
                  (SELECT plan_id, client_id, due_on FROM bench_plan_item EXCEPT SELECT plan_id, client_id, due_on FROM visit_plan_item)) d""")).scalar()
            again = generate_plans(MONTH, check=False)
            same1 = diff1 == 0 and again == (0, 0)
            if not same1:
                failures.append("plan items differ or the second generation added rows")
            # Some items done, so planned vs done is not trivial.
            db.session.execute(sa.text("UPDATE visit_plan_item SET done = true WHERE id % 3 = 0"))
            db.session.commit()
            vacuum(db, sa, "visit_plan", "visit_plan_item")

            log(f"\n2. compliance of {MONTH:%Y-%m}")
            t_b2, reference = timed("B2 one SQL statement", lambda: db.session.execute(
                sa.text(REFERENCE_B2), {"first": MONTH, "w0": WINDOW[0], "w1": WINDOW[1]}).all())
            db.session.rollback()
            t_a2, figures = timed("A2 visit_compliance.compute", lambda: visit_compliance.compute(MONTH))
            db.session.rollback()
            ref = {row[0]: tuple(row[1:]) for row in reference}
            got = {sid: (f.owned, f.visited, f.below_frequency, f.distinct_visited, f.planned, f.done)
                   for sid, f in figures.items()}
            same2 = ref == got
            if not same2:
                failures.append("compliance figures differ")
                for key in sorted(set(ref) | set(got))[:20]:
                    if ref.get(key) != got.get(key):
                        log(f"    staff {key}: reference {ref.get(key)} ours {got.get(key)}")
            totals = [sum(v[i] for v in got.values()) for i in range(6)]
            log("")
            log(f"A1 plan generation: {plans:,} plans, {items:,} items: {t_a1:8.2f} s")
            log(f"B1 one INSERT … SELECT of the items       : {t_b1:8.2f} s")
            log(f"A1/B1 = {t_a1 / t_b1:.2f}  (target <= {TARGETS['A1/B1']})")
            log(f"A1 and B1 rows identical, second run adds nothing: {'yes' if same1 else f'NO ({diff1} differ)'}")
            log(f"A2 compliance for {len(got):,} staff (owned {totals[0]:,}, visited {totals[1]:,}, below "
                f"{totals[2]:,}, planned {totals[4]:,}, done {totals[5]:,}): {t_a2:8.2f} s")
            log(f"B2 one SQL statement                      : {t_b2:8.2f} s")
            log(f"A2/B2 = {t_a2 / t_b2:.2f}  (target <= {TARGETS['A2/B2']})")
            log(f"A2 and B2 figures identical ({len(ref)} staff): {'yes' if same2 else 'NO'}")
            if failures:
                raise SystemExit("; ".join(failures))
    finally:
        close(app, drop, keep=args.keep)


if __name__ == "__main__":
    main()
