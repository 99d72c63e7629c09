"""Large imports of survey answers as a job on the "surveys" queue (SPEC §7, §8, §9).

surveys.import_answers  {"upload_id": sha256, "mode": ..., "filename": ..., "locale": ...}
    The view keeps the upload under the import folder (``imports.uploads``, keyed by its hash:
    every worker sharing the folder reads the very bytes the user checked). The job acts as the
    user who launched it (row scope, ``entered_by``), speaks their language in the row errors,
    reports progress per chunk and writes in one transaction; a re-run, or a run after a killed
    worker, finds the answers already there and changes nothing (upsert on invitation and
    question). Then it launches "surveys.aggregate" for the campaigns it touched.
"""
from flask_babel import lazy_gettext as _l

from backoffice.jobs.kind_import import run_uploaded_import
from backoffice.jobs.registry import job
from backoffice.surveys.imports import ImportConflict
from backoffice.surveys.imports import import_answers as run_import


@job("surveys.import_answers", queue="surveys", timeout=3 * 3600, label=_l("Import survey answers"))
def import_answers(ctx):
    result = run_uploaded_import(ctx, run_import, refusals=(ImportConflict,))
    summary = result.summary()
    summary["campaigns"] = getattr(result, "campaigns", [])
    return summary
