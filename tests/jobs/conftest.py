"""Fixtures for job tests against the real Redis and a real ``rq worker`` process.

- ``redis_db``: a Redis database number of this test run's own (1-15), reserved with a
  ``SET NX`` lock in db 0 so concurrent runs (xdist workers, other checkouts) never share one;
  flushed before and after.
- ``job_app``: the app on PostgreSQL (or SQLite) with ``REDIS_URL`` pointing at that db.
- ``start_worker``: starts ``python -m backoffice.jobs.worker`` as a subprocess with the app's
  ``DATABASE_URL`` and ``REDIS_URL``; returns a handle to wait for runs, kill (SIGKILL) or stop it.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture(scope="session")
def redis_db():
    lock = Redis.from_url(f"{REDIS_BASE}/0")
    token = f"{os.getpid()}-{time.time()}"
    for n in range(1, 16):
        if lock.set(f"backoffice-test-db:{n}", token, nx=True, ex=3 * 3600):
            break
    else:
        pytest.fail("no free Redis database (1-15) for this test run")
    conn = Redis.from_url(f"{REDIS_BASE}/{n}")
    conn.flushdb()
    yield f"{REDIS_BASE}/{n}"
    conn.flushdb()
    if lock.get(f"backoffice-test-db:{n}") == token.encode():
        lock.delete(f"backoffice-test-db:{n}")


@pytest.fixture(scope="session", params=["postgresql"])
def job_app(request, tmp_path_factory, redis_db):
    from tests.conftest import world_app

    with world_app(request.param, tmp_path_factory, REDIS_URL=redis_db, JOB_HEARTBEAT_GRACE=6) as app:
        app.redis_url = redis_db
        yield app


class WorkerProcess:
    def __init__(self, app, queues, log_path):
        env = dict(os.environ)
        env.update(
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=app.redis_url,
            SECRET_KEY="test-secret-of-thirty-two-bytes-or-more",
            BACKOFFICE_INSTANCE=str(log_path.parent),
            PYTHONUNBUFFERED="1",
            WORKER_MAINTENANCE_INTERVAL="3",
            JOB_HEARTBEAT_GRACE=str(app.config["JOB_HEARTBEAT_GRACE"]),
        )
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backoffice.jobs.worker", *queues],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self):
        return self.log_path.read_text(errors="replace")

    def _descendants(self, pid):
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        found = [int(p) for p in out]
        for child in list(found):
            found += self._descendants(child)
        return found

    def kill(self):
        """SIGKILL the worker and its work horse, as an OOM kill or a lost machine would.

        RQ's work horse calls ``setsid``, so it leaves the worker's process group: find it
        among the worker's children.
        """
        for pid in self._descendants(self.proc.pid) + [self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def start_worker(job_app, tmp_path):
    workers = []

    def _start(*queues):
        w = WorkerProcess(job_app, queues or ("recalc", "surveys", "default"), tmp_path / f"worker-{len(workers)}.log")
        workers.append(w)
        return w

    yield _start
    for w in workers:
        w.stop()


def run_row(app, run_id):
    """A job run as plain data (state, summary, error, progress), read in its own app context."""
    from backoffice.extensions import db
    from backoffice.models import JobRun

    with app.app_context():
        run = db.session.get(JobRun, run_id)
        out = {"state": getattr(run.state, "value", run.state), "summary": run.summary, "error": run.error,
               "done": run.progress_done, "total": run.progress_total}
        db.session.rollback()
        return out


def wait_for_run(app, run_id, states=("finished", "failed", "cancelled"), timeout=120, worker=None):
    """Poll the job-run row until it reaches one of ``states``; returns the row's state."""
    import sqlalchemy as sa

    from backoffice.extensions import db
    from backoffice.models import JobRun

    deadline = time.time() + timeout
    with app.app_context():
        while time.time() < deadline:
            state = db.session.execute(sa.select(JobRun.state).where(JobRun.id == run_id)).scalar_one()
            db.session.rollback()
            value = getattr(state, "value", state)
            if value in states:
                return value
            time.sleep(0.2)
    log = worker.output() if worker else ""
    raise AssertionError(f"run #{run_id} did not reach {states} in {timeout}s (now {value}).\n{log[-3000:]}")
