"""Keep derived columns right on every write path (forms, API, imports, jobs): before each flush,
every new or changed record recomputes what it derives (``Validated.update_derived``).

Installed by ``backoffice.listeners.install`` (from ``create_app``), not on import."""
from .base import Validated


def update_derived(session, flush_context, instances):
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, Validated):
                obj.update_derived(session)
