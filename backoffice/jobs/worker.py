"""The back office's RQ worker.

    python -m backoffice.jobs.worker [queue ...]        # what `make worker` runs
    rq worker -w backoffice.jobs.worker.BackofficeWorker --with-scheduler -u $REDIS_URL recalc surveys default

Start as many as you like, on as many machines, against one Redis and one PostgreSQL: each
reads ``DATABASE_URL`` and ``REDIS_URL`` from the environment. Besides running jobs, each
worker's maintenance loop (every ``maintenance_interval`` seconds) dispatches the runs Redis
missed, fails runs whose worker died, and keeps the periodic launches scheduled.
"""
import logging
import os
import sys

from rq import Worker

from backoffice.extensions import db
from backoffice.jobs import schedule
from backoffice.jobs.app import worker_app
from backoffice.jobs.connection import redis_connection
from backoffice.jobs.registry import QUEUES
from backoffice.jobs.runs import dispatch_pending, reap_stale

log = logging.getLogger(__name__)
__all__ = ["BackofficeWorker", "housekeeping", "main", "worker_app"]


def housekeeping(app):
    with app.app_context():
        try:
            reap_stale()
            dispatch_pending()
            schedule.ensure_scheduled()
        finally:
            db.session.remove()


class BackofficeWorker(Worker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", int(os.environ.get("WORKER_MAINTENANCE_INTERVAL", 30)))
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self):
        # Wake up at least once per maintenance interval, so housekeeping runs on an idle worker.
        return max(1, min(super().dequeue_timeout, self.maintenance_interval))

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            housekeeping(worker_app())
        except Exception:  # a database hiccup must not stop the worker
            log.exception("job-run housekeeping failed")


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    burst = "--burst" in argv
    queues = [a for a in argv if not a.startswith("--")] or list(QUEUES)
    app = worker_app()
    conn = redis_connection(app)
    if conn is None:
        raise SystemExit("REDIS_URL is not set: jobs run inside the web process, no worker needed.")
    worker = BackofficeWorker(queues, connection=conn)
    worker.work(with_scheduler=True, burst=burst)


if __name__ == "__main__":
    main()
