"""Appraisal templates and sheets (SPEC §6): the sheet page with its items, the score form, the
objection form, the print page and the ranking launch; the same commands through the API."""
import datetime as dt
from decimal import Decimal

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.clock import business_today
from backoffice.rules.appraisal_pay import pay_breakdown
from backoffice.services import CommandError
from backoffice.views.formatting import money

from backoffice.models import AppraisalItem, AppraisalScore, AppraisalSheet, AppraisalTemplate
from backoffice.models.choices import TargetResult
from backoffice.services import appraisal_settings
from backoffice.services import appraisals as commands
from backoffice.services.labels import EVENT_LABELS
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.lifecycle import (
    LifecycleViewMixin, TransitionApiMixin, command_response, command_target, lifecycle_action,
)
from backoffice.views.formatting import percent
from backoffice.formatting import period as period_words
from backoffice.views.labels import AUDIT_FIELDSET


def parse_month(text):
    try:
        year, month = str(text).strip().split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise CommandError(_("Give the month as YYYY-MM, e.g. 2026-10."), field="month") from None


def sheet_page_context(sheet):
    """What the sheet page and its print page show beside FAB's fields."""
    from backoffice.views.surveys import staff_ratings

    events = commands.allowed_events(sheet)
    return {
        "sheet": sheet,
        "sheet_month": month_text(sheet.month),
        "sheet_scores": [(s.item.name, s.max_points, s.score) for s in
                         sorted(sheet.scores, key=lambda s: (s.item.sort_order, s.item_id))],
        "sheet_band": band_text(sheet.total_score),
        "sheet_factor": percent(sheet.pay_factor) if sheet.pay_factor is not None else "",
        "sheet_final_pay": money(sheet.final_pay),
        "sheet_pay_base": money(sheet.pay_base),
        "sheet_target": str(sheet.target_result.label) if sheet.target_result is not None else "",
        "sheet_status": str(sheet.status.label) if sheet.status is not None else "",
        "sheet_may_score": commands.lifecycle.value(sheet.status) in commands.EDITABLE and commands.may_score(sheet),
        "sheet_may_object": "object" in events,
        # only while an objection is still possible (approved, none raised yet)
        "sheet_objection_deadline": (commands.objection_deadline_of(sheet)
                                     if commands.lifecycle.value(sheet.status) == "approved"
                                     and sheet.objection_at is None else None),
        # periods in words (2026年下半年), as on the survey screens
        "sheet_ratings": [dict(r, period=period_words(r["period"])) for r in staff_ratings(sheet.staff_id)],
    }


class AppraisalItemView(ScopedModelView):
    datamodel = SQLAInterface(AppraisalItem)
    list_columns = ["template", "sort_order", "name", "max_points"]
    mobile_columns = ["template", "name", "max_points"]  # a phone card (views/cards.py)
    show_columns = add_columns = edit_columns = ["template", "sort_order", "name", "max_points", "description"]
    search_columns = ["template", "name"]
    base_order = ("sort_order", "asc")


class AppraisalTemplateView(ScopedModelView):
    datamodel = SQLAInterface(AppraisalTemplate)
    list_columns = ["code", "name", "position", "total_points", "active"]
    show_columns = ["code", "name", "position", "total_points", "active"]
    add_columns = edit_columns = ["code", "name", "position", "active"]
    search_columns = ["code", "name", "position", "active"]
    label_columns = {**ScopedModelView.label_columns, "total_points": _l("Total points")}
    related_views = [AppraisalItemView]


class AppraisalScoreView(ScopedModelView):
    datamodel = SQLAInterface(AppraisalScore)
    list_columns = ["sheet", "item", "max_points", "score", "note"]
    mobile_columns = ["sheet", "item", "score"]  # a phone card (views/cards.py)
    show_columns = list_columns
    add_columns = ["sheet", "item", "score", "note"]
    edit_columns = ["score", "note"]
    search_columns = ["sheet", "item"]

    def pre_add(self, item):
        check_score_editable(item)

    def pre_update(self, item):
        check_score_editable(item)

    def pre_delete(self, item):
        check_score_editable(item)


def check_score_editable(score):
    """A score record belongs to its sheet: refused when the sheet may not be changed (SPEC §6)."""
    if score.sheet is not None:
        commands.check_editable(score.sheet)


fill_items = commands.prepare  # the former name, for callers outside the views

SHEET_ACTIONS = {"sheet_submit": "submit", "sheet_approve": "approve", "sheet_finalise": "finalise"}
SHEET_LABELS = EVENT_LABELS["appraisal_sheet"]
TRANSITION_API = "POST /api/v1/appraisal_sheet/{pk}/transition"


def month_text(value):
    """Months show as 2026-10 (issue #14), on screens and in the CSV export."""
    return f"{value:%Y-%m}" if isinstance(value, dt.date) else ("" if value is None else str(value))


def warning_text(value):
    return str(_("Last three months")) if value else ""


def band_text(total, bands=None):
    """The pay band a total falls in, as the administrator set the bands (SPEC §6)."""
    from backoffice.rules.appraisal_pay import band_of
    from backoffice.views.appraisal_settings import band_label

    if total is None:
        return ""
    if bands is None:
        bands, _rates = appraisal_settings.current_settings()
    band = band_of(Decimal(total), bands)
    return band_label(band) if band is not None else ""


def signed_money(value):
    """An adjustment: "-¥141.81", "+¥132.00", "¥0.00"."""
    if value is None:
        return ""
    value = Decimal(value)
    sign = "-" if value < 0 else ("+" if value > 0 else "")
    return f"{sign}{money(abs(value))}"


def pay_preview(sheet, scores, outcome):
    """Total, band, factor, adjustment and final pay for the values on the form, by the one rule
    (rules/appraisal_pay.py) with the administrator's bands and rates; an error where a score is
    not a number or out of range."""
    total = Decimal("0")
    for s in sheet.scores:
        raw = scores.get(s.item_id, s.score)
        try:
            value = Decimal(str(raw))
        except Exception:  # noqa: BLE001 - any unreadable value: no preview
            return {"error": _("%(item)s: enter a number.", item=s.item.name)}
        if not value.is_finite() or value < 0 or value > s.max_points:
            return {"error": _("%(item)s: the score must be between 0 and %(max)s.", item=s.item.name, max=s.max_points)}
        total += value
    target = outcome or getattr(sheet.target_result, "value", sheet.target_result) or "met"
    bands, rates = appraisal_settings.current_settings()
    b = pay_breakdown(Decimal(sheet.pay_base or 0), total, target, bands, rates)
    return {"total": f"{total:.2f}", "band": str(band_text(total, bands)), "factor": percent(b.factor),
            "adjusted_pay": money(b.adjusted_pay), "adjustment": signed_money(b.adjustment),
            "final_pay": money(b.final_pay)}


EVENT_DONE = {
    "submit": _l("The sheet was submitted for approval."),
    "approve": _l("The sheet was approved; the appraised person may object within 5 working days."),
    "object": _l("Your objection was recorded; the sheet goes back to the department head for review."),
    "finalise": _l("The sheet is final; it can no longer be changed."),
}


class AppraisalSheetView(LifecycleViewMixin, ScopedModelView):
    datamodel = SQLAInterface(AppraisalSheet)
    list_columns = ["staff", "template", "month", "status", "total_score", "target_result", "final_pay",
                    "rank", "last_three_months"]
    mobile_columns = ["staff", "month", "status", "final_pay"]  # a phone card (views/cards.py)
    search_columns = ["staff", "template", "month", "status", "target_result"]
    order_columns = ["month", "status", "total_score", "final_pay"]
    add_columns = ["staff", "template", "month", "target_result", "pay_base", "comments"]
    edit_columns = ["target_result", "pay_base", "comments"]
    show_fieldsets = [
        (_l("Sheet"), {"fields": ["staff", "template", "month", "evaluator", "status"]}),
        (_l("Result"), {"fields": ["total_score", "pay_factor", "target_result", "pay_base", "final_pay"]}),
        (_l("Objection"), {"fields": ["approved_at", "objection", "objection_at", "comments"]}),
        AUDIT_FIELDSET,
    ]
    label_columns = {**ScopedModelView.label_columns, "approved_at": _l("Approved at"), "rank": _l("Rank"),
                     "ranked_of": _l("Ranked of"), "last_three_months": _l("Last-place warning")}
    related_views = [AppraisalScoreView]
    base_order = ("month", "desc")
    formatters_columns = {"pay_factor": percent, "month": month_text, "last_three_months": warning_text}
    show_template = "appraisals/sheet_show.html"
    list_template = "appraisals/sheet_list.html"

    lifecycle_actions = SHEET_ACTIONS
    api_actions = {
        **{name: TRANSITION_API for name in SHEET_ACTIONS},
        "object_form": TRANSITION_API,
        "score_form": "POST /api/v1/appraisal_sheet/{pk}/scores",
        "launch_ranking": "POST /api/v1/appraisal_sheet/ranking",
    }

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs.update(sheet_page_context(item))
        return super().render_template(template, **kwargs)

    # -- the score form: every item of the template on one form (SPEC §6) -----------------------
    @expose("/scores/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def score_form(self, pk):
        sheet = self._scoped_get(pk)
        values, error = {}, None
        if request.method == "POST":
            values = {s.item_id: request.form.get(f"score_{s.item_id}", "") for s in sheet.scores}
            try:
                commands.save_scores(sheet, values, outcome=request.form.get("outcome") or None,
                                     comments=request.form.get("comments"))
                flash(_("The scores were saved: total %(total)s, final pay %(pay)s.",
                        total=sheet.total_score, pay=money(sheet.final_pay)), "success")
                return redirect(url_for("AppraisalSheetView.show", pk=pk))
            except CommandError as exc:
                from backoffice.extensions import db

                db.session.rollback()
                error = exc.message
                flash(error, "danger")
        editable = commands.lifecycle.value(sheet.status) in commands.EDITABLE and commands.may_score(sheet)
        outcome = commands.department_outcome(sheet)
        return self.render_template(
            "appraisals/score_form.html", sheet=sheet, values=values, error=error, editable=editable,
            may_set_outcome=commands.is_admin() or commands.is_head_of(sheet.staff_id),
            outcome=getattr(outcome, "result", None) or sheet.target_result,
            outcomes=[(c.value, str(c.label)) for c in TargetResult],
            preview=pay_preview(sheet, values, request.form.get("outcome")),
            preview_url=url_for("AppraisalSheetView.score_preview", pk=pk),
            title=_("Scores of %(sheet)s", sheet=str(sheet)),
        )

    @expose("/scores/<int:pk>/preview")
    @has_access
    @permission_name("edit")
    def score_preview(self, pk):
        """The pay for the values being typed (JSON for appraisal_score.js); nothing is saved."""
        sheet = self._scoped_get(pk)
        scores = {s.item_id: request.args.get(f"score_{s.item_id}", s.score) for s in sheet.scores}
        outcome = request.args.get("outcome")
        if outcome not in {c.value for c in TargetResult}:
            outcome = None
        return jsonify(pay_preview(sheet, scores, outcome))

    # -- the objection form (异议 with its reason, SPEC §6) ---------------------------------------
    @expose("/object/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("sheet_object")
    def object_form(self, pk):
        sheet = self._scoped_get(pk)
        reason = ""
        if request.method == "POST":
            reason = request.form.get("reason", "")
            try:
                commands.object_to(sheet, reason)
                flash(str(EVENT_DONE["object"]), "success")
                return redirect(url_for("AppraisalSheetView.show", pk=pk))
            except CommandError as exc:
                from backoffice.extensions import db

                db.session.rollback()
                flash(exc.message, "danger")
        refusal = None
        if "object" not in commands.allowed_events(sheet):
            refusal = commands.objection_refusal(sheet) or _("An objection is not possible for this sheet now.")
        deadline = commands.objection_deadline_of(sheet)
        return self.render_template("appraisals/object_form.html", sheet=sheet, reason=reason, refusal=refusal,
                                    deadline=deadline, title=_("Objection to %(sheet)s", sheet=str(sheet)))

    # -- print: one A4 page (SPEC §9) -----------------------------------------------------------
    @expose("/print/<int:pk>")
    @has_access
    @permission_name("show")
    def print_view(self, pk):
        sheet = self._scoped_get(pk)
        return render_template("print/appraisal_sheet.html", printed_on=business_today().isoformat(),
                               printed_by=str(g.user), back_url=url_for("AppraisalSheetView.show", pk=pk),
                               **sheet_page_context(sheet))

    # -- the monthly ranking on demand (job on the recalc queue) ------------------------------------
    @expose("/ranking", methods=["POST"])
    @has_access
    @permission_name("sheet_ranking")
    def launch_ranking(self):
        try:
            month = parse_month(request.form.get("month", ""))
            run = commands.launch_ranking(month, g.user)
            flash(_("The ranking of %(month)s was launched (run #%(id)s).", month=f"{month:%Y-%m}", id=run.id), "success")
        except CommandError as exc:
            flash(exc.message, "danger")
        return redirect(url_for("AppraisalSheetView.list"))

    def pre_add(self, item):
        commands.prepare(item)

    def pre_update(self, item):
        commands.check_editable(item)

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event):
        commands.transition(item, event)
        flash(str(EVENT_DONE[event]), "info")

    sheet_submit = lifecycle_action("sheet_submit", "submit", SHEET_LABELS["submit"], "fa-check")
    sheet_approve = lifecycle_action("sheet_approve", "approve", SHEET_LABELS["approve"], "fa-check")
    # The objection needs its reason: it has its own form (object_form), not an action button.
    sheet_finalise = lifecycle_action("sheet_finalise", "finalise", SHEET_LABELS["finalise"], "fa-check")


class AppraisalSheetApi(TransitionApiMixin, ScopedApi):
    resource_name = "appraisal_sheet"
    datamodel = SQLAInterface(AppraisalSheet)
    list_columns = ["id", "staff.name", "template.code", "month", "status", "total_score", "pay_factor", "final_pay"]
    show_columns = ["id", "staff.id", "template.id", "month", "status", "target_result", "pay_base", "total_score", "pay_factor", "final_pay"]
    add_columns = ["staff", "template", "month", "target_result", "pay_base", "comments"]
    edit_columns = ["target_result", "pay_base", "comments"]

    def pre_add(self, item):
        super().pre_add(item)
        commands.prepare(item)

    def pre_update(self, item):
        super().pre_update(item)
        commands.check_editable(item)

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event, note):
        commands.transition(item, event, note=note)

    @expose("/<int:pk>/scores", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def scores(self, pk):
        """Score every item of a sheet at once (the score form's counterpart).
        ---
        post:
          summary: Save the item scores (and the department's monthly result)
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [scores]
                  properties:
                    scores: {type: object, description: "item id -> score (0 .. the item's maximum)"}
                    outcome: {type: string, enum: [exceeded, met, missed]}
                    comments: {type: string}
          responses:
            200: {description: "{id, total_score, pay_factor, final_pay}"}
            400: {$ref: '#/components/responses/400'}
            404: {$ref: '#/components/responses/404'}
            422: {description: "a score out of range, a sheet that cannot be changed (translated message)"}
        """
        item, body, refusal = command_target(self, pk, _("Send a JSON object with the scores by item id."),
                                             lambda b: isinstance(b.get("scores"), dict))
        if refusal is not None:
            return refusal

        def call():
            from backoffice.extensions import db

            try:
                commands.save_scores(item, body["scores"], outcome=body.get("outcome"), comments=body.get("comments"))
            except CommandError:
                db.session.rollback()
                raise
            return self.response(200, id=item.id, total_score=str(item.total_score), pay_factor=str(item.pay_factor),
                                 final_pay=str(item.final_pay))

        return command_response(self, call)

    @expose("/ranking", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def ranking(self):
        """Launch the monthly ranking (a job on the recalc queue).
        ---
        post:
          summary: Rank a month's sheets per department and template
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [month]
                  properties:
                    month: {type: string, description: "YYYY-MM"}
          responses:
            200: {description: "{run: id}"}
            400: {$ref: '#/components/responses/400'}
            409: {description: "the same ranking is already queued or running"}
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("month"), str):
            return self.response_400(message=_("Send a JSON object with the month (YYYY-MM)."))

        def call():
            run = commands.launch_ranking(parse_month(body["month"]), g.user)
            return self.response(200, run=run.id)

        return command_response(self, call)


class AppraisalScoreApi(ScopedApi):
    resource_name = "appraisal_score"
    datamodel = SQLAInterface(AppraisalScore)
    list_columns = show_columns = ["id", "sheet.id", "item.id", "max_points", "score", "note"]
    add_columns = ["sheet", "item", "score", "note"]
    edit_columns = ["score", "note"]

    def pre_add(self, item):
        super().pre_add(item)
        check_score_editable(item)

    def pre_update(self, item):
        super().pre_update(item)
        check_score_editable(item)


class AppraisalTemplateApi(ScopedApi):
    resource_name = "appraisal_template"
    datamodel = SQLAInterface(AppraisalTemplate)
    list_columns = show_columns = ["id", "code", "name", "position", "active"]
    add_columns = edit_columns = ["code", "name", "position", "active"]
