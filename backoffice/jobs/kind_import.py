"""Large imports as background jobs on the "default" queue (SPEC §8, §9).

The view stores the upload under the instance folder (``imports.uploads``, keyed by the file's
hash) and launches ``import.clients`` or ``import.purchases`` with the upload id and the mode.
The job acts as the user who launched it (their row scope, their name in the change log and
audit columns), speaks their language in the error messages, reports progress per chunk, and
writes in one transaction: a re-run, or a run after a killed worker, gives the same data
(updates only where a value differs, purchases upsert on client and month).
"""
from flask import g
from flask_appbuilder.security.sqla.models import User
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.jobs.registry import job


class ImportJobError(Exception):
    """The uploaded file cannot be imported (the message is the user's, translated)."""


def _run_import(ctx, kind):
    from backoffice.imports import uploads
    from backoffice.imports.apply import import_file
    from backoffice.imports.reading import ImportFileError

    params = ctx.params
    user = db.session.get(User, ctx.run.launched_by_id) if ctx.run.launched_by_id else None
    if user is None:
        raise ImportJobError("an import must be launched by a user (row scope, change log)")
    g.user = user  # row scope, audit columns and change log are the launching user's
    for cache in ("_scope_staff", "_scope_subtree"):
        g.pop(cache, None)
    with force_locale(params.get("locale") or "zh"):
        try:
            data = uploads.read(params["upload_id"])
        except OSError:
            raise ImportJobError("the uploaded file is no longer available; upload it again") from None
        try:
            result = import_file(
                kind, data, user=user, mode=params.get("mode", "all_or_nothing"),
                filename=params.get("filename", ""), progress=ctx.progress,
            )
        except ImportFileError as exc:
            raise ImportJobError(exc.message) from None
        return result.summary()


@job("import.clients", queue="default", timeout=3 * 3600, label=_l("Import clients"))
def import_clients(ctx):
    return _run_import(ctx, "clients")


@job("import.purchases", queue="default", timeout=3 * 3600, label=_l("Import purchases"))
def import_purchases(ctx):
    return _run_import(ctx, "purchases")
