"""Appraisal templates and sheets (SPEC §6)."""

from flask import flash, g, redirect
from flask_appbuilder import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import AppraisalItem, AppraisalScore, AppraisalSheet, AppraisalTemplate
from backoffice.models.choices import SheetStatus
from backoffice.security.scope import staff_of
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.formatting import percent
from backoffice.views.labels import AUDIT_FIELDSET


class AppraisalItemView(ScopedModelView):
    datamodel = SQLAInterface(AppraisalItem)
    list_columns = ["template", "sort_order", "name", "max_points"]
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
    show_columns = list_columns
    add_columns = ["sheet", "item", "score", "note"]
    edit_columns = ["score", "note"]
    search_columns = ["sheet", "item"]


def fill_items(sheet):
    """A new sheet starts with one zero score per template item, for the evaluator to fill in."""
    if sheet.template is not None and not sheet.scores:
        for item in sheet.template.items:
            sheet.scores.append(AppraisalScore(item=item, max_points=item.max_points, score=0))
    if sheet.evaluator is None:
        sheet.evaluator = staff_of(getattr(g, "user", None))
    if sheet.staff is not None and not sheet.pay_base:
        sheet.pay_base = sheet.staff.pay_base


SHEET_STEPS = {
    # action -> (allowed from, to)
    "sheet_submit": ({SheetStatus.draft, SheetStatus.objected}, SheetStatus.submitted, _l("Submit")),
    "sheet_approve": ({SheetStatus.submitted}, SheetStatus.approved, _l("Approve")),
    "sheet_finalise": ({SheetStatus.approved}, SheetStatus.final, _l("Finalise")),
}


def _sheet_action(name):
    sources, target, label = SHEET_STEPS[name]

    def run(self, items):
        items = items if isinstance(items, list) else [items]
        for sheet in items:
            if sheet.status in sources:
                sheet.status = target
            else:
                flash(_("Sheet %(sheet)s is %(status)s: this step is not possible now.",
                        sheet=str(sheet), status=str(sheet.status)), "warning")
        db.session.commit()
        self.update_redirect()
        return redirect(self.get_redirect())

    run.__name__ = name
    return action(name, label, None, "fa-check")(run)


class AppraisalSheetView(ScopedModelView):
    datamodel = SQLAInterface(AppraisalSheet)
    list_columns = ["staff", "template", "month", "status", "total_score", "target_result", "final_pay"]
    search_columns = ["staff", "template", "month", "status", "target_result"]
    order_columns = ["month", "status", "total_score", "final_pay"]
    add_columns = ["staff", "template", "month", "target_result", "pay_base", "comments"]
    edit_columns = ["target_result", "pay_base", "comments"]
    show_fieldsets = [
        (_l("Sheet"), {"fields": ["staff", "template", "month", "evaluator", "status"]}),
        (_l("Result"), {"fields": ["total_score", "pay_factor", "target_result", "pay_base", "final_pay"]}),
        (_l("Objection"), {"fields": ["objection", "objection_at", "comments"]}),
        AUDIT_FIELDSET,
    ]
    related_views = [AppraisalScoreView]
    base_order = ("month", "desc")
    formatters_columns = {"pay_factor": percent}

    def pre_add(self, item):
        fill_items(item)

    sheet_submit = _sheet_action("sheet_submit")
    sheet_approve = _sheet_action("sheet_approve")
    sheet_finalise = _sheet_action("sheet_finalise")

    @action("sheet_object", _l("Raise an objection"), _l("Send this sheet back for review?"), "fa-flag", multiple=False)
    def sheet_object(self, item):
        """The appraised staff member may object once after approval (SPEC §6)."""
        me = staff_of(getattr(g, "user", None))
        if me is None or item.staff_id != me.id:
            flash(_("Only the appraised staff member can object to a sheet."), "warning")
        elif item.status != SheetStatus.approved or item.objection_at is not None:
            flash(_("An objection is possible once, on an approved sheet."), "warning")
        else:
            item.status = SheetStatus.objected
            item.objection_at = business_now()
            db.session.commit()
            flash(_("Your objection was recorded; the sheet goes back for review."), "success")
        self.update_redirect()
        return redirect(self.get_redirect())


class AppraisalSheetApi(ScopedApi):
    resource_name = "appraisal_sheet"
    datamodel = SQLAInterface(AppraisalSheet)
    list_columns = ["id", "staff.name", "template.code", "month", "status", "total_score", "pay_factor", "final_pay"]
    show_columns = ["id", "staff.id", "template.id", "month", "status", "target_result", "pay_base", "total_score", "pay_factor", "final_pay"]
    add_columns = ["staff", "template", "month", "target_result", "pay_base", "comments"]
    edit_columns = ["target_result", "pay_base", "comments"]

    def pre_add(self, item):
        super().pre_add(item)
        fill_items(item)


class AppraisalScoreApi(ScopedApi):
    resource_name = "appraisal_score"
    datamodel = SQLAInterface(AppraisalScore)
    list_columns = show_columns = ["id", "sheet.id", "item.id", "max_points", "score", "note"]
    add_columns = ["sheet", "item", "score", "note"]
    edit_columns = ["score", "note"]


class AppraisalTemplateApi(ScopedApi):
    resource_name = "appraisal_template"
    datamodel = SQLAInterface(AppraisalTemplate)
    list_columns = show_columns = ["id", "code", "name", "position", "active"]
    add_columns = edit_columns = ["code", "name", "position", "active"]
