"""One command per business action (issue #10; Superset's ``commands/`` is the model).

Screens, REST endpoints, imports and jobs call the same function here. A command loads nothing
outside the caller's row scope, checks the life cycle of ``backoffice/rules`` and the rules of
the record, applies the change, records its history (ticket events, the change log through the
session events of ``backoffice/audit.py``) and commits, or raises ``CommandError`` with a
translated message and changes nothing. Services import models, rules, extensions, security,
audit and clock, never views.
"""
from .errors import CommandError  # noqa: F401
