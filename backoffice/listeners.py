"""The SQLAlchemy session listeners, installed explicitly by ``create_app`` (issue #10).

Importing ``backoffice.models`` has no side effects; these run on every write path (forms,
REST API, imports, jobs) because they listen on the ``Session`` class, once per process however
many apps are built (the test suite builds several). Within one flush, ``before_flush`` runs
them in this order, the order the code has always relied on:

1. derived fields (``models.derived``): a record's stored derived values are set first, so
2. the change log (``audit``) notes old values of everything now dirty, derived columns included,
   and after the flush writes one row per changed field (SPEC §2);
3. survey hooks (``surveys.hooks``): a complaint just closed gets its after-complaint invitation
   (SPEC §7); the invitation is new in this flush, so the change log's after_flush records it.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

from backoffice import audit
from backoffice.models import derived
from backoffice.services.sla import restamp_on_change
from backoffice.surveys import hooks

# SLA deadlines (services/sla.py) after the derived fields (a new ticket's receipt time) and before
# the change log, so a recomputed deadline is logged with the type change that caused it.
BEFORE_FLUSH = (derived.update_derived, restamp_on_change, audit._note_old_values, hooks.invite_on_close)


def install(app=None):
    """Listen on every Session, in the order above; idempotent across apps in one process."""
    for fn in BEFORE_FLUSH:
        if not event.contains(Session, "before_flush", fn):
            event.listen(Session, "before_flush", fn)
    audit.install()  # its after_flush / after_rollback halves (before_flush is already in place)
    if app is not None:
        app.extensions["backoffice_listeners"] = BEFORE_FLUSH
