"""Tier commands (SPEC §3): stamping a manual override with who and when."""
from flask_babel import gettext as _

from backoffice.clock import business_now

from .actors import current_user
from .errors import CommandError


def stamp_override(client_tier):
    """SPEC §3: an override records user, time and reason."""
    if client_tier.override_tier is not None:
        if not (client_tier.override_reason or "").strip():
            raise CommandError(_("Give the reason for the manual override."), field="override_reason")
        client_tier.override_by_id = getattr(current_user(), "id", None)
        client_tier.override_on = business_now()
    return client_tier
