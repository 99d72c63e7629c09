"""The request time limit (issue #16 "Bad input: a request over the time limit is answered").

gunicorn's own ``timeout`` kills a worker that does not answer, and with it every other request
that worker was serving; the user gets a dropped connection. Instead, on PostgreSQL, the
connections a web request uses carry ``statement_timeout = REQUEST_TIME_LIMIT``: the database
cancels a statement that runs too long (SQLSTATE 57014 ``query_canceled``), the transaction is
rolled back, and the request is answered **503** with a sentence in the user's language (JSON
under ``/api/``), with ``Retry-After``. The worker lives on and serves the next request.

How the limit reaches the connection: a pool ``checkout`` listener sets the session's
``statement_timeout`` when the connection is taken inside a request and resets it to 0 when it
is taken outside one (RQ jobs, the CLI, the scheduler); the value set is remembered on the pooled
connection, so a web process pays the ``SET`` once per connection, not per request. The ``SET``
is committed at once: a ``SET`` inside a transaction that is later rolled back would be undone.

A long streamed export is not one statement: each batch is a ``FETCH`` from its server-side
cursor, each under the limit, so a million-row export is not cut while a stuck one is.
Another ``OperationalError`` (the database went away, too many connections) is also a 503,
with its own sentence, rather than a "Fatal error" page.
"""
import logging

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from flask import current_app, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _

from backoffice.extensions import db

log = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL SQLSTATE of a statement cancelled by statement_timeout
RETRY_AFTER_SECONDS = 30
_INFO_KEY = "backoffice_statement_timeout_ms"


def is_time_limit(exc):
    """Was ``exc`` (an SQLAlchemy error) a statement cancelled by the time limit?"""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == QUERY_CANCELED


def install_limit(app, engine):
    """Listen on ``engine``'s pool: connections used by requests carry the time limit."""
    limit_ms = int(round(float(app.config.get("REQUEST_TIME_LIMIT") or 0) * 1000))
    if engine.dialect.name != "postgresql":
        return  # SQLite has no statement timeout; the embedded demo has no need of one

    @sa.event.listens_for(engine, "checkout")
    def _statement_timeout(dbapi_connection, record, _proxy):
        wanted = limit_ms if has_request_context() else 0
        if record.info.get(_INFO_KEY, 0) == wanted:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET statement_timeout = {int(wanted)}")
        finally:
            cursor.close()
        dbapi_connection.commit()  # out of any transaction: a later rollback must not undo it
        record.info[_INFO_KEY] = wanted


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone: the answer must still go out
        log.exception("rollback after a cancelled statement failed")


def _message(exc):
    if is_time_limit(exc):
        return _("This request took too long and was stopped. Nothing was changed. "
                 "Narrow the filters or try again in a moment.")
    return _("The database is not answering at the moment. Nothing was changed. Please try again in a moment.")


def answer(exc):
    """``errorhandler(OperationalError)``: 503, the reason in the user's language."""
    _rollback()
    log.warning("503 on %s %s: %s", request.method, request.path,
                "time limit" if is_time_limit(exc) else exc.__class__.__name__, exc_info=exc)
    message = _message(exc)
    if request.path.startswith("/api/"):
        response = jsonify(message=message)
        response.status_code = 503
    else:
        appbuilder = current_app.appbuilder
        response = current_app.make_response((render_template(
            "errors/error.html", appbuilder=appbuilder, base_template=appbuilder.base_template,
            title=_("Service unavailable"), message=message,
        ), 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def api_answer(api, exc):
    """For ``ScopedApi.response_500`` (FAB's ``@safe`` catches every exception): 503 or None."""
    if not isinstance(exc, sa_exc.OperationalError):
        return None
    _rollback()
    log.warning("503 on %s %s (API)", request.method, request.path, exc_info=exc)
    response = api.response(503, message=_message(exc))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install(app):
    """Called by ``create_app`` (inside its app context, after ``db.init_app``)."""
    install_limit(app, db.engine)
    # More specific than views.errors' StatementError handler (Flask picks by the class's MRO).
    app.register_error_handler(sa_exc.OperationalError, answer)
