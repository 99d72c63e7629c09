"""Survey jobs with the real thing: `rq worker` subprocesses, Redis, PostgreSQL (SPEC §7, §8).

- "surveys.sample" on a few thousand generated clients: sample size = max(ceil(ratio × N),
  non-empty strata), every non-empty stratum covered, one invitation per sampled client, the seed
  stored and the sample reproducible from it;
- "surveys.aggregate" on a small set of answers whose figures are computed by hand below;
- crash safety: a worker SIGKILLed (work horse included) while invitation batches are written, the run
  reaped after the heartbeat grace, launched again with the same dedupe key: exactly one
  invitation per sampled client, and the same sample, strata and phone assignees as a clean run
  with the same seed.

Every test isolates itself: the clients that exist before it are made inactive for its duration
(so they do not enter the sample) and restored afterwards; its campaigns, clients and
questionnaire are deleted.
"""
import datetime as dt
import math
import time
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa

from tests.jobs.conftest import run_row, wait_for_run

N_CLIENTS = 4000
PREFIX = "SJ"
DEADLINE = dt.date(2099, 12, 31)


# -- helpers --------------------------------------------------------------------------------------
def _system_id(db):
    return db.session.execute(sa.text("SELECT id FROM ab_user WHERE username = 'system'")).scalar_one()


def generate_clients(n):
    """n active clients spread over every business format and department (one INSERT ... SELECT).

    Format, region class and service level are scrambled from the row number; one client in 97
    has no region class and one in 13 no service level, so strata of very different sizes (a
    few of one client, some "-" strata) exist.
    """
    from backoffice.extensions import db

    s = db.session
    fmts = [r[0] for r in s.execute(sa.text("SELECT id FROM business_format ORDER BY id"))]
    depts = [r[0] for r in s.execute(sa.text("SELECT id FROM department ORDER BY id"))]
    s.execute(sa.text(f"""
        INSERT INTO client (code, name, status, department_id, market_type, business_format_id, region_class,
                            service_level, key_account, development_potential, created_on, changed_on,
                            created_by_fk, changed_by_fk)
        SELECT '{PREFIX}' || lpad(g::text, 6, '0'), '抽样客户' || g, 'active',
               (ARRAY{depts})[1 + g % {len(depts)}],
               CASE WHEN g % 3 = 0 THEN 'X' ELSE 'C' END,
               (ARRAY{fmts})[1 + (g::bigint * 2654435761 % 1000003) % {len(fmts)}],
               CASE WHEN g % 97 = 0 THEN NULL
                    ELSE (ARRAY['city_a', 'city_b', 'town', 'rural'])[1 + (g * 40503 % 65537) % 4] END,
               CASE WHEN g % 13 = 0 THEN NULL
                    ELSE (ARRAY['A', 'B', 'B', 'C', 'C', 'C'])[1 + (g::bigint * g * 31 % 101) % 6] END,
               false, false, now(), now(), :u, :u
        FROM generate_series(1, :n) AS g"""), {"u": _system_id(db), "n": n})
    s.commit()


def expected_strata():
    """{stratum key: [client ids]} of the active clients, computed here in SQL (not by the job)."""
    from backoffice.extensions import db

    rows = db.session.execute(sa.text("""
        SELECT bf.code || '|' || COALESCE(c.region_class, '-') || '|' || COALESCE(c.service_level, '-'), c.id
        FROM client c JOIN business_format bf ON bf.id = c.business_format_id
        WHERE c.status = 'active'""")).all()
    strata = {}
    for key, cid in rows:
        strata.setdefault(key, []).append(cid)
    return strata


def new_campaign(name, ratio, channel="online", seed=None, questionnaire_code="SAT-STD"):
    from backoffice import models as m
    from backoffice.cli import act_as_system
    from backoffice.extensions import db

    act_as_system()  # the audit columns need a user
    qn = db.session.execute(sa.select(m.Questionnaire).where(m.Questionnaire.code == questionnaire_code)).scalar_one()
    campaign = m.SurveyCampaign(name=name, kind="semiannual", period="2026H2", questionnaire=qn,
                                sample_ratio=Decimal(ratio), deadline=DEADLINE, channel=channel, seed=seed)
    db.session.add(campaign)
    db.session.commit()
    return campaign.id


def launch(app, kind, campaign_id, **params):
    from backoffice.cli import act_as_system
    from backoffice.jobs import launch as launch_job

    key = {"surveys.sample": "sample", "surveys.aggregate": "aggregate"}[kind]
    with app.app_context():
        run = launch_job(kind, {"campaign": campaign_id, **params}, user=act_as_system(),
                         dedupe_key=f"surveys:{key}:{campaign_id}")
        assert run.enqueued
        return run.id


def invitations(app, campaign_id):
    """{client id: (stratum, assignee id, token, channel, expires_at)} and the number of rows."""
    from backoffice.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT client_id, stratum, assignee_id, token, channel, expires_at FROM survey_invitation "
            "WHERE campaign_id = :c"), {"c": campaign_id}).all()
        db.session.rollback()
    return {r[0]: tuple(r[1:]) for r in rows}, len(rows)


def campaign_row(app, campaign_id):
    from backoffice.extensions import db
    from backoffice.models import SurveyCampaign

    with app.app_context():
        c = db.session.get(SurveyCampaign, campaign_id)
        out = {"seed": c.seed, "state": getattr(c.state, "value", c.state), "summary": c.sample_summary}
        db.session.rollback()
        return out


@pytest.fixture
def isolated(job_app):
    """Every existing client inactive during the test; the test's campaigns and clients deleted after."""
    from backoffice.extensions import db

    app = job_app
    with app.app_context():
        before = dict(db.session.execute(sa.text("SELECT id, status FROM client")).all())
        max_client = max(before) if before else 0
        max_campaign = db.session.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM survey_campaign")).scalar()
        max_qn = db.session.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM questionnaire")).scalar()
        db.session.execute(sa.text("UPDATE client SET status = 'inactive'"))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.rollback()
        db.session.execute(sa.text("DELETE FROM survey_campaign WHERE id > :m"), {"m": max_campaign})
        db.session.execute(sa.text("DELETE FROM survey_question WHERE questionnaire_id > :m"), {"m": max_qn})
        db.session.execute(sa.text("DELETE FROM questionnaire WHERE id > :m"), {"m": max_qn})
        db.session.execute(sa.text("DELETE FROM client WHERE id > :m"), {"m": max_client})
        for cid, status in before.items():
            db.session.execute(sa.text("UPDATE client SET status = :s WHERE id = :i"),
                               {"s": getattr(status, "value", status), "i": cid})
        db.session.commit()


# -- (a) sampling and invitation batches --------------------------------------------------------
def test_sampling_covers_every_stratum_and_invites_each_sampled_client_once(isolated, start_worker):
    from backoffice.extensions import db
    from backoffice.rules.sampling import draw_sample

    app = isolated
    with app.app_context():
        generate_clients(N_CLIENTS)
        strata = expected_strata()
        cid = new_campaign("抽样作业测试", "0.02")
    population = sum(len(v) for v in strata.values())
    assert population == N_CLIENTS
    # SPEC §7: size = max(ceil(ratio × N), number of non-empty strata). With 2 % of 4,000 = 80
    # clients for over a hundred strata, the strata decide: one client each.
    size = max(math.ceil(Fraction("0.02") * N_CLIENTS), len(strata))
    assert size == len(strata) > 80 and any(len(v) == 1 for v in strata.values()), len(strata)

    worker = start_worker("surveys")
    run_id = launch(app, "surveys.sample", cid, batch_size=37)
    assert wait_for_run(app, run_id, worker=worker) == "finished", run_row(app, run_id)["error"]
    run = run_row(app, run_id)
    campaign = campaign_row(app, cid)

    # The seed is stored on the campaign and in the summary; the campaign is open.
    assert campaign["state"] == "open"
    assert isinstance(campaign["seed"], int) and campaign["summary"]["seed"] == campaign["seed"]
    summary = campaign["summary"]
    assert summary["population"] == N_CLIENTS and summary["size"] == size
    assert run["summary"] == {"campaign": cid, "seed": campaign["seed"], "sampled": size, "inserted": size,
                              "strata": len(strata)}
    assert run["done"] == run["total"] == size

    # Every non-empty stratum is covered; no stratum gets more than it holds.
    assert set(summary["strata"]) == set(strata)
    for key, ids in strata.items():
        assert summary["strata"][key]["population"] == len(ids)
        assert 1 <= summary["strata"][key]["sampled"] <= len(ids)
    assert sum(s["sampled"] for s in summary["strata"].values()) == size

    # One invitation per sampled client, in the client's own stratum, with its own token.
    rows, count = invitations(app, cid)
    assert count == len(rows) == size
    stratum_of = {c: key for key, ids in strata.items() for c in ids}
    assert all(stratum_of[client] == row[0] for client, row in rows.items())
    per_stratum = {}
    for client, row in rows.items():
        per_stratum[row[0]] = per_stratum.get(row[0], 0) + 1
    assert per_stratum == {k: v["sampled"] for k, v in summary["strata"].items()}
    assert len({row[2] for row in rows.values()}) == size and all(len(row[2]) >= 40 for row in rows.values())
    assert {row[3] for row in rows.values()} == {"online"} and {row[1] for row in rows.values()} == {None}
    assert {row[4] for row in rows.values()} == {dt.datetime(2099, 12, 31, 23, 59, 59)}

    # Reproducible: the stored seed draws the same clients from the same population.
    chosen, _ = draw_sample(strata, Decimal("0.02"), campaign["seed"])
    assert {c for ids in chosen.values() for c in ids} == set(rows)

    # A second run (as after a lost worker) adds nothing.
    again = launch(app, "surveys.sample", cid)
    assert wait_for_run(app, again, worker=worker) == "finished"
    assert run_row(app, again)["summary"]["inserted"] == 0
    assert invitations(app, cid)[0].keys() == rows.keys() and invitations(app, cid)[1] == size
    assert campaign_row(app, cid)["seed"] == campaign["seed"]
    with app.app_context():
        db.session.remove()


# -- (b) aggregation against hand-computed figures ------------------------------------------------
# Questionnaire T-AGG: Q1 supply 1-5, Q2 service 1-5, Q3 price 1-10 (satisfied from 8: the top
# quarter of its range), Q4 rating of the client manager 1-5. Four invited clients, three answered.
ANSWERS = {  # client -> {question: score}
    "c1": {"Q1": 5, "Q2": 4, "Q3": 8, "Q4": 3},   # satisfied: Q1 Q2 Q3      3 / 4
    "c2": {"Q1": 3, "Q2": 5, "Q3": 7, "Q4": 5},   # satisfied: Q2 Q4         2 / 4
    "c3": {"Q1": 4, "Q2": 5, "Q3": 10},           # satisfied: Q1 Q2 Q3      3 / 3
    "c4": {},                                      # invited, did not answer
}
CLIENTS = {"c1": ("D1", "A"), "c2": ("D1", "B"), "c3": ("D2", "A"), "c4": ("D2", None)}
D = Decimal
EXPECTED = {  # (grouping, key) -> invited, responded, answers, satisfied, satisfaction, response, target
    ("campaign", "all"): (4, 3, 11, 8, D("0.7273"), D("0.7500"), D("0.85")),
    ("dimension", "supply"): (4, 3, 3, 2, D("0.6667"), D("0.7500"), D("0.80")),
    ("dimension", "service"): (4, 3, 3, 3, D("1.0000"), D("0.7500"), D("0.85")),
    ("dimension", "price"): (4, 3, 3, 2, D("0.6667"), D("0.7500"), D("0.85")),
    ("dimension", "staff"): (4, 2, 2, 1, D("0.5000"), D("0.5000"), D("0.85")),
    ("question", "Q1"): (4, 3, 3, 2, D("0.6667"), D("0.7500"), D("0.80")),
    ("question", "Q2"): (4, 3, 3, 3, D("1.0000"), D("0.7500"), D("0.85")),
    ("question", "Q3"): (4, 3, 3, 2, D("0.6667"), D("0.7500"), D("0.85")),
    ("question", "Q4"): (4, 2, 2, 1, D("0.5000"), D("0.5000"), D("0.85")),
    ("department", "D1"): (2, 2, 8, 5, D("0.6250"), D("1.0000"), D("0.85")),
    ("department", "D2"): (2, 1, 3, 3, D("1.0000"), D("0.5000"), D("0.85")),
    ("service_level", "A"): (2, 2, 7, 6, D("0.8571"), D("1.0000"), D("0.85")),
    ("service_level", "B"): (1, 1, 4, 2, D("0.5000"), D("1.0000"), D("0.85")),
    ("service_level", "-"): (1, 0, 0, 0, None, D("0.0000"), D("0.85")),
    ("staff", "t_cm1"): (0, 2, 2, 1, D("0.5000"), None, D("0.85")),
}


def _aggregation_fixture(app):
    from backoffice import models as m
    from backoffice.extensions import db

    from backoffice.cli import act_as_system

    world = app.world
    with app.app_context():
        act_as_system()
        s = db.session
        qn = m.Questionnaire(code="T-AGG", name="聚合测试问卷")
        specs = [("Q1", "supply", None, 1, 5), ("Q2", "service", None, 1, 5), ("Q3", "price", None, 1, 10),
                 ("Q4", "staff", "client_manager", 1, 5)]
        questions = {}
        for pos, (code, dim, role, lo, hi) in enumerate(specs):
            questions[code] = m.SurveyQuestion(questionnaire=qn, code=code, position=pos, dimension=dim,
                                               staff_position=role, text_zh=f"问题{code}", min_score=lo, max_score=hi)
        s.add(qn)
        s.flush()
        cid = new_campaign("聚合作业测试", "0.05", questionnaire_code="T-AGG")
        fmt = s.execute(sa.select(m.BusinessFormat)).scalars().first()
        invs = {}
        for name, (dept, level) in CLIENTS.items():
            client = m.Client(code=f"{PREFIX}A-{name}", name=f"聚合客户{name}", department_id=world["departments"][dept],
                              business_format=fmt, market_type="C", service_level=level, status="active")
            s.add(client)
            s.flush()
            invs[name] = m.SurveyInvitation(campaign_id=cid, client_id=client.id,
                                            expires_at=dt.datetime(2099, 12, 31, 23, 59, 59))
            s.add(invs[name])
        s.flush()
        answered = dt.datetime(2026, 11, 20, 10, 0)
        for name, scores in ANSWERS.items():
            for code, score in scores.items():
                s.add(m.SurveyAnswer(invitation=invs[name], question=questions[code], score=score,
                                     staff_id=world["staff"]["t_cm1"] if code == "Q4" else None,
                                     channel="online", answered_at=answered))
            if scores:
                invs[name].used_at = answered
        s.commit()
        keys = {("department", str(world["departments"][d])): ("department", d) for d in ("D1", "D2")}
        keys[("staff", str(world["staff"]["t_cm1"]))] = ("staff", "t_cm1")
        return cid, keys


def results(app, campaign_id, keys):
    from backoffice.extensions import db
    from backoffice.models import SurveyResult

    with app.app_context():
        rows = db.session.execute(sa.select(SurveyResult).where(SurveyResult.campaign_id == campaign_id)).scalars()
        out = {
            keys.get((r.grouping, r.key), (r.grouping, r.key)): (
                r.invited, r.responded, r.answers, r.satisfied, r.satisfaction_rate, r.response_rate, r.target)
            for r in rows
        }
        db.session.rollback()
        return out


def test_aggregation_gives_the_hand_computed_figures(isolated, start_worker):
    app = isolated
    cid, keys = _aggregation_fixture(app)
    worker = start_worker("surveys")
    run_id = launch(app, "surveys.aggregate", cid)
    assert wait_for_run(app, run_id, worker=worker) == "finished", run_row(app, run_id)["error"]
    got = results(app, cid, keys)
    assert got == EXPECTED
    summary = run_row(app, run_id)["summary"]
    assert summary["invited"] == 4 and summary["responded"] == 3 and summary["answers"] == 11
    assert summary["satisfaction_rate"] == "0.7273" and summary["rows"] == len(EXPECTED)

    # Run again: the rows are replaced, never doubled, and the figures are the same.
    again = launch(app, "surveys.aggregate", cid)
    assert wait_for_run(app, again, worker=worker) == "finished"
    assert results(app, cid, keys) == EXPECTED
    from backoffice.extensions import db
    from backoffice.models import SurveyResult

    with app.app_context():
        run_ids = set(db.session.execute(
            sa.select(SurveyResult.run_id).where(SurveyResult.campaign_id == cid)).scalars())
        assert run_ids == {again}
        db.session.rollback()


# -- (c) a worker killed while the invitations are written ------------------------------------------
def test_a_worker_killed_mid_invitations_then_relaunched_equals_a_clean_run(isolated, start_worker):
    from backoffice.jobs import JobRefused

    app = isolated
    batch = 20
    with app.app_context():
        generate_clients(N_CLIENTS)
        strata = expected_strata()
        victim_id = new_campaign("中断抽样", "0.1", channel="phone")
    size = max(math.ceil(Fraction("0.1") * N_CLIENTS), len(strata))
    assert size == 400 > len(strata)  # here the ratio decides

    victim = start_worker("surveys")
    run_id = launch(app, "surveys.sample", victim_id, batch_size=batch, pause=0.25)
    wait_for_run(app, run_id, states=("running",), worker=victim)
    deadline = time.time() + 30
    while invitations(app, victim_id)[1] < 3 * batch:  # a few batches are in
        assert time.time() < deadline, victim.output()[-2000:]
        time.sleep(0.1)
    progress = run_row(app, run_id)
    assert progress["total"] == size and 0 < progress["done"] < size  # progress shows per batch
    victim.kill()
    assert run_row(app, run_id)["state"] == "running"
    partial, count = invitations(app, victim_id)
    assert 0 < count < size and count % batch == 0, count  # whole batches only: each one committed
    seed = campaign_row(app, victim_id)["seed"]
    assert seed is not None and campaign_row(app, victim_id)["state"] == "sampling"

    # While the dead run still looks alive, the same work is refused.
    with pytest.raises(JobRefused):
        launch(app, "surveys.sample", victim_id)

    rescuer = start_worker("surveys")  # its housekeeping reaps the silent run after the grace period
    assert wait_for_run(app, run_id, states=("failed",), timeout=60, worker=rescuer) == "failed"
    assert "heartbeat" in run_row(app, run_id)["error"]
    again = launch(app, "surveys.sample", victim_id, batch_size=500)
    assert wait_for_run(app, again, worker=rescuer) == "finished", run_row(app, again)["error"]
    assert run_row(app, again)["summary"]["inserted"] == size - count

    # The same campaign settings and seed, sampled cleanly in one go.
    with app.app_context():
        clean_id = new_campaign("完整抽样", "0.1", channel="phone", seed=seed)
    clean_run = launch(app, "surveys.sample", clean_id)
    assert wait_for_run(app, clean_run, worker=rescuer) == "finished", run_row(app, clean_run)["error"]

    recovered, n_recovered = invitations(app, victim_id)
    clean, n_clean = invitations(app, clean_id)
    assert n_recovered == len(recovered) == size == n_clean  # exactly one invitation per sampled client
    assert campaign_row(app, victim_id)["seed"] == seed and campaign_row(app, victim_id)["state"] == "open"
    # The same clients, strata and phone assignees (round-robin over the sample's order).
    assert {c: r[:2] for c, r in recovered.items()} == {c: r[:2] for c, r in clean.items()}
    assert all(r[1] is not None for r in recovered.values())
    # The invitations written before the kill were kept as they were (their tokens still work).
    assert all(recovered[c][2] == row[2] for c, row in partial.items())
    assert campaign_row(app, victim_id)["summary"]["members"] == campaign_row(app, clean_id)["summary"]["members"]
