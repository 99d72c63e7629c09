"""The working-day calendar screens (SPEC §4): the holiday table an admin edits, and the import
of one year's arrangement as the State Council publishes it (a CSV of 放假 and 调休 days).
Presentation only: the rules are in ``services/calendar.py`` and ``models/calendar.py``."""
from flask import flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.models import CalendarDay
from backoffice.services import CommandError
from backoffice.services.calendar import import_year_csv, unconfirmed_years
from backoffice.views.base import ScopedApi, ScopedModelView

LABELS = {
    "day": _l("Date"), "working": _l("Working day (make-up day)"), "name": _l("Name"),
    "source": _l("Source"), "confirmed": _l("Confirmed"),
}
COLUMNS = ["day", "working", "name", "source", "confirmed"]


class CalendarImportForm(FlaskForm):
    """Only the CSRF token: the file comes from ``request.files``."""


class CalendarDayView(ScopedModelView):
    datamodel = SQLAInterface(CalendarDay)
    label_columns = LABELS
    list_columns = COLUMNS
    show_columns = COLUMNS
    add_columns = edit_columns = ["day", "working", "name", "confirmed"]
    search_columns = COLUMNS
    base_order = ("day", "desc")
    list_template = "calendar/list.html"
    description_columns = {
        "working": _l("Ticked: a make-up working day on a weekend; empty: a day off."),
        "confirmed": _l("Empty: provisional, the State Council has not published this year yet."),
    }
    api_actions = {"import_csv": "POST /api/v1/calendar_day/import"}

    def pre_add(self, item):
        item.source = item.source or "manual"

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs.setdefault("unconfirmed_years", unconfirmed_years())
            kwargs.setdefault("import_url", url_for(f"{self.endpoint}.import_csv"))
        return super().render_template(template, **kwargs)

    @expose("/import", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def import_csv(self):
        form = CalendarImportForm()
        error = None
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                if not form.validate_on_submit():
                    raise CommandError(_("The form has expired; reload the page and try again."), field="file")
                if upload is None or not upload.filename:
                    raise CommandError(_("Choose the CSV file of the year's arrangement."), field="file")
                year, count = import_year_csv(upload.read())
            except CommandError as exc:
                error = exc.message
            else:
                flash(_("The calendar of %(year)d now holds the %(n)d published days, confirmed.",
                        year=year, n=count), "success")
                return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template("calendar/import.html", form=form, error=error,
                                    title=_("Import a year's holiday arrangement")), (422 if error else 200)


class CalendarDayApi(ScopedApi):
    resource_name = "calendar_day"
    datamodel = SQLAInterface(CalendarDay)
    label_columns = LABELS
    list_columns = ["id"] + COLUMNS
    show_columns = ["id"] + COLUMNS
    add_columns = edit_columns = ["day", "working", "name", "confirmed"]
    search_columns = COLUMNS
    openapi_spec_methods = {}

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    @permission_name("import")
    def import_csv(self):
        """Replace one year with the published arrangement.
        ---
        post:
          summary: Import a year's 放假 and 调休 days (CSV text, the same checks as the screen)
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    csv: {type: string, example: "date,kind,name\\n2027-01-01,放假,元旦\\n"}
          responses:
            200: {description: "{year, days}"}
            422: {$ref: '#/components/responses/422'}
        """
        body = request.get_json(silent=True)
        text = body.get("csv") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return self.response_422(message={"csv": [_("Send a JSON object with the CSV text in \"csv\".")]})
        try:
            year, count = import_year_csv(text)
        except CommandError as exc:
            return self.response_422(message={"csv": exc.message.split("\n")})
        return self.response(200, year=year, days=count)
