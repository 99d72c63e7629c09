"""Web protections every page and API shares (issue #9 "Let no one in where they don't belong").

``prepare(app)`` runs before FAB is initialised, ``init_app(app, appbuilder)`` after the views are
registered (both from ``create_app``):

- CSRF: Flask-WTF's ``CSRFProtect`` checks the token on every POST/PUT/PATCH/DELETE of the
  screens (forms, FAB actions and deletes, our own routes, the public survey page). With it
  installed FAB itself refuses deletes and actions sent by GET (``is_get_mutation_allowed``).
  The JSON API is exempt (scripts send a JWT, which a foreign page cannot), but our APIs also
  accept the browser's session (``ScopedApi.allow_browser_login``, used by the job screens'
  progress polling): a mutation that rides on the session cookie alone, without an
  ``Authorization`` header, must carry the token in ``X-CSRFToken`` like a form would.
- Headers (Flask-Talisman): CSP, X-Frame-Options DENY with ``frame-ancestors 'none'``, nosniff,
  Referrer-Policy, HSTS and Secure cookies in production. Session cookie HttpOnly, SameSite=Lax.
- Sign-in throttling and server-side sign-out: ``backoffice.security.signin``.
- A malformed or foreign JWT answers 401 (Flask-JWT-Extended's default is 422).
- Refusals (bad CSRF token, too many attempts) are a page or JSON in the user's language.
"""
from flask import current_app, g, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError, CSRFProtect

from backoffice.security import signin

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

# Content-Security-Policy. Scripts: only the app's own files (``'self'``) and inline blocks that
# carry this response's nonce -- FAB 5 prints ``nonce="{{ csp_nonce() }}"`` on every inline
# script of its templates (``baselib.get_nonce``) and so do ours; an injected <script> or
# ``onclick=`` has no nonce and does not run. Styles: ``'unsafe-inline'`` is allowed for styles
# only, because FAB's templates, bootstrap/select2/datepicker and ours set ``style=`` attributes
# (a nonce cannot cover an attribute); CSS cannot run code. Images and fonts may be data: URIs
# (FAB's font-awesome and select2 use them). No plug-ins, no framing, forms post only to us.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

def _is_api():
    return request.path.startswith("/api/")


def refused(status, message, retry_after=None):
    """A refusal in the user's language: JSON for the API, a page of the back office otherwise."""
    if _is_api():
        response = jsonify(message=message)
        response.status_code = status
    else:
        appbuilder = current_app.appbuilder
        if "user" not in g:  # refused before FAB's own before_request set it (CSRFProtect runs first)
            g.user = current_user
        html = render_template(
            "security/refused.html", base_template=appbuilder.base_template, appbuilder=appbuilder,
            message=message, status=status,
        )
        response = current_app.response_class(html, status=status, mimetype="text/html")
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def prepare(app):
    """Before FAB: defaults derived from other settings, and CSRF (FAB exempts its APIs from it
    only when CSRFProtect is already there as it builds them)."""
    config = app.config
    # Flask-Limiter (FAB builds it): Redis when there is one, shared by every process; when Redis
    # does not answer, count in this process rather than not at all.
    config.setdefault("RATELIMIT_STORAGE_URI", config.get("REDIS_URL") or "memory://")
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_KEY_PREFIX", "backoffice")
    production = config.get("ENV_NAME") == "production"
    # Secure cookies in production whatever else says (Talisman would only set it at the first request).
    config["SESSION_COOKIE_SECURE"] = bool(config.get("SESSION_COOKIE_SECURE")) or production
    # Talisman first: its per-request nonce must exist before CSRFProtect may refuse a request
    # (the refusal page is a FAB page with nonce-carrying scripts).
    Talisman(
        app,
        force_https=False,  # TLS ends at the reverse proxy; it redirects http to https
        strict_transport_security=production,
        frame_options="DENY",
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        # Never to another site (a survey link's token is in its path), but in full to ourselves:
        # Flask-WTF refuses an HTTPS form post without a same-site Referer (WTF_CSRF_SSL_STRICT),
        # so "no-referrer" would break every form in production.
        referrer_policy="same-origin",
        session_cookie_secure=config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        x_content_type_options=True,
        # Geolocation for our own pages only: the visit form of 今日拜访 records where a visit
        # took place when the user allows it (SPEC §5 "location when on site", issue #13).
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "(self)"},
    )
    CSRFProtect(app)  # one per app (tests build several): app.extensions["csrf"]


def _api_session_needs_token():
    """A session-authenticated API mutation must prove it comes from our own pages."""
    if request.method in SAFE_METHODS or not _is_api():
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.headers.get("Authorization") or "_user_id" not in session:
        return  # a script with its JWT, or nobody signed in (FAB answers 401)
    current_app.extensions["csrf"].protect()  # token from the X-CSRFToken / X-CSRF-Token header; raises CSRFError


def init_app(app, appbuilder):
    from flask_appbuilder.api import BaseApi

    csrf = app.extensions["csrf"]
    for view in appbuilder.baseviews:
        if isinstance(view, BaseApi) and view.blueprint is not None:
            csrf.exempt(view.blueprint)
    app.before_request(_api_session_needs_token)

    @app.errorhandler(CSRFError)
    def csrf_refused(_error):
        return refused(400, _("This form has expired or did not come from this site. "
                              "Go back, reload the page and try again."))

    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        if error.response is not None:
            return error.response
        if (request.endpoint or "").endswith(".login"):
            message = _("Too many sign-in attempts. Wait a few minutes before trying again.")
        else:
            message = _("Too many requests. Wait a minute before trying again.")
        return refused(429, message, retry_after=60)

    jwt_manager = appbuilder.sm.jwt_manager

    @jwt_manager.invalid_token_loader
    def invalid_token(_reason):
        return refused(401, _("The access token is not valid. Sign in again to get a new one."))

    signin.throttle_sign_in(app, appbuilder)
    signin.revoke_on_sign_out(app)
