"""The last line of defence: no request ends in a 5xx because of what it sent (issue #9, SPEC §10).

The specific checks (``views.input_checks``, ``views.base.all_errors``) refuse bad input with a
message on the field. Whatever still reaches the database and is refused there -- a
``DataError`` (value out of range, NUL byte), an ``IntegrityError`` (a unique key or a foreign
key), a ``StatementError`` (a value SQLAlchemy could not bind) -- is rolled back, logged, and
answered as a 4xx with a translated message, never as FAB's "Fatal error" 500. FAB's API
methods catch every exception themselves (``api.safe``) and call ``response_500`` inside the
``except`` block, which is why ``api_answer`` reads the exception from ``sys.exc_info``.

The HTTP errors a person can meet on a screen (400, 404, 405, 422) get a translated page, and
JSON with a translated message under ``/api/``.
"""
import logging
import sys

import sqlalchemy.exc as sa_exc
from flask_appbuilder import ModelRestApi
from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from backoffice.extensions import db

log = logging.getLogger(__name__)

# SQLSTATE classes: 22 data exception, 23 integrity constraint violation (PostgreSQL).
DB_REFUSALS = (sa_exc.DataError, sa_exc.IntegrityError, sa_exc.StatementError)


def _db_message(exc):
    if isinstance(exc, sa_exc.IntegrityError):
        return 422, _("The record could not be saved: it conflicts with another record or refers to one that does not exist.")
    return 400, _("The request contains a value that cannot be stored or searched for.")


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone: the refusal must still be answered
        log.exception("rollback after a refused statement failed")


def _titles():
    return {
        400: _("Bad request"), 404: _("Not found"), 405: _("Method not allowed"), 422: _("Invalid input"),
    }


def _default_message(code):
    return {
        400: _("The request is not valid."),
        404: _("The page or record you asked for does not exist."),
        405: _("This address does not accept that request method."),
        422: _("The input is not valid."),
    }[code]


def _wants_json():
    return request.path.startswith("/api/")


def _answer(code, message):
    if _wants_json():
        response = jsonify(message=message)
        response.status_code = code
        return response
    appbuilder = current_app.appbuilder
    return render_template(
        "errors/error.html", appbuilder=appbuilder, base_template=appbuilder.base_template,
        title=_titles()[code], message=message,
    ), code


def db_refusal(exc):
    """A statement the database refused: rolled back, logged, answered 400/422."""
    _rollback()
    log.warning("refused statement on %s %s: %s", request.method, request.path, exc.__class__.__name__,
                exc_info=exc)
    code, message = _db_message(exc)
    return _answer(code, message)


def http_error(exc):
    """werkzeug's English error pages, in the user's language; an ``abort(code, description=...)``
    of ours keeps its (translated) description."""
    code = exc.code
    description = exc.description if exc.description != type(exc).description else None
    return _answer(code, description or _default_message(code))


def api_answer(api):
    """For ``ScopedApi.response_500``: a DB refusal answered as 400/422, or None."""
    exc = sys.exc_info()[1]
    from backoffice.views.time_limit import api_answer as time_limit_answer  # issue #16: 503

    over_time = time_limit_answer(api, exc)
    if over_time is not None:
        return over_time
    if not isinstance(exc, DB_REFUSALS):
        return None
    _rollback()
    log.warning("refused statement on %s %s", request.method, request.path, exc_info=exc)
    code, message = _db_message(exc)
    return api.response(code, message=message)


def refuse_impossible_keys():
    """``before_request``: a URL key that no row can have (beyond int4) is a 404, on every route.

    All our primary keys are ``Integer``; PostgreSQL would answer "integer out of range".
    """
    from backoffice.views.input_checks import INT_BOUNDS

    bound = dict((k.__name__, b) for k, b in INT_BOUNDS)["Integer"]
    for name, value in (request.view_args or {}).items():
        if name != "pk" and not name.endswith("id"):
            continue
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, int) and not -bound <= value < bound:
            from flask import abort

            abort(404)
    return None


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_on_other_apis():
    """``before_request``: a NUL byte sent to an API that is not one of our record APIs (FAB's
    security login, menu) is a 400; PostgreSQL cannot even compare it. Our record APIs answer
    it on the field (``ScopedApi``, ``input_checks.payload_errors``)."""
    if not request.path.startswith("/api/"):
        return None
    owner = next((v for v in current_app.appbuilder.baseviews
                  if getattr(v, "blueprint", None) is not None and v.blueprint.name == request.blueprint), None)
    if isinstance(owner, ModelRestApi):  # our record APIs are all ScopedApi (FAB's own are off)
        return None
    if _has_nul(request.args.to_dict(flat=False)) or _has_nul(request.get_json(silent=True)):
        from backoffice.views.input_checks import text_error

        return _answer(400, text_error("\x00"))
    return None


def register(app):
    for exc_class in DB_REFUSALS:
        app.register_error_handler(exc_class, db_refusal)
    for code in (400, 404, 405, 422):
        app.register_error_handler(code, http_error)
    app.before_request(refuse_impossible_keys)
    app.before_request(refuse_nul_on_other_apis)
