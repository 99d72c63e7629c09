"""Registers every screen and API on an AppBuilder, grouped in the menus of SPEC §1.

``add_view(name=...)`` names are English and stable (they are permission names); the labels a
person sees are translated.
"""
from flask_babel import lazy_gettext as _l


def register(appbuilder):
    from .appraisals import (
        AppraisalItemView, AppraisalScoreApi, AppraisalScoreView, AppraisalSheetApi,
        AppraisalSheetView, AppraisalTemplateApi, AppraisalTemplateView,
    )
    from .appraisal_settings import (
        AppraisalPayBandApi, AppraisalPayBandView, DepartmentAdjustmentApi, DepartmentMonthOutcomeApi,
        DepartmentMonthOutcomeView,
    )
    from .clients import (
        BusinessFormatApi, BusinessFormatView, ClientApi, ClientView, ContactApi, ContactView,
        PurchaseRecordApi, PurchaseRecordView,
    )
    from .org import DepartmentApi, DepartmentView, StaffApi, StaffView
    from .change_log import ChangeLogApi
    from .system import ChangeLogView, JobRunApi, JobRunView
    from .tickets import CallbackRecordApi, CallbackRecordView, TicketApi, TicketEventApi, TicketEventView, TicketView
    from .tiers import (
        ClientTierApi, ClientTierView, TierApi, TierHistoryApi, TierHistoryView, TierSchemeApi,
        TierSchemeView, TierView,
    )
    from .surveys import (
        QuestionnaireApi, QuestionnaireView, SurveyCampaignApi, SurveyCampaignView, SurveyInvitationApi,
        SurveyInvitationView, SurveyQuestionApi, SurveyQuestionView, SurveyRectificationApi,
        SurveyRectificationView, SurveyResultApi, SurveyResultView,
    )
    from .calendar import CalendarDayApi, CalendarDayView
    from .sla import SlaPolicyApi, SlaPolicyView
    from .visits import VisitLogApi, VisitLogView, VisitPlanApi, VisitPlanItemView, VisitPlanView

    clients, tickets, visits = _l("Client management"), _l("Ticket management"), _l("Visit management")
    appraisals, system = _l("Appraisal management"), _l("System management")
    menus = [
        (ClientView, "Clients", _l("Clients"), "fa-address-book", "Client management", clients),
        (ContactView, "Contacts", _l("Contacts"), "fa-user", "Client management", clients),
        (PurchaseRecordView, "Purchases", _l("Purchase records"), "fa-shopping-cart", "Client management", clients),
        (ClientTierView, "Client tiers", _l("Client tiers"), "fa-layer-group", "Client management", clients),
        (TierHistoryView, "Tier history", _l("Tier history"), "fa-history", "Client management", clients),
        (TicketView, "Tickets", _l("Tickets"), "fa-ticket", "Ticket management", tickets),
        (TicketEventView, "Ticket events", _l("Ticket history"), "fa-list", "Ticket management", tickets),
        (CallbackRecordView, "Callbacks", _l("Callbacks"), "fa-phone", "Ticket management", tickets),
        (VisitLogView, "Visit logs", _l("Visit logs"), "fa-map-marker", "Visit management", visits),
        (VisitPlanView, "Visit plans", _l("Visit plans"), "fa-calendar", "Visit management", visits),
        (AppraisalSheetView, "Appraisal sheets", _l("Appraisal sheets"), "fa-check-square-o", "Appraisal management", appraisals),
        (AppraisalTemplateView, "Appraisal templates", _l("Appraisal templates"), "fa-file-text-o", "Appraisal management", appraisals),
        (DepartmentMonthOutcomeView, "Department monthly results", _l("Department monthly results"), "fa-flag-checkered",
         "Appraisal management", appraisals),
        (AppraisalPayBandView, "Pay bands", _l("Pay bands and adjustments"), "fa-percent", "Appraisal management", appraisals),
        (TierSchemeView, "Tier schemes", _l("Tier schemes"), "fa-sitemap", "System management", system),
        (BusinessFormatView, "Business formats", _l("Business formats"), "fa-shopping-bag", "System management", system),
        (DepartmentView, "Departments", _l("Departments"), "fa-building", "System management", system),
        (StaffView, "Staff", _l("Staff"), "fa-id-badge", "System management", system),
        (JobRunView, "Job runs", _l("Job runs"), "fa-tasks", "System management", system),
        (ChangeLogView, "Change log", _l("Change log"), "fa-book", "System management", system),
        (SlaPolicyView, "SLA policies", _l("SLA policies"), "fa-clock-o", "System management", system),
        (CalendarDayView, "Working-day calendar", _l("Working-day calendar"), "fa-calendar-o", "System management", system),
    ]
    surveys = _l("Survey management")  # 满意度调查 (SPEC §7)
    menus += [
        (SurveyCampaignView, "Survey campaigns", _l("Survey campaigns"), "fa-bar-chart", "Survey management", surveys),
        (SurveyInvitationView, "Survey invitations", _l("Survey invitations"), "fa-envelope-o", "Survey management", surveys),
        (SurveyResultView, "Survey results", _l("Survey results"), "fa-line-chart", "Survey management", surveys),
        (SurveyRectificationView, "Rectification measures", _l("Rectification measures"), "fa-wrench", "Survey management", surveys),
        (QuestionnaireView, "Questionnaires", _l("Questionnaires"), "fa-list-ol", "Survey management", surveys),
    ]
    for view, name, label, icon, category, category_label in menus:
        appbuilder.add_view(view, name, label=label, icon=icon, category=category, category_label=category_label)
    # SPEC §9 imports (permission can_import on ClientView / PurchaseRecordView). Menu links, not
    # view menus: a view's menu entry goes to everyone who may list that view (cli.menu_pairs),
    # these go to the roles that declare them in security/roles.py.
    from .imports import ClientImportView, PurchaseImportView

    for view, name, label in (
        (ClientImportView, "Import clients", _l("Import clients")),
        (PurchaseImportView, "Import purchases", _l("Import purchases")),
    ):
        appbuilder.add_view_no_menu(view)
        appbuilder.add_link(name, href=f"{view.__name__}.upload", label=label, icon="fa-upload",
                            category="Client management", category_label=clients)
    appbuilder.add_view_no_menu(SurveyQuestionView)
    from .lookup import LookupView  # JSON for the search-as-you-type client / staff pickers

    appbuilder.add_view_no_menu(LookupView)
    from .survey_answers import register as register_survey_answers  # answers, phone entry, import, /survey

    register_survey_answers(appbuilder)
    from .visits import register as register_visit_pages  # 今日拜访, plan page, compliance (SPEC §5)

    register_visit_pages(appbuilder)
    from .notifications import register as register_notifications  # my notifications, the menu bar's count

    register_notifications(appbuilder)
    from .kpi import register as register_kpi  # department KPIs per month (issues #12, #15)

    register_kpi(appbuilder)
    for view in (TierView, VisitPlanItemView, AppraisalItemView, AppraisalScoreView):
        appbuilder.add_view_no_menu(view)
    for api in (
        QuestionnaireApi, SurveyQuestionApi, SurveyCampaignApi, SurveyInvitationApi, SurveyResultApi,
        SurveyRectificationApi,
    ):
        appbuilder.add_api(api)
    for api in (
        ClientApi, ContactApi, PurchaseRecordApi, BusinessFormatApi, TierSchemeApi, TierApi,
        ClientTierApi, TierHistoryApi, TicketApi, TicketEventApi, CallbackRecordApi, VisitLogApi, VisitPlanApi,
        AppraisalSheetApi, AppraisalScoreApi, AppraisalTemplateApi, StaffApi, DepartmentApi, JobRunApi,
        ChangeLogApi, SlaPolicyApi, CalendarDayApi,
        AppraisalPayBandApi, DepartmentAdjustmentApi, DepartmentMonthOutcomeApi,
    ):
        appbuilder.add_api(api)
