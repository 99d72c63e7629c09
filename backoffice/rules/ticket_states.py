"""Ticket life cycle (SPEC §4 [decision]; callbacks seed 002 第十九條四).

registered → in_progress → fed_back → called_back → closed; escalated from any open state;
a callback "not satisfied" sends the ticket back to in_progress.
"""

OPEN = {"registered", "in_progress", "fed_back", "called_back", "escalated"}

# event name -> (states it may start from, state it leads to)
TRANSITIONS = {
    "start": ({"registered", "escalated"}, "in_progress"),
    "feed_back": ({"in_progress"}, "fed_back"),
    "callback_satisfied": ({"fed_back"}, "called_back"),
    "callback_basic": ({"fed_back"}, "called_back"),
    "callback_unsatisfied": ({"fed_back"}, "in_progress"),
    "close": ({"called_back"}, "closed"),
    "escalate": (OPEN - {"escalated"}, "escalated"),
}

CALLBACK_RESULT = {
    "callback_satisfied": "satisfied",
    "callback_basic": "basically",
    "callback_unsatisfied": "unsatisfied",
}


class TransitionError(ValueError):
    pass


def next_status(current: str, event: str) -> str:
    """The state ``event`` leads to from ``current``; TransitionError when it is not allowed."""
    if event not in TRANSITIONS:
        raise TransitionError(f"unknown event {event!r}")
    sources, target = TRANSITIONS[event]
    if current not in sources:
        raise TransitionError(f"{event} is not allowed from {current}")
    return target
