"""The data of the pay rule (SPEC §6): the administrator's pay bands and department adjustments
on one form, and the department head's monthly outcome per department (target missed / met /
challenge target reached). Both call their commands (services/appraisal_settings.py,
services/appraisals.py ``set_department_outcome``); the API does the same."""
from decimal import Decimal

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.models import AppraisalPayBand, DepartmentAdjustment, DepartmentMonthOutcome
from backoffice.models.choices import TargetResult
from backoffice.services import CommandError
from backoffice.services import appraisal_settings as settings
from backoffice.services import appraisals as commands
from backoffice.views.base import ScopedApi, ScopedModelView
from backoffice.views.formatting import percent
from backoffice.views.lifecycle import command_response

SPARE_ROWS = 2  # empty rows on the form for a new band


def plain(value):
    """95.00 -> "95", 89.99 -> "89.99", 1.0500 -> "1.05" (bounds and percents on screens)."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text


def month_text(value):
    return f"{value:%Y-%m}" if value is not None else ""


def factor_text(band):
    if band.score_as_percentage:
        return str(_("the score as a percentage"))
    return percent(band.factor)


def band_label(band):
    """How a band reads on the sheet: "60–89.99 points: the score as a percentage"."""
    upper = Decimal(band.upper)
    top = upper if upper == 100 else upper - Decimal("0.01")
    lower = plain(band.lower)
    if band.as_percentage:
        return _("%(lo)s–%(hi)s points: the score as a percentage", lo=lower, hi=plain(top))
    if Decimal(band.factor) == 0:  # seed 001 L516: 60分以下 不予发放绩效工资
        return _("%(lo)s–%(hi)s points: no performance pay", lo=lower, hi=plain(top))
    return _("%(lo)s–%(hi)s points: %(pct)s", lo=lower, hi=plain(top), pct=percent(band.factor))


def _pct(value):
    return "" if value is None else plain(Decimal(value) * 100)


class AppraisalPayBandView(ScopedModelView):
    """The bands as a list (read), and the one settings form that replaces them all at once: a
    band edited alone would leave the set with a gap or an overlap until the next one is saved."""

    datamodel = SQLAInterface(AppraisalPayBand)
    base_permissions = ["can_list", "can_show", "can_settings"]
    list_columns = ["lower_bound", "upper_bound", "factor", "score_as_percentage"]
    show_columns = list_columns
    base_order = ("lower_bound", "desc")
    label_columns = {**ScopedModelView.label_columns, "lower_bound": _l("From (points, included)"),
                     "upper_bound": _l("To (points, excluded; 100 included)"), "factor": _l("Pay factor"),
                     "score_as_percentage": _l("Score as percentage")}
    formatters_columns = {"factor": percent}
    list_template = "appraisals/pay_band_list.html"
    api_actions = {"settings": "POST /api/v1/appraisal_pay_band/settings"}

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    @permission_name("settings")
    def settings(self):
        if request.method == "POST":
            rows = [{"lower": request.form.get(f"band_{n}_lower", ""), "upper": request.form.get(f"band_{n}_upper", ""),
                     "factor": request.form.get(f"band_{n}_factor", ""),
                     "score_as_percentage": request.form.get(f"band_{n}_pct", "")}
                    for n in range(1, _int(request.form.get("band_count"), 0) + 1)]
            rates = {c.value: request.form.get(f"rate_{c.value}", "") for c in TargetResult}
            try:
                changed = settings.save_pay_settings(rows, rates)
                flash(_("The pay bands and department adjustments were saved; %(n)s open sheet(s) recomputed.",
                        n=changed), "success")
                return redirect(url_for("AppraisalPayBandView.settings"))
            except CommandError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        else:
            bands, rates = settings.current_settings()
            rows = [{"lower": plain(b.lower), "upper": plain(b.upper), "factor": _pct(b.factor),
                     "score_as_percentage": b.as_percentage} for b in bands]
            rates = {k: plain(v * 100) for k, v in rates.items()}
        rows = list(rows) + [{"lower": "", "upper": "", "factor": "", "score_as_percentage": False}] * SPARE_ROWS
        return self.render_template(
            "appraisals/pay_settings.html", rows=rows, rates=rates,
            results=[(c.value, str(c.label)) for c in TargetResult],
            title=_("Pay bands and department adjustments"))


def _int(value, default):
    try:
        return max(0, min(int(value), 50))
    except (TypeError, ValueError):
        return default


class AppraisalPayBandApi(ScopedApi):
    resource_name = "appraisal_pay_band"
    datamodel = SQLAInterface(AppraisalPayBand)
    base_permissions = ["can_get", "can_info", "can_put"]
    # Only the routes the permissions allow (a route without its permission would answer 403 to all).
    include_route_methods = {"get", "get_list", "info", "settings"}
    list_columns = show_columns = ["id", "lower_bound", "upper_bound", "factor", "score_as_percentage"]

    @expose("/settings", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def settings(self):
        """Replace the pay bands and department adjustments (all at once, checked as a set).
        ---
        post:
          summary: Replace the pay bands and the department adjustments
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [bands, adjustments]
                  properties:
                    bands:
                      type: array
                      items:
                        type: object
                        properties:
                          lower: {type: string, description: "points, included"}
                          upper: {type: string, description: "points, excluded (100 included)"}
                          factor: {type: string, description: "percent, e.g. 105"}
                          score_as_percentage: {type: boolean}
                    adjustments: {type: object, description: "exceeded / met / missed -> percent, e.g. -5"}
          responses:
            200: {description: "{recomputed: number of open sheets whose pay changed}"}
            400: {$ref: '#/components/responses/400'}
            422: {description: "gaps, overlaps, bounds or factors refused (translated message)"}
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("bands"), list):
            return self.response_400(message=_("Send a JSON object with the bands and the adjustments."))

        def call():
            try:
                changed = settings.save_pay_settings(body["bands"], body.get("adjustments"))
            except CommandError:
                db.session.rollback()
                raise
            return self.response(200, recomputed=changed)

        return command_response(self, call)


class DepartmentAdjustmentApi(ScopedApi):
    resource_name = "appraisal_department_adjustment"
    datamodel = SQLAInterface(DepartmentAdjustment)
    base_permissions = ["can_get", "can_info"]
    include_route_methods = {"get", "get_list", "info"}  # read-only: the rates change on the settings form
    list_columns = show_columns = ["id", "result", "rate"]


class DepartmentMonthOutcomeView(ScopedModelView):
    """The head's entry per department and month (SPEC §6): it sets the department adjustment of
    that month's sheets, which are recomputed (services/appraisals.py ``apply_outcome``)."""

    datamodel = SQLAInterface(DepartmentMonthOutcome)
    # No delete: a result is changed, not removed (the sheets would lose their adjustment).
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_columns = ["department", "month", "result", "entered_by"]
    mobile_columns = ["department", "month", "result"]
    show_columns = list_columns
    add_columns = edit_columns = ["department", "month", "result"]
    search_columns = ["department", "month", "result"]
    base_order = ("month", "desc")
    label_columns = {**ScopedModelView.label_columns, "result": _l("Department result for the month"),
                     "entered_by": _l("Entered by"), "month": _l("Month")}
    description_columns = {"month": _l("Any day of the month; stored as the month (2026-10).")}
    formatters_columns = {"month": month_text}

    def pre_add(self, item):
        commands.outcome_record_checks(item)

    def pre_update(self, item):
        commands.outcome_record_checks(item, previous=_previous(item))



def _previous(item):
    """The stored department and month of an outcome being edited (before the form's values)."""
    import sqlalchemy as sa

    hist = sa.inspect(item).attrs
    dept = hist.department.history.deleted
    dept_id = dept[0].id if dept and dept[0] is not None else item.department_id
    month = hist.month.history.deleted or [item.month]
    return dept_id, month[0]


class DepartmentMonthOutcomeApi(ScopedApi):
    resource_name = "department_month_outcome"
    datamodel = SQLAInterface(DepartmentMonthOutcome)
    base_permissions = ["can_get", "can_info", "can_post", "can_put"]
    include_route_methods = {"get", "get_list", "info", "post", "put"}  # no delete: a result is changed, not removed
    list_columns = show_columns = ["id", "department.id", "department.name", "month", "result"]
    add_columns = edit_columns = ["department", "month", "result"]

    def pre_add(self, item):
        super().pre_add(item)
        commands.outcome_record_checks(item)

    def pre_update(self, item):
        super().pre_update(item)
        commands.outcome_record_checks(item, previous=_previous(item))
