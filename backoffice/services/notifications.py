"""The signed-in user's in-app notifications (issue #12): counts, lists and "mark read".

Each person sees only their own notifications, whatever their role (Admin included): every query
here is limited to ``recipient_id = user.id`` (the ``recipient`` kind of ``security/scope.py``).
``unread_count`` and ``recent`` are what the menu bar and the home pages call.
"""
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import Notification
from backoffice.security.scope import scope_clause

from .errors import CommandError
from .sla_scan import NOTIFICATION_KINDS

# kind -> the sentence shown, with %(number)s (the ticket) and %(due)s (the missed deadline)
MESSAGES = {
    NOTIFICATION_KINDS["first_response"]: _l("Ticket %(number)s missed its first-response deadline (%(due)s)."),
    NOTIFICATION_KINDS["resolution"]: _l("Ticket %(number)s missed its resolution deadline (%(due)s)."),
}


def _mine(user):
    """The scope clause of notifications for ``user`` (their own, nobody else's)."""
    return scope_clause(Notification, user)


def unread_count(user):
    """Unread notifications of ``user`` (0 for nobody); one indexed COUNT (recipient, read_at)."""
    if user is None or not getattr(user, "id", None):
        return 0
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Notification).where(_mine(user), Notification.read_at.is_(None))
    ).scalar_one()


def recent(user, n=10, unread_only=False):
    """The user's latest ``n`` notifications, newest first."""
    if user is None or not getattr(user, "id", None):
        return []
    q = sa.select(Notification).where(_mine(user))
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    q = q.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(n)
    return db.session.execute(q).scalars().all()


def message(notification):
    """The sentence of one notification, in the reader's language."""
    from backoffice.formatting import date_time

    params = dict(notification.params or {})
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    return str(template) % {"number": params.get("number", ""), "due": date_time(notification.due_at) or ""}


def mark_read(user, notification_id, commit=True):
    """Mark one of the user's notifications read; another person's is "not found" (404)."""
    row = db.session.execute(
        sa.select(Notification).where(Notification.id == notification_id, _mine(user))
    ).scalar_one_or_none()
    if row is None:
        raise CommandError(_("No such notification."), status=404)
    if row.read_at is None:
        db.session.execute(sa.update(Notification).where(Notification.id == row.id, Notification.read_at.is_(None))
                           .values(read_at=business_now()))
    if commit:
        db.session.commit()
    return row


def mark_all_read(user, commit=True):
    """Mark every unread notification of the user read; returns how many."""
    changed = db.session.execute(
        sa.update(Notification).where(_mine(user), Notification.read_at.is_(None)).values(read_at=business_now())
    ).rowcount
    if commit:
        db.session.commit()
    return changed
