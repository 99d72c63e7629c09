"""Benchmark of the client-list CSV export (SPEC §9) against PostgreSQL's own COPY, on PostgreSQL.

    .venv/bin/python bench/export.py                    # N = 1,000,000 clients
    .venv/bin/python bench/export.py --clients 100000   # a quicker look

Creates a fresh database on BENCH_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432),
builds N clients with INSERT ... SELECT generate_series, starts the app in a werkzeug server in a
child process, signs in as a BackOffice-capable user (Admin: no row scope to evaluate) and measures
in the same run:

  A  GET /clientview/export/?_flt_0_status=active  (one filter, the list's sort), streamed and
     read to the end over HTTP;
  B  psql -c "COPY (SELECT the same columns, joined, same filter and order) TO STDOUT WITH CSV".

Prints both times, A's throughput as a share of B's, A's time to first byte, and the web process's
peak memory growth during the export (VmRSS sampled every 10 ms, and VmHWM). Targets: throughput
>= 40 % of COPY, first byte <= 1 s, memory growth <= 100 MB whatever N.
"""
import argparse
import http.client
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, fresh_database, log  # noqa: E402

PASSWORD = "Bench-pass-2026"
TARGETS = {"throughput": 0.40, "ttfb_s": 1.0, "memory_mb": 100}

SERVER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from backoffice import create_app
    from werkzeug.serving import make_server
    app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
                       "REDIS_URL": None, "RATELIMIT_ENABLED": False, "FAB_UPDATE_PERMS": False}})
    server = make_server("127.0.0.1", {port}, app, threaded=True)
    print("READY", flush=True)
    server.serve_forever()
""")

# The export's columns (ClientView.list_columns) in SQL, as COPY would produce them.
COPY_SQL = """
COPY (
  SELECT c.code, c.name, bf.code || ' ' || bf.name, c.market_type, c.region_class, c.composite_code,
         c.service_level, c.key_account, s.name, d.name, c.status
  FROM client c
  JOIN business_format bf ON bf.id = c.business_format_id
  LEFT JOIN staff s ON s.id = c.owner_id
  JOIN department d ON d.id = c.department_id
  WHERE c.status = 'active'
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
        sm.add_user("bench", "Bench", "User", "bench@example.com", [sm.find_role("Admin")], password=PASSWORD)
        import sqlalchemy as sa

        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(sa.text("""
                INSERT INTO department (code, name) SELECT 'BD' || g, '营销部' || g FROM generate_series(1, 20) g
            """))
            conn.execute(sa.text("""
                INSERT INTO staff (name, employee_no, department_id, position, pay_base, active)
                SELECT '客户经理' || g, 'B' || lpad(g::text, 5, '0'),
                       (SELECT min(id) FROM department WHERE code LIKE 'BD%') + (g % 20), 'client_manager', 3000, true
                FROM generate_series(1, 400) g
            """))
            conn.execute(sa.text("""
                INSERT INTO client (code, name, status, owner_id, department_id, market_type, business_format_id,
                                    region_class, composite_code, service_level, key_account, development_potential,
                                    address, created_on, changed_on, created_by_fk, changed_by_fk)
                SELECT 'C' || lpad(g::text, 8, '0'),
                       '客户' || g || '号便利店',
                       CASE WHEN g % 10 = 0 THEN 'inactive' ELSE 'active' END,
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def login(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"username": "bench", "password": PASSWORD})
    conn.request("POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    cookie = r.getheader("Set-Cookie", "").split(";", 1)[0]
    assert r.status == 302 and cookie, f"login failed: {r.status}"
    return cookie


def http_export(port, cookie, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    r = conn.getresponse()
    assert r.status == 200, r.status
    first = r.read1(65536)
    ttfb = time.perf_counter() - t0
    size, lines = len(first), first.count(b"\n")
    while True:
        chunk = r.read1(1 << 20)
        if not chunk:
            break
        size += len(chunk)
        lines += chunk.count(b"\n")
    return time.perf_counter() - t0, ttfb, size, lines - 1  # minus the header line


def copy_reference(url):
    t0 = time.perf_counter()
    out = subprocess.run(["psql", url, "-X", "-q", "-c", " ".join(COPY_SQL.split())],
                         stdout=subprocess.PIPE, check=True).stdout
    return time.perf_counter() - t0, len(out), out.count(b"\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url, drop = fresh_database("bo_bench_export", sqlalchemy_url=False)
    server = None
    try:
        sa_url = build(url, args.clients)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER.format(root=str(ROOT), url=sa_url, port=port)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert server.stdout.readline().strip() == "READY", "server did not start"
        cookie = login(port)
        path = "/clientview/export/?_flt_0_status=active"
        # Warm-up: imports, templates, first connection -- then the baseline memory.
        http_export(port, cookie, "/clientview/export/?_flt_0_code=C0000000")
        base_rss = rss_kb(server.pid)
        peak = [base_rss]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(server.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        a_time, ttfb, a_bytes, a_rows = http_export(port, cookie, path)
        done.set()
        sampler.join()
        hwm = rss_kb(server.pid, "VmHWM")
        b_time, b_bytes, b_rows = copy_reference(url)

        growth_mb = (peak[0] - base_rss) / 1024
        hwm_growth_mb = (hwm - base_rss) / 1024
        share = b_time / a_time
        log(f"N = {args.clients:,} clients, exported rows: HTTP {a_rows:,}, COPY {b_rows:,}")
        log(f"A  HTTP export   {a_time:8.2f} s  {a_bytes / 1e6:8.1f} MB  {a_rows / a_time:>10,.0f} rows/s")
        log(f"B  psql COPY     {b_time:8.2f} s  {b_bytes / 1e6:8.1f} MB  {b_rows / b_time:>10,.0f} rows/s")
        log(f"throughput A/B   {share:8.1%}   (target >= {TARGETS['throughput']:.0%})")
        log(f"first byte       {ttfb:8.3f} s   (target <= {TARGETS['ttfb_s']} s)")
        log(f"memory growth    {growth_mb:8.1f} MB (sampled RSS; VmHWM growth {hwm_growth_mb:.1f} MB;"
            f" target <= {TARGETS['memory_mb']} MB)")
        ok = (share >= TARGETS["throughput"] and ttfb <= TARGETS["ttfb_s"]
              and max(growth_mb, hwm_growth_mb) <= TARGETS["memory_mb"] and a_rows == b_rows)
        log("targets met" if ok else "TARGETS MISSED")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if args.keep:
            log(f"database kept: {url}")
        else:
            drop()


if __name__ == "__main__":
    sys.exit(main())
