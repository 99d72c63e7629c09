"""Benchmark of the purchase import (SPEC §9) on PostgreSQL against a plain COPY.

    .venv/bin/python bench/import.py                  # N = 1,000,000 purchase rows
    .venv/bin/python bench/import.py --rows 100000    # a quicker look

Uses DATABASE_URL (a scratch PostgreSQL database: the bench adds its clients to it) or creates a
fresh database on postgresql://postgres@127.0.0.1:5432 and drops it afterwards. Creates N/12
clients (INSERT ... SELECT), writes a CSV of N purchase rows for them (12 months each, Chinese
headers, UTF-8 with BOM, amounts with thousands separators as Excel writes them), then measures:

  A  the project's import end to end, as a worker runs it: the ``import.purchases`` job through
     ``execute()`` reading the stored upload (encoding detection, pandas read, every row
     converted and checked with the record's rules and the row scope, existing rows looked up,
     staged with COPY, merged with INSERT ... ON CONFLICT, change log, one commit);
  B  the reference: ``COPY ... FROM STDIN`` of the same rows, already clean (client ids
     resolved, plain numbers, audit columns filled), into ``purchase_record`` itself -- the
     table the import writes, with its unique key, CHECKs, indexes and three foreign keys
     (client, created_by, changed_by) -- then rolled back and the table vacuumed;
  B0 the same COPY into a scratch copy of the table made with ``LIKE ... INCLUDING ALL``, which
     leaves the foreign keys out: PostgreSQL checks each key of each row it loads (three index
     lookups and row locks per row, most of B's time), and no load into purchase_record can skip
     them, so B, not B0, is the cost of "COPY FROM of the same file" into this table. B0 is
     printed to show how much of B the database's own key checks take;
  C  A again with the same file: every row unchanged, nothing written (idempotent re-import).

Prints the times, A/B (target <= 5), A/B0 and C/A, the peak memory of this process, and checks
that A wrote exactly the rows B0 loaded.
"""
import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, log, run_job, vacuum  # noqa: E402

TARGET = 5.0
HEADER = "客户编码,月份,数量（条）,金额（元）,利润（元）"


def build_clients(db, sa, n_clients, prefix):
    from backoffice.cli import act_as_system

    user = act_as_system()
    s = db.session
    dept = s.execute(sa.text("INSERT INTO department (code, name) VALUES (:c, 'bench import') RETURNING id"),
                     {"c": prefix}).scalar()
    fmt = s.execute(sa.text("SELECT id FROM business_format ORDER BY id LIMIT 1")).scalar()
    s.execute(sa.text("""
        INSERT INTO client (code, name, status, department_id, market_type, business_format_id,
                            key_account, development_potential, created_on, changed_on, created_by_fk, changed_by_fk)
        SELECT :p || lpad(g::text, 7, '0'), 'bench ' || g, 'active', :dept, 'C', :fmt,
               false, false, now(), now(), :u, :u
        FROM generate_series(1, :n) AS g"""), {"p": prefix, "dept": dept, "fmt": fmt, "u": user.id, "n": n_clients})
    s.commit()
    ids = dict(s.execute(sa.text("SELECT code, id FROM client WHERE code LIKE :p"), {"p": prefix + "%"}).all())
    return user, ids


def make_rows(n, prefix):
    """(code, month, quantity, amount in fen) for N rows: 12 months per client."""
    for i in range(n):
        client, month = divmod(i, 12)
        yield f"{prefix}{client + 1:07d}", month + 1, (i * 37) % 400 + 1, (i * 7919) % 100_000_000 + 1


def make_csv(n, prefix):
    out = io.StringIO()
    out.write("\ufeff" + HEADER + "\n")
    for code, month, qty, fen in make_rows(n, prefix):
        yuan, cents = divmod(fen, 100)
        amount = f'"{yuan:,}.{cents:02d}"' if yuan >= 1000 else f"{yuan}.{cents:02d}"
        out.write(f"{code},2025-{month:02d},{qty},{amount},\n")
    return out.getvalue().encode("utf-8")


def make_copy_text(n, prefix, ids, user_id):
    out = io.StringIO()
    for code, month, qty, fen in make_rows(n, prefix):
        out.write(f"{ids[code]}\t2025-{month:02d}-01\t{qty}\t{fen // 100}.{fen % 100:02d}\t\\N\t"
                  f"2026-01-01 00:00:00\t2026-01-01 00:00:00\t{user_id}\t{user_id}\n")
    return out.getvalue()


COPY_COLUMNS = "client_id, month, quantity, amount, profit, created_on, changed_on, created_by_fk, changed_by_fk"


def copy_rows(db, table, text):
    from backoffice.pgcopy import copy_rows as copy_in  # the product's one COPY writer (after the app is set up)

    copy_in(db.session.connection(), table, COPY_COLUMNS, text)


def run_reference(db, sa, text):
    """B: COPY into purchase_record itself (every constraint the import meets), timed to the
    end of the COPY; then rolled back, and the table vacuumed so A starts from a clean table."""
    db.session.commit()
    t0 = time.perf_counter()
    copy_rows(db, "purchase_record", text)
    elapsed = time.perf_counter() - t0
    db.session.rollback()
    vacuum(db, sa, "purchase_record")
    return elapsed


def run_scratch_reference(db, sa, text):
    """B0: COPY into a scratch copy of purchase_record without its foreign keys (kept for the
    final comparison with what A wrote)."""
    db.session.execute(sa.text("DROP TABLE IF EXISTS bench_purchase_copy"))
    db.session.execute(sa.text("CREATE TABLE bench_purchase_copy (LIKE purchase_record INCLUDING ALL)"))
    db.session.commit()
    t0 = time.perf_counter()
    copy_rows(db, "bench_purchase_copy", text)
    db.session.commit()
    return time.perf_counter() - t0


def run_import_job(db, sa, user, upload_id):
    """A (and C): the import job end to end, as a worker runs it; (seconds, summary)."""
    return run_job(db, "import job failed", kind="import.purchases", queue="default", launched_by_id=user.id,
                   params={"upload_id": upload_id, "mode": "all_or_nothing", "filename": "bench.csv", "locale": "zh"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.rows
    drop = None
    url = os.environ.get("DATABASE_URL")
    if not url:
        url, drop = fresh_database("bo_bench_import")
    os.environ.setdefault("BACKOFFICE_INSTANCE", str(Path("/tmp") / f"bo-bench-import-{os.getpid()}"))
    try:
        import sqlalchemy as sa

        from backoffice import create_app
        from backoffice.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench",
                          "IMPORT_FOLDER": os.environ["BACKOFFICE_INSTANCE"] + "/imports"})
        with app.app_context(), app.test_request_context():
            from backoffice.cli import initialise
            from backoffice.imports import uploads

            initialise()
            prefix = f"BI{os.getpid() % 100000:05d}"[:7]
            n_clients = (n + 11) // 12
            log(f"N = {n:,} purchase rows for {n_clients:,} clients (PostgreSQL {url.rsplit('@', 1)[-1]})")
            t0 = time.perf_counter()
            user, ids = build_clients(db, sa, n_clients, prefix)
            data = make_csv(n, prefix)
            copy_text = make_copy_text(n, prefix, ids, user.id)
            upload_id = uploads.save(data, kind="purchases", filename="bench.csv", user=user)
            vacuum(db, sa, "client", "purchase_record")
            log(f"  setup (clients, CSV of {len(data) / 1e6:.1f} MB): {time.perf_counter() - t0:.1f} s")

            b0 = run_scratch_reference(db, sa, copy_text)
            log(f"  B0 COPY FROM into a copy without the foreign keys:      {b0:.2f} s")
            b = run_reference(db, sa, copy_text)
            log(f"  B  COPY FROM into purchase_record (rolled back):        {b:.2f} s")
            del copy_text
            a, summary = run_import_job(db, sa, user, upload_id)
            log(f"  A  import job, end to end:             {a:.2f} s   {summary['counts']}")
            c, summary2 = run_import_job(db, sa, user, upload_id)
            log(f"  C  same file again (all unchanged):    {c:.2f} s   {summary2['counts']}")

            same = db.session.execute(sa.text("""
                SELECT count(*) FROM (
                  (SELECT client_id, month, quantity, amount FROM purchase_record p
                   WHERE client_id IN (SELECT id FROM client WHERE code LIKE :p)
                   EXCEPT SELECT client_id, month, quantity, amount FROM bench_purchase_copy)
                  UNION ALL
                  (SELECT client_id, month, quantity, amount FROM bench_purchase_copy
                   EXCEPT SELECT client_id, month, quantity, amount FROM purchase_record p
                   WHERE client_id IN (SELECT id FROM client WHERE code LIKE :p))) d"""),
                {"p": prefix + "%"}).scalar()
            imported = db.session.execute(sa.text(
                "SELECT count(*) FROM purchase_record WHERE client_id IN (SELECT id FROM client WHERE code LIKE :p)"),
                {"p": prefix + "%"}).scalar()
            db.session.execute(sa.text("DROP TABLE IF EXISTS bench_purchase_copy"))
            db.session.commit()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ok = summary["counts"]["create"] == n and summary2["counts"]["unchanged"] == n and imported == n and same == 0
        log("")
        log(f"A/B = {a / b:.2f}  (target <= {TARGET:g})   A/B0 = {a / b0:.2f}   C/A = {c / a:.2f}   "
            f"rows/s (A) = {n / a:,.0f}   peak memory = {peak:.0f} MB")
        log(f"imported rows = {imported:,}, differences from the COPY reference = {same}: {'OK' if ok else 'MISMATCH'}")
        if not ok:
            raise SystemExit(1)
    finally:
        if drop:
            drop()


if __name__ == "__main__":
    main()
