"""Ticket commands (SPEC §4): register, move through the life cycle, record a callback, hand over."""
import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import CallbackRecord, Staff, Ticket, TicketEvent
from backoffice.models.choices import CallbackResult, TicketStatus
from backoffice.rules.ticket_states import (
    CALLBACK_EVENT, CALLBACK_RESULT, LOCKED_FOR_SUBJECT, NEEDS_RESOLUTION, OPEN, TICKET, subject_may,
)
from backoffice.security.complainant import is_subject
from backoffice.security.scope import in_scope

from . import lifecycle, sla
from .actors import acting_staff, current_user, is_admin
from .errors import CommandError
from .labels import state_label

MACHINE = TICKET
NOT_YET_FED_BACK = {"registered", "in_progress", "escalated"}


def _user_id():
    return getattr(current_user(), "id", None)


def register(ticket):
    """New ticket: the registering person is its first receiver (首问负责制, seed 003) and the
    first event is recorded. Called by the add form, the API's POST and imports before the insert."""
    staff = acting_staff()
    if ticket.receiver_id is None and ticket.receiver is None and staff is not None:
        ticket.receiver = staff
    ticket.status = TicketStatus.registered
    sla.stamp_registration(ticket)  # receipt time not in the future; SLA deadlines (SPEC §4)
    ticket.events.append(TicketEvent(to_status=TicketStatus.registered, user_id=_user_id()))
    return ticket


def allowed_events(ticket):
    """The events the state, the user's roles and the no-retaliation rule allow (the buttons)."""
    events = lifecycle.allowed_events(ticket, MACHINE)
    if is_subject(ticket):
        events = [e for e in events if subject_may(e)]
    return events


def _check_subject(ticket, event):
    """SPEC §4 [decision] no retaliation: the staff member a complaint is about never feeds it
    back, calls it back or closes it (whatever their role)."""
    if not subject_may(event) and is_subject(ticket):
        raise CommandError(_("This complaint is about you: feeding it back, calling back and closing it are "
                             "left to your colleagues."), field="event")


def transition(ticket, event, note=None, commit=True, resolution=None, new_requests=None):
    """Apply one life-cycle event (SPEC §4): recorded as a ticket event with user, time and note.

    ``resolution`` (处理结果) may come with the feed-back, which needs one (SPEC §4); a callback
    event writes the callback into the client's archive (``CallbackRecord``, seed 002 第二十條)
    with ``new_requests`` and the note. Raises CommandError: 422 when the state, the role, the
    person or the scope does not allow it, 409 when a concurrent change got there first, 404
    outside the scope (nothing written in any case)."""
    for text in (note, resolution, new_requests):
        if text is not None and (not isinstance(text, str) or "\x00" in text):
            raise CommandError(_("Write the note, the handling result and the new requests as plain text."),
                               field="note")
    note = (note or "").strip() or None
    current = lifecycle.value(ticket.status)
    if isinstance(event, str) and event in MACHINE.by_event and in_scope(ticket):
        _check_subject(ticket, event)
        if event in CALLBACK_RESULT and current in NOT_YET_FED_BACK:
            raise CommandError(_("Ticket %(number)s has not been fed back yet (it is %(state)s): the callback "
                                 "comes after the result was fed back to the client.",
                                 number=ticket.number, state=state_label("ticket", current)), field="event")
        if event in NEEDS_RESOLUTION and current in MACHINE.transition(event).sources:
            text = (resolution if resolution is not None else ticket.resolution) or ""
            if not str(text).strip():
                raise CommandError(_("Write the handling result before feeding it back."), field="resolution")
    if resolution is not None and str(resolution).strip() and event in NEEDS_RESOLUTION:
        resolution = str(resolution).strip()
    else:
        resolution = None
    new_requests = (new_requests or "").strip() or None

    def effects(t):
        now = business_now()
        ticket.events.append(TicketEvent(from_status=TicketStatus(current), to_status=TicketStatus(t.target),
                                         user_id=_user_id(), note=note))
        if resolution is not None:
            ticket.resolution = resolution
        if event in CALLBACK_RESULT:
            result = CallbackResult(CALLBACK_RESULT[event])
            ticket.callback_result = result
            # 回访记录 in the client's archive (seed 002 第十九條四, 第二十條; seed 001 L252)
            db.session.add(CallbackRecord(client_id=ticket.client_id, ticket=ticket, at=now, user_id=_user_id(),
                                          result=result, new_requests=new_requests, note=note))
        if t.target == "fed_back":
            ticket.fed_back_at = now
        if t.target == "closed":
            ticket.closed_at = now

    return lifecycle.apply(ticket, MACHINE, event, effects=effects, commit=commit)


def record_callback(ticket, result, note=None, new_requests=None, commit=True):
    """回访 (SPEC §4): satisfied / basically satisfied / not satisfied (the last reopens the ticket),
    new requests and a note, written into the client's archive."""
    event = CALLBACK_EVENT.get(getattr(result, "value", result))
    if event is None:
        raise CommandError(_("Choose the callback result: satisfied, basically satisfied or not satisfied."),
                           field="result")
    return transition(ticket, event, note=note, commit=commit, new_requests=new_requests)


def check_subject_edit(ticket, keys):
    """An edit of a complaint by the staff member it is about leaves the complainant and the
    ``about_staff`` link alone (SPEC §4 no retaliation; rules/ticket_states.LOCKED_FOR_SUBJECT)."""
    locked = [k for k in keys if k in LOCKED_FOR_SUBJECT]
    if locked and is_subject(ticket):
        raise CommandError(_("This complaint is about you: the complainant and whom it is about are not yours "
                             "to change."), field=locked[0])


def may_hand_over(ticket):
    me = acting_staff()
    return lifecycle.value(ticket.status) in OPEN and (is_admin() or (me is not None and ticket.receiver_id == me.id))


def hand_over_candidates(ticket):
    """Active staff anywhere in the company (统一受理: any department may take a ticket over)."""
    rows = db.session.execute(
        sa.select(Staff.id, Staff.name).where(Staff.active.is_(True), Staff.id != (ticket.receiver_id or 0))
        .order_by(Staff.name)
    ).all()
    return [(sid, name) for sid, name in rows]


def hand_over(ticket, to_staff, note=None, commit=True):
    """首问负责制 (seed 003): the receiver owns the ticket until they hand it over, explicitly, to
    another active staff member; recorded as a ticket event and in the change log."""
    if not in_scope(ticket):
        raise CommandError(_("Record not found."), status=404)
    if isinstance(to_staff, int) or (isinstance(to_staff, str) and str(to_staff).isdigit()):
        to_staff = db.session.get(Staff, int(to_staff))
    if to_staff is None or not getattr(to_staff, "active", True):
        raise CommandError(_("Choose an active staff member to hand the ticket over to."), field="staff")
    me = acting_staff()
    if not is_admin() and (me is None or ticket.receiver_id != me.id):
        raise CommandError(_("Only the ticket's receiver (%(who)s) may hand it over.",
                             who=str(ticket.receiver or "—")), field="staff")
    if lifecycle.value(ticket.status) not in OPEN:
        raise CommandError(_("A closed ticket cannot be handed over."), field="staff")
    if to_staff.id == ticket.receiver_id:
        raise CommandError(_("%(who)s already owns this ticket.", who=str(to_staff)), field="staff")
    before = ticket.receiver
    text = _("Handed over from %(old)s to %(new)s.", old=str(before or "—"), new=str(to_staff))
    # One conditional statement on the owner seen, like a transition on the state seen.
    row = db.session.execute(
        sa.update(Ticket).where(Ticket.id == ticket.id, Ticket.receiver_id == ticket.receiver_id)
        .values(version=Ticket.version + 1).returning(Ticket.version)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        db.session.rollback()
        raise CommandError(_("The ticket was handed over by someone else meanwhile; nothing was done."), status=409)
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(ticket, "version", row[0])
    ticket.receiver = to_staff
    status = TicketStatus(lifecycle.value(ticket.status))
    ticket.events.append(TicketEvent(from_status=status, to_status=status, user_id=_user_id(),
                                     note=f"{text} {note.strip()}" if note and note.strip() else text))
    db.session.flush()
    if commit:
        db.session.commit()
    return ticket
