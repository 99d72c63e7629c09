"""No retaliation (SPEC §4 [decision]; seed 004 Art. 17 严禁报复或变相报复): a complaint about a
staff member shows that staff member neither the complainant's name nor phone, on any path.

The one place that knows who must not see them; the paths ask it:

- the ticket screens (show, edit form) and the ticket API (show, list, PUT answer) drop the
  fields (``hidden_fields`` / ``redact``); an edit by that staff member cannot change them, nor
  the ``about_staff`` link that hides them (``rules/ticket_states.LOCKED_FOR_SUBJECT``);
- a ticket nested in another API answer goes through ``redact`` (views/api_fields.py);
- the change log (list, API, export: ``change_log_clause`` joined to its row scope) and a
  ticket's History tab (views/history.py) leave out the entries holding the values;
- the commands refuse that staff member feed-back, callbacks and closing (services/tickets.py).

Lists and exports of tickets never hold the two columns (views/tickets.py).
"""
from backoffice import models as m
from backoffice.rules.ticket_states import COMPLAINANT_FIELDS

from .scope import complainant_log_clause as change_log_clause  # noqa: F401  (the change log's part)
from .scope import current_user, staff_of


def _staff_id(user=None):
    staff = staff_of(user if user is not None else current_user())
    return getattr(staff, "id", None)


def is_subject(ticket, user=None):
    """Whether the user is the staff member ``ticket`` (a complaint) is about."""
    sid = _staff_id(user)
    return sid is not None and ticket is not None and getattr(ticket, "about_staff_id", None) == sid


def hidden_fields(ticket, user=None):
    """The ticket's fields the user may not see (empty for everyone but the staff member it is about)."""
    return set(COMPLAINANT_FIELDS) if is_subject(ticket, user) else set()


def redact(model, obj, data):
    """``data`` (a dumped record) without what the user may not see of ``obj``."""
    if model is not m.Ticket or not isinstance(data, dict):
        return data
    hidden = hidden_fields(obj)
    return {k: v for k, v in data.items() if k not in hidden} if hidden else data


def hidden_record_fields(table_name, record_id, user=None):
    """The fields of the record ``table_name`` / ``record_id`` whose values the user may not see
    in its history (the History tab)."""
    if table_name != m.Ticket.__tablename__:
        return set()
    from backoffice.extensions import db

    try:
        ticket = db.session.get(m.Ticket, int(record_id))
    except (TypeError, ValueError):
        return set()
    return hidden_fields(ticket, user)
