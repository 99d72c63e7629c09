"""Job runs and the change log (SPEC §2, §8).

The job-run screen lists every run in the user's scope with a progress bar that moves while the
job works (``static/js/job_progress.js`` polls ``GET /api/v1/job_run/progress``), lets a
department head or an admin launch a recalculation (tier scheme and period) and cancel a run that
is still queued. The same launch and cancel serve scripts through the REST API:

    POST /api/v1/job_run/launch      {"scheme": "SCALE", "period": "2026Q3"} -> 201 | 422
    POST /api/v1/job_run/<id>/cancel                                          -> 200 | 404 | 409

Permissions (backoffice/security/roles.py): ``can_launch`` and ``cancel`` (the list action) on
``JobRunView``, ``can_launch`` and ``can_cancel`` on ``JobRunApi`` for DeptHead (Admin has all);
BackOffice and Viewer only read. Which runs a user sees is the row scope of
``backoffice/security/scope.py`` (recalculations are company-wide, other runs are their launcher's).
"""
import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action as fab_action
from flask_appbuilder.api import safe
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from backoffice.extensions import db
from backoffice.jobs import cancel
from backoffice.services import CommandError
from backoffice.services.recalc import launch_recalculation  # noqa: F401  (the CLI and tests call it here too)
from backoffice.models import ChangeLog, JobRun, TierScheme
from backoffice.models.choices import JobState, PeriodKind
from backoffice.rules.periods import previous_quarter, previous_year
from backoffice.security.scope import scope_clause
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.job_display import run_display
from backoffice.views.labels import LABELS

JOB_LABELS = {
    **LABELS,
    "kind": _l("Job"),
    "parameters": _l("Parameters"),
    "progress": _l("Progress"),
    "duration": _l("Duration"),
}
MAX_POLLED_RUNS = 100


# -- launching a recalculation: the command is backoffice/services/recalc.py -----------------------
def active_schemes():
    return db.session.execute(
        sa.select(TierScheme).where(TierScheme.active.is_(True)).order_by(TierScheme.id)
    ).scalars().all()


def _period_kind(scheme):
    return getattr(scheme.period_kind, "value", scheme.period_kind)


def default_period(scheme, today=None):
    """The last complete period of the scheme's kind (SPEC §3: the previous quarter / year)."""
    from backoffice.recalc.plan import business_today

    today = today or business_today()
    if _period_kind(scheme) == PeriodKind.year.value:
        return previous_year(today).label
    if _period_kind(scheme) == PeriodKind.quarter.value:
        return previous_quarter(today).label
    return ""


def period_hint(scheme):
    example = default_period(scheme)
    if _period_kind(scheme) == PeriodKind.year.value:
        return _("A calendar year, four digits, e.g. %(example)s (the last complete year).", example=example)
    if _period_kind(scheme) == PeriodKind.quarter.value:
        return _("A calendar quarter, e.g. %(example)s (the last complete quarter).", example=example)
    return ""


def launch_message(run):
    """(flash category, text) telling where the run went (SPEC §8: a Redis outage loses nothing)."""
    what = run_display(run)
    args = dict(id=run.id, job=what["kind_label"], params=what["params"])
    if not current_app.config.get("REDIS_URL"):
        return "success", _(
            "Run #%(id)s (%(job)s %(params)s) is queued; without a job queue it runs inside this "
            "application.", **args)
    if run.enqueued:
        return "success", _("Run #%(id)s (%(job)s %(params)s) is queued and sent to the workers.", **args)
    return "warning", _(
        "Run #%(id)s (%(job)s %(params)s) is recorded as queued, but the job queue (Redis) cannot be "
        "reached: it will start when the queue is back.", **args)


class RecalcLaunchForm(DynamicForm):
    scheme = SelectField(_l("Tier scheme"), validate_choice=False, render_kw={"class": "form-control"})
    period = StringField(_l("Period"), render_kw={"class": "form-control", "autocomplete": "off"})


# -- list and show -------------------------------------------------------------------------------
class JobRunListWidget(ListWidget):
    template = "jobs/run_list_widget.html"


class JobRunShowWidget(ShowWidget):
    template = "jobs/run_show_widget.html"


class JobRunView(ScopedModelView):
    datamodel = SQLAInterface(JobRun)
    label_columns = JOB_LABELS
    list_columns = [
        "id", "kind", "parameters", "state", "progress", "launched_by",
        "queued_at", "started_at", "ended_at", "duration",
    ]
    mobile_columns = ["id", "kind", "state", "progress"]  # a phone card (views/cards.py)
    show_columns = [
        "id", "kind", "parameters", "queue", "state", "progress", "launched_by",
        "queued_at", "started_at", "ended_at", "duration", "summary", "error",
    ]
    order_columns = ["id", "kind", "state", "queued_at", "started_at", "ended_at"]
    search_columns = ["kind", "state", "queued_at"]
    base_permissions = ["can_list", "can_show", "can_launch"]
    base_order = ("id", "desc")
    list_template = "jobs/run_list.html"
    show_template = "jobs/run_show.html"
    list_widget = JobRunListWidget
    show_widget = JobRunShowWidget
    api_actions = {"launch": "POST /api/v1/job_run/launch", "cancel": "POST /api/v1/job_run/{pk}/cancel"}
    list_title = _l("Job runs")
    show_title = _l("Job run")

    # The CSV export (views/export.py) writes stored values, not the screen's composed cells.
    export_columns = [
        "id", "kind", "params", "state", "progress_done", "progress_total", "launched_by",
        "queued_at", "started_at", "ended_at", "error",
    ]

    def export_query(self):
        export, filters = super().export_query()
        export.columns = list(self.export_columns)
        return export, filters

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="",
                         page=None, page_size=None, widgets=None, **kwargs):
        # FAB's own, plus each row's display (kind label, progress, local times...).
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined_filters = filters.get_joined_filters(self._base_filters)
        count, lst = self.datamodel.query(
            joined_filters, order_column, order_direction, page=page, page_size=page_size
        )
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns,
            include_columns=self.list_columns,
            value_columns=[run_display(run) for run in lst],
            order_columns=self.order_columns,
            formatters_columns=self.formatters_columns,
            page=page, page_size=page_size, count=count,
            pks=self.datamodel.get_keys(lst),
            actions=actions, filters=filters,
            modelview_name=self.__class__.__name__,
            **kwargs,
        )
        return widgets

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns=self.label_columns,
            include_columns=self.show_columns,
            run=run_display(item),
            queue=item.queue,
            actions=actions or self.actions,
            modelview_name=self.__class__.__name__,
        )
        return widgets

    # -- launch ---------------------------------------------------------------------------------
    @expose("/launch", methods=["GET", "POST"])
    @has_access
    @permission_name("launch")
    def launch(self):
        schemes = active_schemes()
        form = RecalcLaunchForm()
        form.scheme.choices = [(s.code, f"{s.name} ({s.code})") for s in schemes]
        if request.method == "GET":
            first = next((s for s in schemes if _period_kind(s) == PeriodKind.quarter.value), None)
            chosen = next((s for s in schemes if s.code == request.args.get("scheme")), first)
            if chosen is not None:
                form.scheme.data = chosen.code
                form.period.data = default_period(chosen)
        elif form.validate():
            try:
                run = launch_recalculation(form.scheme.data, form.period.data, g.user)
            except CommandError as exc:
                target = getattr(form, exc.field or "period")
                target.errors = list(target.errors or []) + [exc.message]
            else:
                category, message = launch_message(run)
                flash(message, category)
                return redirect(url_for(f"{self.__class__.__name__}.list"))
        options = [
            {"code": s.code, "label": f"{s.name} ({s.code})", "default": default_period(s), "hint": period_hint(s)}
            for s in schemes
        ]
        selected = next((o for o in options if o["code"] == form.scheme.data), None)
        return self.render_template(
            "jobs/launch.html", form=form, options=options, selected=selected,
            title=_("Launch recalculation"),
        )

    # -- cancel (FAB actions skip base_filters: ScopedModelView.action/action_post re-check) ----
    @fab_action("cancel", _l("Cancel run"), _l("Cancel the selected queued runs?"), "fa-ban")
    def cancel_runs(self, items):
        items = items if isinstance(items, list) else [items]
        cancelled, refused = [], []
        for run in items:
            (cancelled if cancel(run) else refused).append(run)
        if cancelled:
            flash(_("Cancelled: %(ids)s.", ids=", ".join(f"#{r.id}" for r in cancelled)), "success")
        for run in refused:
            flash(cancel_refusal(run), "warning")
        self.update_redirect()
        return redirect(url_for(f"{self.__class__.__name__}.list"))


def cancel_refusal(run):
    return _("Run #%(id)s cannot be cancelled: it is %(state)s. Only a queued run can be cancelled.",
             id=run.id, state=str(JobState(getattr(run.state, "value", run.state)).label))


class ChangeLogView(ScopedModelView):
    """The change log (SPEC §2): read and export only -- no add, edit or delete for anyone,
    Admin included (no such permission exists on this view)."""

    datamodel = SQLAInterface(ChangeLog)
    list_columns = ["at", "user", "action_label", "record_type", "record_id", "field_label", "old_text", "new_text", "summary"]
    mobile_columns = ["at", "user", "record_type", "summary"]  # a phone card (views/cards.py)
    show_columns = list_columns + ["details_text"]  # the snapshot in words (issue #11)
    search_columns = ["at", "user", "action", "table_name", "record_id", "field"]
    base_permissions = ["can_list", "can_show", "can_export"]
    base_order = ("at", "desc")
    label_columns = {
        **LABELS, "action_label": LABELS["action"], "record_type": LABELS["table_name"],
        "field_label": LABELS["field"], "old_text": LABELS["old_value"], "new_text": LABELS["new_value"],
        "details": _l("Details"), "details_text": _l("Details"),
    }


class JobRunApi(ScopedApi):
    resource_name = "job_run"
    datamodel = SQLAInterface(JobRun)
    list_columns = show_columns = [
        "id", "kind", "queue", "params", "state", "progress_done", "progress_total",
        "queued_at", "started_at", "ended_at", "summary", "error",
    ]
    include_route_methods = {"get", "get_list", "info", "progress", "launch", "cancel_run"}

    def _scoped_run(self, pk):
        q = sa.select(JobRun).where(JobRun.id == pk)
        clause = scope_clause(JobRun)
        if clause is not None:
            q = q.where(clause)
        return db.session.execute(q).scalar_one_or_none()

    @expose("/progress", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def progress(self):
        """The progress of the runs ``?ids=1,2,3`` the user may see (others are left out).
        ---
        get:
          summary: Progress, state and timings of some job runs (polled by the job-run screen)
          parameters:
          - in: query
            name: ids
            schema: {type: string}
            description: run ids separated by commas
          responses:
            200: {description: "{runs: [{id, state, state_label, done, total, percent, ...}]}"}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        ids = []
        for part in (request.args.get("ids") or "").split(","):
            if part.strip().isdigit():
                ids.append(int(part))
        ids = ids[:MAX_POLLED_RUNS]
        runs = []
        if ids:
            q = sa.select(JobRun).where(JobRun.id.in_(ids)).order_by(JobRun.id.desc())
            clause = scope_clause(JobRun)
            if clause is not None:
                q = q.where(clause)
            runs = db.session.execute(q).scalars().all()
        return self.response(200, runs=[run_display(r) for r in runs])

    @expose("/launch", methods=["POST"])
    @protect()
    @safe
    @permission_name("launch")
    def launch(self):
        """Launch a recalculation of a tier scheme for a period.
        ---
        post:
          summary: Launch a recalculation (the same checks as the launch form)
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    scheme: {type: string, example: SCALE}
                    period: {type: string, example: 2026Q3}
          responses:
            201: {description: "the run: {id, result, message, enqueued}"}
            422: {$ref: '#/components/responses/422'}
            403: {$ref: '#/components/responses/403'}
        """
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict):
            return self.response_400(message=_("Send a JSON object with scheme and period."))
        try:
            run = launch_recalculation(body.get("scheme"), body.get("period"), g.user)
        except CommandError as exc:
            if exc.status == 422:
                return self.response_422(message={exc.field or "period": [exc.message]})
            return self.response(exc.status, message=exc.as_api_message())
        _category, message = launch_message(run)
        db.session.refresh(run)
        return self.response(201, id=run.id, result=run_display(run), message=message, enqueued=bool(run.enqueued))

    @expose("/<int:pk>/cancel", methods=["POST"])
    @protect()
    @safe
    @permission_name("cancel")
    def cancel_run(self, pk):
        """Cancel a queued run.
        ---
        post:
          summary: Cancel a queued job run (a running or ended run is refused with 409)
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            200: {description: "the cancelled run"}
            404: {$ref: '#/components/responses/404'}
            409: {description: the run is not queued any more}
        """
        run = self._scoped_run(pk)
        if run is None:
            return self.response_404()
        if not cancel(run):
            return self.response(409, message=cancel_refusal(run))
        return self.response(200, id=run.id, result=run_display(run), message=_("Cancelled: %(ids)s.", ids=f"#{run.id}"))
