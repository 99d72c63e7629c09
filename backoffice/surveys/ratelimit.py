"""Rate limits of the public survey page (SPEC §7: no login, token only), on Flask-Limiter.

``within_limits(token)`` counts one request against two fixed-window limits, per client address
(``SURVEY_RATE_LIMIT``) and per token (``SURVEY_TOKEN_RATE_LIMIT``), and says whether both still
hold. The limiter is FAB's (``appbuilder.sm.limiter``), the one the sign-in throttling uses:
counters in Redis when ``REDIS_URL`` is set (shared by every web process and machine), else in
this process. When Redis does not answer, Flask-Limiter's in-memory fallback
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``, set in ``backoffice.security.web.prepare``) keeps
counting in this process -- the page stays up and stays limited; it is never let through
unlimited. ``RATELIMIT_ENABLED`` switches every limit off (the tests' default).
"""
from flask import current_app
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

MAX_KEY = 64  # a token is at most this long (the column's length)


def _limiter():
    return current_app.appbuilder.sm.limiter


def _ip_limit():
    return current_app.config.get("SURVEY_RATE_LIMIT", "20 per minute")


def _token_limit():
    return current_app.config.get("SURVEY_TOKEN_RATE_LIMIT", "10 per minute")


def within_limits(token) -> bool:
    """Count this request; False when the address or the token is over its limit."""
    limiter = _limiter()
    key = str(token or "")[:MAX_KEY]
    try:
        # Used as context managers, Flask-Limiter's limits are checked and counted right here,
        # in the view, so the page can answer in the client's own language.
        with limiter.limit(_ip_limit, key_func=get_remote_address, scope="survey-ip"):
            pass
        with limiter.limit(_token_limit, key_func=lambda: key, scope="survey-token"):
            pass
    except RateLimitExceeded:
        return False
    return True


def reset(app=None):
    """Forget every counter (tests)."""
    app = app or current_app._get_current_object()
    app.appbuilder.sm.limiter.reset()
