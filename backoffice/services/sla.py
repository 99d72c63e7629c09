"""SLA deadlines on tickets (SPEC §4): stamped when a ticket is registered, recomputed (and
recorded as a ticket event, besides the change log) when its type, class or severity changes.

* ``stamp_registration(ticket)``: the register command's hook: refuses a receipt time in the
  future (a phone call logged afterwards keeps its real receipt time; who entered it and when is
  the registration event and the audit columns), then stamps the deadlines.
* ``stamp(ticket)``: the policy and both deadlines from ``rules.working_calendar.ticket_deadlines``.
* ``restamp_on_change``: a before-flush listener (installed from ``backoffice/listeners.py``) so
  every write path (form, API, import, job) recomputes alike.
* ``stamp_deadlines_sql(ticket_ids=None)``: the set-based version for imports of many tickets
  (``bench/sla.py``), proven equal to ``stamp`` by tests/integration/test_sla.py.
"""
import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import SlaPolicy, Ticket, TicketEvent
from backoffice.rules.working_calendar import PolicyTerms, ticket_deadlines

from .actors import current_user
from .calendar import working_calendar
from .errors import CommandError


def _code(value):
    return getattr(value, "value", value) or None


def policy_terms(session=None):
    """The active policies as plain values for the rules."""
    session = session or db.session
    rows = session.execute(sa.select(SlaPolicy).where(SlaPolicy.active.is_(True))).scalars()
    return [terms_of(p) for p in rows]


def terms_of(p):
    return PolicyTerms(
        id=p.id, ticket_type=_code(p.ticket_type), complaint_class=_code(p.complaint_class),
        severity=_code(p.severity), first_response_unit=_code(p.first_response_unit),
        first_response_amount=p.first_response_amount, resolution_unit=_code(p.resolution_unit),
        resolution_amount=p.resolution_amount,
    )


def stamp(ticket, calendar=None, policies=None, session=None):
    """Set the ticket's policy and deadlines from its type, class, severity and receipt time;
    returns the ``TicketDeadlines`` (None, and no deadline, when no active policy covers it)."""
    session = session or db.session
    with session.no_autoflush:
        calendar = calendar or working_calendar(session)
        policies = policy_terms(session) if policies is None else policies
    result = ticket_deadlines(policies, calendar, _code(ticket.type), _code(ticket.complaint_class),
                              _code(ticket.severity) or "normal", ticket.registered_at)
    if result is None:
        ticket.sla_policy_id, ticket.first_response_due_at, ticket.due_at = None, None, None
        ticket.due_provisional = False
    else:
        ticket.sla_policy_id = result.policy.id
        ticket.first_response_due_at = result.first_response.due_at
        ticket.due_at = result.resolution.due_at
        ticket.due_provisional = not result.confirmed
    return result


def stamp_registration(ticket):
    """The register command's hook (services/tickets.py): receipt time, then deadlines."""
    now = business_now()
    received = ticket.registered_at
    if isinstance(received, dt.date) and not isinstance(received, dt.datetime):
        received = dt.datetime.combine(received, dt.time())
    if received is not None and received > now:
        raise CommandError(_("The time the ticket was received cannot be in the future (now %(now)s).",
                             now=f"{now:%Y-%m-%d %H:%M}"), field="registered_at")
    ticket.registered_at = received or now
    return stamp(ticket)


SLA_INPUTS = ("type", "complaint_class", "severity", "registered_at")


def restamp_on_change(session, flush_context, instances):
    """Before every flush: a new ticket not yet stamped gets its deadlines; a stored ticket whose
    type, class, severity or receipt time changed gets them recomputed, and a ticket event says
    from what to what (SPEC §4). Runs before the change log notes old values (listeners.py)."""
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            if not isinstance(obj, Ticket) or obj.registered_at is None or obj.type is None:
                continue
            state = sa.inspect(obj)
            if state.key is None:
                if obj.sla_policy_id is None and obj.due_at is None:
                    stamp(obj, session=session)
                continue
            if not any(state.attrs[name].history.has_changes() for name in SLA_INPUTS):
                continue
            before = (obj.first_response_due_at, obj.due_at)
            stamp(obj, session=session)
            if (obj.first_response_due_at, obj.due_at) != before:
                status = obj.status
                obj.events.append(TicketEvent(
                    from_status=status, to_status=status, user_id=_user_id(),
                    note=_("Deadline recomputed: %(old)s → %(new)s (first response %(old_first)s → %(new_first)s).",
                           old=_fmt(before[1]), new=_fmt(obj.due_at),
                           old_first=_fmt(before[0]), new_first=_fmt(obj.first_response_due_at)),
                ))


def _fmt(value):
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"


def _user_id():
    return getattr(current_user(), "id", None)


from .sla_bulk import stamp_deadlines_sql  # noqa: E402,F401  (the set-based twin of ``stamp``)
