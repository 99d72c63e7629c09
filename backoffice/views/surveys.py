"""Survey management screens (满意度调查, SPEC §7): questionnaires and questions (data an admin
edits), campaigns with their launch action and report, invitations, figures and the departments'
rectification notes (整改措施).

    /surveycampaignview/report/<id>            the report page (rates, SVG bars, comments, notes)
    /surveycampaignview/report/<id>/csv        the figures as CSV (can_export)
    /surveycampaignview/report/<id>/recompute  POST: launch "surveys.aggregate" (can_launch)

Launching runs on the ``surveys`` queue (backoffice/jobs/kind_surveys.py).
"""
import csv
import io

import sqlalchemy as sa
from flask import Response, current_app, flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from backoffice.extensions import db
from backoffice.jobs import JobRefused
from backoffice.models import (
    Questionnaire, SurveyAnswer, SurveyCampaign, SurveyInvitation, SurveyQuestion,
    SurveyRectification, SurveyResult,
)
from backoffice.models.choices import CampaignState, QuestionDimension, ServiceLevel
from backoffice.security.scope import scope_clause
from backoffice.services import CommandError
from backoffice.services import surveys as campaign_commands
from backoffice.services.surveys import launch_aggregation, launch_campaign  # noqa: F401  (tests, jobs)
from backoffice.surveys.campaigns import (
    CampaignRefused, campaign_department_for, change_refused_message, may_change_campaign,
)
from backoffice.views.base import BusinessRuleError, ScopedApi, ScopedModelView
from backoffice.views.export import neutralise
from backoffice.views.labels import AUDIT_FIELDSET, LABELS
from backoffice.views.lifecycle import LifecycleViewMixin, command_response

SURVEY_LABELS = {
    **LABELS,
    "questionnaire": _l("Questionnaire"),
    "questions": _l("Questions"),
    "dimension": _l("Dimension"),
    "staff_position": _l("Staff role rated"),
    "text_zh": _l("Text (Simplified Chinese)"),
    "text_zh_hant": _l("Text (Traditional Chinese)"),
    "text_en": _l("Text (English)"),
    "min_score": _l("Lowest score"),
    "max_score": _l("Highest score"),
    "comment_allowed": _l("Comment allowed"),
    "sample_ratio": _l("Sample ratio"),
    "top_n": _l("Top N purchasers"),
    "deadline": _l("Deadline"),
    "seed": _l("Random seed"),
    "target_rate": _l("Target satisfaction rate"),
    "sample_summary": _l("Sample"),
    "campaign": _l("Campaign"),
    "token": _l("Token"),
    "survey_link": _l("Survey link"),
    "assignee": _l("Assigned to"),
    "stratum": _l("Stratum"),
    "expires_at": _l("Expires at"),
    "used_at": _l("Answered at"),
    "created_at": _l("Created at"),
    "grouping": _l("Grouping"),
    "key": _l("Key"),
    "label": _l("Label"),
    "invited": _l("Invited"),
    "responded": _l("Responded"),
    "answers": _l("Answers"),
    "satisfied": _l("Satisfied answers"),
    "satisfaction_rate": _l("Satisfaction rate"),
    "response_rate": _l("Response rate"),
    "target": _l("Target"),
    "computed_at": _l("Computed at"),
    "notes": _l("Rectification measures"),
}

GROUPING_LABELS = {
    "campaign": _l("Whole campaign"),
    "dimension": _l("By dimension"),
    "question": _l("By question"),
    "department": _l("By department"),
    "service_level": _l("By service level"),
    "staff": _l("By staff member"),
}
REPORT_ORDER = ("campaign", "dimension", "question", "department", "service_level", "staff")


def percent(value):
    return "" if value is None else f"{value * 100:.1f} %"


def _fmt_percent(value):
    return percent(value)


# -- questionnaires -------------------------------------------------------------------------------
class SurveyQuestionView(ScopedModelView):
    datamodel = SQLAInterface(SurveyQuestion)
    label_columns = SURVEY_LABELS
    list_columns = ["questionnaire", "position", "code", "dimension", "staff_position", "text_zh", "min_score", "max_score"]
    mobile_columns = ["code", "dimension", "text_zh"]  # a phone card (views/cards.py)
    show_columns = add_columns = edit_columns = [
        "questionnaire", "position", "code", "dimension", "staff_position", "text_zh", "text_zh_hant", "text_en",
        "min_score", "max_score", "comment_allowed",
    ]
    search_columns = ["questionnaire", "code", "dimension", "text_zh"]
    base_order = ("position", "asc")


class QuestionnaireView(ScopedModelView):
    datamodel = SQLAInterface(Questionnaire)
    label_columns = SURVEY_LABELS
    list_columns = ["code", "name", "active"]
    add_columns = edit_columns = ["code", "name", "active"]
    show_fieldsets = [(_l("Questionnaire"), {"fields": ["code", "name", "active"]}), AUDIT_FIELDSET]
    search_columns = ["code", "name", "active"]
    related_views = [SurveyQuestionView]
    base_order = ("code", "asc")


# -- invitations, results, rectification notes ------------------------------------------------------
def survey_link(token):
    """The public answer page of an invitation (backoffice/surveys/public.py: /survey/<token>)."""
    if not token:
        return ""
    url = request.url_root.rstrip("/") + f"/survey/{token}"
    return Markup('<a href="{0}" target="_blank" rel="noopener">{0}</a>').format(url)


def may_see_tokens():
    """[decision] The survey link is a credential (whoever holds it answers as the client): it is
    shown to whoever sends the invitations, i.e. may launch campaigns (Admin, DeptHead: the
    permission ``can_launch`` on SurveyCampaignView, so an admin can grant it). The service desk
    enters phone answers on its own screen and needs no link; the viewer only reads."""
    return bool(has_request_context() and current_app.appbuilder.sm.has_access("can_launch", "SurveyCampaignView"))


class SurveyInvitationView(ScopedModelView):
    datamodel = SQLAInterface(SurveyInvitation)
    label_columns = {**SURVEY_LABELS, "token": _l("Survey link")}
    base_permissions = ["can_list", "can_show"]
    list_columns = ["campaign", "client", "channel", "assignee", "stratum", "expires_at", "used_at", "ticket"]
    mobile_columns = ["client", "channel", "expires_at", "used_at"]  # a phone card (views/cards.py)
    _show_columns = ["campaign", "client", "channel", "assignee", "stratum", "expires_at", "used_at", "ticket",
                     "created_at", "token"]

    @property
    def show_columns(self):
        return self._show_columns if may_see_tokens() else [c for c in self._show_columns if c != "token"]

    @show_columns.setter
    def show_columns(self, value):
        self._show_columns = value

    search_columns = ["campaign", "client", "channel", "assignee", "used_at", "expires_at"]
    formatters_columns = {"token": survey_link}
    base_order = ("id", "asc")


class SurveyResultView(ScopedModelView):
    datamodel = SQLAInterface(SurveyResult)
    label_columns = SURVEY_LABELS
    base_permissions = ["can_list", "can_show"]
    list_columns = ["campaign", "grouping", "label", "invited", "responded", "answers", "satisfied",
                    "satisfaction_rate", "response_rate", "target"]
    mobile_columns = ["campaign", "label", "satisfaction_rate", "response_rate"]  # a phone card (views/cards.py)
    show_columns = list_columns + ["computed_at", "run_id"]
    search_columns = ["campaign", "grouping", "label"]
    formatters_columns = {"satisfaction_rate": _fmt_percent, "response_rate": _fmt_percent, "target": _fmt_percent}
    base_order = ("id", "asc")


class SurveyRectificationView(ScopedModelView):
    """整改措施: a department head writes the measures of their department (scope: department)."""

    datamodel = SQLAInterface(SurveyRectification)
    label_columns = SURVEY_LABELS
    list_columns = ["campaign", "department", "notes", "changed_by", "changed_on"]
    add_columns = edit_columns = ["campaign", "department", "notes"]
    show_fieldsets = [(_l("Rectification"), {"fields": ["campaign", "department", "notes"]}), AUDIT_FIELDSET]
    search_columns = ["campaign", "department"]
    base_order = ("changed_on", "desc")


# -- campaigns: the commands (launch, aggregate, close) are backoffice/services/surveys.py ----------
def flash_launch(start, queued_message):
    """Start a run and say so: where it went, or why it was refused (in the user's language)."""
    try:
        run = start()
    except (CommandError, JobRefused) as exc:
        flash(str(exc), "warning")
    else:
        flash(queued_message(run), "success")


def _fmt_summary(summary):
    if not summary:
        return ""
    parts = [_("%(size)s clients sampled", size=summary.get("size", 0))]
    if summary.get("population") is not None:
        parts.append(_("of %(n)s active clients", n=summary["population"]))
    if summary.get("strata"):
        parts.append(_("%(n)s strata", n=len(summary["strata"])))
    if summary.get("threshold"):
        parts.append(_("threshold amount %(amount)s", amount=summary["threshold"]))
    return "; ".join(parts)


class SurveyCampaignView(LifecycleViewMixin, ScopedModelView):
    datamodel = SQLAInterface(SurveyCampaign)
    label_columns = SURVEY_LABELS
    list_columns = ["name", "kind", "period", "state", "deadline", "questionnaire", "department"]
    mobile_columns = ["name", "period", "state", "deadline"]  # a phone card (views/cards.py)
    add_columns = edit_columns = [
        "name", "kind", "period", "questionnaire", "sample_ratio", "top_n", "deadline", "channel",
        "target_rate", "department",
    ]
    show_fieldsets = [
        (_l("Campaign"), {"fields": ["name", "kind", "period", "questionnaire", "state", "deadline", "channel", "department"]}),
        (_l("Sample"), {"fields": ["sample_ratio", "top_n", "target_rate", "seed", "sample_summary"]}),
        AUDIT_FIELDSET,
    ]
    search_columns = ["name", "kind", "period", "state", "deadline"]
    formatters_columns = {"sample_summary": _fmt_summary, "sample_ratio": _fmt_percent, "target_rate": _fmt_percent}
    related_views = [SurveyInvitationView, SurveyRectificationView]
    base_order = ("id", "desc")
    show_template = "surveys/campaign_show.html"
    lifecycle_actions = {"launch": "launch", "close_campaign": "close"}
    api_actions = {
        "launch": "POST /api/v1/survey_campaign/{pk}/launch",
        "close_campaign": "POST /api/v1/survey_campaign/{pk}/close",
        "recompute": "POST /api/v1/survey_campaign/{pk}/aggregate",
    }

    def allowed_events(self, item):
        return campaign_commands.allowed_events(item)

    # Scope (SPEC §7): FAB shows pre_* exceptions as a flash and writes nothing.
    def pre_add(self, item):
        item.state = CampaignState.draft
        item.department = campaign_department_for(g.user, item.department)

    def pre_update(self, item):
        check_campaign_change(item)
        item.department = campaign_department_for(g.user, item.department)

    def pre_delete(self, item):
        check_campaign_change(item)

    @action("launch", _l("Launch"), _l("Draw the sample and create the invitations?"), "fa-play", multiple=False)
    def launch(self, item):
        item = item[0] if isinstance(item, list) else item
        if not may_change_campaign(g.user, item.department_id):
            flash(change_refused_message(), "danger")
            return redirect(url_for(f"{self.endpoint}.show", pk=item.id))
        flash_launch(lambda: launch_campaign(item, g.user),
                     lambda run: _("Campaign %(name)s: sampling run #%(id)s is queued.", name=item.name, id=run.id))
        return redirect(url_for(f"{self.endpoint}.show", pk=item.id))

    @action("close_campaign", _l("Close campaign"), _l("Stop taking answers for this campaign?"), "fa-stop",
            multiple=False)
    def close_campaign(self, item):
        item = item[0] if isinstance(item, list) else item
        try:
            campaign_commands.close(item)
        except CommandError as exc:
            flash(exc.message, "warning")
        else:
            flash(_("Campaign %(name)s is closed.", name=item.name), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=item.id))

    # -- report ------------------------------------------------------------------------------------
    @expose("/report/<int:pk>")
    @has_access
    @permission_name("show")
    def report(self, pk):
        campaign = self._scoped_get(pk)
        data = report_data(campaign)
        can_recompute = self.appbuilder.sm.has_access("can_launch", self.class_permission_name)
        can_export = self.appbuilder.sm.has_access("can_export", self.class_permission_name)
        return self.render_template(
            "surveys/report.html", campaign=campaign, data=data, percent=percent,
            can_recompute=can_recompute, can_export=can_export,
            title=_("Survey report: %(name)s", name=campaign.name),
        )

    @expose("/report/<int:pk>/csv")
    @has_access
    @permission_name("export")
    def report_csv(self, pk):
        campaign = self._scoped_get(pk)
        data = report_data(campaign)
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([
            _("Grouping"), _("Key"), _("Label"), _("Invited"), _("Responded"), _("Answers"),
            _("Satisfied answers"), _("Satisfaction rate"), _("Response rate"), _("Target"), _("Target met"),
        ])
        for grouping in REPORT_ORDER:
            for row in data["groups"].get(grouping, []):
                met = row["meets_target"]
                writer.writerow([neutralise(str(x)) for x in (
                    GROUPING_LABELS[grouping], row["key"], row["label"], row["invited"], row["responded"],
                    row["answers"], row["satisfied"],
                    "" if row["satisfaction_rate"] is None else f"{row['satisfaction_rate']:.4f}",
                    "" if row["response_rate"] is None else f"{row['response_rate']:.4f}",
                    "" if row["target"] is None else f"{row['target']:.4f}",
                    "" if met is None else (_("Yes") if met else _("No")),
                )])
        body = "\ufeff" + buf.getvalue()  # UTF-8 with BOM (SPEC §9)
        return Response(
            body.encode("utf-8"), mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="survey_report_{campaign.id}.csv"'},
        )

    @expose("/report/<int:pk>/recompute", methods=["POST"])
    @has_access
    @permission_name("launch")
    def recompute(self, pk):
        campaign = self._scoped_get(pk)
        flash_launch(lambda: launch_aggregation(campaign, g.user),
                     lambda run: _("Figures of %(name)s: run #%(id)s is queued.", name=campaign.name, id=run.id))
        return redirect(url_for(f"{self.endpoint}.report", pk=campaign.id))


def check_campaign_change(item):
    """A company-wide campaign is changed by the admin only (the stored department decides, not
    the one the request sends)."""
    with db.session.no_autoflush:
        stored = db.session.execute(
            sa.select(SurveyCampaign.department_id).where(SurveyCampaign.id == item.id)
        ).scalar_one_or_none()
    if not may_change_campaign(g.user, stored):
        raise CampaignRefused(change_refused_message())


def _label(grouping, row, questions, locale):
    if grouping == "dimension":
        try:
            return str(QuestionDimension(row.key).label)
        except ValueError:
            return row.label
    if grouping == "service_level":
        try:
            return str(ServiceLevel(row.key).label)
        except ValueError:
            return _("No service level")
    if grouping == "question" and row.key in questions:
        return questions[row.key].text(locale)
    if grouping == "campaign":
        return _("Whole campaign")
    return row.label


def _scoped(model, query):
    clause = scope_clause(model)
    return query if clause is None else query.where(clause)


def report_data(campaign):
    """The stored figures, comments and rectification notes of a campaign, ready to show."""
    locale = str(get_locale() or "zh")
    questions = {
        q.code: q for q in db.session.execute(
            sa.select(SurveyQuestion).where(SurveyQuestion.questionnaire_id == campaign.questionnaire_id)
        ).scalars()
    }
    # Figures, comments and notes in the user's scope (SPEC §7: the report is scoped like every
    # other record): another department's figures and rectification notes are not shown.
    rows = db.session.execute(
        _scoped(SurveyResult, sa.select(SurveyResult).where(SurveyResult.campaign_id == campaign.id))
        .order_by(SurveyResult.id)
    ).scalars().all()
    groups = {}
    computed_at = None
    for r in rows:
        computed_at = r.computed_at
        groups.setdefault(r.grouping, []).append({
            "key": r.key, "label": _label(r.grouping, r, questions, locale), "invited": r.invited,
            "responded": r.responded, "answers": r.answers, "satisfied": r.satisfied,
            "satisfaction_rate": r.satisfaction_rate, "response_rate": r.response_rate, "target": r.target,
            "meets_target": r.meets_target,
        })
    # Comments: in the user's scope (answers follow their client, SPEC §1), newest first.
    q = (
        sa.select(SurveyAnswer.comment, SurveyAnswer.score, SurveyAnswer.answered_at, SurveyQuestion.code)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyInvitation.campaign_id == campaign.id, SurveyAnswer.comment.is_not(None), SurveyAnswer.comment != "")
        .order_by(SurveyAnswer.answered_at.desc())
        .limit(200)
    )
    clause = scope_clause(SurveyAnswer)
    if clause is not None:
        q = q.where(clause)
    comments = [
        {"comment": c, "score": s, "at": at, "question": questions[code].text(locale) if code in questions else code}
        for c, s, at, code in db.session.execute(q)
    ]
    # Rectification notes: in scope, and only for who may list them (the service desk runs the
    # phone surveys but does not read the departments' measures: issue #9).
    notes = []
    if current_app.appbuilder.sm.has_access("can_list", "SurveyRectificationView"):
        notes = db.session.execute(
            _scoped(SurveyRectification, sa.select(SurveyRectification).where(SurveyRectification.campaign_id == campaign.id))
            .order_by(SurveyRectification.department_id)
        ).scalars().all()
    return {"groups": groups, "computed_at": computed_at, "comments": comments, "notes": notes,
            "grouping_labels": GROUPING_LABELS, "order": REPORT_ORDER}


def staff_ratings(staff_id):
    """Clients' ratings of one staff member per campaign (shown on the staff page, SPEC §6/§7)."""
    rows = db.session.execute(
        _scoped(SurveyResult, sa.select(SurveyResult, SurveyCampaign)
                .join(SurveyCampaign, SurveyCampaign.id == SurveyResult.campaign_id)
                .where(SurveyResult.grouping == "staff", SurveyResult.key == str(staff_id)))
        .order_by(SurveyCampaign.deadline.desc(), SurveyCampaign.id.desc())
    ).all()
    return [
        {"campaign": c.name, "period": c.period, "answers": r.answers, "satisfied": r.satisfied,
         "rate": percent(r.satisfaction_rate), "target": percent(r.target), "meets": r.meets_target}
        for r, c in rows
    ]


# -- REST API ---------------------------------------------------------------------------------------
class QuestionnaireApi(ScopedApi):
    resource_name = "questionnaire"
    datamodel = SQLAInterface(Questionnaire)
    list_columns = show_columns = ["id", "code", "name", "active"]
    add_columns = edit_columns = ["code", "name", "active"]


class SurveyQuestionApi(ScopedApi):
    resource_name = "survey_question"
    datamodel = SQLAInterface(SurveyQuestion)
    list_columns = show_columns = [
        "id", "questionnaire.id", "code", "position", "dimension", "staff_position", "text_zh", "text_zh_hant",
        "text_en", "min_score", "max_score", "comment_allowed",
    ]
    add_columns = edit_columns = [
        "questionnaire", "code", "position", "dimension", "staff_position", "text_zh", "text_zh_hant", "text_en",
        "min_score", "max_score", "comment_allowed",
    ]


class SurveyCampaignApi(ScopedApi):
    """Also the campaign's commands: ``POST /<pk>/launch``, ``/<pk>/aggregate``, ``/<pk>/close``."""

    resource_name = "survey_campaign"
    datamodel = SQLAInterface(SurveyCampaign)
    list_columns = show_columns = [
        "id", "name", "kind", "period", "questionnaire.id", "sample_ratio", "top_n", "deadline", "seed", "state",
        "target_rate", "channel", "department.id",
    ]
    add_columns = edit_columns = [
        "name", "kind", "period", "questionnaire", "sample_ratio", "top_n", "deadline", "channel", "target_rate",
        "department",
    ]

    def pre_add(self, item):
        item.state = CampaignState.draft
        self._set_department(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._set_department(item)
        super().pre_update(item)

    @staticmethod
    def _set_department(item):
        try:
            item.department = campaign_department_for(g.user, item.department)
        except CampaignRefused as e:
            raise BusinessRuleError({e.field: e.message}) from None

    def _refused(self, pk):
        """403 for a campaign in scope the user may still not change (the company's)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None and not may_change_campaign(g.user, item.department_id):
            return self.response_403()
        return None

    def put_headless(self, pk):
        return self._refused(pk) or super().put_headless(pk)

    def delete_headless(self, pk):
        return self._refused(pk) or super().delete_headless(pk)

    def _campaign_command(self, pk, call):
        campaign = self.datamodel.get(pk, self._base_filters)
        if campaign is None:
            return self.response_404()
        if not may_change_campaign(g.user, campaign.department_id):
            return self.response_403()  # the company's campaigns are the admin's (SPEC §7)

        def run():
            result = call(campaign)
            run_id = getattr(result, "id", None) if result is not None and hasattr(result, "kind") else None
            state = getattr(campaign.state, "value", campaign.state)
            return self.response(201 if run_id else 200, id=campaign.id, state=state, run=run_id,
                                 allowed=campaign_commands.allowed_events(campaign))

        return command_response(self, run)

    @expose("/<int:pk>/launch", methods=["POST"])
    @protect()
    @safe
    @permission_name("launch")
    def launch_sampling(self, pk):
        """Launch the sampling of a draft campaign (the screen's Launch action).
        ---
        post:
          summary: Launch a campaign (draws the sample and creates the invitations, as a job)
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            201: {description: "{id, state, run, allowed}"}
            404: {$ref: '#/components/responses/404'}
            422: {description: the campaign cannot be launched (translated message)}
        """
        return self._campaign_command(pk, lambda c: campaign_commands.launch_campaign(c, g.user))

    @expose("/<int:pk>/aggregate", methods=["POST"])
    @protect()
    @safe
    @permission_name("launch")
    def aggregate(self, pk):
        """Recompute the campaign's figures (the report's Recompute button).
        ---
        post:
          summary: Launch the aggregation of a campaign's answers
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            201: {description: "{id, state, run, allowed}"}
            404: {$ref: '#/components/responses/404'}
            422: {description: refused (translated message)}
        """
        return self._campaign_command(pk, lambda c: campaign_commands.launch_aggregation(c, g.user))

    @expose("/<int:pk>/close", methods=["POST"])
    @protect()
    @safe
    @permission_name("launch")
    def close(self, pk):
        """Close an open campaign (the screen's Close action).
        ---
        post:
          summary: Close a campaign
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            200: {description: "{id, state, allowed}"}
            404: {$ref: '#/components/responses/404'}
            409: {description: the campaign changed meanwhile}
            422: {description: the campaign is not open (translated message)}
        """
        return self._campaign_command(pk, campaign_commands.close)


class SurveyInvitationApi(ScopedApi):
    resource_name = "survey_invitation"
    datamodel = SQLAInterface(SurveyInvitation)
    include_route_methods = {"get", "get_list", "info", "export_csv"}
    list_columns = show_columns = [
        "id", "campaign.id", "client.id", "channel", "assignee.id", "stratum", "expires_at", "used_at", "ticket.id",
    ]


class SurveyResultApi(ScopedApi):
    resource_name = "survey_result"
    datamodel = SQLAInterface(SurveyResult)
    include_route_methods = {"get", "get_list", "info", "export_csv"}
    list_columns = show_columns = [
        "id", "campaign.id", "grouping", "key", "label", "invited", "responded", "answers", "satisfied",
        "satisfaction_rate", "response_rate", "target", "computed_at",
    ]


class SurveyRectificationApi(ScopedApi):
    resource_name = "survey_rectification"
    datamodel = SQLAInterface(SurveyRectification)
    list_columns = show_columns = ["id", "campaign.id", "department.id", "notes"]
    add_columns = edit_columns = ["campaign", "department", "notes"]
