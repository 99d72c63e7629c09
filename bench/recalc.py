"""Benchmark of the business-scale recalculation (SPEC §3.2, §8) on PostgreSQL.

    .venv/bin/python bench/recalc.py                   # N = 1,000,000 clients (make bench)
    .venv/bin/python bench/recalc.py --clients 20000   # a quick look

Uses DATABASE_URL (a scratch PostgreSQL database: the bench adds its clients to it) or creates a
fresh database on postgresql://postgres@127.0.0.1:5432 and drops it afterwards. Builds N clients
over 8 business formats with a quarter of monthly purchases each (INSERT ... SELECT), then measures:

  A  the project's job ``recalc.scale`` end to end through ``execute()`` in this process
     (history, current tiers, composite code, service level, one transaction);
  B  one reference SQL statement: window functions compute the same scale codes and update the
     clients (no history, no tiers);
  C  a naive per-client ORM loop (one query per client, ORM objects, history rows) on a
     20,000-client subset, scaled to N.

Prints the times, A/B, C/A, the peak memory of this process (which ran A), and whether A and B
produced identical codes. Targets at N = 1,000,000: A/B <= 3.0, A + A2 <= 3.0 x B (issue #16),
C/A >= 30, peak <= 500 MB. ``--no-naive`` skips C.
"""
import argparse
import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import StatementProfile, close, fresh_database, log, run_job, timed, vacuum  # noqa: E402

PERIOD = "2026Q2"
MONTHS = ("2026-04-01", "2026-05-01", "2026-06-01")
SUBSET = 20000
TARGETS = {"A/B": 3.0, "A+A2/B": 3.0, "C/A": 30.0, "peak_mb": 500}


def build_data(db, sa, n):
    """N clients over 8 formats, 3 monthly purchases each (~9 % of clients bought nothing)."""
    from backoffice.cli import act_as_system

    user = act_as_system()
    s = db.session
    if s.execute(sa.text("SELECT count(*) FROM business_format")).scalar() < 8:
        s.execute(sa.text("INSERT INTO business_format (code, name, verified) VALUES ('H', '便民店 (bench)', false)"))
    dept = s.execute(sa.text(
        "INSERT INTO department (code, name) VALUES (:c, 'bench') RETURNING id"), {"c": f"BENCH{os.getpid()}"}
    ).scalar()
    fmts = [r[0] for r in s.execute(sa.text("SELECT id FROM business_format ORDER BY id LIMIT 8"))]
    s.execute(sa.text(f"""
        INSERT INTO client (code, name, status, department_id, market_type, business_format_id,
                            key_account, development_potential, created_on, changed_on, created_by_fk, changed_by_fk)
        SELECT 'BN' || lpad(g::text, 8, '0'), 'bench ' || g, 'active', :dept,
               CASE WHEN g % 3 = 0 THEN 'X' ELSE 'C' END, (ARRAY{fmts})[1 + (g * 7) % 8],
               false, false, now(), now(), :u, :u
        FROM generate_series(1, :n) AS g"""), {"dept": dept, "u": user.id, "n": n})
    s.execute(sa.text(f"""
        INSERT INTO purchase_record (client_id, month, quantity, amount, created_on, changed_on, created_by_fk, changed_by_fk)
        SELECT c.id, m::date, (c.id * 37 + length(m)) % 400, ((c.id::bigint * 7919 + ascii(m)) % 200000) / 100.0 * 3,
               now(), now(), :u, :u
        FROM client c CROSS JOIN unnest(ARRAY{list(MONTHS)}) AS m
        WHERE c.code LIKE 'BN%' AND c.id % 11 <> 0"""), {"u": user.id})
    s.commit()


def reset_results(db, sa):
    db.session.execute(sa.text("DELETE FROM tier_history"))
    db.session.execute(sa.text("DELETE FROM client_tier"))
    db.session.execute(sa.text("UPDATE client SET scale = NULL, composite_code = NULL, service_level = NULL "
                               "WHERE scale IS NOT NULL OR composite_code IS NOT NULL OR service_level IS NOT NULL"))
    db.session.commit()
    vacuum(db, sa, "client", "client_tier", "tier_history")


def run_a(db, sa, scheme="SCALE", **extra):
    """A: the job, end to end, as a worker runs it (execute() claims the run and records it).

    The scale job launches the service-level run when it has finished (its own job, on the
    queue); here that is switched off (``follow_up``) and the service-level run timed apart.
    """
    from backoffice.recalc.plan import plan_recalc

    plan = plan_recalc(scheme, PERIOD)
    _elapsed, summary = run_job(db, "job failed", kind=plan.kind, queue="recalc",
                                params=dict(plan.params, **extra), dedupe_key=plan.dedupe_key)
    return summary


REFERENCE_B = """
UPDATE client AS c
SET scale = x.code, composite_code = c.market_type || x.fmt || x.code::text,
    service_level = CASE x.code WHEN 1 THEN 'A' WHEN 2 THEN 'B' ELSE 'C' END
FROM (
    SELECT client_id, fmt,
           CASE WHEN rnk <= (20 * n + 50) / 100 THEN 1 WHEN rnk > n - (20 * n + 50) / 100 THEN 3 ELSE 2 END AS code
    FROM (
        SELECT client_id, fmt, COUNT(*) OVER (PARTITION BY fmt) AS n,
               RANK() OVER (PARTITION BY fmt ORDER BY
                   q * GREATEST(tv, 1) * SIGN(tq) + v * GREATEST(tq, 1) * SIGN(tv) DESC) AS rnk
        FROM (
            SELECT c.id AS client_id, bf.code AS fmt, COALESCE(a.q, 0) AS q, COALESCE(a.v, 0) AS v,
                   SUM(COALESCE(a.q, 0)) OVER (PARTITION BY bf.code) AS tq,
                   SUM(COALESCE(a.v, 0)) OVER (PARTITION BY bf.code) AS tv
            FROM client c JOIN business_format bf ON bf.id = c.business_format_id
            LEFT JOIN (SELECT client_id, SUM(quantity)::numeric AS q, SUM(amount * 100) AS v
                       FROM purchase_record WHERE month >= DATE '2026-04-01' AND month < DATE '2026-07-01'
                       GROUP BY client_id) a ON a.client_id = c.id
            WHERE c.status = 'active'
        ) totals
    ) ranked
) AS x
WHERE c.id = x.client_id
"""


def run_b(db, sa):
    db.session.execute(sa.text(REFERENCE_B))
    db.session.commit()


def run_c(db, sa, subset):
    """C: what a naive implementation does, per client, through the ORM (rolled back at the end)."""
    import datetime as dt
    from fractions import Fraction

    from backoffice.models import Client, ClientTier, PurchaseRecord, Tier, TierHistory, TierScheme
    from backoffice.rules.scale import scale_code, scale_score
    from backoffice.rules.service_level import default_service_level

    s = db.session
    scheme = s.execute(sa.select(TierScheme).where(TierScheme.code == "SCALE")).scalar_one()
    tiers = {t.rank: t for t in s.execute(sa.select(Tier).where(Tier.scheme_id == scheme.id)).scalars()}
    start, end = dt.date(2026, 4, 1), dt.date(2026, 7, 1)
    clients = s.execute(sa.select(Client).where(Client.code.like("BN%")).order_by(Client.id).limit(subset)).scalars().all()
    sums = {}
    for c in clients:  # one query per client
        rows = s.execute(sa.select(PurchaseRecord).where(
            PurchaseRecord.client_id == c.id, PurchaseRecord.month >= start, PurchaseRecord.month < end)).scalars().all()
        sums[c.id] = (c.business_format.code, sum(r.quantity for r in rows), sum(Fraction(r.amount) for r in rows))
    totals = {}
    for fmt, q, v in sums.values():
        tq, tv = totals.get(fmt, (0, 0))
        totals[fmt] = (tq + q, tv + v)
    scores = {cid: scale_score(q, v, *totals[fmt]) for cid, (fmt, q, v) in sums.items()}
    by_fmt = {}
    for cid, (fmt, _q, _v) in sums.items():
        by_fmt.setdefault(fmt, []).append(cid)
    for fmt, ids in by_fmt.items():
        first = {}
        for position, cid in enumerate(sorted(ids, key=lambda i: -scores[i]), start=1):
            first.setdefault(scores[cid], position)
        for cid in ids:  # then one client at a time: its rows, its tier, its history, a flush
            rank = first[scores[cid]]
            code = scale_code(rank, len(ids))
            client = s.get(Client, cid)
            ct = s.execute(sa.select(ClientTier).where(
                ClientTier.client_id == cid, ClientTier.scheme_id == scheme.id)).scalar()
            if ct is None:
                ct = ClientTier(client_id=cid, scheme_id=scheme.id)
                s.add(ct)
            s.add(TierHistory(client_id=cid, scheme_id=scheme.id, period=PERIOD, score=str(float(scores[cid])),
                              rank=rank, pool_size=len(ids), old_tier=ct.computed_tier, new_tier=tiers[code]))
            ct.computed_tier = tiers[code]
            client.scale = code
            client.service_level = default_service_level(code)
            s.flush()
    s.rollback()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--subset", type=int, default=SUBSET, help="clients of the naive loop C (scaled to N)")
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip C (minutes on a busy machine; only C/A needs it)")
    args = parser.parse_args()
    n = args.clients

    url, drop = (os.environ["DATABASE_URL"], None) if os.environ.get("DATABASE_URL") else fresh_database()
    os.environ.setdefault("BACKOFFICE_INSTANCE", "/tmp/backoffice-bench")
    import sqlalchemy as sa

    from backoffice import create_app
    from backoffice.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench",
                      "JOBS_SYNCHRONOUS": True})
    try:
        with app.test_request_context():
            from backoffice.cli import initialise

            log(f"database: {url.rsplit('/', 1)[-1]}; N = {n:,} clients, 8 formats, period {PERIOD}")
            initialise()
            timed("build data", lambda: build_data(db, sa, n))
            vacuum(db, sa, "client", "purchase_record")

            t_b, _ = timed("B reference SQL statement", lambda: run_b(db, sa))
            db.session.execute(sa.text("DROP TABLE IF EXISTS bench_b"))
            db.session.execute(sa.text(
                "CREATE TABLE bench_b AS SELECT id, scale, composite_code, service_level FROM client WHERE code LIKE 'BN%'"))
            db.session.commit()
            reset_results(db, sa)

            profile = StatementProfile(db.engine) if os.environ.get("BENCH_PROFILE") else None
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            t_a, summary = timed("A recalc.scale job (execute, in-process)", lambda: run_a(db, sa, follow_up=False))
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if profile:
                profile.report("A")
            t_a2, _ = timed("A2 recalc.service_level job that follows it", lambda: run_a(db, sa, "SERVICE"))
            if profile:
                profile.report("A2")
            diff = db.session.execute(sa.text("""
                SELECT COUNT(*) FROM client c JOIN bench_b b ON b.id = c.id
                WHERE c.scale IS DISTINCT FROM b.scale OR c.composite_code IS DISTINCT FROM b.composite_code
                   OR c.service_level IS DISTINCT FROM b.service_level""")).scalar()
            history = db.session.execute(sa.text(
                "SELECT COUNT(*) FROM tier_history h JOIN tier_scheme s ON s.id = h.scheme_id WHERE s.code = 'SCALE'")).scalar()
            db.session.rollback()

            subset = min(args.subset, n)
            if args.no_naive:
                t_c_subset = t_c = float("nan")
            else:
                reset_results(db, sa)  # C starts from the same empty state as A
                t_c_subset, _ = timed(f"C naive ORM loop on {subset:,} clients", lambda: run_c(db, sa, subset))
                t_c = t_c_subset * n / subset

            identical = diff == 0 and history >= n
            log("")
            load = os.getloadavg()
            log(f"machine load after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min; 2 cores shared)")
            log(f"N = {n:,} clients   (job summary: {summary['clients']:,} ranked, tiers {summary['tiers']})")
            log(f"A  job end to end   : {t_a:9.2f} s   ({history:,} history rows)")
            log(f"A2 service-level run that the scale job launches after it: {t_a2:.2f} s "
                f"(A + A2 = {t_a + t_a2:.2f} s, {(t_a + t_a2) / t_b:.2f} x B)")
            log(f"B  reference SQL    : {t_b:9.2f} s")
            log(f"C  naive ORM loop   : {t_c:9.2f} s   (measured {t_c_subset:.2f} s on {subset:,}, scaled x{n / subset:g})")
            log(f"A/B = {t_a / t_b:.2f}  (target <= {TARGETS['A/B']})")
            log(f"C/A = {t_c / t_a:.1f}  (target >= {TARGETS['C/A']})")
            log(f"peak memory of the process running A: {peak_mb:.0f} MB (before A: {rss_before:.0f} MB; "
                f"target <= {TARGETS['peak_mb']})")
            log(f"A and B codes identical: {'yes' if identical else f'NO ({diff} differ)'}")
            db.session.execute(sa.text("DROP TABLE IF EXISTS bench_b"))
            db.session.commit()
            ok = identical and (t_a + t_a2) / t_b <= TARGETS["A+A2/B"]
            log(f"A + A2 = {(t_a + t_a2) / t_b:.2f} x B  (target <= {TARGETS['A+A2/B']})")
            if not ok:
                raise SystemExit(1)
    finally:
        close(app, drop, keep=args.keep)


if __name__ == "__main__":
    main()
