"""All record types; importing this package registers every table on FAB's ``Model.metadata``
and does nothing else: the session listeners (derived fields, change log, survey hooks) are
installed by ``create_app`` through ``backoffice.listeners.install``."""
from .base import Model  # noqa: F401
from .org import Department, Staff  # noqa: F401
from .clients import BusinessFormat, Client, Contact, PurchaseRecord  # noqa: F401
from .jobs import JobRun  # noqa: F401
from .tiers import ClientTier, Tier, TierHistory, TierScheme  # noqa: F401
from .tickets import CallbackRecord, Ticket, TicketEvent, TicketNumberCounter  # noqa: F401
from .visits import VisitLog, VisitPlan, VisitPlanEvent, VisitPlanItem  # noqa: F401
from .appraisals import (  # noqa: F401
    AppraisalItem, AppraisalPayBand, AppraisalScore, AppraisalSheet, AppraisalTemplate, DepartmentAdjustment,
    DepartmentMonthOutcome,
)
from .audit import ChangeLog  # noqa: F401
from .sessions import UserSessionEpoch  # noqa: F401
from .calendar import CalendarDay  # noqa: F401
from .sla import SlaPolicy  # noqa: F401
from .notifications import Notification  # noqa: F401
from .kpi import KpiSnapshot  # noqa: F401
from .surveys import (  # noqa: F401
    Questionnaire,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    SurveyRectification,
    SurveyResult,
)
