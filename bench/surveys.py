"""Benchmark of survey sampling, invitations and aggregation (SPEC §7, §8) on PostgreSQL.

    .venv/bin/python bench/surveys.py                               # N = 1,000,000 clients (make bench)
    .venv/bin/python bench/surveys.py --clients 100000 --answers 500000

Uses DATABASE_URL (a scratch PostgreSQL database: the bench adds its rows to it) or creates a
fresh database on postgresql://postgres@127.0.0.1:5432 (BENCH_PG_ADMIN_URL) and drops it
afterwards. Builds N active clients over the business formats, 8 departments, region classes and
service levels (INSERT ... SELECT), then measures:

  A1  the project's job ``surveys.sample`` end to end through ``execute()`` in this process: read
      the strata, draw the stratified sample (ratio chosen so that 50,000 clients are sampled),
      store seed and sample, insert the invitations in batches with their tokens;
  B1  one bulk ``INSERT ... SELECT`` writing the same invitations (same clients, same strata,
      tokens made by the database) for a second campaign: the floor for writing those rows;
  A2  the project's job ``surveys.aggregate`` on a campaign with ``--answers`` answers
      (default 1,000,000, generated with INSERT ... SELECT on the 8 questions of SAT-STD);
  B2  one reference SQL statement (GROUPING SETS) computing the same satisfaction and response
      rates per campaign, dimension, question, department, service level and staff member.

Prints the times, A1/B1 (target <= 3.0) and A2/B2 (target <= 2.0), and checks that B1 wrote the
same (client, stratum) rows as A1 and that B2's rates equal the survey_result rows A2 stored.
bench/survey_answers.py measures the CSV import of answers; it is not repeated here.
"""
import argparse
import math
import os
import sys
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import close, fresh_database, log, run_job, timed, vacuum  # noqa: E402

SAMPLED = 50_000
TARGETS = {"A1/B1": 3.0, "A2/B2": 2.0}
N_STAFF = 40


def build_clients(db, sa, n):
    """N active clients; region class and service level scrambled from the row number."""
    from backoffice.cli import act_as_system

    user = act_as_system()
    s = db.session
    tag = f"{os.getpid()}{uuid.uuid4().hex[:4]}"
    depts = []
    for k in range(8):
        depts.append(s.execute(sa.text("INSERT INTO department (code, name) VALUES (:c, :n) RETURNING id"),
                               {"c": f"SB{tag}{k}", "n": f"bench {k}"}).scalar())
    fmts = [r[0] for r in s.execute(sa.text("SELECT id FROM business_format ORDER BY id"))]
    s.execute(sa.text(f"""
        INSERT INTO client (code, name, status, department_id, market_type, business_format_id, region_class,
                            service_level, key_account, development_potential, created_on, changed_on,
                            created_by_fk, changed_by_fk)
        SELECT 'SB' || lpad(g::text, 8, '0'), 'bench ' || g, 'active',
               (ARRAY{depts})[1 + g % {len(depts)}], CASE WHEN g % 3 = 0 THEN 'X' ELSE 'C' END,
               (ARRAY{fmts})[1 + (g::bigint * 2654435761 % 1000003) % {len(fmts)}],
               CASE WHEN g % 97 = 0 THEN NULL
                    ELSE (ARRAY['city_a', 'city_b', 'town', 'rural'])[1 + (g::bigint * 40503 % 65537) % 4] END,
               CASE WHEN g % 13 = 0 THEN NULL
                    ELSE (ARRAY['A', 'B', 'B', 'C', 'C', 'C'])[1 + (g::bigint * g * 31 % 101) % 6] END,
               false, false, now(), now(), :u, :u
        FROM generate_series(1, :n) AS g"""), {"u": user.id, "n": n})
    s.execute(sa.text(f"""
        INSERT INTO staff (name, employee_no, department_id, position, pay_base, active)
        SELECT 'bench staff ' || g, 'SB{tag}-' || g, (ARRAY{depts})[1 + g % {len(depts)}], 'client_manager', 0, true
        FROM generate_series(1, :k) AS g"""), {"k": N_STAFF})
    s.commit()


def new_campaign(db, sa, name, ratio):
    import datetime as dt

    from backoffice.models import Questionnaire, SurveyCampaign

    qn = db.session.execute(sa.select(Questionnaire).where(Questionnaire.code == "SAT-STD")).scalar_one()
    c = SurveyCampaign(name=name, kind="semiannual", period="2026H2", questionnaire=qn, sample_ratio=ratio,
                       deadline=dt.date(2099, 12, 31), channel="online")
    db.session.add(c)
    db.session.commit()
    return c.id


def run_campaign_job(db, kind, campaign_id):
    """The job as a worker runs it: execute() claims the run, calls the job, records the result."""
    _elapsed, summary = run_job(db, f"{kind} failed", kind=kind, queue="surveys", params={"campaign": campaign_id})
    return summary


REFERENCE_B1 = """
INSERT INTO survey_invitation (campaign_id, client_id, token, channel, stratum, expires_at, created_at)
SELECT :campaign, c.id,
       replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
       'online', bf.code || '|' || COALESCE(c.region_class, '-') || '|' || COALESCE(c.service_level, '-'),
       TIMESTAMP '2099-12-31 23:59:59', now()
FROM client c
JOIN business_format bf ON bf.id = c.business_format_id
JOIN unnest(CAST(:ids AS integer[])) AS s(id) ON s.id = c.id
"""


def build_answers(db, sa, campaign_id, n_answers, n_clients):
    """Invitations for the aggregation campaign and ``n_answers`` answers over SAT-STD's 8 questions.

    Four invitations in five are answered (every question; staff questions name a bench staff
    member); scores 1-5 from a scramble of the row numbers; one answer in 40 has a comment.
    """
    s = db.session
    questions = [r[0] for r in s.execute(sa.text(
        "SELECT q.id FROM survey_question q JOIN questionnaire n ON n.id = q.questionnaire_id "
        "WHERE n.code = 'SAT-STD' ORDER BY q.position"))]
    answered = math.ceil(n_answers / len(questions))
    invited = min(n_clients, math.ceil(answered * 5 / 4))
    answered = min(answered, invited)
    staff = [r[0] for r in s.execute(sa.text(f"SELECT id FROM staff ORDER BY id DESC LIMIT {N_STAFF}"))]
    s.execute(sa.text("""
        INSERT INTO survey_invitation (campaign_id, client_id, token, channel, stratum, expires_at, created_at, used_at)
        SELECT :c, id, md5(:c || '-' || id) || md5(id || '-' || :c), 'online', NULL,
               TIMESTAMP '2099-12-31 23:59:59', now(), CASE WHEN rn <= :answered THEN now() END
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM client WHERE code LIKE 'SB%') x
        WHERE rn <= :invited"""), {"c": campaign_id, "answered": answered, "invited": invited})
    s.execute(sa.text(f"""
        INSERT INTO survey_answer (invitation_id, question_id, score, comment, staff_id, channel, answered_at)
        SELECT i.id, q.id,
               CASE WHEN (i.id * 7 + q.id * 13) % 10 < 7 THEN 4 + (i.id + q.id) % 2 ELSE 1 + (i.id * q.id) % 3 END,
               CASE WHEN (i.id + q.id) % 40 = 0 THEN '意见 ' || i.id END,
               CASE WHEN q.dimension = 'staff' THEN (ARRAY{staff})[1 + (i.id + q.id) % {len(staff)}] END,
               'online', now()
        FROM survey_invitation i CROSS JOIN survey_question q
        WHERE i.campaign_id = :c AND i.used_at IS NOT NULL AND q.id IN ({', '.join(map(str, questions))})"""),
              {"c": campaign_id})
    s.commit()
    return invited, s.execute(sa.text(
        "SELECT count(*) FROM survey_answer a JOIN survey_invitation i ON i.id = a.invitation_id "
        "WHERE i.campaign_id = :c"), {"c": campaign_id}).scalar()


# Satisfied (SPEC §7 [decision]): the top quarter of the question's range; 4 and 5 on 1-5.
REFERENCE_B2 = """
WITH ans AS (
    SELECT CASE WHEN GROUPING(q.dimension) = 0 THEN 'dimension'
                WHEN GROUPING(q.code) = 0 THEN 'question'
                WHEN GROUPING(c.department_id) = 0 THEN 'department'
                WHEN GROUPING(c.service_level) = 0 THEN 'service_level'
                WHEN GROUPING(a.staff_id) = 0 THEN 'staff'
                ELSE 'campaign' END AS grouping,
           CASE WHEN GROUPING(q.dimension) = 0 THEN q.dimension
                WHEN GROUPING(q.code) = 0 THEN q.code
                WHEN GROUPING(c.department_id) = 0 THEN COALESCE(c.department_id::text, '-')
                WHEN GROUPING(c.service_level) = 0 THEN COALESCE(c.service_level, '-')
                WHEN GROUPING(a.staff_id) = 0 THEN a.staff_id::text
                ELSE 'all' END AS key,
           COUNT(DISTINCT a.invitation_id) AS responded, COUNT(*) AS answers,
           SUM(CASE WHEN (a.score - q.min_score) * 4 >= (q.max_score - q.min_score) * 3 THEN 1 ELSE 0 END) AS satisfied
    FROM survey_answer a
    JOIN survey_invitation i ON i.id = a.invitation_id
    JOIN survey_question q ON q.id = a.question_id
    JOIN client c ON c.id = i.client_id
    WHERE i.campaign_id = :c
    GROUP BY GROUPING SETS ((), (q.dimension), (q.code), (c.department_id), (c.service_level), (a.staff_id))
), inv AS (
    SELECT CASE WHEN GROUPING(c.department_id) = 0 THEN 'department'
                WHEN GROUPING(c.service_level) = 0 THEN 'service_level' ELSE 'campaign' END AS grouping,
           CASE WHEN GROUPING(c.department_id) = 0 THEN COALESCE(c.department_id::text, '-')
                WHEN GROUPING(c.service_level) = 0 THEN COALESCE(c.service_level, '-') ELSE 'all' END AS key,
           COUNT(*) AS invited
    FROM survey_invitation i JOIN client c ON c.id = i.client_id
    WHERE i.campaign_id = :c
    GROUP BY GROUPING SETS ((), (c.department_id), (c.service_level))
)
SELECT ans.grouping, ans.key,
       ROUND(ans.satisfied::numeric / ans.answers, 4) AS satisfaction_rate,
       CASE WHEN ans.grouping = 'staff' THEN NULL
            ELSE ROUND(ans.responded::numeric / COALESCE(inv.invited, total.invited), 4) END AS response_rate
FROM ans
LEFT JOIN inv ON inv.grouping = ans.grouping AND inv.key = ans.key
CROSS JOIN (SELECT invited FROM inv WHERE grouping = 'campaign') AS total
WHERE NOT (ans.grouping = 'staff' AND ans.key IS NULL)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--sampled", type=int, default=SAMPLED, help="clients to sample and invite")
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers to aggregate")
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    args = parser.parse_args()
    n = args.clients
    if args.sampled > n:
        raise SystemExit("--sampled cannot exceed --clients")

    url, drop = (os.environ["DATABASE_URL"], None) if os.environ.get("DATABASE_URL") else fresh_database("bo_bench_surveys")
    os.environ.setdefault("BACKOFFICE_INSTANCE", "/tmp/backoffice-bench")
    import sqlalchemy as sa

    from backoffice import create_app
    from backoffice.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "bench",
                      "JOBS_SYNCHRONOUS": True})
    failures = []
    try:
        with app.test_request_context():
            from backoffice.cli import initialise
            from backoffice.models import SurveyCampaign

            log(f"database: {url.rsplit('/', 1)[-1]}; N = {n:,} clients")
            initialise()
            timed("build clients", lambda: build_clients(db, sa, n))
            # Other rows of a reused DATABASE_URL take no part: only this bench's clients are active.
            db.session.execute(sa.text("UPDATE client SET status = 'inactive' WHERE code NOT LIKE 'SB%'"))
            db.session.commit()
            vacuum(db, sa, "client", "staff")
            active = db.session.execute(sa.text("SELECT count(*) FROM client WHERE status = 'active'")).scalar()

            # -- 1. sampling + invitations -----------------------------------------------------------
            ratio = (Decimal(args.sampled) / Decimal(active)).quantize(Decimal("0.0001"))
            log(f"\n1. sampling {ratio * 100}% of {active:,} clients and inviting them")
            a_id = new_campaign(db, sa, "bench sample A", ratio)
            t_a1, summary = timed("A1 surveys.sample job (execute, in-process)", lambda: run_campaign_job(db, "surveys.sample", a_id))
            campaign = db.session.get(SurveyCampaign, a_id)
            members = [int(cid) for ids in campaign.sample_summary["members"].values() for cid in ids]
            db.session.rollback()
            b_id = new_campaign(db, sa, "bench sample B", ratio)

            def run_b1():
                db.session.execute(sa.text(REFERENCE_B1), {"campaign": b_id, "ids": members})
                db.session.commit()

            t_b1, _ = timed("B1 bulk INSERT ... SELECT of the same rows", run_b1)
            diff1 = db.session.execute(sa.text("""
                SELECT count(*) FROM (
                    (SELECT client_id, stratum FROM survey_invitation WHERE campaign_id = :a
                     EXCEPT SELECT client_id, stratum FROM survey_invitation WHERE campaign_id = :b)
                    UNION ALL
                    (SELECT client_id, stratum FROM survey_invitation WHERE campaign_id = :b
                     EXCEPT SELECT client_id, stratum FROM survey_invitation WHERE campaign_id = :a)) d"""),
                {"a": a_id, "b": b_id}).scalar()
            n_a = db.session.execute(sa.text("SELECT count(*) FROM survey_invitation WHERE campaign_id = :a"),
                                     {"a": a_id}).scalar()
            db.session.rollback()
            same1 = diff1 == 0 and n_a == len(members) == summary["sampled"]
            if not same1:
                failures.append("sample rows differ")

            # -- 2. aggregation ----------------------------------------------------------------------
            log(f"\n2. aggregating about {args.answers:,} answers")
            g_id = new_campaign(db, sa, "bench aggregate", Decimal("0.05"))
            db.session.execute(sa.text("UPDATE survey_campaign SET state = 'open' WHERE id = :c"), {"c": g_id})
            db.session.commit()
            (_, (invited, n_answers)) = timed("build invitations and answers",
                                              lambda: build_answers(db, sa, g_id, args.answers, active))
            vacuum(db, sa, "survey_invitation", "survey_answer")

            t_b2, reference = timed("B2 reference SQL (GROUPING SETS)", lambda: db.session.execute(
                sa.text(REFERENCE_B2), {"c": g_id}).all())
            db.session.rollback()
            t_a2, agg = timed("A2 surveys.aggregate job (execute, in-process)", lambda: run_campaign_job(db, "surveys.aggregate", g_id))
            stored = db.session.execute(sa.text(
                "SELECT grouping, key, satisfaction_rate, response_rate FROM survey_result "
                "WHERE campaign_id = :c AND answers > 0"), {"c": g_id}).all()
            db.session.rollback()
            ref = {(g, k): (s, r) for g, k, s, r in reference}
            got = {(g, k): (s, r) for g, k, s, r in stored}
            same2 = ref == got
            if not same2:
                failures.append("aggregate rates differ")
                for key in sorted(set(ref) | set(got)):
                    if ref.get(key) != got.get(key):
                        log(f"    {key}: reference {ref.get(key)} job {got.get(key)}")

            log("")
            log(f"N = {active:,} active clients")
            log(f"A1 sampling + {summary['sampled']:,} invitations (job): {t_a1:8.2f} s  "
                f"({summary['strata']} strata, seed {summary['seed']})")
            log(f"B1 bulk INSERT ... SELECT of the same rows  : {t_b1:8.2f} s")
            log(f"A1/B1 = {t_a1 / t_b1:.2f}  (target <= {TARGETS['A1/B1']})")
            log(f"A1 and B1 rows identical (client, stratum): {'yes' if same1 else f'NO ({diff1} differ)'}")
            log(f"A2 aggregate job on {n_answers:,} answers ({invited:,} invited, {agg['responded']:,} responded): "
                f"{t_a2:8.2f} s  ({agg['rows']} result rows, overall {agg['satisfaction_rate']})")
            log(f"B2 reference GROUP BY (GROUPING SETS)       : {t_b2:8.2f} s")
            log(f"A2/B2 = {t_a2 / t_b2:.2f}  (target <= {TARGETS['A2/B2']})")
            log(f"A2 and B2 rates identical ({len(ref)} figures): {'yes' if same2 else 'NO'}")
            if failures:
                raise SystemExit("; ".join(failures))
    finally:
        close(app, drop, keep=args.keep)


if __name__ == "__main__":
    main()
