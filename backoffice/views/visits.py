"""Visit logs and monthly visit plans (SPEC §5)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from backoffice.models import VisitLog, VisitPlan, VisitPlanItem
from backoffice.services import visits as commands
from backoffice.services.labels import EVENT_LABELS
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.labels import AUDIT_FIELDSET
from backoffice.views.lifecycle import LifecycleViewMixin, TransitionApiMixin, lifecycle_action

VISIT_FORM = [
    "client", "staff", "visited_at", "kind", "latitude", "longitude", "purpose",
    "services_done", "findings", "satisfaction", "next_step",
]


default_staff = commands.default_staff

PLAN_LABELS = EVENT_LABELS["visit_plan"]
PLAN_ACTIONS = {f"plan_{event}": event for event in PLAN_LABELS}
PLAN_TRANSITION_API = "POST /api/v1/visit_plan/{pk}/transition"


class VisitLogView(ScopedModelView):
    datamodel = SQLAInterface(VisitLog)
    list_columns = ["client", "staff", "visited_at", "kind", "purpose", "satisfaction"]
    mobile_columns = ["client", "visited_at", "kind"]  # a phone card (views/cards.py)
    search_columns = ["client", "staff", "visited_at", "kind", "satisfaction"]
    order_columns = ["visited_at", "kind", "satisfaction"]
    add_columns = edit_columns = VISIT_FORM
    show_fieldsets = [
        (_l("Visit"), {"fields": ["client", "staff", "visited_at", "kind", "latitude", "longitude"]}),
        (_l("Content"), {"fields": ["purpose", "services_done", "findings", "satisfaction", "next_step"]}),
        AUDIT_FIELDSET,
    ]
    description_columns = {"visited_at": _l("When the visit took place; not in the future.")}
    base_order = ("visited_at", "desc")

    def pre_add(self, item):
        default_staff(item)


class VisitPlanItemView(ScopedModelView):
    datamodel = SQLAInterface(VisitPlanItem)
    list_columns = ["plan", "client", "due_on", "done", "carried_over"]
    mobile_columns = ["client", "due_on", "done"]  # a phone card (views/cards.py)
    show_columns = list_columns
    add_columns = edit_columns = ["plan", "client", "due_on", "done", "carried_over"]
    search_columns = ["plan", "client", "due_on", "done"]
    base_order = ("due_on", "asc")


class VisitPlanView(LifecycleViewMixin, ScopedModelView):
    """SPEC §5: the state changes only through the plan's actions (never by editing it)."""

    datamodel = SQLAInterface(VisitPlan)
    list_columns = ["staff", "month", "state"]
    show_columns = ["staff", "month", "state", "created_by", "created_on", "changed_by", "changed_on"]
    add_columns = ["staff", "month"]
    edit_columns = ["staff", "month"]
    search_columns = ["staff", "month", "state"]
    related_views = [VisitPlanItemView]
    base_order = ("month", "desc")

    lifecycle_actions = PLAN_ACTIONS
    api_actions = {name: PLAN_TRANSITION_API for name in PLAN_ACTIONS}

    def pre_update(self, item):
        commands.check_editable(item)

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event):
        commands.transition(item, event)

    for _event in PLAN_LABELS:
        locals()[f"plan_{_event}"] = lifecycle_action(f"plan_{_event}", _event, PLAN_LABELS[_event], "fa-check")
    del _event


class VisitLogApi(ScopedApi):
    resource_name = "visit"
    datamodel = SQLAInterface(VisitLog)
    list_columns = ["id", "client.code", "staff.name", "visited_at", "kind", "purpose", "satisfaction"]
    show_columns = ["id", "client.id", "staff.id"] + VISIT_FORM[2:]
    add_columns = edit_columns = VISIT_FORM
    search_columns = ["client", "staff", "visited_at", "kind"]

    def pre_add(self, item):
        default_staff(item)
        super().pre_add(item)


class VisitPlanApi(TransitionApiMixin, ScopedApi):
    resource_name = "visit_plan"
    datamodel = SQLAInterface(VisitPlan)
    list_columns = show_columns = ["id", "staff.id", "month", "state"]
    add_columns = ["staff", "month"]
    edit_columns = ["staff", "month"]
    state_attr = "state"

    def pre_update(self, item):
        super().pre_update(item)
        commands.check_editable(item)

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event, note):
        commands.transition(item, event, note=note)
