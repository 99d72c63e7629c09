"""Import screens: upload a file, preview what it will do, confirm (SPEC §9).

    GET  /import/<kind>/                 upload form, column guide, template links
    POST /import/<kind>/                 store the upload (by hash) -> redirect to its preview
    GET  /import/<kind>/template.csv     template (headers as labels, or ?headers=fields)
    GET  /import/<kind>/preview/<id>     rows to create / update / unchanged / rejected, errors
    POST /import/<kind>/confirm/<id>     write (small files) or launch a job (large files)
    GET  /import/<kind>/run/<run_id>     a job's progress and result

Permission ``can_import`` on ``ClientView`` (clients) and ``PurchaseRecordView`` (purchases),
declared per role in ``security/roles.py``; the rows themselves are limited by the row scope.
The survey-answer import (``views/survey_answers.py``) is a subclass with its own reader and writer.
"""
import csv
import io

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from backoffice.extensions import db
from backoffice.imports import uploads
from backoffice.imports.apply import MODES, columns_of, import_file, read_upload
from backoffice.imports.reading import ImportFileError
from backoffice.jobs import JobRefused, launch
from backoffice.models import JobRun
from backoffice.models.choices import JobState
from backoffice.security.scope import scope_clause

MODE_LABELS = {
    "all_or_nothing": _l("All or nothing: write nothing if any row is rejected"),
    "valid_rows": _l("Write the valid rows, skip the rejected ones"),
    "dry_run": _l("Check only (write nothing)"),
}
ACTION_LABELS = {
    "create": _l("To create"),
    "update": _l("To update"),
    "unchanged": _l("Unchanged"),
    "reject": _l("Rejected"),
}
DONE_LABELS = {
    "create": _l("Created"),
    "update": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "reject": _l("Rejected"),
}


class UploadForm(FlaskForm):
    file = FileField()


class ConfirmForm(FlaskForm):
    """Only the CSRF token; the mode comes as a plain field."""


class ImportView(BaseView):
    """One import screen; subclasses set the kind, the permission's view name and the title.

    The flow (upload -> preview -> confirm, or a job over the threshold) is the same for every
    import; a subclass for another kind of file overrides the hooks ``_columns``, ``_threshold``,
    ``read_table``, ``run_import``, ``job_kind`` and ``conflict_errors``.
    """

    kind = None
    title = None
    list_endpoint = None  # where the imported records are listed
    job_kind = None  # the job run over the threshold; None: "import.<kind>"
    conflict_errors = ()  # exceptions of a write shown on the upload page (409), not raised
    default_view = "upload"
    method_permission_name = {
        "upload": "import", "template": "import", "preview": "import", "confirm": "import", "run": "import",
    }

    # -- hooks ---------------------------------------------------------------------------------
    def _columns(self):
        return columns_of(self.kind)

    def _threshold(self):
        """Over this many rows, the import runs as a job."""
        return current_app.config["IMPORT_JOB_THRESHOLD"]

    def _job_kind(self):
        return self.job_kind or f"import.{self.kind}"

    def read_table(self, data, filename):
        """The upload as a ``reading.Table`` (raises ImportFileError for an unusable file)."""
        return read_upload(self.kind, data, filename)

    def run_import(self, data, user, mode, filename):
        """Check (and unless ``dry_run``, write) the upload; returns the ``ImportResult``."""
        return import_file(self.kind, data, user=user, mode=mode, filename=filename)

    # -- helpers -------------------------------------------------------------------------------
    def _field_labels(self):
        return {c.field: str(c.label) for c in self._columns()}

    def _page(self, template, status=200, **kw):
        return self.render_template(
            template, title=self.title, kind=self.kind, columns=self._columns(), labels=self._field_labels(),
            mode_labels=MODE_LABELS, action_labels=ACTION_LABELS, done_labels=DONE_LABELS,
            endpoint=self.endpoint, list_url=self._list_url(), **kw,
        ), status

    def _list_url(self):
        try:
            return url_for(self.list_endpoint)
        except Exception:
            return None

    def _upload_page(self, error=None, status=200):
        return self._page("imports/upload.html", status=status, form=UploadForm(), error=error,
                          max_mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024),
                          threshold=self._threshold())

    def _meta_or_404(self, upload_id):
        meta = uploads.meta(upload_id, g.user.id)
        if meta is None or meta.get("kind") != self.kind:
            abort(404)
        return meta

    # -- pages --------------------------------------------------------------------------------
    @expose("/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        if request.method == "GET":
            return self._upload_page()
        limit = current_app.config["IMPORT_MAX_BYTES"]
        mb = f"{limit / (1024 * 1024):g}"
        # Refuse an oversized body by its announced length before reading it.
        if request.content_length and request.content_length > limit + 64 * 1024:
            return self._upload_page(ImportFileError("too_large", limit=mb).message, 400)
        form = UploadForm()
        if not form.validate_on_submit():
            return self._upload_page(_("The form has expired: submit it again."), 400)
        storage = request.files.get("file")
        if storage is None or not storage.filename:
            return self._upload_page(_("Choose a file to import."), 400)
        data = storage.stream.read(limit + 1)
        if len(data) > limit:
            return self._upload_page(ImportFileError("too_large", limit=mb).message, 400)
        try:
            table = self.read_table(data, storage.filename)  # refuse an unusable file at once
        except ImportFileError as exc:
            return self._upload_page(exc.message, 400)
        upload_id = uploads.save(data, kind=self.kind, filename=storage.filename, user=g.user, rows=len(table))
        return redirect(url_for(f"{self.endpoint}.preview", upload_id=upload_id))

    @expose("/template.csv")
    @has_access
    def template(self):
        """A UTF-8 (with BOM, for Excel) template: the header row and one example row."""
        by_fields = request.args.get("headers") == "fields"
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([c.field if by_fields else str(c.label) for c in self._columns()])
        writer.writerow([c.example for c in self._columns()])
        name = f"{self.kind}-template{'-fields' if by_fields else ''}.csv"
        return current_app.response_class(
            ("\ufeff" + buf.getvalue()).encode("utf-8"), mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )

    @expose("/preview/<upload_id>")
    @has_access
    def preview(self, upload_id):
        meta = self._meta_or_404(upload_id)
        threshold = self._threshold()
        try:
            rows = self._rows(upload_id, meta)
        except ImportFileError as exc:
            return self._upload_page(exc.message, 400)
        if rows > threshold:  # a large file is checked by the job the confirmation starts
            return self._page("imports/preview.html", meta=meta, upload_id=upload_id, result=None,
                              rows=rows, threshold=threshold, form=ConfirmForm(), large=True)
        # A small one is checked here and now (dry run).
        result = self.run_import(uploads.read(upload_id), g.user, "dry_run", meta.get("filename", ""))
        return self._page("imports/preview.html", meta=meta, upload_id=upload_id, result=result,
                          rows=rows, threshold=threshold, form=ConfirmForm(), large=False)

    @expose("/confirm/<upload_id>", methods=["POST"])
    @has_access
    def confirm(self, upload_id):
        meta = self._meta_or_404(upload_id)
        if not ConfirmForm().validate_on_submit():
            return redirect(url_for(f"{self.endpoint}.preview", upload_id=upload_id))
        mode = request.form.get("mode", "all_or_nothing")
        if mode not in MODES:
            abort(400)
        filename = meta.get("filename", "")
        try:
            rows = self._rows(upload_id, meta)
        except ImportFileError as exc:
            return self._upload_page(exc.message, 400)
        if rows > self._threshold():
            return self._launch(upload_id, mode, filename)
        if mode == "dry_run":
            return redirect(url_for(f"{self.endpoint}.preview", upload_id=upload_id))
        try:
            result = self.run_import(uploads.read(upload_id), g.user, mode, filename)
        except self.conflict_errors as exc:
            return self._upload_page(str(exc), 409)
        return self._page("imports/result.html", meta=meta, result=result, run=None)

    def _rows(self, upload_id, meta):
        """How many record rows the upload has: counted by the upload check and kept on the
        ticket (the id is the file's hash, so the count cannot go stale); a ticket from before
        counts were kept is answered by reading the file (raises ImportFileError)."""
        if meta.get("rows") is not None:
            return meta["rows"]
        return len(self.read_table(uploads.read(upload_id), meta.get("filename", "")))

    def _launch(self, upload_id, mode, filename):
        params = {"upload_id": upload_id, "mode": mode, "filename": filename, "locale": str(get_locale() or "zh")}
        try:
            run = launch(self._job_kind(), params, user=g.user, dedupe_key=f"{self._job_kind()}:{upload_id}")
        except JobRefused as exc:
            return self._upload_page(str(exc), 409)
        return redirect(url_for(f"{self.endpoint}.run", run_id=run.id))

    @expose("/run/<int:run_id>")
    @has_access
    def run(self, run_id):
        # The job-run row scope (security/scope.py: an import's run is its launcher's, all for Admin).
        query = sa.select(JobRun).where(JobRun.id == run_id, JobRun.kind == self._job_kind())
        clause = scope_clause(JobRun)
        run = db.session.execute(query if clause is None else query.where(clause)).scalar_one_or_none()
        if run is None:
            abort(404)
        state = getattr(run.state, "value", run.state)
        active = state in (JobState.queued.value, JobState.running.value)
        percent = int(100 * run.progress_done / run.progress_total) if run.progress_total else 0
        return self._page("imports/result.html", meta=run.params or {}, result=None, run=run, state=state,
                          state_label=str(JobState(state).label), active=active, percent=percent,
                          summary=run.summary or {})


class ClientImportView(ImportView):
    route_base = "/import/clients"
    class_permission_name = "ClientView"
    kind = "clients"
    title = _l("Import clients")
    list_endpoint = "ClientView.list"


class PurchaseImportView(ImportView):
    route_base = "/import/purchases"
    class_permission_name = "PurchaseRecordView"
    kind = "purchases"
    title = _l("Import purchases")
    list_endpoint = "PurchaseRecordView.list"

