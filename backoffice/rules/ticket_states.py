"""Ticket life cycle (SPEC §4 [decision]; callbacks seed 002 第十九條四).

registered → in_progress → fed_back → called_back → closed; escalated from any open state;
a callback "not satisfied" sends the ticket back to in_progress. Callbacks (回访) are made by
the service desk only (SPEC §4 "by the service desk after feedback", §1 客服 "makes callbacks";
seed 004 Art. 17: the complaint centre calls back, not the team that handled it); handling is
shared by whoever has the ticket in scope (its client's team, the responsible department's
heads, the responsible person, the receiver: SPEC §4 [decision]).
"""
from .lifecycle import Machine, TransitionError, transition

OPEN = {"registered", "in_progress", "fed_back", "called_back", "escalated"}
STATES = ("registered", "in_progress", "fed_back", "called_back", "closed", "escalated")

HANDLERS = {"DeptHead", "ClientManager", "ServiceDesk"}
CALLERS = {"ServiceDesk"}  # the Admin may do everything (rules/lifecycle.py ADMIN)
# 统一受理 (SPEC §4): the roles that register tickets route them to a department and a person
# anywhere in the company (and name the staff member a complaint is about).
ASSIGNERS = {"ServiceDesk", "DeptHead", "ClientManager"}
COMPANY_WIDE_LINKS = ("responsible_department", "responsible_staff", "about_staff")

# SPEC §4 [decision] no retaliation (seed 004 Art. 17 严禁报复): the staff member a complaint is
# about never sees the complainant's identity and never feeds back, calls back or closes it.
COMPLAINANT_FIELDS = ("complainant_name", "complainant_phone")
LOCKED_FOR_SUBJECT = COMPLAINANT_FIELDS + ("about_staff",)
NOT_BY_SUBJECT = {"feed_back", "callback_satisfied", "callback_basic", "callback_unsatisfied", "close"}
# 已反馈 (fed_back) needs the handling result (SPEC §4 "已反馈 requires the handling result").
NEEDS_RESOLUTION = {"feed_back"}

TICKET = Machine(
    name="ticket",
    states=STATES,
    initial="registered",
    transitions=(
        transition("start", {"registered", "escalated"}, "in_progress", HANDLERS),
        transition("feed_back", {"in_progress"}, "fed_back", HANDLERS),
        transition("callback_satisfied", {"fed_back"}, "called_back", CALLERS),
        transition("callback_basic", {"fed_back"}, "called_back", CALLERS),
        transition("callback_unsatisfied", {"fed_back"}, "in_progress", CALLERS),
        transition("close", {"called_back"}, "closed", HANDLERS),
        transition("escalate", OPEN - {"escalated"}, "escalated", HANDLERS),
    ),
)

# kept for callers of the former dict: event name -> (states it may start from, state it leads to)
TRANSITIONS = {t.event: (set(t.sources), t.target) for t in TICKET.transitions}

CALLBACK_RESULT = {
    "callback_satisfied": "satisfied",
    "callback_basic": "basically",
    "callback_unsatisfied": "unsatisfied",
}
CALLBACK_EVENT = {result: event for event, result in CALLBACK_RESULT.items()}

__all__ = ["TICKET", "TRANSITIONS", "CALLBACK_RESULT", "CALLBACK_EVENT", "OPEN", "TransitionError", "next_status",
           "ASSIGNERS", "COMPANY_WIDE_LINKS", "COMPLAINANT_FIELDS", "LOCKED_FOR_SUBJECT", "NOT_BY_SUBJECT",
           "NEEDS_RESOLUTION", "subject_may"]


def next_status(current: str, event: str) -> str:
    """The state ``event`` leads to from ``current``; TransitionError when it is not allowed."""
    return TICKET.target(current, event)


def subject_may(event: str) -> bool:
    """Whether the staff member a complaint is about may take ``event`` on it (no retaliation)."""
    return event not in NOT_BY_SUBJECT
