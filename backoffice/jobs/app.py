"""The worker's side of the app: its app factory and the RQ entry point (``run_job``).

A worker process has no Flask app until it builds one from the environment (``DATABASE_URL``,
``REDIS_URL``). This module is what RQ imports by name (``runs.RUN_JOB``) and what the worker
and the periodic schedule use; nothing in the web app imports it, so building the app here
closes no import cycle (issue #10: ``create_app`` -> CLI -> jobs -> ``create_app``).
"""
from flask import has_app_context

from backoffice import create_app
from backoffice.extensions import db
from backoffice.jobs.execute import execute

_APP = None


def worker_app():
    """The Flask app jobs run in, built once per worker process from the environment."""
    global _APP
    if _APP is None:
        _APP = create_app()
    return _APP


def run_job(run_id):
    """The RQ entry point: run one job run, in the current app or in the worker's app."""
    if has_app_context():
        return execute(run_id)
    app = worker_app()
    # A forked work horse must not reuse the parent's pooled connections.
    with app.app_context():
        db.engine.dispose(close=False)
        try:
            return execute(run_id)
        finally:
            db.session.remove()
