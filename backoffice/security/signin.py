"""Sign-in: failed attempts throttled per user and per address, sign-out ended on the server.

Throttling (issue #9: 160 wrong passwords in a row met no resistance) uses FAB's own limiter
(``appbuilder.sm.limiter``, Flask-Limiter; storage ``RATELIMIT_STORAGE_URI``: Redis when
``REDIS_URL`` is set, shared by every web process, else memory; in-memory fallback when Redis
is down, never none). Three limits on the sign-in form and the API's ``/security/login``:

- FAB's ``AUTH_RATE_LIMIT`` per address over every POST (a burst limit, FAB's ``AUTH_RATE_LIMITED``);
- ``LOGIN_FAILURE_LIMIT_USER`` per user name and ``LOGIN_FAILURE_LIMIT_IP`` per address, counted
  only when the attempt fails (``deduct_when``), so people who type their password right are
  never slowed down, but once the limit is reached even the right password is refused until
  the window passes: the attacker cannot tell a right guess from a refused one.

The refusal (429) is a page or a JSON message in the user's language (``web.refused``).

Sign-out: see ``backoffice.models.sessions``. The session carries ``_epoch``; Flask-Login's
user loader (FAB's ``load_user``) is wrapped so a session whose epoch is not the user's current
one loads no user, i.e. is anonymous; sign-out and a password change move the user's epoch on.
"""
import datetime as dt

import sqlalchemy as sa
from flask import current_app, has_request_context, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user, user_logged_in, user_logged_out

from backoffice.extensions import db
from backoffice.models.sessions import UserSessionEpoch

EPOCH_KEY = "_epoch"
LOGIN_ENDPOINTS = ("login",)  # AuthDBView.login, SecurityApi.login (the blueprints' other routes are not throttled)


# -- throttling ---------------------------------------------------------------------------------
def _attempted_username():
    """The user name an attempt is for, from the form or the API's JSON body (normalised)."""
    name = request.form.get("username")
    if name is None and request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    return str(name or "").strip().lower()[:100] or "-"


def _not_a_login():
    return (request.endpoint or "").rsplit(".", 1)[-1] not in LOGIN_ENDPOINTS


def _failed(response):
    """The attempt failed: the API answers 401; the form redirects back without signing in."""
    if request.blueprint and request.path.startswith("/api/"):
        return response.status_code == 401
    return not current_user.is_authenticated


def throttle_sign_in(app, appbuilder):
    sm = appbuilder.sm
    limiter = sm.limiter
    api_login = next((v for v in appbuilder.baseviews if type(v).__name__ == "SecurityApi"), None)
    for view in filter(None, (sm.auth_view, api_login)):
        for limit, key in (
            (lambda: current_app.config["LOGIN_FAILURE_LIMIT_USER"], _attempted_username),
            (lambda: current_app.config["LOGIN_FAILURE_LIMIT_IP"], get_remote_address),
        ):
            limiter.limit(
                limit, key_func=key, methods=["POST"], deduct_when=_failed, exempt_when=_not_a_login,
                scope=f"login-failures-{key.__name__}", override_defaults=False,
            )(view.blueprint)
        if view is api_login and sm.is_auth_limited:
            # FAB puts its burst limit on the sign-in form only; the API's login gets it too.
            limiter.limit(sm.auth_rate_limit, methods=["POST"], exempt_when=_not_a_login)(view.blueprint)


# -- server-side sign-out -----------------------------------------------------------------------
def current_epoch(user_id):
    return db.session.execute(
        sa.select(UserSessionEpoch.epoch).where(UserSessionEpoch.user_id == user_id)
    ).scalar_one_or_none() or 0


def end_sessions(user_id):
    """Every session of ``user_id`` issued until now stops working (sign-out, password change)."""
    table = UserSessionEpoch.__table__
    now = dt.datetime.utcnow()
    with db.engine.begin() as conn:  # its own transaction: the request's session is left alone
        moved = conn.execute(
            table.update().where(table.c.user_id == user_id).values(epoch=table.c.epoch + 1, changed_on=now)
        ).rowcount
        if not moved:
            conn.execute(table.insert().values(user_id=user_id, epoch=1, changed_on=now))


def _on_login(app, user):
    session[EPOCH_KEY] = current_epoch(user.id)


def _on_logout(app, user):
    user_id = getattr(user, "id", None)
    if isinstance(user_id, int):
        end_sessions(user_id)
    session.pop(EPOCH_KEY, None)


def _end_sessions_on_password_change(sm):
    """A new password (FAB's reset forms all call ``sm.reset_password``) ends the sessions opened
    with the old one -- a stolen cookie dies with the stolen password; the session of the person
    changing their own password is kept."""
    reset_password = sm.reset_password

    def reset_and_end_sessions(userid, password):
        reset_password(userid, password)
        try:
            user_id = int(userid)
        except (TypeError, ValueError):
            return
        end_sessions(user_id)
        if has_request_context() and session.get("_user_id") == str(user_id):
            session[EPOCH_KEY] = current_epoch(user_id)

    sm.reset_password = reset_and_end_sessions


def revoke_on_sign_out(app):
    _end_sessions_on_password_change(app.appbuilder.sm)
    manager = app.login_manager
    load_user = manager._user_callback  # FAB's SecurityManager.load_user

    def load_live_user(user_id):
        user = load_user(user_id)
        if user is not None and session.get(EPOCH_KEY) != current_epoch(user.id):
            session.clear()  # the cookie is dead: forget it rather than carry it on
            return None
        return user

    manager.user_loader(load_live_user)
    user_logged_in.connect(_on_login, app)
    user_logged_out.connect(_on_logout, app)
