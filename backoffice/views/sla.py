"""SLA policy screens (SPEC §4: "SLA policies are data", edited by the admin) and the ticket
screens' provisional-calendar warning. Presentation only: rules in ``models/sla.py``."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.models import SlaPolicy
from backoffice.views.base import ScopedApi, ScopedModelView

LABELS = {
    "code": _l("Code"), "name": _l("Name"), "ticket_type": _l("Ticket type"),
    "complaint_class": _l("Complaint class"), "severity": _l("Severity"),
    "first_response_unit": _l("First response: unit"), "first_response_amount": _l("First response: amount"),
    "resolution_unit": _l("Resolution: unit"), "resolution_amount": _l("Resolution: amount"),
    "active": _l("Active"), "source": _l("Source"),
}
FORM = [
    "code", "name", "ticket_type", "complaint_class", "severity", "first_response_unit",
    "first_response_amount", "resolution_unit", "resolution_amount", "active", "source",
]


class SlaPolicyView(ScopedModelView):
    datamodel = SQLAInterface(SlaPolicy)
    label_columns = LABELS
    list_columns = ["code", "name", "ticket_type", "complaint_class", "severity", "first_response_unit",
                    "first_response_amount", "resolution_unit", "resolution_amount", "active"]
    show_columns = add_columns = edit_columns = FORM
    search_columns = ["code", "name", "ticket_type", "complaint_class", "severity", "active"]
    base_order = ("code", "asc")
    description_columns = {
        "complaint_class": _l("Empty: any class. The most specific active policy applies."),
        "severity": _l("Empty: any severity."),
        "first_response_amount": _l("Working days or hours, at least 1; \"the same day\" ignores it (enter 1)."),
    }


class SlaPolicyApi(ScopedApi):
    resource_name = "sla_policy"
    datamodel = SQLAInterface(SlaPolicy)
    label_columns = LABELS
    list_columns = ["id"] + FORM
    show_columns = ["id"] + FORM
    add_columns = edit_columns = FORM
    search_columns = ["code", "ticket_type", "active"]


def provisional_warning(ticket):
    """The sentence the ticket screens show when its deadline rests on a provisional calendar."""
    if not getattr(ticket, "due_provisional", False):
        return ""
    year = ticket.due_at.year if ticket.due_at else ticket.registered_at.year
    return _("Deadline counted on a provisional calendar: the official holiday arrangement for %(year)d "
             "is not confirmed yet.", year=year)


def due_provisional_formatter(value):
    return _("⚠ not confirmed") if value else ""
