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
    from .clients import (
        BusinessFormatApi, BusinessFormatView, ClientApi, ClientView, ContactApi, ContactView,
        PurchaseRecordApi, PurchaseRecordView,
    )
    from .org import DepartmentApi, DepartmentView, StaffApi, StaffView
    from .system import ChangeLogView, JobRunApi, JobRunView
    from .tickets import TicketApi, TicketEventApi, TicketEventView, TicketView
    from .tiers import (
        ClientTierApi, ClientTierView, TierApi, TierHistoryApi, TierHistoryView, TierSchemeApi,
        TierSchemeView, TierView,
    )
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
        (VisitLogView, "Visit logs", _l("Visit logs"), "fa-map-marker", "Visit management", visits),
        (VisitPlanView, "Visit plans", _l("Visit plans"), "fa-calendar", "Visit management", visits),
        (AppraisalSheetView, "Appraisal sheets", _l("Appraisal sheets"), "fa-check-square-o", "Appraisal management", appraisals),
        (AppraisalTemplateView, "Appraisal templates", _l("Appraisal templates"), "fa-file-text-o", "Appraisal management", appraisals),
        (TierSchemeView, "Tier schemes", _l("Tier schemes"), "fa-sitemap", "System management", system),
        (BusinessFormatView, "Business formats", _l("Business formats"), "fa-shopping-bag", "System management", system),
        (DepartmentView, "Departments", _l("Departments"), "fa-building", "System management", system),
        (StaffView, "Staff", _l("Staff"), "fa-id-badge", "System management", system),
        (JobRunView, "Job runs", _l("Job runs"), "fa-tasks", "System management", system),
        (ChangeLogView, "Change log", _l("Change log"), "fa-book", "System management", system),
    ]
    for view, name, label, icon, category, category_label in menus:
        appbuilder.add_view(view, name, label=label, icon=icon, category=category, category_label=category_label)
    for view in (TierView, VisitPlanItemView, AppraisalItemView, AppraisalScoreView):
        appbuilder.add_view_no_menu(view)
    for api in (
        ClientApi, ContactApi, PurchaseRecordApi, BusinessFormatApi, TierSchemeApi, TierApi,
        ClientTierApi, TierHistoryApi, TicketApi, TicketEventApi, VisitLogApi, VisitPlanApi,
        AppraisalSheetApi, AppraisalScoreApi, AppraisalTemplateApi, StaffApi, DepartmentApi, JobRunApi,
    ):
        appbuilder.add_api(api)
