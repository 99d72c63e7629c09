"""Ticket screens and API (SPEC §4): presentation only; every business action is a command of
``backoffice/services/tickets.py`` (register, transition, callback, hand-over)."""

import json

import sqlalchemy as sa
from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_appbuilder.fieldwidgets import DateTimePickerWidget
from wtforms import DateTimeField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from backoffice.models import CallbackRecord, Ticket, TicketEvent
from backoffice.models.choices import CallbackResult
from backoffice.rules.ticket_states import CALLBACK_EVENT, CALLBACK_RESULT, LOCKED_FOR_SUBJECT, NEEDS_RESOLUTION
from backoffice.security.complainant import hidden_fields, is_subject, redact
from backoffice.services import CommandError
from backoffice.services import tickets as commands
from backoffice.services.versions import check_version
from backoffice.services.labels import EVENT_LABELS as _ALL_EVENT_LABELS
from backoffice.services.tickets import register, transition  # noqa: F401  (imports, jobs and tests call them here too)
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.labels import AUDIT_FIELDSET, LABELS
from backoffice.views.sla import due_provisional_formatter, provisional_warning
from backoffice.views.ticket_deadlines import DEADLINE_LABEL, DeadlineExportMixin, DeadlineInterface, deadline_badge
from backoffice.views.lifecycle import (
    LifecycleViewMixin, TransitionApiMixin, command_response, command_target, lifecycle_action,
)
from backoffice.views.lookup import LOOKUPS, LookupField

TICKET_FORM = [
    "client", "type", "complaint_class", "severity", "channel", "subject", "description",
    "complainant_name", "complainant_phone", "responsible_department", "responsible_staff",
    "about_staff", "resolution",
]

EVENT_LABELS = _ALL_EVENT_LABELS["ticket"]


class HandOverForm(FlaskForm):
    staff = SelectField(_l("Hand over to"), coerce=int, validate_choice=False)
    note = StringField(_l("Note"))


class TransitionForm(FlaskForm):
    """The note (and, for the feed-back, the handling result) sent with an action button (SPEC §4:
    every transition is recorded with its note)."""

    note = TextAreaField(_l("Note"), validators=[Length(max=2000)], render_kw={"rows": 2})
    resolution = TextAreaField(_l("Resolution"), render_kw={"rows": 3})


class CallbackForm(FlaskForm):
    """回访 (SPEC §4): the result, new requests and a note, written into the client's archive."""

    result = RadioField(_l("Callback result"), choices=CallbackResult.choices, validate_choice=False)
    new_requests = TextAreaField(_l("New requests"), validators=[Length(max=2000)], render_kw={"rows": 2})
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)], render_kw={"rows": 2})


TRANSITION_API = "POST /api/v1/ticket/{pk}/transition"
CALLBACK_API = "POST /api/v1/ticket/{pk}/callback"
# 统一受理 (SPEC §4): the responsible person and the staff member a complaint is about are picked
# among the whole company's active staff (views/lookup.py "assignee"), by who may add or edit a ticket.
LOOKUPS["assignee"].form_views.add("TicketView")


def _assignee_fields():
    return {key: LookupField(LABELS[key], source=LOOKUPS["assignee"]) for key in ("responsible_staff", "about_staff")}


def _received_field():
    """The receipt time of a call logged afterwards (sla-core); blank means now (services/sla.py)."""
    return DateTimeField(LABELS["registered_at"], format="%Y-%m-%d %H:%M:%S", validators=[Optional()],
                         widget=DateTimePickerWidget(), description=_l("Leave blank when the ticket is received now."))


class CallbackRecordView(ScopedModelView):
    """回访记录 in the client's archive (seed 002 第二十條): a tab of the client and of the ticket."""

    datamodel = SQLAInterface(CallbackRecord)
    list_columns = ["at", "client", "ticket", "result", "new_requests", "note", "user"]
    mobile_columns = ["at", "client", "result"]  # a phone card (views/cards.py)
    show_columns = list_columns
    search_columns = ["client", "ticket", "result", "at"]
    label_columns = {**LABELS, "result": _l("Callback result"), "at": _l("Callback time"), "user": _l("Called back by")}
    base_permissions = ["can_list", "can_show"]
    base_order = ("at", "desc")


class CallbackRecordApi(ScopedApi):
    resource_name = "callback_record"
    datamodel = SQLAInterface(CallbackRecord)
    list_columns = show_columns = ["id", "client.id", "client.code", "ticket.id", "ticket.number", "at", "result",
                                   "new_requests", "note", "user.username"]
    search_columns = ["client", "ticket", "result", "at"]
    label_columns = CallbackRecordView.label_columns
    include_route_methods = {"get", "get_list", "info", "export_csv"}


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
        "fed_back_at", "closed_at", "callback_result",  # the home page's tiles link with these (views/home.py)
    ]
    order_columns = ["number", "type", "severity", "status", "registered_at", "due_at"]
    add_columns = TICKET_FORM + ["registered_at"]  # the real receipt time of a call logged afterwards (sla-core)
    edit_columns = TICKET_FORM
    # 统一受理 (SPEC §4): any department, any active staff member (security/scope.may_link agrees).
    add_form_extra_fields = {**_assignee_fields(), "registered_at": _received_field()}
    edit_form_extra_fields = _assignee_fields()
    add_form_query_rel_fields = {"responsible_department": []}
    edit_form_query_rel_fields = {"responsible_department": []}
    show_fieldsets = [
        (_l("Ticket"), {"fields": ["number", "client", "type", "complaint_class", "severity", "channel", "status"]}),
        (_l("Content"), {"fields": ["subject", "description", "complainant_name", "complainant_phone"]}),
        (_l("Handling"), {"fields": [
            "receiver", "responsible_department", "responsible_staff", "about_staff",
            "registered_at", "first_response_due_at", "due_at", "deadline", "due_provisional", "sla_policy", "fed_back_at", "closed_at", "resolution", "callback_result",
        ]}),
        AUDIT_FIELDSET,
    ]
    related_views = [TicketEventView, CallbackRecordView]
    base_order = ("registered_at", "desc")
    show_template = "tickets/show.html"

    lifecycle_actions = {f"ticket_{event}": event for event in EVENT_LABELS}
    api_actions = {**{name: TRANSITION_API for name in lifecycle_actions},
                   "hand_over": "POST /api/v1/ticket/{pk}/hand_over", "callback": CALLBACK_API}

    def pre_add(self, item):
        register(item)

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event):
        # The action buttons of the show page post the note (and the handling result) with them.
        form = TransitionForm()
        commands.transition(item, event, note=form.note.data,
                            resolution=form.resolution.data if event in NEEDS_RESOLUTION else None)

    # Single-record actions only: they are the show page's buttons, beside the note they carry.
    for _event in EVENT_LABELS:
        locals()[f"ticket_{_event}"] = lifecycle_action(f"ticket_{_event}", _event, EVENT_LABELS[_event],
                                                        multiple=False)
    del _event

    # -- the show page: the workflow panel replaces FAB's action buttons; no complainant for the
    # staff member a complaint is about (security/complainant.py) ---------------------------------
    def visible_actions(self, item, actions):
        return {name: a for name, a in actions.items() if name not in self.lifecycle_actions}

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        hidden = hidden_fields(item)
        fieldsets = show_fieldsets or self.show_fieldsets
        if hidden:
            fieldsets = [(title, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
                         for title, opts in fieldsets]
        return super()._get_show_widget(pk, item, widgets=widgets, actions=actions, show_fieldsets=fieldsets)

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            ticket = self.datamodel.get(kwargs["pk"], self._base_filters)
            kwargs.setdefault("hand_over_form", self._hand_over_form(kwargs["pk"]))
            kwargs.setdefault("sla_warning", provisional_warning(ticket))
            kwargs.setdefault("workflow", self._workflow(ticket))
            kwargs.setdefault("complainant_hidden", bool(ticket is not None and hidden_fields(ticket)))
        return super().render_template(template, **kwargs)

    def _workflow(self, ticket):
        """The buttons the state and the user allow, with the note field; the callback form when a
        callback is possible (SPEC §4)."""
        if ticket is None:
            return None
        sm = self.appbuilder.sm
        allowed = [e for e in self.allowed_events(ticket)
                   if sm.has_access(f"ticket_{e}", self.class_permission_name)]
        buttons = [{"event": e, "label": str(EVENT_LABELS[e]),
                    "url": url_for(f"{self.endpoint}.action", name=f"ticket_{e}", pk=ticket.id)}
                   for e in allowed if e not in CALLBACK_RESULT]
        callback = None
        if any(e in CALLBACK_RESULT for e in allowed) and sm.has_access("can_transition", self.class_permission_name):
            callback = CallbackForm(formdata=None)
            callback.result.choices = [(code, label) for code, label in CallbackResult.choices()
                                       if CALLBACK_EVENT[code] in allowed]
        form = TransitionForm(formdata=None)
        form.resolution.data = ticket.resolution
        return {"buttons": buttons, "form": form, "callback_form": callback,
                "needs_resolution": any(e in NEEDS_RESOLUTION for e in allowed),
                "callback_url": url_for(f"{self.endpoint}.callback", pk=ticket.id)}

    # -- the edit form: the staff member a complaint is about neither sees nor changes the
    # complainant or whom it is about (SPEC §4 no retaliation) -----------------------------------
    def _edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        g.ticket_locked_fields = LOCKED_FOR_SUBJECT if item is not None and is_subject(item) else ()
        return super()._edit(pk)

    def _drop_locked(self, form):
        for name in getattr(g, "ticket_locked_fields", ()):
            if name in form:
                del form[name]

    def prefill_form(self, form, pk):
        self._drop_locked(form)

    def process_form(self, form, is_created):
        if not is_created:
            self._drop_locked(form)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        # FAB's body (baseviews.py) with the locked fields left out of the columns it renders
        self._drop_locked(form)
        locked = set(getattr(g, "ticket_locked_fields", ()))
        widgets = widgets or {}
        widgets["edit"] = self.edit_widget(form=form, include_cols=[c for c in self.edit_columns if c not in locked],
                                           exclude_cols=exclude_cols or [], fieldsets=self.edit_fieldsets)
        return widgets

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

    # 回访 (SPEC §4, seed 002 第十九條四): the service desk records the callback from the ticket page.
    @expose("/callback/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("transition")
    def callback(self, pk):
        ticket = self._scoped_get(pk)
        form = CallbackForm()
        try:
            if not form.validate_on_submit():
                raise CommandError(next(iter(e for errs in form.errors.values() for e in errs)), field="note")
            commands.record_callback(ticket, form.result.data, note=form.note.data,
                                     new_requests=form.new_requests.data)
        except CommandError as exc:
            flash(exc.message, "warning")
        else:
            flash(_("Callback recorded in the archive of %(client)s; ticket %(number)s is now %(state)s.",
                    client=str(ticket.client), number=ticket.number, state=str(ticket.status.label)), "success")
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

    def pre_update(self, item):
        # No retaliation (SPEC §4): the staff member a complaint is about changes neither the
        # complainant nor whom it is about (services/tickets.check_subject_edit).
        # (FAB has merged the stored values into the request body: ask the row what changed.)
        state = sa.inspect(item)
        changed = [key for key in LOCKED_FOR_SUBJECT if state.attrs[key].history.has_changes()]
        commands.check_subject_edit(item, changed)
        super().pre_update(item)

    # -- what the staff member a complaint is about may not read (security/complainant.py) ------
    def pre_get(self, data):
        data["result"] = redact(Ticket, self.datamodel.get(data.get("id")), data.get("result"))

    def pre_get_list(self, data):
        rows = data.get("result") or []
        if rows and any(k in row for row in rows for k in LOCKED_FOR_SUBJECT[:2]):
            tickets = {t.id: t for t in self.datamodel.session.query(Ticket).filter(Ticket.id.in_(data.get("ids") or []))}
            data["result"] = [redact(Ticket, tickets.get(pk), row) for pk, row in zip(data.get("ids") or [], rows)]

    def put_headless(self, pk):
        answer = super().put_headless(pk)
        if answer.status_code == 200:
            ticket = self.datamodel.get(pk)
            if ticket is not None and hidden_fields(ticket):
                payload = answer.get_json()
                payload["result"] = redact(Ticket, ticket, payload.get("result"))
                answer.set_data(json.dumps(payload, ensure_ascii=False))
        return answer

    def allowed_events(self, item):
        return commands.allowed_events(item)

    def run_event(self, item, event, note):
        body = request.get_json(silent=True) or {}
        commands.transition(item, event, note=note, resolution=body.get("resolution") if event in NEEDS_RESOLUTION else None,
                            new_requests=body.get("new_requests"))

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
        ticket, body, refusal = command_target(self, pk, _("Send a JSON object with the staff member and an optional note."))
        if refusal is not None:
            return refusal

        def call():
            commands.hand_over(ticket, body.get("staff"), body.get("note"))
            return self.response(200, id=ticket.id, receiver=ticket.receiver_id, version=ticket.version)

        return command_response(self, call)

    @expose("/<int:pk>/callback", methods=["POST"])
    @protect()
    @safe
    @permission_name("transition")
    def callback(self, pk):
        """Record a callback (回访) on a ticket fed back: written into the client's archive; "not
        satisfied" reopens the ticket (SPEC §4, seed 002 第十九條四). The service desk's.
        ---
        post:
          summary: Record a callback (the same command as the ticket page's callback form)
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [result]
                  properties:
                    result: {type: string, enum: [satisfied, basically, unsatisfied]}
                    new_requests: {type: string, description: "新需求: what the client asks for besides"}
                    note: {type: string}
                    version: {type: integer, description: "the version read; a stale one is refused with 409"}
          responses:
            200: {description: "{id, state, version, allowed, callback: id of the callback record}"}
            400: {$ref: '#/components/responses/400'}
            404: {$ref: '#/components/responses/404'}
            409: {description: the ticket changed meanwhile}
            422: {description: "refused: not fed back yet, not the service desk, the staff member complained about"}
        """
        fields = ("result", "new_requests", "note")
        ticket, body, refusal = command_target(
            self, pk, _("Send a JSON object with the callback result, new requests and a note."),
            lambda b: all(b.get(k) is None or isinstance(b.get(k), str) for k in fields))
        if refusal is not None:
            return refusal
        texts = {k: body.get(k) for k in fields}

        def call():
            check_version(ticket, body.get("version"))
            commands.record_callback(ticket, texts["result"], note=texts["note"], new_requests=texts["new_requests"])
            answer = self.transition_answer(ticket)
            payload = answer.get_json()
            payload["callback"] = self.datamodel.session.execute(
                sa.select(sa.func.max(CallbackRecord.id)).where(CallbackRecord.ticket_id == ticket.id)).scalar()
            answer.set_data(json.dumps(payload, ensure_ascii=False))
            return answer

        return command_response(self, call)


class TicketEventApi(ScopedApi):
    resource_name = "ticket_event"
    datamodel = SQLAInterface(TicketEvent)
    list_columns = show_columns = ["id", "ticket.id", "at", "from_status", "to_status", "user.id", "note"]
    include_route_methods = {"get", "get_list", "info"}
