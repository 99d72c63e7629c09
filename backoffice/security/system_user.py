"""The ``system`` user: who jobs, imports and the CLI act as, so audit columns are always filled
(SPEC §1; FAB-RQ-NOTES fact 5: AuditMixin needs ``g.user`` outside a request).

It lives with security, beside ``scope.act_as``, so jobs and the CLI import it from here rather
than from each other (issue #10: ``cli`` and ``jobs`` used to import one another).
"""
import secrets

from flask import current_app

from backoffice.extensions import db
from backoffice.security.scope import act_as

SYSTEM_USER = "system"


def system_user():
    """The dedicated user, created on first use; inactive, so nobody can log in as it."""
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=SYSTEM_USER)
    if user is None:
        user = sm.add_user(
            SYSTEM_USER, "System", "Jobs", "system@backoffice.invalid", [sm.find_role("Admin")],
            password=secrets.token_urlsafe(24),
        )
        user.active = False  # cannot log in
        db.session.commit()
    return user


def act_as_system():
    return act_as(system_user())
