"""Appraisal templates and sheets (SPEC §6)."""

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from backoffice.models import AppraisalItem, AppraisalScore, AppraisalSheet, AppraisalTemplate
from backoffice.services import appraisals as commands
from backoffice.services.labels import EVENT_LABELS
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.lifecycle import LifecycleViewMixin, TransitionApiMixin, lifecycle_action
from backoffice.views.formatting import percent
from backoffice.views.labels import AUDIT_FIELDSET


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


fill_items = commands.prepare  # the former name, for callers outside the views

SHEET_ACTIONS = {"sheet_submit": "submit", "sheet_approve": "approve", "sheet_object": "object",
                 "sheet_finalise": "finalise"}
SHEET_LABELS = EVENT_LABELS["appraisal_sheet"]
TRANSITION_API = "POST /api/v1/appraisal_sheet/{pk}/transition"


class AppraisalSheetView(LifecycleViewMixin, ScopedModelView):
    datamodel = SQLAInterface(AppraisalSheet)
    list_columns = ["staff", "template", "month", "status", "total_score", "target_result", "final_pay"]
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
    label_columns = {**ScopedModelView.label_columns, "approved_at": _l("Approved at")}
    related_views = [AppraisalScoreView]
    base_order = ("month", "desc")
    formatters_columns = {"pay_factor": percent}

    lifecycle_actions = SHEET_ACTIONS
    api_actions = {name: TRANSITION_API for name in SHEET_ACTIONS}

    def pre_add(self, item):
        commands.prepare(item)

    def pre_update(self, item):
        commands.check_editable(item)

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event):
        commands.transition(item, event)

    sheet_submit = lifecycle_action("sheet_submit", "submit", SHEET_LABELS["submit"], "fa-check")
    sheet_approve = lifecycle_action("sheet_approve", "approve", SHEET_LABELS["approve"], "fa-check")
    # The appraised staff member may object once after approval (SPEC §6).
    sheet_object = lifecycle_action("sheet_object", "object", SHEET_LABELS["object"], "fa-flag",
                                    confirmation=_l("Send this sheet back for review?"), multiple=False)
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
