"""Benchmark of the department head's home page (issue #15) on PostgreSQL.

    .venv/bin/python bench/home.py                       # 1,000,000 clients, tickets and visit logs
    .venv/bin/python bench/home.py --clients 200000 --tickets 200000 --visits 200000   # busy machine

Uses DATABASE_URL (a scratch PostgreSQL database) or creates a fresh database on
postgresql://postgres@127.0.0.1:5432 (BENCH_PG_ADMIN_URL) and drops it afterwards. Builds a
centre with four departments (the head's department holds half of everything, a team below it a
fifth of that), N clients (service levels, scales, one manager per 100 clients), N tickets over
the last 12 months (most closed with a callback, 1 % still awaiting feedback, some overdue) and
N visit logs in the current month, then:

  J   the ``kpi.snapshot`` job's work for the current month (services.kpi.write_snapshots);
  A   GET / as the department head through the app (median of --repeat requests after one warm-up):
      the live tiles (overdue, due later today, approvals) and the month's figures from the snapshot;
  B   one SQL statement computing the same figures from the big tables (what a page without
      snapshots would run per view).

Prints the times, A (target <= 300 ms), A/B, and whether the page's numbers equal B's.
"""
import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import close, fresh_database, log, timed, vacuum  # noqa: E402

TARGET_MS = 300
PASSWORD = "Bench-pass-2026"

REFERENCE = """
WITH sub AS (SELECT unnest(CAST(:depts AS integer[])) AS id),
scoped AS (SELECT c.id, c.status, c.scale, c.service_level FROM client c WHERE c.department_id IN (SELECT id FROM sub)),
t AS (SELECT t.* FROM ticket t WHERE t.client_id IN (SELECT id FROM scoped)),
visits AS (
    SELECT c.owner_id, c.id AS client_id, bool_or(v.id IS NOT NULL) AS visited
    FROM client c LEFT JOIN visit_log v ON v.client_id = c.id AND v.visited_at >= :first AND v.visited_at < :next
    WHERE c.status = 'active' AND c.owner_id IN (SELECT s.id FROM staff s WHERE s.department_id IN (SELECT id FROM sub))
    GROUP BY c.owner_id, c.id
),
distinct_visits AS (
    SELECT v.staff_id, count(DISTINCT v.client_id) AS n FROM visit_log v
    WHERE v.visited_at >= :first AND v.visited_at < :next GROUP BY v.staff_id
)
SELECT
  (SELECT count(*) FROM t WHERE status NOT IN ('fed_back', 'called_back', 'closed') AND due_at < :now) AS overdue,
  (SELECT count(*) FROM t WHERE status NOT IN ('fed_back', 'called_back', 'closed') AND due_at >= :now AND due_at < :eod) AS due_today,
  (SELECT count(*) FROM t WHERE registered_at >= :first AND registered_at < :next) AS registered,
  (SELECT count(*) FROM t WHERE type = 'complaint' AND closed_at >= :first AND closed_at < :next) AS closed,
  (SELECT count(*) FROM t WHERE type = 'complaint' AND closed_at >= :first AND closed_at < :next AND callback_result = 'satisfied') AS satisfied,
  (SELECT count(*) FROM t WHERE type = 'complaint' AND closed_at >= :first AND closed_at < :next AND callback_result = 'basically') AS basically,
  (SELECT count(*) FROM t WHERE type = 'complaint' AND closed_at >= :first AND closed_at < :next AND callback_result = 'unsatisfied') AS unsatisfied,
  (SELECT count(*) FROM visits) AS owned,
  (SELECT count(*) FROM visits WHERE visited) AS visited,
  (SELECT count(*) FROM (SELECT DISTINCT owner_id FROM visits) o LEFT JOIN distinct_visits d ON d.staff_id = o.owner_id
     WHERE COALESCE(d.n, 0) < 20) AS managers_under,
  (SELECT count(*) FROM scoped WHERE status = 'active' AND service_level = 'A') AS level_a
"""


def build(db, sa, n_clients, n_tickets, n_visits, now):
    """The company, its head, the clients, tickets and visits (set-based INSERT … SELECT)."""
    from backoffice.cli import act_as_system
    from flask import current_app

    user = act_as_system()
    s = db.session
    centre = s.execute(sa.text("INSERT INTO department (code, name) VALUES ('HB', '营销中心B') RETURNING id")).scalar()
    depts = [s.execute(sa.text("INSERT INTO department (code, name, parent_id) VALUES (:c, :n, :p) RETURNING id"),
                       {"c": f"HB{i}", "n": f"营销部{i}", "p": centre}).scalar() for i in range(1, 5)]
    team = s.execute(sa.text("INSERT INTO department (code, name, parent_id) VALUES ('HB1A', '一组', :p) RETURNING id"),
                     {"p": depts[0]}).scalar()
    sm = current_app.appbuilder.sm
    head_user = sm.add_user("bench.head", "头", "部门", "bench.head@example.com", [sm.find_role("DeptHead")],
                            password=PASSWORD)
    s.execute(sa.text("""INSERT INTO staff (name, employee_no, department_id, position, pay_base, active, user_id)
                         VALUES ('部门经理', 'HB-HEAD', :d, 'dept_head', 0, true, :u)"""), {"d": depts[0], "u": head_user.id})
    n_staff = max(1, n_clients // 100)
    # department of client/manager g: half in the head's department (a fifth of it in the team)
    dept_of = f"""CASE WHEN g % 10 = 0 THEN {team} WHEN g % 2 = 0 THEN {depts[0]}
                       ELSE (ARRAY[{depts[1]}, {depts[2]}, {depts[3]}])[1 + (g / 2) % 3] END"""
    s.execute(sa.text(f"""
        INSERT INTO staff (name, employee_no, department_id, position, pay_base, active)
        SELECT 'bench cm ' || g, 'HB-' || g, {dept_of}, 'client_manager', 0, true FROM generate_series(1, :k) AS g"""),
              {"k": n_staff})
    staff0 = s.execute(sa.text("SELECT min(id) FROM staff WHERE employee_no LIKE 'HB-%' AND employee_no <> 'HB-HEAD'")).scalar()
    fmt = s.execute(sa.text("SELECT min(id) FROM business_format")).scalar()
    # client g is owned by manager g % k, in that manager's department
    s.execute(sa.text(f"""
        INSERT INTO client (code, name, status, owner_id, department_id, market_type, business_format_id,
                            scale, service_level, key_account, development_potential,
                            created_on, changed_on, created_by_fk, changed_by_fk, version)
        SELECT 'HB' || lpad(g::text, 8, '0'), 'bench ' || g, CASE WHEN g % 50 = 0 THEN 'inactive' ELSE 'active' END,
               :s0 + (g % :k), st.department_id, 'C', :f,
               1 + (g::bigint * 40503 % 65537) % 3, (ARRAY['A', 'B', 'B', 'C', 'C'])[1 + (g::bigint * 7919 % 65537) % 5],
               false, false, now(), now(), :u, :u, 1
        FROM generate_series(1, :n) AS g JOIN staff st ON st.id = :s0 + (g % :k)"""),
              {"s0": staff0, "k": n_staff, "f": fmt, "u": user.id, "n": n_clients})
    c0 = s.execute(sa.text("SELECT min(id) FROM client WHERE code LIKE 'HB%'")).scalar()
    # tickets: registered over 365 days before now; 1 % awaiting feedback (a third of them overdue),
    # the rest fed back and closed, complaints with a callback result
    s.execute(sa.text("""
        INSERT INTO ticket (number, client_id, type, complaint_class, severity, channel, subject, status,
                            registered_at, due_at, fed_back_at, closed_at, callback_result, due_provisional,
                            version, created_on, changed_on, created_by_fk, changed_by_fk)
        SELECT 'HB' || lpad(g::text, 12, '0'), :c0 + (g::bigint * 48271 % :n),
               CASE WHEN g % 3 = 0 THEN 'inquiry' ELSE 'complaint' END,
               CASE WHEN g % 3 = 0 THEN NULL ELSE (ARRAY['own_service', 'product', 'external'])[1 + g % 3] END,
               'normal', 'phone', 'bench',
               CASE WHEN g % 100 = 0 THEN 'in_progress' ELSE 'closed' END,
               r.at, r.at + INTERVAL '1 day',
               CASE WHEN g % 100 = 0 THEN NULL ELSE r.at + (g % 40) * INTERVAL '1 hour' END,
               CASE WHEN g % 100 = 0 THEN NULL ELSE r.at + (g % 40 + 2) * INTERVAL '1 hour' END,
               CASE WHEN g % 100 = 0 OR g % 3 = 0 OR g % 17 = 0 THEN NULL
                    ELSE (ARRAY['satisfied', 'satisfied', 'satisfied', 'basically', 'unsatisfied'])[1 + g % 5] END,
               false, 1, now(), now(), :u, :u
        FROM generate_series(1, :t) AS g
        CROSS JOIN LATERAL (SELECT CAST(:now AS timestamp) - ((g::bigint * 104729) % (365 * 1440)) * INTERVAL '1 minute' AS at) r"""),
              {"c0": c0, "n": n_clients, "t": n_tickets, "u": user.id, "now": now})
    first = dt.datetime(now.year, now.month, 1)
    seconds = max(60, int((now - first).total_seconds()))
    s.execute(sa.text("""
        INSERT INTO visit_log (client_id, staff_id, visited_at, kind, version, created_on, changed_on,
                               created_by_fk, changed_by_fk)
        SELECT c.id, c.owner_id, :w0 + make_interval(secs => (g::bigint * 2654435761 % :secs)), 'on_site', 1,
               now(), now(), :u, :u
        FROM generate_series(1, :v) AS g JOIN client c ON c.id = :c0 + ((g::bigint * 48271 + g / 7) % :n)"""),
              {"w0": first, "secs": seconds, "u": user.id, "v": n_visits, "c0": c0, "n": int(n_clients * 0.9)})
    s.commit()
    return depts[0], team


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    parser.add_argument("--measure-only", action="store_true",
                        help="DATABASE_URL holds a database this bench built (--keep): measure again, build nothing")
    args = parser.parse_args()
    url, drop = (os.environ["DATABASE_URL"], None) if os.environ.get("DATABASE_URL") else fresh_database("bo_bench_home")
    os.environ.setdefault("BACKOFFICE_INSTANCE", "/tmp/backoffice-bench")
    import sqlalchemy as sa

    from backoffice import create_app
    from backoffice.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    failures = []
    try:
        with app.test_request_context():
            from backoffice.cli import initialise
            from backoffice.clock import business_now
            from backoffice.security.scope import department_subtree
            from backoffice.services import kpi

            log(f"database: {url.rsplit('/', 1)[-1]}; {args.clients:,} clients, {args.tickets:,} tickets, "
                f"{args.visits:,} visit logs")
            now = business_now()
            if args.measure_only:
                head_dept = db.session.execute(sa.text("SELECT id FROM department WHERE code = 'HB1'")).scalar()
            else:
                initialise()
                _t, (head_dept, _team) = timed("build", lambda: build(db, sa, args.clients, args.tickets, args.visits, now))
                vacuum(db, sa, "client", "staff", "ticket", "visit_log")
            t_job, _ = timed("J kpi.snapshot job work (write_snapshots, current month)",
                             lambda: kpi.write_snapshots(kpi.current_month()))
            depts = sorted(department_subtree(head_dept))

        client = app.test_client()
        r = client.post("/login/", data={"username": "bench.head", "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        times, page = [], ""
        for i in range(args.repeat + 1):
            started = time.perf_counter()
            r = client.get("/")
            elapsed = time.perf_counter() - started
            assert r.status_code == 200, r.status_code
            page = r.get_data(as_text=True)
            if i:
                times.append(elapsed)
        t_a = statistics.median(times)
        tiles = {k: int(v) for k, v in re.findall(r'data-tile="(\w+)">\s*<a[^>]*><span class="home-tile-number" data-count="(\d+)"', page)}
        log(f"A  GET / as the department head, median of {args.repeat}: {t_a * 1000:8.1f} ms "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")

        with app.app_context():
            now = business_now()
            month = kpi.current_month()
            params = {"depts": depts, "now": now, "eod": dt.datetime.combine(now.date(), dt.time(23, 59, 59)),
                      "first": dt.datetime.combine(month, dt.time()),
                      "next": dt.datetime.combine(kpi.rules.next_month(month), dt.time())}
            t_b, row = timed("B  one SQL statement over the big tables",
                             lambda: db.session.execute(sa.text(REFERENCE), params).mappings().one())
        log("")
        log(f"J  snapshot job (current month, all departments): {t_job:8.2f} s")
        log(f"A  home page (DeptHead)                         : {t_a * 1000:8.1f} ms  (target <= {TARGET_MS} ms)")
        log(f"B  one SQL statement, same figures              : {t_b * 1000:8.1f} ms")
        log(f"A/B = {t_a / t_b:.2f}")
        pairs = [("overdue", "overdue"), ("registered_month", "registered"), ("complaints_closed", "closed"),
                 ("callback_satisfied", "satisfied"), ("callback_basically", "basically"),
                 ("callback_unsatisfied", "unsatisfied")]
        differ = [(k, tiles.get(k), row[ref]) for k, ref in pairs if tiles.get(k) != row[ref]]
        log(f"page numbers = B's ({', '.join(f'{k} {tiles.get(k)}' for k, _r in pairs)}): "
            f"{'yes' if not differ else f'NO {differ}'}")
        log(f"B also: due today {row['due_today']}, visit coverage {row['visited']}/{row['owned']}, "
            f"managers under 20 {row['managers_under']}")
        if differ:
            failures.append("the page's numbers differ from the reference")
        if t_a * 1000 > TARGET_MS:
            failures.append(f"home page {t_a * 1000:.0f} ms > {TARGET_MS} ms")
        if failures:
            raise SystemExit("; ".join(failures))
    finally:
        close(app, drop, keep=args.keep)


if __name__ == "__main__":
    main()
