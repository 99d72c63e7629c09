"""The job-run machinery with a real ``rq worker`` process on the real Redis and PostgreSQL.

Uses a tiny job kind registered by ``backoffice.jobs.kind_selftest`` (counting with progress)
so the bookkeeping is tested apart from any business job.
"""
import sqlalchemy as sa

from tests.jobs.conftest import wait_for_run


def _launch(app, params, dedupe_key=None):
    from backoffice.cli import act_as_system
    from backoffice.jobs import launch

    with app.app_context():
        run = launch("selftest.count", params, user=act_as_system(), dedupe_key=dedupe_key)
        return run.id, run.enqueued


def _run(app, run_id):
    from backoffice.extensions import db
    from backoffice.models import JobRun

    with app.app_context():
        run = db.session.get(JobRun, run_id)
        out = {c: getattr(run, c) for c in ("state", "progress_done", "progress_total", "summary", "error",
                                              "started_at", "ended_at", "enqueued", "rq_job_id")}
        out["state"] = getattr(out["state"], "value", out["state"])
        db.session.rollback()
        return out


def test_a_worker_runs_a_launched_job_and_records_it(job_app, start_worker):
    worker = start_worker("default")
    run_id, enqueued = _launch(job_app, {"n": 30, "sleep": 0.01})
    assert enqueued
    assert wait_for_run(job_app, run_id, worker=worker) == "finished", worker.output()
    run = _run(job_app, run_id)
    assert run["summary"] == {"counted": 30}
    assert (run["progress_done"], run["progress_total"]) == (30, 30)
    assert run["started_at"] <= run["ended_at"]
    assert run["rq_job_id"] == f"run-{run_id}"


def test_a_failing_job_is_recorded_with_its_error(job_app, start_worker):
    worker = start_worker("default")
    run_id, _ = _launch(job_app, {"n": 3, "fail_at": 2})
    assert wait_for_run(job_app, run_id, worker=worker) == "failed"
    assert "fail_at" in _run(job_app, run_id)["error"]


def test_redis_down_at_launch_keeps_the_run_and_a_worker_sends_it_later(job_app, start_worker):
    from backoffice.jobs.connection import redis_connection

    down = "redis://127.0.0.1:1/0"  # nothing listens there: as good as Redis being down
    with job_app.app_context():
        # what an earlier test of this session left queued is not this launch's (once in a full run)
        waiting = redis_connection().llen("rq:queue:default")
        job_app.extensions.pop("backoffice_redis", None)
        job_app.config["REDIS_URL"] = down
        try:
            run_id, enqueued = _launch(job_app, {"n": 2})
        finally:
            job_app.config["REDIS_URL"] = job_app.redis_url
            job_app.extensions.pop("backoffice_redis", None)
    assert not enqueued
    assert _run(job_app, run_id)["state"] == "queued"
    with job_app.app_context():
        assert redis_connection().llen("rq:queue:default") == waiting  # nothing was sent
    worker = start_worker("default")  # its housekeeping dispatches the waiting run
    assert wait_for_run(job_app, run_id, worker=worker) == "finished"
    run = _run(job_app, run_id)
    assert run["enqueued"] and run["summary"] == {"counted": 2}


def test_a_second_launch_of_the_same_work_is_refused_while_the_first_is_active(job_app):
    import pytest

    from backoffice.jobs import JobRefused
    from backoffice.models import JobRun
    from backoffice.extensions import db

    first, _ = _launch(job_app, {"n": 1}, dedupe_key="selftest:same")
    with pytest.raises(JobRefused):
        _launch(job_app, {"n": 1}, dedupe_key="selftest:same")
    with job_app.app_context():
        count = db.session.execute(
            sa.select(sa.func.count()).select_from(JobRun).where(JobRun.dedupe_key == "selftest:same")
        ).scalar()
        from backoffice.jobs import cancel

        assert cancel(db.session.get(JobRun, first))
    assert count == 1


def test_a_cancelled_run_is_never_executed(job_app, start_worker):
    from backoffice.extensions import db
    from backoffice.jobs import cancel
    from backoffice.models import JobRun

    run_id, _ = _launch(job_app, {"n": 2})
    with job_app.app_context():
        assert cancel(db.session.get(JobRun, run_id))
    worker = start_worker("default")
    follow_id, _ = _launch(job_app, {"n": 1})
    assert wait_for_run(job_app, follow_id, worker=worker) == "finished"
    run = _run(job_app, run_id)
    assert run["state"] == "cancelled" and run["started_at"] is None


def test_a_killed_worker_leaves_a_run_that_is_reaped_and_can_be_launched_again(job_app, start_worker):
    import time

    worker = start_worker("default")
    run_id, _ = _launch(job_app, {"n": 400, "sleep": 0.05}, dedupe_key="selftest:kill")
    wait_for_run(job_app, run_id, states=("running",), worker=worker)
    time.sleep(1)
    worker.kill()
    assert _run(job_app, run_id)["state"] == "running"
    second = start_worker("default")  # its housekeeping reaps the silent run after the grace period
    assert wait_for_run(job_app, run_id, states=("failed",), timeout=60, worker=second) == "failed"
    assert "heartbeat" in _run(job_app, run_id)["error"]
    again, _ = _launch(job_app, {"n": 3}, dedupe_key="selftest:kill")
    assert wait_for_run(job_app, again, worker=second) == "finished"
