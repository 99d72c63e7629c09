"""Large imports as background jobs on the "default" queue (SPEC §8, §9).

The view stores the upload under the instance folder (``imports.uploads``, keyed by the file's
hash) and launches ``import.clients`` or ``import.purchases`` with the upload id and the mode.
The job acts as the user who launched it (their row scope, their name in the change log and
audit columns), speaks their language in the error messages, reports progress per chunk, and
writes in one transaction: a re-run, or a run after a killed worker, gives the same data
(updates only where a value differs, purchases upsert on client and month).
"""
import functools

from flask_appbuilder.security.sqla.models import User
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.imports import uploads
from backoffice.imports.apply import import_file
from backoffice.imports.reading import ImportFileError
from backoffice.jobs.registry import job
from backoffice.security.scope import act_as


class ImportJobError(Exception):
    """The uploaded file cannot be imported (the message is the user's, translated)."""


def run_uploaded_import(ctx, run_import, refusals=()):
    """What every import job does (clients, purchases, survey answers): act as the user who
    launched it, read the upload they checked, and import it in their language.

    ``run_import(data, user=, mode=, filename=, progress=)`` returns the import result; a file
    error, or one of ``refusals``, fails the run with the user's message.
    """
    params = ctx.params
    user = db.session.get(User, ctx.run.launched_by_id) if ctx.run.launched_by_id else None
    if user is None:
        raise ImportJobError("an import must be launched by a user (row scope, change log)")
    act_as(user)
    with force_locale(params.get("locale") or "zh"):
        try:
            data = uploads.read(params["upload_id"])
        except OSError:
            raise ImportJobError("the uploaded file is no longer available; upload it again") from None
        try:
            return run_import(
                data, user=user, mode=params.get("mode", "all_or_nothing"),
                filename=params.get("filename", ""), progress=ctx.progress,
            )
        except ImportFileError as exc:
            raise ImportJobError(exc.message) from None
        except refusals as exc:
            raise ImportJobError(str(exc)) from None


def _run_import(ctx, kind):
    return run_uploaded_import(ctx, functools.partial(import_file, kind)).summary()


@job("import.clients", queue="default", timeout=3 * 3600, label=_l("Import clients"))
def import_clients(ctx):
    return _run_import(ctx, "clients")


@job("import.purchases", queue="default", timeout=3 * 3600, label=_l("Import purchases"))
def import_purchases(ctx):
    return _run_import(ctx, "purchases")
