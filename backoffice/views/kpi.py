"""The KPI page per department and month (issue #12 "KPIs", issue #15 charts): the figures with
their targets, charts drawn by ECharts served from ``static/vendor``, the same figures from the
REST API (``GET /api/v1/kpi/``) and as CSV. Presentation only: the figures are
``services/kpi.py``'s snapshots, the arithmetic ``rules/kpi.py``'s."""
import csv
import io

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField

from backoffice.extensions import db
from backoffice.rules import kpi as rules
from backoffice.services import CommandError
from backoffice.services import kpi as service

TYPE_LABELS = {"complaint": _l("Complaint"), "report": _l("Report"), "inquiry": _l("Inquiry"),
               "opinion": _l("Opinion"), "suggestion": _l("Suggestion"), "service_request": _l("Service request")}
CLASS_LABELS = {"own_service": _l("Class 1: own service"), "product": _l("Class 2: supplier or product quality"),
                "external": _l("Class 3: external"), "none": _l("No class")}
MIX_TITLES = {"annual_tier": _l("Annual purchase tier"), "scale": _l("Business scale"),
              "service_level": _l("Service level")}
MIX_KEYS = {"annual_tier": rules.ANNUAL_TIERS, "scale": rules.SCALES, "service_level": rules.SERVICE_LEVELS}


class RefreshForm(FlaskForm):
    month = HiddenField()


def figure_rows(mf, survey=None):
    """[(key, label, value, unit, target, ok)] of one month: what the table, CSV and API show."""
    c, f = mf.counts, mf.figures
    pct = rules.percent
    rows = [
        ("tickets_registered", _("Tickets registered"), c.tickets_registered, "", None, None),
        ("tickets_open", _("Of these still open"), c.tickets_open, "", None, None),
        ("tickets_overdue", _("Of these overdue"), c.tickets_overdue, "", None, None),
        ("on_time_rate", _("On-time rate"), pct(f.on_time_rate), "%", None, None),
        ("callback_rate", _("Callback rate"), pct(f.callback_rate), "%", pct(rules.CALLBACK_TARGET), f.callback_ok),
        ("outcome_satisfaction", _("Outcome satisfaction"), pct(f.outcome_satisfaction), "%",
         pct(rules.OUTCOME_TARGET), f.outcome_ok),
        ("visit_coverage", _("Visit coverage"), pct(f.visit_coverage), "%", pct(rules.COVERAGE_TARGET), f.coverage_ok),
        ("managers_under_target", _("Client managers under %(n)s distinct clients", n=rules.DISTINCT_CLIENTS_TARGET),
         c.managers_under_target, "", "0", (c.managers_under_target == 0) if c.managers else None),
    ]
    if survey is not None:
        rows.append(("supply_satisfaction", _("Supply satisfaction (latest survey)"), pct(survey.rate), "%",
                     pct(rules.SUPPLY_TARGET), survey.ok))
    else:
        rows.append(("supply_satisfaction", _("Supply satisfaction (latest survey)"), None, "%",
                     pct(rules.SUPPLY_TARGET), None))
    return rows


def mix_rows(counts):
    """{mix: [(key, label, count, share percent)]}: tier mix, tickets by type and by class."""
    out = {}
    for name, keys in MIX_KEYS.items():
        out[name] = [(k, _("none") if k == "none" else k, n, rules.percent(share))
                     for k, n, share in rules.mix(getattr(counts, name), keys)]
    out["by_type"] = [(k, str(TYPE_LABELS.get(k, k)), n, rules.percent(share))
                      for k, n, share in rules.mix(counts.by_type, rules.TICKET_TYPES)]
    out["by_class"] = [(k, str(CLASS_LABELS.get(k, k)), n, rules.percent(share))
                       for k, n, share in rules.mix(counts.by_class, rules.COMPLAINT_CLASSES)]
    return out


def charts_json(department_id, mf):
    """The charts' data (home.js / kpi.js): 12-month trends, tier mix, tickets by type and class."""
    months = service.trend(department_id, mf.month)

    def num(v):
        return None if v is None else float(rules.percent(v))

    mixes = mix_rows(mf.counts)
    return {
        "months": [f"{m.month:%Y-%m}" for m in months],
        "trend": [
            {"name": _("Callback rate"), "target": 95, "data": [num(m.figures.callback_rate) for m in months]},
            {"name": _("Outcome satisfaction"), "target": 85, "data": [num(m.figures.outcome_satisfaction) for m in months]},
            {"name": _("On-time rate"), "target": None, "data": [num(m.figures.on_time_rate) for m in months]},
            {"name": _("Visit coverage"), "target": 100, "data": [num(m.figures.visit_coverage) for m in months]},
        ],
        "mix": [{"name": str(MIX_TITLES[k]), "data": [{"name": label, "value": n} for _k, label, n, _s in mixes[k]]}
                for k in MIX_KEYS],
        "by_type": [{"name": label, "value": n} for _k, label, n, _s in mixes["by_type"]],
        "by_class": [{"name": label, "value": n} for _k, label, n, _s in mixes["by_class"]],
        "labels": {"trend": _("Last 12 months (percent)"), "mix": _("Client tier mix"),
                   "by_type": _("Tickets by type"), "by_class": _("Complaints by class"),
                   "target": _("Target"), "no_data": _("No data")},
    }


def _choose():
    """(department, month, departments) from the query string, limited to the user's scope; an
    unknown month is a 400 with the reason, a department outside the scope a 404."""
    month_arg = request.args.get("month")
    month = rules.parse_month(month_arg) if month_arg else service.current_month()
    if month is None:
        abort(400, description=_("Give the month as YYYY-MM."))
    departments = service.departments_in_scope(g.user)
    allowed = {d.id: d for d in departments}
    dept_arg = request.args.get("department")
    if dept_arg:
        if not dept_arg.isdigit() or int(dept_arg) not in allowed:
            abort(404)
        dept = allowed[int(dept_arg)]
    else:
        default = service.default_department(g.user)
        dept = allowed.get(default)
    return dept, month, departments


class KpiView(BaseView):
    route_base = "/kpi"
    default_view = "page"

    @expose("/")
    @has_access
    @permission_name("report")
    def page(self):
        dept, month, departments = _choose()
        if dept is None:
            return self.render_template("kpi/page.html", title=_("Department KPIs"), dept=None, month=month,
                                        departments=[], rows=[], mixes={}, mf=None, chart_data=None,
                                        form=RefreshForm(), can_refresh=False)
        mf = service.read(dept.id, month)
        survey = service.latest_supply_satisfaction(dept.id, g.user)
        can_refresh = self.appbuilder.sm.has_access("can_refresh", self.class_permission_name)
        return self.render_template(
            "kpi/page.html", title=_("Department KPIs"), dept=dept, month=month, departments=departments,
            rows=figure_rows(mf, survey), mixes=mix_rows(mf.counts), mf=mf, survey=survey,
            chart_data=charts_json(dept.id, mf), form=RefreshForm(month=f"{month:%Y-%m}"), can_refresh=can_refresh,
            mix_titles=MIX_TITLES)

    @expose("/csv")
    @has_access
    @permission_name("report")
    def csv(self):
        dept, month, _departments = _choose()
        if dept is None:
            abort(404)
        mf = service.read(dept.id, month)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_("Department"), _("Month"), _("Figure"), _("Value"), _("Target"), _("Meets the target")])
        for _key, label, value, unit, target, ok in figure_rows(mf, service.latest_supply_satisfaction(dept.id, g.user)):
            writer.writerow([dept.name, f"{month:%Y-%m}", label, "" if value is None else f"{value}{unit}",
                             "" if target is None else f"{target}{unit}", _ok_word(ok)])
        for name, rows in mix_rows(mf.counts).items():
            title = str(MIX_TITLES.get(name) or {"by_type": _("Tickets by type"), "by_class": _("Complaints by class")}[name])
            for _k, label, n, _share in rows:
                writer.writerow([dept.name, f"{month:%Y-%m}", f"{title}: {label}", n, "", ""])
        body = "\ufeff" + out.getvalue()  # BOM: Excel on Chinese Windows opens UTF-8 (SPEC §9)
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=kpi-{dept.code}-{month:%Y-%m}.csv"})

    @expose("/refresh", methods=["POST"])
    @has_access
    @permission_name("refresh")
    def refresh(self):
        form = RefreshForm()
        month = rules.parse_month(form.month.data) if form.validate_on_submit() else None
        if month is None:
            flash(_("Give the month as YYYY-MM."), "danger")
            return redirect(url_for("KpiView.page"))
        try:
            run = service.launch_snapshot(month, g.user)
            flash(_("The figures of %(month)s are being recomputed (job %(id)s).", month=f"{month:%Y-%m}", id=run.id),
                  "success")
        except CommandError as exc:
            db.session.rollback()
            flash(exc.message, "warning")
        return redirect(url_for("KpiView.page", month=f"{month:%Y-%m}", **request.args.to_dict()))


def _ok_word(ok):
    if ok is None:
        return ""
    return _("yes") if ok else _("no")


class KpiApi(BaseApi):
    """``GET /api/v1/kpi/?department=<id>&month=2026-12``: the KPI page's figures as JSON."""

    resource_name = "kpi"
    allow_browser_login = True
    openapi_spec_tag = "KPIs"

    @expose("/", methods=["GET"])
    @protect()
    @permission_name("report")
    def report(self):
        """A department's (and its subtree's) figures of a month, within the caller's scope.
        ---
        get:
          parameters:
          - in: query
            name: department
            schema: {type: integer}
          - in: query
            name: month
            schema: {type: string}
          responses:
            200: {description: the figures with their targets}
            400: {description: not a month}
            404: {description: no such department in the caller's scope}
        """
        month_arg = request.args.get("month")
        month = rules.parse_month(month_arg) if month_arg else service.current_month()
        if month is None:
            return self.response_400(message=_("Give the month as YYYY-MM."))
        allowed = {d.id: d for d in service.departments_in_scope(g.user)}
        dept_arg = request.args.get("department")
        if dept_arg:
            if not dept_arg.isdigit() or int(dept_arg) not in allowed:
                return self.response_404()
            dept = allowed[int(dept_arg)]
        else:
            dept = allowed.get(service.default_department(g.user))
            if dept is None:
                return self.response_404()
        mf = service.read(dept.id, month)
        survey = service.latest_supply_satisfaction(dept.id, g.user)
        figures = [{"key": k, "label": label, "value": value, "unit": unit, "target": target, "meets_target": ok}
                   for k, label, value, unit, target, ok in figure_rows(mf, survey)]
        mixes = {name: [{"key": k, "label": label, "count": n, "share_percent": share} for k, label, n, share in rows]
                 for name, rows in mix_rows(mf.counts).items()}
        return self.response(
            200, department={"id": dept.id, "code": dept.code, "name": dept.name}, month=f"{month:%Y-%m}",
            computed_at=mf.computed_at.isoformat() if mf.computed_at else None, figures=figures, mix=mixes,
            counts=service.counts_json(mf.counts))


def register(appbuilder):
    """Called from views/__init__.py: the KPI page, its menu link and its API."""
    appbuilder.add_view_no_menu(KpiView)
    appbuilder.add_link("Department KPIs", href="KpiView.page", label=_l("Department KPIs"), icon="fa-line-chart",
                        category="Ticket management", category_label=_l("Ticket management"))
    appbuilder.add_api(KpiApi)
