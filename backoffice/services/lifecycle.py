"""Applying one life-cycle event to a record: the shared body of every transition command.

The state change is claimed with ONE conditional statement on the state the user saw,
``UPDATE <table> SET <state> = :to, version = version + 1 WHERE id = :id AND <state> = :from``
(issue #10: two people pressing "start" wrote two events; "close" and "escalate" on one ticket
were both accepted). Of two concurrent transitions exactly one matches; on PostgreSQL the second
waits for the first's commit and then finds the state changed, and is told so (409). The ORM
then writes the same state change once more through the session, at the version the claim
returned, so the change log, ticket events and the after-complaint hook (session events) see
it like any other write.
"""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from backoffice.extensions import db
from backoffice.rules.lifecycle import TransitionError
from backoffice.security.scope import in_scope

from .actors import acting_staff, current_user, is_admin, is_head_of, role_names
from .errors import CommandError
from .labels import event_label, state_label


def value(v):
    return getattr(v, "value", v)


def allowed_events(item, machine, state_attr="status", user=None):
    """The events the current state, the user's roles and the actor rules allow (the buttons a
    screen shows)."""
    user = user if user is not None else current_user()
    current = value(getattr(item, state_attr))
    out = []
    for event in machine.allowed(current, role_names(user)):
        if actor_refusal(machine.transition(event), item, user) is None:
            out.append(event)
    return out


def actor_refusal(t, item, user=None):
    """None when the user is the person the transition needs, else the translated reason."""
    if t.actor == "any" or is_admin(user):
        return None
    staff_id = getattr(item, "staff_id", None)
    if t.actor == "subject":
        me = acting_staff(user)
        if me is None or me.id != staff_id:
            return _("Only %(who)s may do this.", who=str(getattr(item, "staff", None) or "?"))
        return None
    if t.actor == "head":
        if not is_head_of(staff_id, user):
            return _("Only the head of %(who)s's department may do this.", who=str(getattr(item, "staff", None) or "?"))
        return None
    return _("Not allowed.")


def check(item, machine, event, state_attr="status"):
    """The Transition ``event`` takes, or CommandError (422) with the reason in the user's language."""
    current = value(getattr(item, state_attr))
    label = event_label(machine.name, event)
    try:
        t = machine.check(current, event, role_names())
    except TransitionError as exc:
        if exc.reason == "unknown":
            raise CommandError(_("Unknown action %(event)s.", event=event), field="event") from None
        if exc.reason == "role":
            raise CommandError(_("Your role does not allow \"%(event)s\".", event=label), field="event") from None
        raise CommandError(
            _("%(record)s is %(state)s: \"%(event)s\" is not possible now.",
              record=str(item), state=state_label(machine.name, current), event=label),
            field="event") from None
    reason = actor_refusal(t, item)
    if reason is not None:
        raise CommandError(f"\"{label}\": {reason}", field="event")
    return t


def claim(item, state_attr, current, target):
    """The conditional UPDATE (module docstring); CommandError 409 when another change won."""
    model = type(item)
    column = getattr(model, state_attr)
    enum_class = column.type.enum_class
    stmt = (
        sa.update(model)
        .where(model.id == item.id, column == enum_class(current))
        .values({state_attr: enum_class(target), "version": model.version + 1})
        .returning(model.version)
        .execution_options(synchronize_session=False)
    )
    row = db.session.execute(stmt).first()
    if row is None:
        db.session.rollback()
        fresh = db.session.get(model, item.id)
        now_state = value(getattr(fresh, state_attr)) if fresh is not None else None
        raise CommandError(
            _("%(record)s was changed by someone else meanwhile (it is now %(state)s); nothing was "
              "done. Reload it and try again.", record=str(fresh or item),
              state=state_label(_machine_name(model), now_state)),
            status=409)
    set_committed_value(item, "version", row[0])


def _machine_name(model):
    return getattr(model, "__tablename__", "")


def apply(item, machine, event, *, state_attr="status", effects=None, commit=True):
    """Check, claim and apply ``event`` on ``item``; ``effects(transition)`` writes the rest
    (history rows, timestamps) through the session. Returns the Transition."""
    if sa.inspect(item).identity is None:
        raise CommandError(_("Save the record first."))
    if not in_scope(item):
        raise CommandError(_("Record not found."), status=404)
    t = check(item, machine, event, state_attr)
    current = value(getattr(item, state_attr))
    with db.session.no_autoflush:
        claim(item, state_attr, current, t.target)
        enum_class = getattr(type(item), state_attr).type.enum_class
        setattr(item, state_attr, enum_class(t.target))
        if effects is not None:
            effects(t)
    db.session.flush()
    if commit:
        db.session.commit()
    return t
