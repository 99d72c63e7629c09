"""All record types; importing this package registers every table on FAB's ``Model.metadata``."""
from .base import Model  # noqa: F401
from .org import Department, Staff  # noqa: F401
from .clients import BusinessFormat, Client, Contact, PurchaseRecord  # noqa: F401
from .jobs import JobRun  # noqa: F401
from .tiers import ClientTier, Tier, TierHistory, TierScheme  # noqa: F401
from .tickets import Ticket, TicketEvent, TicketNumberCounter  # noqa: F401
from .visits import VisitLog, VisitPlan, VisitPlanItem  # noqa: F401
from .appraisals import AppraisalItem, AppraisalScore, AppraisalSheet, AppraisalTemplate  # noqa: F401
from .audit import ChangeLog  # noqa: F401
from .sessions import UserSessionEpoch  # noqa: F401
from .surveys import (  # noqa: F401
    Questionnaire,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    SurveyRectification,
    SurveyResult,
)
from . import derived  # noqa: F401,E402  (registers the before_flush hook)
from backoffice import audit as _audit  # noqa: F401,E402  (registers the change-log flush hooks, SPEC §2)
from backoffice.surveys import hooks as _survey_hooks  # noqa: F401,E402  (closed complaint -> invitation, SPEC §7)
