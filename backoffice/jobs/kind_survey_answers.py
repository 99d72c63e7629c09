"""Large imports of survey answers as a job on the "surveys" queue (SPEC §7, §8, §9).

surveys.import_answers  {"upload_id": sha256, "mode": ..., "filename": ..., "locale": ...}
    The view keeps the upload under the import folder (``imports.uploads``, keyed by its hash:
    every worker sharing the folder reads the very bytes the user checked). The job acts as the
    user who launched it (row scope, ``entered_by``), speaks their language in the row errors,
    reports progress per chunk and writes in one transaction; a re-run, or a run after a killed
    worker, finds the answers already there and changes nothing (upsert on invitation and
    question). Then it launches "surveys.aggregate" for the campaigns it touched.
"""
from flask import g
from flask_appbuilder.security.sqla.models import User
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.jobs.registry import job


class SurveyImportError(Exception):
    """The file cannot be imported (the message is the user's, translated)."""


@job("surveys.import_answers", queue="surveys", timeout=3 * 3600, label=_l("Import survey answers"))
def import_answers(ctx):
    from backoffice.imports import uploads
    from backoffice.imports.reading import ImportFileError
    from backoffice.surveys.imports import ImportConflict
    from backoffice.surveys.imports import import_answers as run_import

    params = ctx.params
    user = db.session.get(User, ctx.run.launched_by_id) if ctx.run.launched_by_id else None
    if user is None:
        raise SurveyImportError("an import must be launched by a user (row scope, entered by)")
    g.user = user
    for cache in ("_scope_staff", "_scope_subtree"):
        g.pop(cache, None)
    with force_locale(params.get("locale") or "zh"):
        try:
            data = uploads.read(params["upload_id"])
        except OSError:
            raise SurveyImportError("the uploaded file is no longer available; upload it again") from None
        try:
            result = run_import(
                data, user=user, mode=params.get("mode", "all_or_nothing"),
                filename=params.get("filename", ""), progress=ctx.progress,
            )
        except ImportFileError as exc:
            raise SurveyImportError(exc.message) from None
        except ImportConflict as exc:
            raise SurveyImportError(str(exc)) from None
        summary = result.summary()
        summary["campaigns"] = getattr(result, "campaigns", [])
        return summary
