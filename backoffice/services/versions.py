"""Refusing a save made on a stale version of a record (issue #10: "the first change is silently
reverted"). The version is the ``Versioned`` column of ``backoffice/models/base.py``."""
from flask_babel import gettext as _

from .errors import CommandError


def is_versioned(model):
    return "version" in getattr(getattr(model, "__table__", None), "c", {})


def stale_message(item):
    who = getattr(item, "changed_by", None)
    when = getattr(item, "changed_on", None)
    when_text = when.strftime("%Y-%m-%d %H:%M:%S") if when else "?"
    return _("This record was changed by %(user)s at %(when)s after you opened it. Reload it, check "
             "their change and save again.", user=str(who or "?"), when=when_text)


def check_version(item, seen):
    """Raise CommandError (409) when ``seen`` (the version a form or a client read) is not the
    stored one. ``seen`` None: nothing to compare (the caller sent no version)."""
    if seen is None or seen == "" or not is_versioned(type(item)):
        return
    try:
        seen = int(seen)
    except (TypeError, ValueError):
        raise CommandError(_("The record version must be a whole number."), field="version") from None
    if seen != item.version:
        raise CommandError(stale_message(item), field=None, status=409)
