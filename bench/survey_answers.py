"""Benchmark: importing 100,000 survey answers from CSV (SPEC §7, §9) on PostgreSQL.

    .venv/bin/python bench/survey_answers.py                 # 100,000 answers (12,500 clients x 8 questions)
    .venv/bin/python bench/survey_answers.py --answers 20000

Creates a fresh database on postgresql://postgres@127.0.0.1:5432 (BENCH_PG_ADMIN_URL) and drops it
afterwards. Builds the clients, one open campaign on the standard questionnaire SAT-STD and one
invitation per client, writes a UTF-8 (BOM) CSV of answers by token, then measures
``backoffice.surveys.imports.import_answers`` — the code the job "surveys.import_answers" runs:

  1  check only (dry run)
  2  the import (all or nothing, one transaction)
  3  the same file again (every row unchanged: nothing written)

Prints the times, rows per second and the peak memory of this process.
"""
import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, log  # noqa: E402

QUESTIONS = ("SUPPLY", "PRICE", "SERVICE", "NEEDS", "STAFF_CM", "STAFF_MM", "STAFF_PO", "STAFF_DL")


def build(db, sa, n_clients):
    """n clients, an open campaign on SAT-STD, one invitation each; returns the CSV bytes."""
    from backoffice.cli import act_as_system
    from backoffice.models import Questionnaire, SurveyCampaign

    user = act_as_system()
    s = db.session
    dept = s.execute(sa.text("INSERT INTO department (code, name) VALUES ('BENCH', 'bench') RETURNING id")).scalar()
    fmt = s.execute(sa.text("SELECT id FROM business_format ORDER BY id LIMIT 1")).scalar()
    s.execute(sa.text("""
        INSERT INTO client (code, name, status, department_id, market_type, business_format_id,
                            key_account, development_potential, created_on, changed_on, created_by_fk, changed_by_fk)
        SELECT 'SA' || lpad(g::text, 8, '0'), 'bench ' || g, 'active', :dept, 'C', :fmt,
               false, false, now(), now(), :u, :u
        FROM generate_series(1, :n) AS g"""), {"dept": dept, "fmt": fmt, "u": user.id, "n": n_clients})
    qn = s.execute(sa.select(Questionnaire).where(Questionnaire.code == "SAT-STD")).scalar_one()
    import datetime as dt

    campaign = SurveyCampaign(name="bench", kind="semiannual", period="2026H2", questionnaire=qn,
                              deadline=dt.date(2099, 12, 31), state="open")
    s.add(campaign)
    s.flush()
    s.execute(sa.text("""
        INSERT INTO survey_invitation (campaign_id, client_id, token, channel, expires_at, created_at)
        SELECT :c, id, md5(random()::text || id::text) || md5(id::text), 'online', '2099-12-31 23:59:59', now()
        FROM client WHERE code LIKE 'SA%'"""), {"c": campaign.id})
    s.commit()
    tokens = [r[0] for r in s.execute(sa.text(
        "SELECT token FROM survey_invitation WHERE campaign_id = :c ORDER BY id"), {"c": campaign.id})]
    lines = ["token,question,score,comment,answered_at"]
    for n, token in enumerate(tokens):
        for k, code in enumerate(QUESTIONS):
            comment = "送货准时" if (n + k) % 10 == 0 else ""
            lines.append(f"{token},{code},{1 + (n * 3 + k) % 5},{comment},2026-11-{1 + n % 20:02d}")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"), campaign.id


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=100_000)
    args = parser.parse_args()
    n_clients = max(1, args.answers // len(QUESTIONS))
    url, drop = fresh_database("bo_bench_answers")
    os.environ.setdefault("BACKOFFICE_INSTANCE", f"/tmp/bo-bench-{os.getpid()}")
    try:
        import sqlalchemy as sa

        from backoffice import create_app
        from backoffice.cli import initialise
        from backoffice.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None,
                          "WTF_CSRF_ENABLED": False})
        with app.app_context(), app.test_request_context():
            initialise()
            log(f"building {n_clients:,} clients and invitations ...")
            data, campaign_id = build(db, sa, n_clients)
            from backoffice.cli import act_as_system
            from backoffice.surveys import answers as ans
            from backoffice.surveys.imports import import_answers

            ans.AGGREGATE_KIND = "-"  # measure the import alone (the aggregation is its own job)
            user = act_as_system()
            rows = n_clients * len(QUESTIONS)
            log(f"CSV: {rows:,} answers, {len(data) / 1e6:.1f} MB")
            times = {}
            for label, mode in (("check only", "dry_run"), ("import", "all_or_nothing"), ("re-import", "all_or_nothing")):
                t0 = time.perf_counter()
                result = import_answers(data, user=user, mode=mode, filename="bench.csv")
                times[label] = time.perf_counter() - t0
                log(f"  {label:11s}: {times[label]:6.2f} s  ({rows / times[label]:,.0f} rows/s)  "
                    f"counts={result.counts} committed={result.committed}")
            stored = db.session.execute(sa.text(
                "SELECT count(*) FROM survey_answer a JOIN survey_invitation i ON i.id = a.invitation_id "
                "WHERE i.campaign_id = :c"), {"c": campaign_id}).scalar()
            log(f"stored answers: {stored:,} (expected {rows:,})")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            log(f"peak memory of this process: {peak:.0f} MB")
            db.session.remove()
            db.engine.dispose()
            return 0 if stored == rows else 1
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
