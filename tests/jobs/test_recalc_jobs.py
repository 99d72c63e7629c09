"""Recalculation jobs with the real thing: `rq worker` subprocesses, Redis, PostgreSQL (SPEC §3, §8).

Every test isolates itself: the clients that exist before it (the shared ``world``) are made
inactive for its duration (so they do not enter the pools) and restored afterwards; the rows it
creates are deleted. Inactive clients with purchases in the period are reported by the run.
"""
import datetime as dt
import random
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.jobs.conftest import run_row, wait_for_run

Q3 = "2026Q3"  # ended on 2026-09-30: recalculable
WORKED = {  # SPEC §3.2 worked example, format Z: (条, 元) -> expected scale
    "A": (40, "2000.00", 2), "B": (30, "4000.00", 1), "C": (20, "2500.00", 2),
    "D": (6, "1000.00", 2), "E": (4, "500.00", 3),
}
SCORES = {"A": "0.300000000000", "B": "0.350000000000", "C": "0.225000000000",
          "D": "0.080000000000", "E": "0.045000000000"}


# -- helpers --------------------------------------------------------------------------------------
def _ids(app):
    from backoffice.extensions import db
    from backoffice.models import BusinessFormat, Department, TierScheme

    s = db.session
    out = {
        "fmt": {f.code: f.id for f in s.execute(sa.select(BusinessFormat)).scalars()},
        "dept": s.execute(sa.select(Department.id).where(Department.code == "D1")).scalar_one(),
        "scheme": {x.code: x.id for x in s.execute(sa.select(TierScheme)).scalars()},
        "user": s.execute(sa.text("SELECT id FROM ab_user WHERE username = 'system'")).scalar_one(),
    }
    return out


def add_clients(app, specs, prefix):
    """specs: [(suffix, format code, market type, [(month, qty, amount)])] -> {suffix: client id}."""
    from backoffice.extensions import db

    ids = _ids(app)
    now = dt.datetime(2026, 10, 1)
    postgresql = db.engine.dialect.name == "postgresql"
    out = {}
    for suffix, fmt, mt, purchases in specs:
        cid = db.session.execute(sa.text(
            "INSERT INTO client (code, name, status, department_id, market_type, business_format_id, "
            "key_account, development_potential, created_on, changed_on, created_by_fk, changed_by_fk) "
            "VALUES (:code, :name, 'active', :dept, :mt, :fmt, false, false, :now, :now, :u, :u) RETURNING id"
        ), {"code": f"{prefix}{suffix}", "name": f"客户{prefix}{suffix}", "dept": ids["dept"], "mt": mt,
            "fmt": ids["fmt"][fmt], "now": now, "u": ids["user"]}).scalar_one()
        for month, qty, amount in purchases:
            db.session.execute(sa.text(
                "INSERT INTO purchase_record (client_id, month, quantity, amount, created_on, changed_on, "
                "created_by_fk, changed_by_fk) VALUES (:c, :m, :q, :a, :now, :now, :u, :u)"
            ), {"c": cid, "m": month, "q": qty, "now": now, "u": ids["user"],
                "a": Decimal(amount) if postgresql else str(Decimal(amount))})
        out[suffix] = cid
    db.session.commit()
    return out


@pytest.fixture
def isolated(job_app):
    """Make every existing client inactive during the test; delete the test's own clients after."""
    yield from _isolate(job_app)


def _isolate(app):
    from backoffice.extensions import db

    with app.app_context():
        before = dict(db.session.execute(sa.text("SELECT id, status FROM client")).all())
        max_id = max(before) if before else 0
        db.session.execute(sa.text("UPDATE client SET status = 'inactive'"))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.rollback()
        for table in ("tier_history", "client_tier", "purchase_record"):  # SQLite may not cascade
            db.session.execute(sa.text(f"DELETE FROM {table} WHERE client_id > :m"), {"m": max_id})
        db.session.execute(sa.text("DELETE FROM client WHERE id > :m"), {"m": max_id})
        for cid, status in before.items():
            db.session.execute(sa.text("UPDATE client SET status = :s WHERE id = :i"),
                               {"s": getattr(status, "value", status), "i": cid})
        db.session.commit()


def worked_example(app):
    jul, aug = dt.date(2026, 7, 1), dt.date(2026, 8, 1)
    specs = []
    for name, (qty, amount, _) in WORKED.items():
        half = Decimal(amount) / 2  # two months each: the run sums the quarter's purchases
        specs.append((name, "Z", "C", [(jul, qty // 2, half), (aug, qty - qty // 2, Decimal(amount) - half)]))
    specs.append(("OTHER", "B", "X", [(aug, 1000, "90000.00")]))  # another format: changes nothing in Z
    with app.app_context():
        return add_clients(app, specs, "RW-")


def launch_plan(app, scheme, period, **extra):
    from backoffice.cli import act_as_system
    from backoffice.jobs import launch
    from backoffice.recalc.plan import plan_recalc

    with app.app_context():
        plan = plan_recalc(scheme, period, today=dt.date(2026, 11, 23))
        run = launch(plan.kind, dict(plan.params, **extra), user=act_as_system(), dedupe_key=plan.dedupe_key)
        return run.id


def finish_scale_run(app, run_id, worker, timeout=120):
    """Wait for a scale run and for the service-level run it launches when it has finished."""
    assert wait_for_run(app, run_id, worker=worker, timeout=timeout) == "finished", run_row(app, run_id)["error"]
    follow_up = run_row(app, run_id)["summary"]["service_level_run"]
    assert isinstance(follow_up, int), follow_up
    assert wait_for_run(app, follow_up, worker=worker, timeout=timeout) == "finished", run_row(app, follow_up)["error"]
    return follow_up


def snapshot(app, prefix="R"):
    """Everything a recalculation writes about the test's clients (run ids and timestamps aside)."""
    from backoffice.extensions import db

    like = {"p": f"{prefix}%"}
    with app.app_context():
        clients = db.session.execute(sa.text(
            "SELECT code, scale, composite_code, service_level, key_account FROM client "
            "WHERE code LIKE :p ORDER BY code"), like).all()
        tiers = db.session.execute(sa.text("""
            SELECT c.code, s.code, tc.code, tov.code, t.code, ct.period, ct.score
            FROM client_tier ct JOIN client c ON c.id = ct.client_id JOIN tier_scheme s ON s.id = ct.scheme_id
            LEFT JOIN tier tc ON tc.id = ct.computed_tier_id LEFT JOIN tier tov ON tov.id = ct.override_tier_id
            LEFT JOIN tier t ON t.id = ct.tier_id
            WHERE c.code LIKE :p ORDER BY c.code, s.code"""), like).all()
        history = db.session.execute(sa.text("""
            SELECT c.code, s.code, h.period, h.score, h.rank, h.pool_size, o.code, n.code
            FROM tier_history h JOIN client c ON c.id = h.client_id JOIN tier_scheme s ON s.id = h.scheme_id
            LEFT JOIN tier o ON o.id = h.old_tier_id LEFT JOIN tier n ON n.id = h.new_tier_id
            WHERE c.code LIKE :p ORDER BY c.code, s.code, h.period"""), like).all()
        db.session.rollback()
    return {"clients": [tuple(r) for r in clients], "tiers": [tuple(r) for r in tiers],
            "history": [tuple(r) for r in history]}


def set_override(app, client_id, scheme, tier_code, reason):
    from backoffice.extensions import db

    with app.app_context():
        ids = _ids(app)
        sid = ids["scheme"][scheme]
        tier = db.session.execute(sa.text("SELECT id FROM tier WHERE scheme_id = :s AND code = :c"),
                                  {"s": sid, "c": tier_code}).scalar_one()
        db.session.execute(sa.text(
            "INSERT INTO client_tier (client_id, scheme_id, override_tier_id, tier_id, override_reason, override_by_id) "
            "VALUES (:c, :s, :t, :t, :r, :u) ON CONFLICT (client_id, scheme_id) DO UPDATE SET "
            "override_tier_id = :t, override_reason = :r, override_by_id = :u"),
            {"c": client_id, "s": sid, "t": tier, "r": reason, "u": ids["user"]})
        db.session.commit()


# -- the worked example through a real worker --------------------------------------------------------
def test_scale_run_gives_the_worked_example_and_a_second_run_changes_nothing(isolated, start_worker):
    app = isolated
    worked_example(app)
    worker = start_worker("recalc")
    run_id = launch_plan(app, "SCALE", Q3)
    service_run = finish_scale_run(app, run_id, worker)
    first = snapshot(app, "RW-")

    clients = {code: row for code, *row in first["clients"]}
    for name, (_q, _v, scale) in WORKED.items():
        level = {1: "A", 2: "B", 3: "C"}[scale]
        assert clients[f"RW-{name}"] == [scale, f"CZ{scale}", level, False], name
    assert clients["RW-OTHER"] == [2, "XB2", "B", False]  # alone in its format: N = 1 -> k = 0 -> 2
    history = {(code, scheme): row for code, scheme, *row in first["history"]}
    assert history[("RW-A", "SCALE")] == [Q3, SCORES["A"], 2, 5, None, "2"]
    assert history[("RW-B", "SCALE")] == [Q3, SCORES["B"], 1, 5, None, "1"]
    assert history[("RW-E", "SCALE")] == [Q3, SCORES["E"], 5, 5, None, "3"]
    # the service-level run that followed: its own history (score = the scale it used)
    assert history[("RW-B", "SERVICE")] == [Q3, "1", None, None, None, "A"]
    assert history[("RW-E", "SERVICE")] == [Q3, "3", None, None, None, "C"]
    assert {h[1] for h in first["history"]} == {"SCALE", "SERVICE"} and len(first["history"]) == 12
    tiers = {(code, scheme): row for code, scheme, *row in first["tiers"]}
    assert tiers[("RW-B", "SCALE")] == ["1", None, "1", Q3, SCORES["B"]]
    assert tiers[("RW-E", "SERVICE")] == ["C", None, "C", Q3, "3"]
    assert run_row(app, service_run)["summary"]["tiers"] == {"A": 1, "B": 4, "C": 1}

    run = run_row(app, run_id)
    assert run["summary"]["clients"] == 6 and run["summary"]["tiers"] == {"1": 1, "2": 4, "3": 1}
    assert run["summary"]["pools"] == {"B": 1, "Z": 5}
    # The world's clients (inactive here) bought in 2026-09: reported, not silently dropped.
    assert run["summary"]["inactive_clients"]["clients"] == 3
    assert run["summary"]["inactive_clients"]["sample"] == ["W001", "W002", "W003"]
    assert run["done"] == run["total"] == 6

    again = launch_plan(app, "SCALE", Q3)
    finish_scale_run(app, again, worker)
    assert snapshot(app, "RW-") == first
    assert run_row(app, again)["summary"]["changed"] == 6  # old -> new of the period, kept from the first run


def test_a_manual_override_survives_recalculation(isolated, start_worker):
    app = isolated
    ids = worked_example(app)
    set_override(app, ids["E"], "SERVICE", "A", "重点扶持")  # E ranks 3 -> default C
    set_override(app, ids["D"], "ANNUAL", "B", "重要贡献")  # D bought 1,000 元 -> computed D
    worker = start_worker("recalc")
    run_id = launch_plan(app, "SCALE", Q3)
    finish_scale_run(app, run_id, worker)
    from backoffice.extensions import db
    from backoffice.recalc.engine import recalculate

    with app.app_context():  # the year 2026 is not over (the plan refuses it): computed directly
        summary = recalculate("ANNUAL", "2026", expected_kind="annual_amount")
        assert summary["overrides_kept"] == 1 and summary["tiers"] == {"D": 6}
    # key accounts (SPEC §3.4): C has the development-potential flag, E is named one by hand
    set_override(app, ids["E"], "KEY", "KEY", "集团战略客户")
    with app.app_context():
        db.session.execute(sa.text("UPDATE client SET development_potential = true WHERE id = :c"), {"c": ids["C"]})
        db.session.commit()
        summary = recalculate("KEY", "2026", expected_kind="key_account")
        assert summary["tiers"] == {"KEY": 1, "None": 5} and summary["overrides_kept"] == 1
    assert {c: k for c, *_x, k in snapshot(app, "RW-")["clients"] if k} == {"RW-C": True, "RW-E": True}
    run_id = launch_plan(app, "SCALE", Q3)  # and once more: the override is still there
    finish_scale_run(app, run_id, worker)
    assert run_row(app, run_id)["summary"]["overrides_kept"] == 0  # SCALE itself has no override
    snap = snapshot(app, "RW-")
    tiers = {(code, scheme): row for code, scheme, *row in snap["tiers"]}
    clients = {code: row for code, *row in snap["clients"]}
    assert tiers[("RW-E", "SERVICE")][:3] == ["C", "A", "A"]  # computed C, override A, effective A
    assert clients["RW-E"] == [3, "CZ3", "A", True]  # level A by override; key account by hand
    assert tiers[("RW-D", "ANNUAL")][:3] == ["D", "B", "B"]
    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT override_reason FROM client_tier WHERE client_id = :c AND scheme_id = :s"),
            {"c": ids["E"], "s": _ids(app)["scheme"]["SERVICE"]}).scalar_one()
        assert row == "重点扶持"


# -- crash safety: a worker killed half-way ----------------------------------------------------------
N_BIG = 20000


def big_data_set(app, prefix="RK-"):
    """N_BIG clients over 5 formats with a quarter of monthly purchases, in two statements."""
    from backoffice.extensions import db

    with app.app_context():
        ids = _ids(app)
        fmts = [ids["fmt"][c] for c in ("B", "S", "Y", "F", "Z")]
        db.session.execute(sa.text(f"""
            INSERT INTO client (code, name, status, department_id, market_type, business_format_id,
                                key_account, development_potential, created_on, changed_on, created_by_fk, changed_by_fk)
            SELECT '{prefix}' || lpad(g::text, 6, '0'), 'K' || g, 'active', :dept,
                   CASE WHEN g % 3 = 0 THEN 'X' ELSE 'C' END, (ARRAY{fmts})[1 + g % 5],
                   false, false, now(), now(), :u, :u
            FROM generate_series(1, :n) AS g"""), {"dept": ids["dept"], "u": ids["user"], "n": N_BIG})
        db.session.execute(sa.text(f"""
            INSERT INTO purchase_record (client_id, month, quantity, amount, created_on, changed_on,
                                         created_by_fk, changed_by_fk)
            SELECT c.id, m, (c.id * 7 + extract(month from m)::int) % 50,
                   ((c.id * 13) % 97) * 10.5, now(), now(), :u, :u
            FROM client c CROSS JOIN (VALUES (date '2026-04-01'), (date '2026-05-01'), (date '2026-06-01')) AS t(m)
            WHERE c.code LIKE '{prefix}%' AND c.id % 11 <> 0"""), {"u": ids["user"]})
        db.session.commit()


def reset_results(app, prefix="RK-"):
    from backoffice.extensions import db

    with app.app_context():
        sel = f"(SELECT id FROM client WHERE code LIKE '{prefix}%')"
        db.session.execute(sa.text(f"DELETE FROM tier_history WHERE client_id IN {sel}"))
        db.session.execute(sa.text(f"DELETE FROM client_tier WHERE client_id IN {sel}"))
        db.session.execute(sa.text(
            f"UPDATE client SET scale = NULL, composite_code = NULL, service_level = NULL WHERE id IN {sel}"))
        db.session.commit()


def test_a_worker_killed_mid_run_leaves_nothing_and_a_rerun_equals_a_clean_run(isolated, start_worker):
    from backoffice.jobs import JobRefused

    app = isolated
    big_data_set(app)
    worker = start_worker("recalc")
    clean = launch_plan(app, "SCALE", "2026Q2")
    finish_scale_run(app, clean, worker)
    clean_snapshot = snapshot(app, "RK-")
    assert len(clean_snapshot["history"]) == 2 * N_BIG  # scale and service level
    worker.stop()

    reset_results(app)
    empty = snapshot(app, "RK-")
    victim = start_worker("recalc")
    run_id = launch_plan(app, "SCALE", "2026Q2", batch_size=300)
    deadline = time.time() + 60
    while time.time() < deadline:
        row = run_row(app, run_id)
        if row["total"] and 0 < row["done"] < row["total"] * 0.8:
            break
        assert row["state"] in ("queued", "running"), row
        time.sleep(0.02)
    else:
        pytest.fail("the run never got half-way")
    victim.kill()
    assert run_row(app, run_id)["done"] < N_BIG
    assert snapshot(app, "RK-") == empty  # nothing of the killed run is visible

    # The run is failed once its heartbeat is older than the grace (6 s here); then it can go again.
    deadline = time.time() + 40
    while True:
        try:
            rerun = launch_plan(app, "SCALE", "2026Q2")
            break
        except JobRefused:
            assert time.time() < deadline, "the killed run was never reaped"
            time.sleep(1)
    assert run_row(app, run_id)["state"] == "failed"
    rescuer = start_worker("recalc")
    finish_scale_run(app, rerun, rescuer)
    assert snapshot(app, "RK-") == clean_snapshot


# -- the SQL fast path agrees with the rule functions --------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_sql_fast_path_equals_the_rule_functions_on_random_data_with_ties(isolated, seed):
    from backoffice.extensions import db
    from backoffice.models import TierScheme
    from backoffice.recalc import compute as C
    from backoffice.recalc.engine import _target
    from backoffice.recalc.plan import parse_scheme_period

    app = isolated
    rnd = random.Random(seed)
    months = [dt.date(2025, m, 1) for m in (4, 5, 6)]
    specs = []
    for i in range(rnd.randint(40, 160)):
        fmt = rnd.choice("ZBSY")
        n_months = rnd.choice([0, 1, 1, 2, 3])
        if fmt == "Y":  # a format where nobody bought: every score 0
            n_months = 0
        buys = [(m, rnd.choice([0, 5, 10, 10, 20]), rnd.choice(["0", "100.00", "250.50", "250.50", "1e6"]))
                for m in rnd.sample(months, n_months)]
        specs.append((f"{i:04d}", fmt, rnd.choice("CX"), buys))
    with app.app_context():
        add_clients(app, specs, f"RQ{seed}-")
        # the service level reads each client's latest scale (some have none yet)
        db.session.execute(sa.text(
            "UPDATE client SET scale = CASE id % 4 WHEN 0 THEN NULL ELSE 1 + (id * 7 + :s) % 3 END "
            "WHERE code LIKE :p"), {"s": seed, "p": f"RQ{seed}-%"})
        db.session.commit()
        for code, period in (("SCALE", "2025Q2"), ("ANNUAL", "2025"), ("SERVICE", "2025Q2")):
            scheme = db.session.execute(sa.select(TierScheme).where(TierScheme.code == code)).scalar_one()
            target = _target(scheme, parse_scheme_period(scheme.period_kind, period))
            conn = db.session.connection()
            C.compute(conn, target, "sql")
            by_sql = C.read_result_table(conn)
            C.compute(conn, target, "python")
            by_rules = C.read_result_table(conn)
            db.session.rollback()
            assert by_sql == by_rules
            assert len(by_sql) == len(specs)
            if code == "SCALE":
                ranks = [r[1] for r in by_sql.values()]
                assert len(set(ranks)) < len(ranks)  # the data really had ties


# -- launch planning ---------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme, period, message", [
    ("SCALE", "2026Q5", "is not a quarter|不是季度"),
    ("SCALE", "2025", "is not a quarter|不是季度"),
    ("ANNUAL", "2026Q1", "is not a year|不是年份"),
    ("SCALE", "2026Q4", "has not ended yet|尚未结束"),
    ("ANNUAL", "2026", "has not ended yet|尚未结束"),
    ("NOPE", "2025", "There is no tier scheme NOPE|不存在分级方案 NOPE"),
])
def test_plan_refuses_bad_launches(job_app, scheme, period, message):
    """The refusal is translated (Simplified Chinese by default, SPEC §10; English msgids)."""
    from backoffice.jobs import JobRefused
    from backoffice.recalc.plan import plan_recalc

    with job_app.test_request_context():
        with pytest.raises(JobRefused, match=message):
            plan_recalc(scheme, period, today=dt.date(2026, 11, 23))


def test_plan_of_a_complete_period(job_app):
    from backoffice.extensions import db
    from backoffice.jobs import JobRefused
    from backoffice.recalc.plan import plan_recalc

    with job_app.test_request_context():
        plan = plan_recalc("scale", " 2026q3 ", today=dt.date(2026, 10, 1))  # first day after Q3
        assert (plan.kind, plan.params, plan.dedupe_key) == (
            "recalc.scale", {"scheme": "SCALE", "period": "2026Q3"}, "recalc:SCALE:2026Q3")
        assert plan.label.endswith("2026Q3")
        assert plan_recalc("KEY", "2025", today=dt.date(2026, 1, 1)).kind == "recalc.key_account"
        assert plan_recalc("SERVICE", "2026Q3", today=dt.date(2026, 10, 1)).kind == "recalc.service_level"
        with pytest.raises(JobRefused, match="has not ended|尚未结束"):
            plan_recalc("SCALE", "2026Q3", today=dt.date(2026, 9, 30))
        db.session.execute(sa.text("UPDATE tier_scheme SET active = false WHERE code = 'KEY'"))
        try:
            with pytest.raises(JobRefused, match="inactive|已停用"):
                plan_recalc("KEY", "2025", today=dt.date(2026, 1, 1))
        finally:
            db.session.execute(sa.text("UPDATE tier_scheme SET active = true WHERE code = 'KEY'"))
            db.session.commit()


# -- the embedded demo: SQLite, no Redis, in-process ---------------------------------------------------
@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    from tests.conftest import world_app

    with world_app("sqlite", tmp_path_factory, JOBS_SYNCHRONOUS=True) as app:
        yield app


def test_in_process_on_sqlite_gives_the_worked_example(sqlite_app):
    from backoffice.extensions import db

    for _ in _isolate(sqlite_app):
        ids = worked_example(sqlite_app)
        with sqlite_app.app_context():
            # A client whose format has no letter cannot be ranked: reported in the summary.
            db.session.execute(sa.text("INSERT INTO business_format (code, name, verified) VALUES ('', '未定', 0)"))
            db.session.commit()
            nofmt = add_clients(sqlite_app, [("NOFMT", "", "C", [(dt.date(2026, 9, 1), 3, "30.00")])], "RW-")
            db.session.execute(sa.text("UPDATE client SET development_potential = 1 WHERE id = :c"), {"c": ids["A"]})
            db.session.commit()
        run_id = launch_plan(sqlite_app, "SCALE", Q3)
        run = run_row(sqlite_app, run_id)
        assert run["state"] == "finished", run["error"]
        assert run["summary"]["method"] == "python"
        assert run["summary"]["missing_format"] == {"clients": 1, "purchases": 1, "sample": ["RW-NOFMT"]}
        snap = snapshot(sqlite_app, "RW-")
        assert [(c, s, cc, lvl) for c, s, cc, lvl, _k in snap["clients"]] == [
            ("RW-A", 2, "CZ2", "B"), ("RW-B", 1, "CZ1", "A"), ("RW-C", 2, "CZ2", "B"),
            ("RW-D", 2, "CZ2", "B"), ("RW-E", 3, "CZ3", "C"), ("RW-NOFMT", None, None, None),
            ("RW-OTHER", 2, "XB2", "B"),
        ]
        scores = {c: score for c, scheme, _p, score, *_ in snap["history"] if scheme == "SCALE"}
        assert scores == {f"RW-{k}": v for k, v in SCORES.items()} | {"RW-OTHER": "1.000000000000"}
        again = launch_plan(sqlite_app, "SCALE", Q3)
        assert run_row(sqlite_app, again)["state"] == "finished"
        assert snapshot(sqlite_app, "RW-") == snap

        # service level from the latest scale (SPEC §3.3), with history of its own
        run = run_row(sqlite_app, launch_plan(sqlite_app, "SERVICE", Q3))
        assert run["state"] == "finished", run["error"]
        assert run["summary"]["tiers"] == {"A": 1, "B": 4, "C": 1, "None": 1}  # NOFMT: no scale yet
        svc = {c: (score, new) for c, scheme, _p, score, _r, _n, _o, new in snapshot(sqlite_app, "RW-")["history"]
               if scheme == "SERVICE"}
        assert svc["RW-B"] == ("1", "A") and svc["RW-E"] == ("3", "C") and svc["RW-NOFMT"] == (None, None)

        # key accounts of 2026 (SPEC §3.4): nobody bought > 1,000,000 元; A has the potential flag
        from backoffice.recalc.engine import recalculate

        with sqlite_app.app_context():
            summary = recalculate("KEY", "2026", expected_kind="key_account")
        assert summary["tiers"] == {"KEY": 1, "None": 6}
        flags = {c: k for c, _s, _cc, _l, k in snapshot(sqlite_app, "RW-")["clients"]}
        assert [c for c, k in flags.items() if k] == ["RW-A"]
        with sqlite_app.app_context():
            for table in ("tier_history", "client_tier", "purchase_record"):
                db.session.execute(sa.text(f"DELETE FROM {table} WHERE client_id = :c"), {"c": nofmt["NOFMT"]})
            db.session.execute(sa.text("DELETE FROM client WHERE id = :c"), {"c": nofmt["NOFMT"]})
            db.session.execute(sa.text("DELETE FROM business_format WHERE code = ''"))
            db.session.commit()
