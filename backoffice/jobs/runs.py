"""Launching, dispatching, cancelling and reaping job runs (SPEC §8).

The job-run row is the source of truth. ``launch`` writes it (state ``queued``) and commits
*before* trying Redis, so an outage loses nothing: the run waits with ``enqueued = False`` and
``dispatch_pending`` (run by every worker's maintenance loop, by the scheduler and on each
launch) sends it once Redis answers. The RQ job id is ``run-<id>``, and a worker claims a run
with ``UPDATE ... WHERE state = 'queued'``, so a run sent twice still executes once.
"""
import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy.exc import IntegrityError

from backoffice.clock import utc_now as utcnow
from backoffice.extensions import db
from backoffice.jobs.connection import get_queue, redis_connection
from backoffice.jobs.errors import JobRefused
from backoffice.jobs import execute as executor  # a module: tests replace submit_in_process
from backoffice.jobs.registry import load_all
from backoffice.models import JobRun
from backoffice.models.choices import JobState

log = logging.getLogger(__name__)
ACTIVE = (JobState.queued.value, JobState.running.value)


__all__ = ["JobRefused", "launch", "enqueue_run", "dispatch_pending", "cancel", "reap_stale", "utcnow"]
# The RQ entry point: a worker imports it by name (it builds the worker's app, jobs/app.py).
RUN_JOB = "backoffice.jobs.app.run_job"


def rq_job_id(run_id):
    return f"run-{run_id}"


def active_run(dedupe_key):
    return db.session.execute(
        sa.select(JobRun).where(JobRun.dedupe_key == dedupe_key, JobRun.state.in_(ACTIVE))
    ).scalars().first()


def launch(kind, params=None, *, user=None, dedupe_key=None):
    """Record a run of ``kind`` and hand it to a worker (or to the in-process executor).

    Returns the run; ``run.enqueued`` is False when Redis could not be reached (the run is
    kept and dispatched later). Raises ``JobRefused`` when the same work is already queued or
    running (``dedupe_key``, enforced by a partial unique index as well).
    """
    spec = load_all().get(kind)
    if spec is None:
        raise JobRefused(_("Unknown job kind %(kind)s.", kind=kind))
    if dedupe_key:
        reap_stale()
        existing = active_run(dedupe_key)
        if existing is not None:
            raise JobRefused(
                _("The same job is already %(state)s (run #%(id)s).", state=str(JobState(existing.state).label), id=existing.id)
            )
    run = JobRun(
        kind=kind, queue=spec.queue, params=params or {}, dedupe_key=dedupe_key,
        launched_by_id=getattr(user, "id", None), state=JobState.queued, enqueued=False,
        queued_at=utcnow(),
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent launch won the race for the same dedupe key
        db.session.rollback()
        raise JobRefused(_("The same job is already queued or running."))
    if redis_connection() is None:
        executor.submit_in_process(run.id)
    else:
        enqueue_run(run)
        dispatch_pending(exclude=run.id)
    return run


def enqueue_run(run):
    """Send one queued run to RQ; True when Redis took it. Never raises for a Redis outage."""
    spec = load_all()[run.kind]
    queue = get_queue(run.queue)
    try:
        queue.enqueue(
            RUN_JOB, run.id,
            job_id=rq_job_id(run.id), job_timeout=spec.timeout,
            result_ttl=7 * 86400, failure_ttl=30 * 86400,
            description=f"{run.kind} #{run.id}",
        )
    except RedisError as exc:
        log.warning("Redis unavailable, run #%s stays queued for the dispatcher: %s", run.id, exc)
        return False
    db.session.execute(
        sa.update(JobRun).where(JobRun.id == run.id).values(enqueued=True, rq_job_id=rq_job_id(run.id))
    )
    db.session.commit()
    db.session.refresh(run)
    return True


def dispatch_pending(exclude=None):
    """Enqueue every queued run that Redis has not received yet; returns how many were sent."""
    if redis_connection() is None:
        return 0
    q = sa.select(JobRun).where(JobRun.state == JobState.queued, JobRun.enqueued.is_(False)).order_by(JobRun.id)
    if exclude is not None:
        q = q.where(JobRun.id != exclude)
    sent = 0
    for run in db.session.execute(q).scalars().all():
        if not enqueue_run(run):
            break
        sent += 1
    return sent


def cancel(run):
    """Cancel a queued run. Returns False when it has already started or ended."""
    changed = db.session.execute(
        sa.update(JobRun)
        .where(JobRun.id == run.id, JobRun.state == JobState.queued)
        .values(state=JobState.cancelled, ended_at=utcnow())
    ).rowcount
    db.session.commit()
    if changed and run.rq_job_id and redis_connection() is not None:
        try:
            Job.fetch(run.rq_job_id, connection=redis_connection()).cancel()
        except (NoSuchJobError, RedisError, Exception) as exc:  # the worker will skip it anyway
            log.info("could not cancel RQ job %s: %s", run.rq_job_id, exc)
    db.session.refresh(run)
    return bool(changed)


def reap_stale():
    """Mark failed the running runs whose worker stopped beating (killed, OOM, machine lost).

    A worker beats every few seconds (``execute.Heartbeat``); after ``JOB_HEARTBEAT_GRACE``
    seconds of silence the run is failed so it can be launched again.
    """
    grace = current_app.config.get("JOB_HEARTBEAT_GRACE", 90)
    limit = utcnow() - dt.timedelta(seconds=grace)
    changed = db.session.execute(
        sa.update(JobRun)
        .where(
            JobRun.state == JobState.running,
            sa.func.coalesce(JobRun.heartbeat_at, JobRun.started_at) < limit,
        )
        .values(state=JobState.failed, ended_at=utcnow(), error="worker lost (no heartbeat)")
    ).rowcount
    db.session.commit()
    return changed
