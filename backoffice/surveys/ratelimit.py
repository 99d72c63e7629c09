"""A small fixed-window rate limiter for the public survey page (SPEC §7: no login, token only).

``hit(scope, key, limit)`` counts one request of ``key`` (a client IP, a token) in the current
window and says whether it is still within ``limit`` ("20 per minute", "5 per second",
"100 per hour"). With ``REDIS_URL`` the counters live in Redis (``INCR`` + ``EXPIRE``), shared by
every web process and machine; without it, in a dict of this process (the single-process demo).
If Redis does not answer, the request is let through (a limiter must not take the page down).

Config: ``RATELIMIT_ENABLED`` (tests turn it off by default), ``SURVEY_RATE_LIMIT`` (per IP) and
``SURVEY_TOKEN_RATE_LIMIT`` (per token).
"""
import logging
import re
import threading
import time
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError

from backoffice.jobs.connection import redis_connection

log = logging.getLogger(__name__)

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT_RE = re.compile(r"\s*(\d+)\s*(?:per|/)\s*(\d+\s*)?(second|minute|hour|day)s?\s*", re.I)
PREFIX = "backoffice:ratelimit"


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse_limit(text) -> Limit:
    """'20 per minute', '20/minute', '100 per 10 minutes' -> Limit."""
    m = _LIMIT_RE.fullmatch(str(text))
    if not m:
        raise ValueError(f"not a rate limit: {text!r}")
    multiple = int(m.group(2)) if m.group(2) else 1
    return Limit(int(m.group(1)), multiple * PERIODS[m.group(3).lower()])


class MemoryCounter:
    """Fixed windows in a dict (one process); old windows are dropped as time moves on."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = {}

    def incr(self, key, window, seconds):
        with self._lock:
            if len(self._counts) > 10000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            k = (key, window)
            self._counts[k] = self._counts.get(k, 0) + 1
            return self._counts[k]

    def reset(self):
        with self._lock:
            self._counts.clear()


def _memory(app):
    counter = app.extensions.get("survey_ratelimit")
    if counter is None:
        counter = app.extensions["survey_ratelimit"] = MemoryCounter()
    return counter


def hit(scope, key, limit, *, now=None, app=None) -> bool:
    """Count one request; True when it is within ``limit``, False when it must be refused."""
    app = app or current_app._get_current_object()
    if not app.config.get("RATELIMIT_ENABLED", True):
        return True
    limit = limit if isinstance(limit, Limit) else parse_limit(limit)
    window = int((time.time() if now is None else now) // limit.seconds)
    conn = redis_connection(app)
    if conn is None:
        count = _memory(app).incr(f"{scope}:{key}", window, limit.seconds)
    else:
        name = f"{PREFIX}:{scope}:{key}:{limit.seconds}:{window}"
        try:
            pipe = conn.pipeline()
            pipe.incr(name)
            pipe.expire(name, limit.seconds + 1)
            count = pipe.execute()[0]
        except RedisError as exc:
            log.warning("rate limiter: Redis unavailable (%s); request let through", exc)
            return True
    return count <= limit.count


def reset(app=None):
    """Forget the in-process counters (tests)."""
    _memory(app or current_app._get_current_object()).reset()
