"""Ticket screens and API (SPEC §4): presentation only; every business action is a command of
``backoffice/services/tickets.py`` (register, transition, callback, hand-over)."""

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from backoffice.models import Ticket, TicketEvent
from backoffice.services import CommandError
from backoffice.services import tickets as commands
from backoffice.services.labels import EVENT_LABELS as _ALL_EVENT_LABELS
from backoffice.services.tickets import register, transition  # noqa: F401  (imports, jobs and tests call them here too)
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.labels import AUDIT_FIELDSET
from backoffice.views.sla import due_provisional_formatter, provisional_warning
from backoffice.views.ticket_deadlines import DEADLINE_LABEL, DeadlineExportMixin, DeadlineInterface, deadline_badge
from backoffice.views.lifecycle import LifecycleViewMixin, TransitionApiMixin, command_response, lifecycle_action

TICKET_FORM = [
    "client", "type", "complaint_class", "severity", "channel", "subject", "description",
    "complainant_name", "complainant_phone", "responsible_department", "responsible_staff",
    "about_staff", "resolution",
]

EVENT_LABELS = _ALL_EVENT_LABELS["ticket"]


class HandOverForm(FlaskForm):
    staff = SelectField(_l("Hand over to"), coerce=int, validate_choice=False)
    note = StringField(_l("Note"))
TRANSITION_API = "POST /api/v1/ticket/{pk}/transition"


class TicketEventView(ScopedModelView):
    datamodel = SQLAInterface(TicketEvent)
    list_columns = ["ticket", "at", "from_status", "to_status", "user", "note"]
    mobile_columns = ["ticket", "at", "to_status"]  # a phone card (views/cards.py)
    show_columns = list_columns
    search_columns = ["ticket", "to_status", "at"]
    base_permissions = ["can_list", "can_show"]
    base_order = ("at", "desc")


class TicketView(DeadlineExportMixin, LifecycleViewMixin, ScopedModelView):
    # overdue / due today / due this week filters on due_at and the deadline badge (views/ticket_deadlines.py)
    datamodel = DeadlineInterface(Ticket)
    list_columns = ["number", "client", "type", "severity", "status", "subject", "receiver", "registered_at", "due_at",
                    "deadline", "due_provisional"]
    label_columns = {**ScopedModelView.label_columns, "deadline": DEADLINE_LABEL}
    formatters_columns = {"due_provisional": due_provisional_formatter,  # SPEC §4 provisional calendar (sla-core)
                          "deadline": deadline_badge}
    mobile_columns = ["number", "client", "status", "due_at", "deadline"]  # a phone card (views/cards.py)
    search_columns = [
        "number", "client", "type", "complaint_class", "severity", "channel", "status",
        "receiver", "responsible_department", "registered_at", "due_at",
    ]
    order_columns = ["number", "type", "severity", "status", "registered_at", "due_at"]
    add_columns = TICKET_FORM + ["registered_at"]  # the real receipt time of a call logged afterwards (sla-core)
    edit_columns = TICKET_FORM
    show_fieldsets = [
        (_l("Ticket"), {"fields": ["number", "client", "type", "complaint_class", "severity", "channel", "status"]}),
        (_l("Content"), {"fields": ["subject", "description", "complainant_name", "complainant_phone"]}),
        (_l("Handling"), {"fields": [
            "receiver", "responsible_department", "responsible_staff", "about_staff",
            "registered_at", "first_response_due_at", "due_at", "deadline", "due_provisional", "sla_policy", "fed_back_at", "closed_at", "resolution", "callback_result",
        ]}),
        AUDIT_FIELDSET,
    ]
    related_views = [TicketEventView]
    base_order = ("registered_at", "desc")
    show_template = "tickets/show.html"

    lifecycle_actions = {f"ticket_{event}": event for event in EVENT_LABELS}
    api_actions = {**{name: TRANSITION_API for name in lifecycle_actions},
                   "hand_over": "POST /api/v1/ticket/{pk}/hand_over"}

    def pre_add(self, item):
        register(item)

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event):
        commands.transition(item, event)

    for _event in EVENT_LABELS:
        locals()[f"ticket_{_event}"] = lifecycle_action(f"ticket_{_event}", _event, EVENT_LABELS[_event])
    del _event

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            kwargs.setdefault("hand_over_form", self._hand_over_form(kwargs["pk"]))
            kwargs.setdefault("sla_warning", provisional_warning(self.datamodel.get(kwargs["pk"], self._base_filters)))
        return super().render_template(template, **kwargs)

    def _hand_over_form(self, pk):
        """The receiver's hand-over form, or None for anyone else."""
        if not self.appbuilder.sm.has_access("can_hand_over", self.class_permission_name):
            return None
        ticket = self.datamodel.get(pk, self._base_filters)
        if ticket is None or not commands.may_hand_over(ticket):
            return None
        form = HandOverForm()
        form.staff.choices = commands.hand_over_candidates(ticket)
        return form

    # 首问负责制 (seed 003): the receiver hands the ticket over to another staff member, explicitly.
    @expose("/hand_over/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("hand_over")
    def hand_over(self, pk):
        ticket = self._scoped_get(pk)
        form = HandOverForm()
        form.staff.choices = commands.hand_over_candidates(ticket)
        try:
            if not form.validate_on_submit():
                raise CommandError(_("Choose an active staff member to hand the ticket over to."), field="staff")
            commands.hand_over(ticket, form.staff.data, form.note.data)
        except CommandError as exc:
            flash(exc.message, "warning")
        else:
            flash(_("Ticket %(number)s is now owned by %(who)s.", number=ticket.number, who=str(ticket.receiver)),
                  "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))


class TicketApi(TransitionApiMixin, ScopedApi):
    resource_name = "ticket"
    datamodel = SQLAInterface(Ticket)
    list_columns = ["id", "number", "client.code", "type", "complaint_class", "severity", "status", "subject", "registered_at", "due_at"]
    show_columns = ["id", "number", "client.id", "status", "registered_at", "receiver.id"] + TICKET_FORM[1:]
    add_columns = TICKET_FORM + ["registered_at"]
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

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event, note):
        commands.transition(item, event, note=note)

    @expose("/<int:pk>/hand_over", methods=["POST"])
    @protect()
    @safe
    @permission_name("hand_over")
    def hand_over(self, pk):
        """Hand the ticket over to another staff member (首问负责制: only its receiver may).
        ---
        post:
          summary: Hand a ticket over (recorded as a ticket event)
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [staff]
                  properties:
                    staff: {type: integer, description: the staff member taking it over}
                    note: {type: string}
          responses:
            200: {description: "{id, receiver, version}"}
            404: {$ref: '#/components/responses/404'}
            409: {description: the ticket changed hands meanwhile}
            422: {description: refused (not the receiver, closed ticket, unknown staff)}
        """
        ticket = self.datamodel.get(pk, self._base_filters)
        if ticket is None:
            return self.response_404()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message=_("Send a JSON object with the staff member and an optional note."))

        def call():
            commands.hand_over(ticket, body.get("staff"), body.get("note"))
            return self.response(200, id=ticket.id, receiver=ticket.receiver_id, version=ticket.version)

        return command_response(self, call)


class TicketEventApi(ScopedApi):
    resource_name = "ticket_event"
    datamodel = SQLAInterface(TicketEvent)
    list_columns = show_columns = ["id", "ticket.id", "at", "from_status", "to_status", "user.id", "note"]
    include_route_methods = {"get", "get_list", "info"}
