"""gunicorn settings for production (issue #16): ``make serve`` or

    BACKOFFICE_ENV=production SECRET_KEY=... DATABASE_URL=... REDIS_URL=... \\
        .venv/bin/gunicorn -c gunicorn.conf.py app:app

Every value comes from the environment, so each machine of a deployment runs the same command.

- ``WEB_CONCURRENCY`` worker processes (gunicorn's own variable; default 2 x cores + 1), each with
  ``GUNICORN_THREADS`` threads (gthread worker, default 4). Threads rather than only processes:
  a streamed export of a million rows takes a minute and must not occupy a whole process, and
  the gthread worker keeps telling the arbiter it is alive while its threads work, so
  ``timeout`` only kills a worker that is truly stuck -- the per-request limit is PostgreSQL's
  ``statement_timeout`` (``REQUEST_TIME_LIMIT``, backoffice/views/time_limit.py), answered 503.
- ``max_requests`` (+ jitter): a worker is replaced after that many requests, so slow growth of
  a process (caches of FAB, SQLAlchemy's compiled statements) cannot add up over weeks.
- The app is not preloaded: each worker opens its own database connections after the fork.
- ``BIND`` (default 127.0.0.1:8000): TLS ends at the reverse proxy in front (nginx), which passes
  ``X-Forwarded-Proto``; ``FORWARDED_ALLOW_IPS`` names the proxy's addresses.
"""
import multiprocessing
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from config import production_secret_problem  # noqa: E402

# Refuse to start, with one clear sentence, before any worker is forked (config.py raises the
# same sentence when the app is built some other way: flask CLI, an RQ worker).
if os.environ.get("BACKOFFICE_ENV", "development") == "production":
    _problem = production_secret_problem(os.environ.get("SECRET_KEY"))
    if _problem:
        sys.stderr.write(f"backoffice: refusing to start: {_problem}\n")
        sys.exit(1)

wsgi_app = "app:app"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Last resort above REQUEST_TIME_LIMIT (30 s in production): a worker whose main loop has not
# answered the arbiter for this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# Idle keep-alive connections wait this long (seconds) for their next request: longer than a person
# pauses between clicks, so a reused connection is not closed under the client (a reset).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 30))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 500))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "" : no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "backoffice-web"
# gunicorn >= 24 opens a control socket in the home directory; several instances on one machine
# (web + bench + tests) would fight over it, and nothing here uses it.
control_socket_disable = True
