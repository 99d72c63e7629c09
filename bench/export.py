"""Benchmark of the client-list CSV export (SPEC §9) against PostgreSQL's own COPY, on PostgreSQL.

    .venv/bin/python bench/export.py                    # N = 1,000,000 clients (make bench-export)
    .venv/bin/python bench/export.py --clients 100000   # a quicker look

Creates a fresh database on BENCH_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432),
builds N clients with INSERT ... SELECT generate_series over twenty departments (four regions of
five), starts the app under gunicorn (gunicorn.conf.py, one worker: the production server) in a
child process and measures, in the same run, for each of three users:

  Admin       no row scope to evaluate;
  DeptHead    one department of the twenty (its subtree is itself): every exported row passes
              the row scope (``security.scope``), as every real export does;
  BackOffice  one region (five departments);

  A  GET /clientview/export/?_flt_0_status=active  (one filter, the list's sort), streamed and
     read to the end over HTTP, signed in as that user;
  B  psql -c "COPY (SELECT the same columns, joined, same filter, the same scoped rows
     (department_id IN the user's subtree), same order) TO STDOUT WITH CSV".

Prints both times, A's throughput as a share of B's over the same rows, A's time to the first
data row (the header line alone says nothing: it is written before any row is read), and the
web process's peak memory growth during the Admin export (VmRSS sampled every 10 ms, and VmHWM).
Targets: throughput >= 40 % of COPY for Admin and >= 50 % with a scope (issue #16), first data
row <= 1 s, memory growth <= 100 MB whatever N.
"""
import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, log  # noqa: E402
from httpbench import free_port, gunicorn, sign_in, worker_pids  # noqa: E402

PASSWORD = "Bench-pass-2026"
TARGETS = {"throughput": 0.40, "scoped_throughput": 0.50, "ttfb_s": 1.0, "memory_mb": 100}
# user -> (role, department code of its staff record or None)
USERS = {"bench": ("Admin", None), "bench_head": ("DeptHead", "BD1"), "bench_back": ("BackOffice", "BR1")}

# The export's columns (ClientView.list_columns) in SQL, as COPY would produce them.
COPY_SQL = """
COPY (
  SELECT c.code, c.name, bf.code || ' ' || bf.name, c.market_type, c.region_class, c.composite_code,
         c.service_level, c.key_account, s.name, d.name, c.status
  FROM client c
  JOIN business_format bf ON bf.id = c.business_format_id
  LEFT JOIN staff s ON s.id = c.owner_id
  JOIN department d ON d.id = c.department_id
  WHERE c.status = 'active' {scope}
  ORDER BY c.code, c.id
) TO STDOUT WITH CSV
"""


def build(url, n):
    """Schema, roles, a bench user, a department tree with staff, and N clients."""
    from backoffice import create_app
    from backoffice.extensions import db

    sa_url = url.replace("postgresql://", "postgresql+psycopg://")
    app = create_app({"SQLALCHEMY_DATABASE_URI": sa_url, "REDIS_URL": None})
    with app.app_context():
        from backoffice.cli import initialise

        initialise()
        sm = app.appbuilder.sm
        for username, (role, _dept) in USERS.items():
            sm.add_user(username, "Bench", username, f"{username}@example.com", [sm.find_role(role)], password=PASSWORD)
        import sqlalchemy as sa

        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(sa.text("""
                INSERT INTO department (code, name) SELECT 'BR' || g, '片区' || g FROM generate_series(1, 4) g
            """))
            conn.execute(sa.text("""
                INSERT INTO department (code, name, parent_id)
                SELECT 'BD' || g, '营销部' || g, (SELECT id FROM department WHERE code = 'BR' || (1 + (g - 1) / 5))
                FROM generate_series(1, 20) g
            """))
            conn.execute(sa.text("""
                INSERT INTO staff (name, employee_no, department_id, position, pay_base, active)
                SELECT '客户经理' || g, 'B' || lpad(g::text, 5, '0'),
                       (SELECT min(id) FROM department WHERE code LIKE 'BD%') + (g % 20), 'client_manager', 3000, true
                FROM generate_series(1, 400) g
            """))
            for i, (username, (role, dept)) in enumerate(USERS.items()):
                if dept:
                    conn.execute(sa.text("""
                        INSERT INTO staff (name, employee_no, department_id, position, pay_base, active, user_id)
                        SELECT :name, :no, (SELECT id FROM department WHERE code = :dept), :pos, 3000, true,
                               (SELECT id FROM ab_user WHERE username = :user)
                    """), {"name": f"压测{role}", "no": f"BU{i}", "dept": dept, "user": username,
                           "pos": "dept_head" if role == "DeptHead" else "clerk"})
            conn.execute(sa.text("""
                INSERT INTO client (code, name, status, owner_id, department_id, market_type, business_format_id,
                                    region_class, composite_code, service_level, key_account, development_potential,
                                    address, created_on, changed_on, created_by_fk, changed_by_fk)
                SELECT 'C' || lpad(g::text, 8, '0'),
                       '客户' || g || '号便利店',
                       -- every 10th block of 20: inactive (not correlated with the department, g % 20)
                       CASE WHEN (g / 20) % 10 = 0 THEN 'inactive' ELSE 'active' END,
                       (SELECT min(id) FROM staff WHERE employee_no LIKE 'B%') + (g % 400),
                       (SELECT min(id) FROM department WHERE code LIKE 'BD%') + (g % 20),
                       CASE WHEN g % 3 = 0 THEN 'X' ELSE 'C' END,
                       (SELECT min(id) FROM business_format) + (g % (SELECT count(*) FROM business_format)),
                       (ARRAY['city_a','city_b','town','rural'])[1 + g % 4],
                       NULL, (ARRAY['A','B','C'])[1 + g % 3], g % 17 = 0, false,
                       '某市某区某路' || g || '号', now(), now(), 1, 1
                FROM generate_series(1, :n) g
            """), {"n": n})
            conn.execute(sa.text("ANALYZE"))
        log(f"built {n:,} clients in {time.perf_counter() - t0:.1f} s")
    return sa_url


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def http_export(port, cookie, path):
    """(seconds to the end, seconds to the first data row, bytes, data rows) of one export."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    r = conn.getresponse()
    assert r.status == 200, r.status
    # The header line goes out before any row is read: the first byte that means something is
    # the end of the first data row (the second line).
    head = b""
    while head.count(b"\n") < 2:
        chunk = r.read1(65536)
        if not chunk:
            break
        head += chunk
    first_row = time.perf_counter() - t0
    size, lines = len(head), head.count(b"\n")
    while True:
        chunk = r.read1(1 << 20)
        if not chunk:
            break
        size += len(chunk)
        lines += chunk.count(b"\n")
    return time.perf_counter() - t0, first_row, size, lines - 1  # minus the header line


SUBTREE = """(WITH RECURSIVE t AS (SELECT id FROM department WHERE code = '{code}'
             UNION ALL SELECT d.id FROM department d JOIN t ON d.parent_id = t.id) SELECT id FROM t)"""


def copy_reference(url, dept=None):
    scope = f"AND c.department_id IN {SUBTREE.format(code=dept)}" if dept else ""
    t0 = time.perf_counter()
    out = subprocess.run(["psql", url, "-X", "-q", "-c", " ".join(COPY_SQL.format(scope=scope).split())],
                         stdout=subprocess.PIPE, check=True).stdout
    return time.perf_counter() - t0, len(out), out.count(b"\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url, drop = fresh_database("bo_bench_export", sqlalchemy_url=False)
    try:
        sa_url = build(url, args.clients)
        port = free_port()
        log(f"machine load before the run: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
            f"{os.getloadavg()[2]:.2f} (1/5/15 min)")
        with gunicorn(sa_url, port, workers=1, threads=2) as server:
            (worker,) = worker_pids(server.pid)
            path = "/clientview/export/?_flt_0_status=active"
            results, ok = {}, True
            for username, (role, dept) in USERS.items():
                cookie = sign_in(port, username, PASSWORD)
                # Warm-up: imports, templates, first connection -- then the baseline memory.
                http_export(port, cookie, "/clientview/export/?_flt_0_code=C0000000")
                base_rss = rss_kb(worker)
                peak = [base_rss]
                done = threading.Event()

                def sample():
                    while not done.is_set():
                        peak[0] = max(peak[0], rss_kb(worker))
                        time.sleep(0.01)

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                a_time, first_row, a_bytes, a_rows = http_export(port, cookie, path)
                done.set()
                sampler.join()
                b_time, b_bytes, b_rows = copy_reference(url, dept)
                share = b_time / a_time
                target = TARGETS["scoped_throughput"] if dept else TARGETS["throughput"]
                growth_mb = (peak[0] - base_rss) / 1024
                met = (share >= target and first_row <= TARGETS["ttfb_s"] and a_rows == b_rows
                       and growth_mb <= TARGETS["memory_mb"])
                ok = ok and met
                results[username] = (role, dept, a_time, a_rows, a_bytes, b_time, b_rows, share, target,
                                     first_row, growth_mb)
                log(f"{role:<10} ({dept or 'all'}): rows HTTP {a_rows:,} / COPY {b_rows:,}; "
                    f"A {a_time:.2f} s ({a_rows / a_time:,.0f} rows/s), B {b_time:.2f} s ({b_rows / b_time:,.0f} rows/s); "
                    f"A/B {share:.1%} (target >= {target:.0%}); first data row {first_row:.3f} s; "
                    f"RSS growth {growth_mb:.1f} MB -> {'ok' if met else 'MISSED'}")
            hwm_growth = (rss_kb(worker, "VmHWM") - base_rss) / 1024
        log("")
        log(f"N = {args.clients:,} clients; machine load after: {os.getloadavg()[0]:.2f} (1 min)")
        log(f"{'user':<11} {'scope':<6} {'rows':>9} {'A s':>7} {'B s':>7} {'A/B':>6} {'target':>6} {'1st row s':>9} {'RSS MB':>6}")
        for username, (role, dept, a_time, a_rows, _ab, b_time, _br, share, target, first_row, growth) in results.items():
            log(f"{role:<11} {dept or 'all':<6} {a_rows:>9,} {a_time:>7.2f} {b_time:>7.2f} {share:>6.1%} "
                f"{target:>6.0%} {first_row:>9.3f} {growth:>6.1f}")
        log(f"worker VmHWM growth over the run: {hwm_growth:.1f} MB (target <= {TARGETS['memory_mb']} MB)")
        log("targets met" if ok else "TARGETS MISSED")
        return 0 if ok else 1
    finally:
        if args.keep:
            log(f"database kept: {url}")
        else:
            drop()


if __name__ == "__main__":
    sys.exit(main())
