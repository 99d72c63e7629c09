"""The roles of SPEC §1, declared in code and written to the database by ``flask backoffice sync-roles``.

Each role lists (view-name pattern, permission-name pattern) pairs, regular expressions matched in
full against the permissions FAB registered for our views and APIs. Admins can still add or
remove permissions in FAB's role screens; ``sync-roles`` adds what is declared here and, with
``--prune``, removes what is not.
"""
import re

# View and API class names by domain, so a role reads like the regulation.
CLIENT_VIEWS = r"(Client|Contact|PurchaseRecord|ClientTier|TierHistory)(View|Api)"
REFERENCE_VIEWS = (r"(BusinessFormat|TierScheme|Tier|AppraisalTemplate|AppraisalItem|AppraisalPayBand"
                   r"|DepartmentAdjustment|Department|Staff)(View|Api)")
TICKET_VIEWS = r"(Ticket|TicketEvent|CallbackRecord)(View|Api)"  # callbacks: the client archive's 回访记录
VISIT_VIEWS = r"(VisitLog|VisitPlan|VisitPlanItem)(View|Api)"
APPRAISAL_VIEWS = r"(AppraisalSheet|AppraisalScore)(View|Api)"
JOB_VIEWS = r"(JobRun)(View|Api)"
AUDIT_VIEWS = r"(ChangeLog)(View|Api)"
# Surveys (SPEC §7): campaigns and figures company-wide; rectification notes per department.
SURVEY_VIEWS = r"(Questionnaire|SurveyQuestion|SurveyCampaign|SurveyInvitation|SurveyResult|SurveyRectification)(View|Api)"

READ = r"can_(list|show|get|info)"
WRITE = r"can_(add|edit|delete|post|put)"
MENUS = r"menu_access"

# SPEC §6: every appraised staff member (client manager, service desk, clerk) sees their own sheet (row scope) and may object to it
# through the objection form or the API (the machine checks whose sheet it is).
OWN_SHEET = [
    (r"(AppraisalSheet|AppraisalScore)(View|Api)", r"can_(list|show|get|info)"),
    (r"AppraisalSheetView", r"can_sheet_object"),
    (r"AppraisalSheetApi", r"can_transition"),
]

ROLES = {
    # Admin gets every permission from FAB itself (AUTH_ROLE_ADMIN).
    "DeptHead": [
        (CLIENT_VIEWS, READ), (CLIENT_VIEWS, WRITE), (CLIENT_VIEWS, r"can_export"),
        (REFERENCE_VIEWS, READ), (REFERENCE_VIEWS, r"can_export"),
        (TICKET_VIEWS, READ), (TICKET_VIEWS, WRITE), (TICKET_VIEWS, r"can_export|ticket_.*|can_transition|can_hand_over"),
        (VISIT_VIEWS, READ), (VISIT_VIEWS, WRITE), (VISIT_VIEWS, r"can_export|plan_.*|can_transition"),
        # SPEC §5 pages (views/visits.py): the route (a head may own clients too), a plan's page,
        # the compliance report and "generate the plans now"
        (r"VisitRouteView", r"can_route"), (r"VisitPlanPageView", r"can_show"),
        (r"VisitCompliance(View|Api)", r"can_report|can_generate"), (r"Today's visits|Visit compliance", MENUS),
        (APPRAISAL_VIEWS, READ), (APPRAISAL_VIEWS, WRITE), (APPRAISAL_VIEWS, r"can_export|sheet_.*|can_sheet_.*|can_transition"),
        (r"DepartmentMonthOutcome(View|Api)", READ), (r"DepartmentMonthOutcome(View|Api)", WRITE),  # SPEC §6
        (r"DepartmentMonthOutcome(View|Api)", r"can_export"),
        (JOB_VIEWS, READ), (JOB_VIEWS, r"can_launch|can_cancel|cancel"),  # "cancel" = list action
        (AUDIT_VIEWS, READ), (AUDIT_VIEWS, r"can_export"), (JOB_VIEWS, r"can_export"),
        (r"(Client|PurchaseRecord)View", r"can_import"),  # SPEC §9 imports (backoffice/views/imports.py)
        (r"Import (clients|purchases)", MENUS),
        (SURVEY_VIEWS, READ), (SURVEY_VIEWS, r"can_export"),  # SPEC §7 surveys
        (r"(SurveyCampaign|SurveyRectification)(View|Api)", WRITE), (r"SurveyCampaign(View|Api)", r"can_launch|launch|close_campaign"),
        (r"(SurveyAnswer|PhoneSurvey)View", READ), (r"SurveyAnswerView", r"can_export|can_import"),  # SPEC §7 answers
        (r"PhoneSurveyView", r"can_enter|enter"),
        (r"Kpi(View|Api)", r"can_report|can_refresh"), (r"Department KPIs", MENUS),  # issues #12, #15
    ],
    "ClientManager": [
        (r"(Client|Contact|PurchaseRecord|ClientTier|TierHistory)(View|Api)", READ),
        (r"(Client|Contact)(View|Api)", r"can_(edit|put)"),
        (r"(Contact)(View|Api)", WRITE),
        (r"(BusinessFormat|TierScheme|Tier)(View|Api)", READ),
        (TICKET_VIEWS, READ), (r"(Ticket)(View|Api)", r"can_(add|edit|post|put)|ticket_.*|can_transition|can_hand_over"),
        (VISIT_VIEWS, READ), (r"(VisitLog)(View|Api)", WRITE),
        # SPEC §5: the client manager submits their own plan and its results (the machine checks whose)
        (r"VisitPlan(View|Api)", r"plan_submit|plan_submit_result|can_transition"),
        *OWN_SHEET,
        # ... and edits it while planned or rejected (services/visits.py check_editable); issue #13
        (r"VisitPlan(View|Api)", r"can_(edit|put)"), (r"VisitPlanItem(View|Api)", WRITE),
        (r"VisitRouteView", r"can_route"), (r"VisitPlanPageView", r"can_show"), (r"Today's visits", MENUS),
    ],
    "ServiceDesk": [
        (r"(Client|Contact)(View|Api)", READ),
        (r"(BusinessFormat)(View|Api)", READ),
        (TICKET_VIEWS, READ), (r"(Ticket)(View|Api)", r"can_(add|edit|post|put)|ticket_.*|can_transition|can_hand_over"),
        (r"(TicketEvent)(View|Api)", r"can_(add|post)"),
        (r"(Questionnaire|SurveyQuestion|SurveyCampaign|SurveyInvitation)(View|Api)", READ),
        (r"(SurveyAnswer|PhoneSurvey)View", READ), (r"PhoneSurveyView", r"can_enter|enter"),  # SPEC §1: phone surveys
        *OWN_SHEET,  # SPEC §6: the service desk's staff are appraised too
    ],
    "BackOffice": [
        (CLIENT_VIEWS, READ), (CLIENT_VIEWS, r"can_export"),
        (r"(PurchaseRecord)(View|Api)", WRITE),
        (r"PurchaseRecordView", r"can_import"), (r"Import purchases", MENUS),  # SPEC §1: 内勤 imports purchase data
        (REFERENCE_VIEWS, READ), (REFERENCE_VIEWS, r"can_export"),
        (TICKET_VIEWS, READ), (TICKET_VIEWS, r"can_export"),
        (VISIT_VIEWS, READ), (VISIT_VIEWS, r"can_export"),
        (r"VisitCompliance(View|Api)", r"can_report"), (r"VisitPlanPageView", r"can_show"), (r"Visit compliance", MENUS),
        (JOB_VIEWS, READ), (JOB_VIEWS, r"can_export"),  # SPEC §9: exports what it can list
        (SURVEY_VIEWS, READ), (SURVEY_VIEWS, r"can_export"),  # SPEC §7: reads survey figures
        (r"SurveyAnswerView", READ), (r"SurveyAnswerView", r"can_export|can_import"),  # SPEC §1: 内勤 imports answers
        *OWN_SHEET,  # SPEC §6 / seed 001 L466: the clerk is appraised and may object (异议权)
        (r"Kpi(View|Api)", r"can_report"), (r"Department KPIs", MENUS),  # issue #12: the department's KPIs
    ],
    "Viewer": [
        (r".*(View|Api)", READ),
        (r".*(View|Api)", r"can_export"),
        (r"VisitCompliance(View|Api)", r"can_report"), (r"Visit compliance", MENUS),  # SPEC §5 report, read-only
        (r"Kpi(View|Api)", r"can_report"), (r"Department KPIs", MENUS),  # issue #12, read-only
    ],
}

# The menus and views only Admin sees (FAB's own security screens stay Admin-only).
ADMIN_ONLY_VIEWS = re.compile(
    r"(UserDBModelView|RoleModelView|PermissionModelView|ViewMenuModelView|PermissionViewModelView"
    r"|RegisterUserModelView|UserStatsChartView|SwaggerView|OpenApi|MenuApi|SecurityApi)"
    r"|List Users|List Roles|Security|User's Statistics|Base Permissions|Views/Menus|Permission on Views/Menus"
    r"|Users|Roles|Permissions|Action Log|Statistics|Swagger"
)


def declared_pairs(role_name, available):
    """The (permission, view) pairs of ``available`` that ``role_name`` should hold."""
    wanted = set()
    for view_pat, perm_pat in ROLES.get(role_name, []):
        vre, pre = re.compile(view_pat), re.compile(perm_pat)
        for perm, view in available:
            if ADMIN_ONLY_VIEWS.fullmatch(view):
                continue
            if vre.fullmatch(view) and pre.fullmatch(perm):
                wanted.add((perm, view))
    return wanted

# Every signed-in user may read and edit their own profile and password.
COMMON = [
    (r"UserDBModelView", r"can_userinfo|resetmypassword|userinfoedit"),
    (r"ResetMyPasswordView|UserInfoEditView", r"can_this_form_(get|post)"),
    (r"NotificationView", r"can_inbox|can_mark_read"),  # one's own notifications (issue #12)
]


def common_pairs(available):
    return {
        (perm, view)
        for view_pat, perm_pat in COMMON
        for perm, view in available
        if re.fullmatch(view_pat, view) and re.fullmatch(perm_pat, perm)
    }
