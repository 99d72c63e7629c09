"""Survey answers in the back office (SPEC §7): the list of answers, the service desk's phone
entry, and the import of answers from a file; plus the registration of the public page.

    /surveyanswerview/list/                      answers (row scope: the invitation's client)
    /phonesurveyview/list/                       phone invitations to call (ServiceDesk: their own)
    /phonesurveyview/enter/<id>                  GET/POST: enter (or correct) a call's answers
    /import/survey-answers/                      upload -> preview -> confirm (or a job)

Phone entry [decision]: one submission per invitation, recorded with channel "phone" and the
entering user. The user who entered the answers (or an Admin) may correct them until the
invitation expires (the campaign deadline) while the campaign takes answers; everyone else sees
them read-only. Answers the client gave online are never changed here.
"""
import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.extensions import db
from backoffice.models import SurveyAnswer, SurveyInvitation
from backoffice.models.choices import InvitationChannel
from backoffice.security.scope import staff_of
from backoffice.surveys import answers as ans
from backoffice.surveys.imports import COLUMNS, KIND, ImportConflict, import_answers, read_answers
from backoffice.surveys.public import bp
from backoffice.views.base import ScopedModelView
from backoffice.views.imports import ImportView
from backoffice.views.labels import LABELS

ANSWER_LABELS = {
    **LABELS,
    "invitation": _l("Invitation"),
    "question": _l("Question"),
    "score": _l("Score"),
    "comment": _l("Comment"),
    "staff": _l("Staff member rated"),
    "channel": _l("Channel"),
    "entered_by": _l("Entered by"),
    "answered_at": _l("Answered at"),
    "campaign": _l("Campaign"),
    "client": _l("Client"),
    "assignee": _l("Assigned to"),
    "expires_at": _l("Expires at"),
    "used_at": _l("Answered at"),
}

# Roles that see every phone invitation in their row scope, not only those assigned to them.
SUPERVISING_ROLES = {"Admin", "DeptHead", "Viewer"}


class SurveyAnswerView(ScopedModelView):
    """Answers, read-only (they change only through the three answer channels)."""

    datamodel = SQLAInterface(SurveyAnswer)
    label_columns = ANSWER_LABELS
    base_permissions = ["can_list", "can_show"]
    list_columns = ["invitation", "question", "score", "comment", "staff", "channel", "entered_by", "answered_at"]
    show_columns = list_columns
    search_columns = ["invitation", "question", "score", "staff", "channel", "answered_at"]
    base_order = ("id", "desc")


class PhoneAssignmentFilter(BaseFilter):
    """A service-desk member sees the phone invitations assigned to them; supervisors see all
    in their row scope (the ScopeFilter of ScopedModelView applies on top)."""

    name = "Assigned to me"
    arg_name = "assigned"

    def apply(self, query, value):
        user = getattr(g, "user", None)
        names = {r.name for r in getattr(user, "roles", []) or []}
        if names & SUPERVISING_ROLES:
            return query
        staff = staff_of(user)
        return query.filter(SurveyInvitation.assignee_id == (staff.id if staff is not None else -1))


class PhoneSurveyForm(FlaskForm):
    """Only the CSRF token: the answers are read by question id."""


class PhoneSurveyView(ScopedModelView):
    """The service desk's phone calls (电话回访): phone invitations and their answer form."""

    datamodel = SQLAInterface(SurveyInvitation)
    label_columns = ANSWER_LABELS
    base_permissions = ["can_list", "can_show", "can_enter", "enter"]  # "enter": the list action
    base_filters = [["channel", FilterEqual, InvitationChannel.phone.value], ["id", PhoneAssignmentFilter, None]]
    list_columns = ["campaign", "client", "assignee", "expires_at", "used_at"]
    mobile_columns = ["client", "assignee", "expires_at"]  # a phone card (views/cards.py)
    show_columns = ["campaign", "client", "assignee", "stratum", "expires_at", "used_at"]
    search_columns = ["campaign", "client", "assignee", "used_at"]
    base_order = ("expires_at", "asc")
    method_permission_name = {"enter_answers": "enter"}

    @action("enter", _l("Enter answers"), confirmation=None, icon="fa-phone", multiple=False)
    def enter_action(self, item):
        return redirect(url_for(f"{self.endpoint}.enter_answers", pk=item.id))

    # -- the entry form ---------------------------------------------------------------------------
    def _editable(self, invitation, stored):
        """(may write, reason shown when not)."""
        if not ans.campaign_accepts_answers(invitation.campaign):
            return False, _("The campaign is not taking answers (closed or not started).")
        if invitation.is_expired():
            return False, _("The invitation has expired: answers can no longer be entered.")
        if invitation.used_at is None:
            return True, None
        if any(a.entered_by_id is None for a in stored):
            return False, _("The client answered this survey online.")
        admin = any(r.name == current_app.config.get("AUTH_ROLE_ADMIN", "Admin") for r in g.user.roles)
        if admin or all(a.entered_by_id == g.user.id for a in stored):
            return True, None
        return False, _("These answers were entered by someone else; only they can correct them.")

    @expose("/enter/<int:pk>", methods=["GET", "POST"])
    @has_access
    def enter_answers(self, pk):
        invitation = self._scoped_get(pk)
        campaign = invitation.campaign
        questions = ans.questions_of(campaign)
        stored = list(db.session.execute(
            sa.select(SurveyAnswer).where(SurveyAnswer.invitation_id == invitation.id)
        ).scalars())
        editable, reason = self._editable(invitation, stored)
        values = {str(a.question_id): (str(a.score), a.comment or "") for a in stored}
        form = PhoneSurveyForm()
        errors, status = {}, 200
        if request.method == "POST":
            if not editable:
                abort(409)
            values = {
                str(q.id): (request.form.get(f"score_{q.id}"), request.form.get(f"comment_{q.id}") or "")
                for q in questions
            }
            if not form.validate_on_submit():
                flash(_("The form has expired: submit it again."), "danger")
                status = 400
            else:
                entries = {k[len("score_"):]: (v, request.form.get(f"comment_{k[len('score_'):]}"))
                           for k, v in request.form.items() if k.startswith("score_")}
                for q in questions:
                    entries.setdefault(str(q.id), (None, request.form.get(f"comment_{q.id}")))
                clean, errors = ans.check_submission(campaign, entries)
                if errors:
                    status = 400
                    for key, errs in errors.items():
                        if key not in values:
                            for message in errs.values():
                                flash(message, "danger")
                else:
                    campaign_id = campaign.id
                    try:
                        ans.record_answers(invitation, clean, channel=InvitationChannel.phone,
                                           entered_by=g.user, replace=bool(stored))
                    except ans.AlreadyAnswered:
                        flash(_("This survey has already been answered."), "warning")
                        return redirect(url_for(f"{self.endpoint}.enter_answers", pk=pk))
                    ans.launch_aggregation(campaign_id, g.user)
                    flash(_("The answers were saved."), "success")
                    return redirect(url_for(f"{self.endpoint}.list"))
        locale = str(get_locale() or "zh")
        items = [
            {
                "question": q, "text": q.text(locale), "scores": list(range(q.min_score, q.max_score + 1)),
                "required": ans.required(q), "value": (values.get(str(q.id)) or (None, ""))[0],
                "comment": (values.get(str(q.id)) or (None, ""))[1], "errors": errors.get(str(q.id), {}),
            }
            for q in questions
        ]
        return self.render_template(
            "surveys/answers/phone_entry.html", invitation=invitation, items=items, form=form,
            editable=editable, reason=reason, stored=stored, title=_("Enter answers"),
            max_comment=ans.MAX_COMMENT,
        ), status


# -- import ---------------------------------------------------------------------------------------
class SurveyAnswerImportView(ImportView):
    """Survey answers from CSV/XLSX, with the other imports' pages and flow (``ImportView``);
    permission ``can_import`` on ``SurveyAnswerView``. Over SURVEY_IMPORT_JOB_THRESHOLD rows: the
    "surveys.import_answers" job."""

    route_base = "/import/survey-answers"
    class_permission_name = "SurveyAnswerView"
    kind = KIND
    title = _l("Import survey answers")
    list_endpoint = "SurveyAnswerView.list"
    job_kind = "surveys.import_answers"
    conflict_errors = (ImportConflict,)

    def _columns(self):
        return COLUMNS

    def _threshold(self):
        return current_app.config.get("SURVEY_IMPORT_JOB_THRESHOLD", 5000)

    def read_table(self, data, filename):
        return read_answers(data, filename)

    def run_import(self, data, user, mode, filename):
        return import_answers(data, user=user, mode=mode, filename=filename)


def _can(permission, view_name):
    def cond():
        return current_app.appbuilder.sm.has_access(permission, view_name)

    return cond


def register(appbuilder):
    """Menus under "Survey management" and the public page's blueprint (called from views/__init__)."""
    surveys = _l("Survey management")
    appbuilder.add_view(PhoneSurveyView, "Phone surveys", label=_l("Phone surveys"), icon="fa-phone",
                        category="Survey management", category_label=surveys)
    appbuilder.add_view(SurveyAnswerView, "Survey answers", label=_l("Survey answers"), icon="fa-check-circle-o",
                        category="Survey management", category_label=surveys)
    appbuilder.add_view(SurveyAnswerImportView, "Import survey answers", label=_l("Import survey answers"),
                        icon="fa-upload", category="Survey management", category_label=surveys,
                        menu_cond=_can("can_import", "SurveyAnswerView"))
    app = current_app._get_current_object()  # register() runs inside create_app's app context
    if "survey_public" not in app.blueprints:
        app.register_blueprint(bp)
