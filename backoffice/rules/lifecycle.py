"""Life cycles declared as data (SPEC §4 tickets, §5 visit plans, §6 appraisal sheets, §7 campaigns).

A ``Machine`` lists its states and its events; each ``Transition`` says from which states it may
be taken, the state it leads to, which FAB roles may take it and, where the regulation ties it
to a person rather than a role, which ``actor`` it needs:

- ``"any"``: anyone holding one of the roles (within their row scope);
- ``"subject"``: the staff member the record is about (their own plan, their own sheet);
- ``"head"``: the head of the department of that staff member (SPEC §5, §6 "only the
  department head approves").

The commands (``backoffice/services``) enforce a machine; screens ask it which buttons to show.
Plain values only: no Flask, no database (tests/unit/test_rules_are_pure.py).
"""
from dataclasses import dataclass, field

ADMIN = "Admin"  # SPEC §1: the administrator may do everything


class TransitionError(ValueError):
    """An event that the current state or the user's roles do not allow.

    ``reason`` is ``"unknown"``, ``"state"`` or ``"role"``; the commands turn it into a
    translated message.
    """

    def __init__(self, reason, event, current=None):
        super().__init__(f"{event}: {reason} (from {current})")
        self.reason, self.event, self.current = reason, event, current


@dataclass(frozen=True)
class Transition:
    event: str
    sources: frozenset
    target: str
    roles: frozenset
    actor: str = "any"


@dataclass(frozen=True)
class Machine:
    name: str
    states: tuple
    initial: str
    transitions: tuple
    by_event: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        events = {t.event: t for t in self.transitions}
        assert len(events) == len(self.transitions), f"{self.name}: duplicate event"
        for t in self.transitions:
            assert t.target in self.states and t.sources <= set(self.states), f"{self.name}.{t.event}"
        object.__setattr__(self, "by_event", events)

    @property
    def events(self):
        return tuple(self.by_event)

    def transition(self, event):
        try:
            return self.by_event[event]
        except KeyError:
            raise TransitionError("unknown", event) from None

    def role_may(self, event, roles):
        t = self.transition(event)
        roles = set(roles or ())
        return ADMIN in roles or bool(t.roles & roles)

    def check(self, current, event, roles=None):
        """The transition ``event`` takes from ``current``; TransitionError if the state, or (when
        ``roles`` is given) the user's roles, do not allow it."""
        t = self.transition(event)
        if current not in t.sources:
            raise TransitionError("state", event, current)
        if roles is not None and not self.role_may(event, roles):
            raise TransitionError("role", event, current)
        return t

    def target(self, current, event):
        return self.check(current, event).target

    def allowed(self, current, roles=None):
        """The events possible from ``current`` (for ``roles``, when given), in declared order."""
        return [
            t.event for t in self.transitions
            if current in t.sources and (roles is None or self.role_may(t.event, roles))
        ]


def transition(event, sources, target, roles, actor="any"):
    return Transition(event, frozenset(sources), target, frozenset(roles), actor)
