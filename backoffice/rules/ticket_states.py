"""Ticket life cycle (SPEC §4 [decision]; callbacks seed 002 第十九條四).

registered → in_progress → fed_back → called_back → closed; escalated from any open state;
a callback "not satisfied" sends the ticket back to in_progress. Callbacks (回访) are made by
the service desk (SPEC §4 "by the service desk after feedback"); handling is shared by whoever
has the ticket in scope (client manager, department head, service desk).
"""
from .lifecycle import Machine, TransitionError, transition

OPEN = {"registered", "in_progress", "fed_back", "called_back", "escalated"}
STATES = ("registered", "in_progress", "fed_back", "called_back", "closed", "escalated")

HANDLERS = {"DeptHead", "ClientManager", "ServiceDesk"}
CALLERS = {"ServiceDesk", "DeptHead"}

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

__all__ = ["TICKET", "TRANSITIONS", "CALLBACK_RESULT", "CALLBACK_EVENT", "OPEN", "TransitionError", "next_status"]


def next_status(current: str, event: str) -> str:
    """The state ``event`` leads to from ``current``; TransitionError when it is not allowed."""
    return TICKET.target(current, event)
