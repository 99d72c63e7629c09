"""Running one job run: on an RQ worker (``jobs.app.run_job``) or in-process when there is no Redis.

``execute`` claims the run (``queued`` -> ``running`` in one UPDATE, so a duplicate delivery
does nothing), acts as the ``system`` user, calls the job function with a ``JobContext`` and
records the outcome. A heartbeat thread keeps ``heartbeat_at`` fresh while the job works, so
a run whose worker is killed is recognised by ``runs.reap_stale``.
"""
import logging
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from flask import current_app, g

from backoffice.clock import utc_now as utcnow
from backoffice.extensions import db
from backoffice.jobs.registry import load_all
from backoffice.models import JobRun
from backoffice.models.choices import JobState
from backoffice.security.scope import act_as
from backoffice.security.system_user import act_as_system

log = logging.getLogger(__name__)

def heartbeat_seconds(app):
    """Beat well inside the reaper's grace period (three beats per grace, at most every 10 s)."""
    return max(1, min(10, app.config.get("JOB_HEARTBEAT_GRACE", 90) // 3))


def _update_run(run_id, **values):
    """Write to the run on a connection of its own, so it shows while the job's work is uncommitted.

    SQLite allows one writer: if the job holds the write lock, this update is skipped (the
    next one will land); jobs on SQLite commit between batches.
    """
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.update(JobRun).where(JobRun.id == run_id).values(**values))
    except sa.exc.OperationalError as exc:
        log.debug("run #%s: progress not written (%s)", run_id, exc)


class Heartbeat(threading.Thread):
    def __init__(self, app, run_id):
        super().__init__(daemon=True, name=f"heartbeat-{run_id}")
        self.app, self.run_id, self.stopped = app, run_id, threading.Event()

    def run(self):
        with self.app.app_context():
            while not self.stopped.wait(heartbeat_seconds(self.app)):
                _update_run(self.run_id, heartbeat_at=utcnow())


class JobContext:
    """What a job function gets: its run, its parameters and a way to report progress."""

    def __init__(self, run):
        self.run = run
        self.run_id = run.id
        self.params = dict(run.params or {})
        self.done, self.total = 0, run.progress_total or 0

    def progress(self, done, total=None):
        self.done = done
        if total is not None:
            self.total = total
        _update_run(self.run_id, progress_done=done, progress_total=self.total, heartbeat_at=utcnow())


def _claim(run_id):
    now = utcnow()
    claimed = db.session.execute(
        sa.update(JobRun)
        .where(JobRun.id == run_id, JobRun.state == JobState.queued)
        .values(state=JobState.running, started_at=now, heartbeat_at=now, progress_done=0)
    ).rowcount
    db.session.commit()
    return claimed == 1


def execute(run_id):
    """Run one job run inside the current app context. Returns the run's final state."""
    if not _claim(run_id):
        log.info("run #%s is not queued any more (cancelled or already taken): skipped", run_id)
        return None
    run = db.session.get(JobRun, run_id)
    spec = load_all()[run.kind]
    act_as_system()
    beat = Heartbeat(current_app._get_current_object(), run_id)
    beat.start()
    try:
        summary = spec.fn(JobContext(run))
    except BaseException as exc:  # includes RQ's JobTimeoutException and StopRequested
        db.session.rollback()
        _update_run(
            run_id, state=JobState.failed, ended_at=utcnow(),
            error=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()[-4000:]}",
        )
        raise
    finally:
        beat.stopped.set()
    db.session.rollback()  # anything the job left uncommitted is not part of its result
    total = db.session.get(JobRun, run_id).progress_total
    _update_run(
        run_id, state=JobState.finished, ended_at=utcnow(), summary=summary or {},
        progress_done=total, progress_total=total,
    )
    return JobState.finished


# -- embedded default: no REDIS_URL -------------------------------------------------------------
def submit_in_process(run_id):
    """Run the job on a background thread of this process (the single-process demo)."""
    app = current_app._get_current_object()
    executor = app.extensions.get("backoffice_executor")
    if executor is None:
        executor = app.extensions["backoffice_executor"] = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="backoffice-job"
        )

    def work():
        with app.app_context():
            try:
                execute(run_id)
            except BaseException:
                log.exception("in-process run #%s failed", run_id)
            finally:
                db.session.remove()

    if app.config.get("JOBS_SYNCHRONOUS"):
        # Tests of the embedded mode can ask for the run to finish before launch returns. The run
        # acts as the system user; the caller goes on as itself.
        caller = getattr(g, "user", None)
        try:
            work()
        finally:
            act_as(caller)
    else:
        executor.submit(work)
