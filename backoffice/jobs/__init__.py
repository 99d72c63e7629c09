"""Background jobs on RQ (SPEC §8).

- ``registry``: the job kinds (``@job("recalc.scale", queue="recalc")``), each a function
  ``fn(ctx)`` that reads ``ctx.run.params`` and reports with ``ctx.progress(done, total)``.
- ``runs``: launching (the job-run row is written first, then Redis is tried), the dispatcher
  that enqueues runs Redis missed, cancelling, and the reaper for runs whose worker died.
- ``execute``: what a worker (or the in-process executor, when no ``REDIS_URL``) runs.
- ``worker``: the RQ worker class and ``python -m backoffice.jobs.worker``.
- ``schedule``: the periodic launches, on RQ's own scheduler (``enqueue_at``).
"""
from backoffice.jobs.registry import JOBS, job  # noqa: F401
from backoffice.jobs.runs import JobRefused, cancel, dispatch_pending, launch  # noqa: F401
