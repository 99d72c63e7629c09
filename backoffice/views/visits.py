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

    # SPEC §5: items change with their plan, while planned or rejected
    def pre_add(self, item):
        if item.plan is not None:
            commands.check_editable(item.plan)

    pre_update = pre_delete = pre_add


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


# ---------------------------------------------------------------- pages of our own (SPEC §5)
# 今日拜访 (the daily route, for a phone), the visit form reached from it, a plan's page with its
# steps and notes, the compliance report (screen, CSV, API) and "generate the plans now".

import csv  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from flask import Response, abort, flash, redirect, request, url_for  # noqa: E402
from flask_appbuilder import BaseView, expose  # noqa: E402
from flask_appbuilder.api import BaseApi  # noqa: E402
from flask_appbuilder.security.decorators import has_access, permission_name, protect  # noqa: E402
from flask_babel import gettext as _  # noqa: E402
from flask_wtf import FlaskForm  # noqa: E402
from wtforms import (  # noqa: E402
    DateTimeLocalField, FloatField, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms import widgets as wtf_widgets  # noqa: E402
from wtforms.validators import InputRequired, Optional as OptionalValue  # noqa: E402

from backoffice.clock import business_now, business_today  # noqa: E402
from backoffice.extensions import db  # noqa: E402
from backoffice.models import Client, Staff  # noqa: E402
from backoffice.models.choices import VisitKind  # noqa: E402
from backoffice.rules import visit_frequency as freq  # noqa: E402
from backoffice.security.scope import in_scope, staff_of  # noqa: E402
from backoffice.services import CommandError  # noqa: E402
from backoffice.services import visit_compliance  # noqa: E402
from backoffice.services.labels import event_label, state_label  # noqa: E402

# The visit time keeps its hour and minute (issue #13: FAB's picker, bootstrap-datepicker with
# format yyyy-mm-dd, cut "2026-12-01 16:00:38" to "2026-12-01", which the form then refused). A
# native <input type="datetime-local"> has no such script attached and gives "2026-11-30T15:20".
VISIT_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]


def visit_time_field(label=None):
    return DateTimeLocalField(
        label or _l("Visited at"), format=VISIT_TIME_FORMATS, default=lambda: business_now().replace(second=0, microsecond=0),
        validators=[InputRequired(message=_l("Enter the date and time of the visit."))],
        render_kw={"class": "form-control", "step": "60"},
    )


VisitLogView.add_form_extra_fields = {"visited_at": visit_time_field()}
VisitLogView.edit_form_extra_fields = {"visited_at": visit_time_field()}


def parse_month(text, default=None):
    """"2026-12" -> date(2026, 12, 1); None when absent or not a month."""
    if not text:
        return default
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return None


class MultiCheckboxField(SelectMultipleField):
    widget = wtf_widgets.ListWidget(prefix_label=False)
    option_widget = wtf_widgets.CheckboxInput()


class VisitForm(FlaskForm):
    kind = RadioField(_l("Kind"), choices=[], validators=[InputRequired(message=_l("Choose the kind of visit."))])
    services = MultiCheckboxField(_l("Services done"), choices=[], validate_choice=False)
    findings = TextAreaField(_l("Findings and client needs"), render_kw={"rows": 3})
    next_step = TextAreaField(_l("Next step"), render_kw={"rows": 2})
    satisfaction = RadioField(_l("Satisfaction"), choices=[(str(n), str(n)) for n in range(1, 6)],
                              validators=[OptionalValue()])
    visited_at = visit_time_field()
    latitude = FloatField(_l("Latitude"), validators=[OptionalValue()], widget=wtf_widgets.HiddenInput())
    longitude = FloatField(_l("Longitude"), validators=[OptionalValue()], widget=wtf_widgets.HiddenInput())


class PlanStepForm(FlaskForm):
    event = HiddenField(validators=[InputRequired()])
    note = StringField(_l("Note"))


class GenerateForm(FlaskForm):
    month = StringField(_l("Month"), validators=[InputRequired()])


class VisitRouteView(BaseView):
    """今日拜访: the signed-in client manager's stops of the day and the visit form (SPEC §5)."""

    route_base = "/visits"
    default_view = "today"

    def _me(self):
        me = staff_of(_user())
        if me is None:
            abort(403)
        return me

    @expose("/today")
    @has_access
    @permission_name("route")
    def today(self):
        me = self._me()
        today = business_today()
        stops = commands.todays_route(me, today)
        done = commands.done_today(me, today)
        return self.render_template("visits/today.html", title=_("Today's visits"), stops=stops, done=done,
                                    today=today)

    @expose("/log/<int:client_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("route")
    def log(self, client_id):
        me = self._me()
        client = db.session.get(Client, client_id)
        if client is None or not in_scope(client):
            abort(404)
        form = VisitForm()
        form.kind.choices = [(k.value, str(k.label)) for k in VisitKind]
        form.services.choices = [(s, s) for s in commands.entitlements(client)]
        if request.method == "GET" and not form.kind.data:
            form.kind.data = VisitKind.on_site.value
        if request.method == "POST" and form.validate():
            try:
                commands.log_visit(
                    client, staff=me, visited_at=form.visited_at.data, kind=form.kind.data,
                    services=form.services.data or [], findings=form.findings.data or None,
                    next_step=form.next_step.data or None, latitude=form.latitude.data, longitude=form.longitude.data,
                    satisfaction=int(form.satisfaction.data) if form.satisfaction.data else None,
                )
            except CommandError as exc:
                db.session.rollback()
                for name, message in getattr(exc, "errors", {exc.field: exc.message}).items():
                    field = form._fields.get(name)
                    if field is not None:
                        field.errors = list(field.errors) + [message]
                    else:
                        flash(message, "danger")
            else:
                flash(_("Visit to %(client)s saved.", client=client.name), "success")
                return redirect(url_for("VisitRouteView.today"))
        return self.render_template("visits/log.html", title=_("Log a visit"), client=client, form=form)


def _user():
    from flask import g

    return getattr(g, "user", None)


class VisitPlanPageView(BaseView):
    """A plan's page: its items, its recorded steps, the steps the user may take (with a note)."""

    route_base = "/visits/plan"

    def _plan(self, pk):
        plan = db.session.get(VisitPlan, pk)
        if plan is None or not in_scope(plan):
            abort(404)
        return plan

    @expose("/<int:pk>")
    @has_access
    @permission_name("show")
    def show(self, pk):
        plan = self._plan(pk)
        items = sorted(plan.items, key=lambda i: (i.due_on, i.client.area or "", i.client.route or "", i.client.code))
        events = [(e, event_label("visit_plan", e.event), state_label("visit_plan", e.from_state),
                   state_label("visit_plan", e.to_state)) for e in plan.events]
        actions = [(ev, event_label("visit_plan", ev)) for ev in commands.allowed_events(plan)]
        return self.render_template("visits/plan.html", title=_("Visit plan"), plan=plan, items=items, events=events,
                                    actions=actions, form=PlanStepForm(),
                                    state=state_label("visit_plan", lifecycle_value(plan.state)))

    @expose("/<int:pk>/step", methods=["POST"])
    @has_access
    @permission_name("show")
    def step(self, pk):
        plan = self._plan(pk)
        form = PlanStepForm()
        if not form.validate():
            flash(_("Choose an action."), "danger")
        else:
            try:
                commands.transition(plan, form.event.data, note=form.note.data)
                flash(_("%(record)s: %(event)s.", record=str(plan), event=event_label("visit_plan", form.event.data)),
                      "success")
            except CommandError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return redirect(url_for("VisitPlanPageView.show", pk=pk))


def lifecycle_value(v):
    return getattr(v, "value", v)


def compliance_rows(month):
    people, departments = visit_compliance.report(month)
    return people, departments


CSV_HEADER = (_l("Department"), _l("Staff"), _l("Clients owned"), _l("Clients visited"), _l("Coverage (percent)"),
              _l("Below frequency"), _l("Distinct clients visited"), _l("Planned"), _l("Done"))


def _csv_row(kind, r):
    f = r.figures
    return [kind, r.department, r.name if r.staff_id is not None else "", f.owned, f.visited,
            freq.percent(f.coverage), f.below_frequency, f.distinct_visited, f.planned, f.done]


class VisitComplianceView(BaseView):
    """SPEC §5 compliance per client manager and month, and per department; CSV; generate plans."""

    route_base = "/visits/compliance"
    default_view = "report"

    def _month(self):
        month = parse_month(request.args.get("month"), freq.month_start(business_today()))
        if month is None:
            flash(_("Give the month as YYYY-MM."), "danger")
            month = freq.month_start(business_today())
        return month

    @expose("/")
    @has_access
    @permission_name("report")
    def report(self):
        month = self._month()
        people, departments = compliance_rows(month)
        can_generate = self.appbuilder.sm.has_access("can_generate", self.class_permission_name)
        plans = db.session.execute(
            sa.select(VisitPlan).where(VisitPlan.month == month, VisitPlan.staff_id.in_([r.staff_id for r in people]))
        ).scalars().all()
        return self.render_template(
            "visits/compliance.html", title=_("Visit compliance"), month=month, people=people,
            departments=departments, percent=freq.percent, can_generate=can_generate, form=GenerateForm(),
            plans={p.staff_id: p for p in plans}, coverage_target=freq.COVERAGE_TARGET,
            distinct_target=freq.DISTINCT_CLIENTS_TARGET)

    @expose("/csv")
    @has_access
    @permission_name("report")
    def csv(self):
        month = self._month()
        people, departments = compliance_rows(month)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_("Level")] + [str(h) for h in CSV_HEADER])
        for r in people:
            writer.writerow(_csv_row(_("Staff"), r))
        for r in departments:
            writer.writerow(_csv_row(_("Department"), r))
        body = "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=visit-compliance-{month:%Y-%m}.csv"})

    @expose("/generate", methods=["POST"])
    @has_access
    @permission_name("generate")
    def generate(self):
        form = GenerateForm()
        month = parse_month(form.month.data) if form.validate() else None
        if month is None:
            flash(_("Give the month as YYYY-MM."), "danger")
            return redirect(url_for("VisitComplianceView.report"))
        try:
            plans, items = commands.generate_for_scope(month)
            flash(_("%(plans)s plan(s) and %(items)s item(s) created for %(month)s.", plans=plans, items=items,
                    month=f"{month:%Y-%m}"), "success")
        except CommandError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        return redirect(url_for("VisitComplianceView.report", month=f"{month:%Y-%m}"))


def figures_json(r):
    f = r.figures
    return {
        "staff_id": r.staff_id, "name": r.name, "department": r.department, "owned": f.owned,
        "visited": f.visited, "coverage_percent": freq.percent(f.coverage), "coverage_ok": f.coverage_ok,
        "below_frequency": f.below_frequency, "distinct_visited": f.distinct_visited, "distinct_ok": f.distinct_ok,
        "planned": f.planned, "done": f.done,
    }


class VisitComplianceApi(BaseApi):
    """``GET /api/v1/visit_compliance/?month=2026-12`` and ``POST /api/v1/visit_compliance/generate``."""

    resource_name = "visit_compliance"
    allow_browser_login = True
    openapi_spec_tag = "Visit compliance"

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("report")
    def report(self):
        """The compliance figures of a month for the staff in the caller's scope.
        ---
        get:
          parameters:
          - in: query
            name: month
            schema: {type: string}
          responses:
            200: {description: per person and per department}
            400: {description: not a month}
        """
        month = parse_month(request.args.get("month"), freq.month_start(business_today()))
        if month is None:
            return self.response_400(message=_("Give the month as YYYY-MM."))
        people, departments = compliance_rows(month)
        return self.response(200, month=f"{month:%Y-%m}", staff=[figures_json(r) for r in people],
                             departments=[figures_json(r) for r in departments])

    @expose("/generate", methods=["POST"])
    @protect()
    @permission_name("generate")
    def generate(self):
        """Generate the month's plans of the staff in the caller's scope (idempotent).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {month: {type: string}}}
          responses:
            200: {description: how many plans and items were created}
            422: {description: refused}
        """
        body = request.get_json(silent=True) or {}
        month = parse_month(body.get("month") if isinstance(body, dict) else None)
        if month is None:
            return self.response_400(message=_("Give the month as YYYY-MM."))
        try:
            plans, items = commands.generate_for_scope(month)
        except CommandError as exc:
            db.session.rollback()
            return self.response(exc.status, message=exc.as_api_message())
        return self.response(200, month=f"{month:%Y-%m}", plans=plans, items=items)


def register(appbuilder):
    """Called from views/__init__.py: the pages, their menu links and the compliance API."""
    appbuilder.add_view_no_menu(VisitRouteView)
    appbuilder.add_view_no_menu(VisitPlanPageView)
    appbuilder.add_view_no_menu(VisitComplianceView)
    category, category_label = "Visit management", _l("Visit management")
    appbuilder.add_link("Today's visits", href="VisitRouteView.today", label=_l("Today's visits"),
                        icon="fa-road", category=category, category_label=category_label)
    appbuilder.add_link("Visit compliance", href="VisitComplianceView.report", label=_l("Visit compliance"),
                        icon="fa-check-circle", category=category, category_label=category_label)
    appbuilder.add_api(VisitComplianceApi)
