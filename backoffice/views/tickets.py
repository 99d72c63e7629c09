"""Ticket screens: registration, first-receiver ownership, state transitions with history (SPEC §4)."""

from flask import flash, g, redirect
from flask_appbuilder import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import Ticket, TicketEvent
from backoffice.models.choices import CallbackResult, TicketStatus
from backoffice.rules.ticket_states import CALLBACK_RESULT, TransitionError, next_status
from backoffice.security.scope import staff_of
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.labels import AUDIT_FIELDSET

TICKET_FORM = [
    "client", "type", "complaint_class", "severity", "channel", "subject", "description",
    "complainant_name", "complainant_phone", "responsible_department", "responsible_staff",
    "about_staff", "resolution",
]

EVENT_LABELS = {
    "start": _l("Start handling"),
    "feed_back": _l("Result fed back"),
    "callback_satisfied": _l("Callback: satisfied"),
    "callback_basic": _l("Callback: basically satisfied"),
    "callback_unsatisfied": _l("Callback: not satisfied (reopen)"),
    "close": _l("Close"),
    "escalate": _l("Escalate"),
}


def register(ticket):
    """New ticket: the registering person is its first receiver (首问负责制, seed 003)."""
    staff = staff_of(getattr(g, "user", None))
    if ticket.receiver_id is None and staff is not None:
        ticket.receiver = staff
    ticket.status = TicketStatus.registered
    ticket.registered_at = ticket.registered_at or business_now()
    ticket.events.append(TicketEvent(to_status=TicketStatus.registered, user_id=getattr(g.user, "id", None)))


def transition(ticket, event, note=None):
    """Apply one life-cycle event; raises TransitionError when the state does not allow it."""
    current = getattr(ticket.status, "value", ticket.status)
    target = next_status(current, event)
    now = business_now()
    ticket.events.append(
        TicketEvent(from_status=current, to_status=target, user_id=getattr(g.user, "id", None), note=note)
    )
    ticket.status = TicketStatus(target)
    if event in CALLBACK_RESULT:
        ticket.callback_result = CallbackResult(CALLBACK_RESULT[event])
    if target == "fed_back":
        ticket.fed_back_at = now
    if target == "closed":
        ticket.closed_at = now


class TicketEventView(ScopedModelView):
    datamodel = SQLAInterface(TicketEvent)
    list_columns = ["ticket", "at", "from_status", "to_status", "user", "note"]
    show_columns = list_columns
    search_columns = ["ticket", "to_status", "at"]
    base_permissions = ["can_list", "can_show"]
    base_order = ("at", "desc")


def _make_action(event):
    def run(self, items):
        items = items if isinstance(items, list) else [items]
        done = 0
        for ticket in items:
            try:
                transition(ticket, event)
                done += 1
            except TransitionError:
                flash(
                    _("Ticket %(number)s is %(status)s: \"%(event)s\" is not possible now.",
                      number=ticket.number, status=str(ticket.status), event=str(EVENT_LABELS[event])),
                    "warning",
                )
        db.session.commit()
        if done:
            flash(_("%(n)s ticket(s) updated.", n=done), "success")
        self.update_redirect()
        return redirect(self.get_redirect())

    run.__name__ = f"ticket_{event}"
    return action(f"ticket_{event}", EVENT_LABELS[event], None, "fa-arrow-right", multiple=True, single=True)(run)


class TicketView(ScopedModelView):
    datamodel = SQLAInterface(Ticket)
    list_columns = ["number", "client", "type", "severity", "status", "subject", "receiver", "registered_at", "due_at"]
    search_columns = [
        "number", "client", "type", "complaint_class", "severity", "channel", "status",
        "receiver", "responsible_department", "registered_at",
    ]
    order_columns = ["number", "type", "severity", "status", "registered_at", "due_at"]
    add_columns = TICKET_FORM
    edit_columns = TICKET_FORM
    show_fieldsets = [
        (_l("Ticket"), {"fields": ["number", "client", "type", "complaint_class", "severity", "channel", "status"]}),
        (_l("Content"), {"fields": ["subject", "description", "complainant_name", "complainant_phone"]}),
        (_l("Handling"), {"fields": [
            "receiver", "responsible_department", "responsible_staff", "about_staff",
            "registered_at", "due_at", "fed_back_at", "closed_at", "resolution", "callback_result",
        ]}),
        AUDIT_FIELDSET,
    ]
    related_views = [TicketEventView]
    base_order = ("registered_at", "desc")

    def pre_add(self, item):
        register(item)

    for _event in EVENT_LABELS:
        locals()[f"ticket_{_event}"] = _make_action(_event)
    del _event


class TicketApi(ScopedApi):
    resource_name = "ticket"
    datamodel = SQLAInterface(Ticket)
    list_columns = ["id", "number", "client.code", "type", "complaint_class", "severity", "status", "subject", "registered_at", "due_at"]
    show_columns = ["id", "number", "client.id", "status", "registered_at", "receiver.id"] + TICKET_FORM[1:]
    add_columns = TICKET_FORM
    edit_columns = TICKET_FORM[1:]
    search_columns = ["number", "client", "type", "status", "severity"]

    def _init_model_schemas(self):
        super()._init_model_schemas()
        # Severity has a default (normal): a client of the API need not send it.
        for schema in (self.add_model_schema, self.edit_model_schema):
            if "severity" in schema.fields:
                schema.fields["severity"].required = False

    def pre_add(self, item):
        super().pre_add(item)
        register(item)


class TicketEventApi(ScopedApi):
    resource_name = "ticket_event"
    datamodel = SQLAInterface(TicketEvent)
    list_columns = show_columns = ["id", "ticket.id", "at", "from_status", "to_status", "user.id", "note"]
    include_route_methods = {"get", "get_list", "info"}
