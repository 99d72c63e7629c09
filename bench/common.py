"""Helpers shared by the benchmarks of this folder.

The benchmarks run as scripts (``.venv/bin/python bench/recalc.py``), so each one puts its own
folder on ``sys.path`` and imports from here::

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import ROOT, fresh_database, log, run_job, timed, vacuum  # noqa: E402

Importing this module puts the project root (``ROOT``) on ``sys.path``, for ``backoffice``.
"""
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def fresh_database(prefix="bo_bench", sqlalchemy_url=True):
    """Create an empty database ``<prefix>_<pid>_<random>`` on PG_ADMIN_URL; returns (url, drop).

    The URL names SQLAlchemy's psycopg driver (``postgresql+psycopg://``), or with
    ``sqlalchemy_url=False`` is a plain ``postgresql://`` URL (for psql). ``drop()`` removes the
    database (even with connections still open).
    """
    import psycopg

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    if sqlalchemy_url:
        base = base.replace("postgresql://", "postgresql+psycopg://")

    def drop():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def close(app, drop, keep=False):
    """End of a bench: release the app's connections, then drop the fresh database (unless kept)."""
    from backoffice.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop and not keep:
        drop()


def log(msg):
    print(msg, flush=True)


def timed(label, fn):
    """(seconds, fn()) and a line with the time."""
    t0 = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t0
    log(f"  {label}: {elapsed:.2f} s")
    return elapsed, out


def run_job(db, failure, **fields):
    """Queue a ``JobRun(**fields)`` and run it as a worker does: ``execute()`` claims the run,
    calls the job and records the result. Returns (seconds ``execute()`` took, the run's summary);
    exits with "<failure>: <the run's error>" when the run did not finish."""
    from backoffice.jobs.execute import execute
    from backoffice.models import JobRun

    run = JobRun(state="queued", **fields)
    db.session.add(run)
    db.session.commit()
    t0 = time.perf_counter()
    state = execute(run.id)
    elapsed = time.perf_counter() - t0
    db.session.rollback()
    row = db.session.get(JobRun, run.id)
    if getattr(state, "value", state) != "finished":
        raise SystemExit(f"{failure}: {row.error}")
    return elapsed, row.summary


def vacuum(db, sa, *tables):
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for t in tables:
            conn.execute(sa.text(f"VACUUM ANALYZE {t}"))


class StatementProfile:
    """``BENCH_PROFILE=1``: the time of each SQL statement an engine runs, summed by its first
    words, printed by ``report()`` (where a job's time goes, without a profiler's overhead)."""

    def __init__(self, engine):
        import re

        import sqlalchemy as sa

        self.totals, self._re = {}, re.compile(r"\s+")

        @sa.event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, params, context, executemany):
            conn.info["bench_t0"] = time.perf_counter()

        @sa.event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, params, context, executemany):
            key = self._re.sub(" ", statement).strip()[:90]
            n, t = self.totals.get(key, (0, 0.0))
            self.totals[key] = (n + 1, t + time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter()))

    def report(self, label, top=12):
        log(f"  statements of {label} (calls, seconds):")
        for key, (n, t) in sorted(self.totals.items(), key=lambda kv: -kv[1][1])[:top]:
            log(f"    {n:5d} {t:8.2f}  {key}")
        self.totals.clear()
