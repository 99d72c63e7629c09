"""What a person calls each life-cycle event and state (screens' buttons and commands' messages).

A neutral module: commands need the words for their messages and views for their buttons, and
services must not import views.
"""
from flask_babel import lazy_gettext as _l

from backoffice.models.choices import CampaignState, SheetStatus, TicketStatus, VisitPlanState

EVENT_LABELS = {
    "ticket": {
        "start": _l("Start handling"),
        "feed_back": _l("Result fed back"),
        "callback_satisfied": _l("Callback: satisfied"),
        "callback_basic": _l("Callback: basically satisfied"),
        "callback_unsatisfied": _l("Callback: not satisfied (reopen)"),
        "close": _l("Close"),
        "escalate": _l("Escalate"),
    },
    "appraisal_sheet": {
        "submit": _l("Submit"),
        "approve": _l("Approve"),
        "object": _l("Raise an objection"),
        "finalise": _l("Finalise"),
    },
    "visit_plan": {
        "submit": _l("Submit plan"),
        "approve": _l("Approve plan"),
        "reject": _l("Reject plan"),
        "submit_result": _l("Submit results"),
        "review_result": _l("Review results"),
    },
    "survey_campaign": {
        "launch": _l("Launch"),
        "opened": _l("Open"),
        "close": _l("Close campaign"),
    },
}

STATE_CHOICES = {
    "ticket": TicketStatus,
    "appraisal_sheet": SheetStatus,
    "visit_plan": VisitPlanState,
    "survey_campaign": CampaignState,
}


def event_label(machine, event):
    return str(EVENT_LABELS.get(machine, {}).get(event, event))


def state_label(machine, state):
    choices = STATE_CHOICES.get(machine)
    try:
        return str(choices(state).label) if choices is not None and state is not None else str(state)
    except ValueError:
        return str(state)
