"""Keep derived columns right on every write path (forms, API, imports, jobs): before each flush,
every new or changed record recomputes what it derives (``Validated.update_derived``)."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from .base import Validated


@event.listens_for(Session, "before_flush")
def _update_derived(session, flush_context, instances):
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, Validated):
                obj.update_derived(session)
