"""Which department a campaign belongs to, and who may change it (SPEC §7 [decision]: "A campaign
belongs to a department (the company for the admin)"). The screen and the REST API both call
these, so a campaign gets the same department whichever way it is created.
"""
from flask_babel import gettext as _

from backoffice.extensions import db
from backoffice.models import Department
from backoffice.security.scope import department_subtree, staff_of


class CampaignRefused(Exception):
    """The user may not give the campaign this department (the message is translated)."""

    def __init__(self, message, field="department"):
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self):
        return str(self.message)


def _is_admin(user):
    return any(r.name == "Admin" for r in getattr(user, "roles", []) or [])


def _own_subtree(user):
    staff = staff_of(user)
    return (staff, department_subtree(staff.department_id)) if staff is not None else (None, set())


def campaign_department_for(user, requested):
    """The department a campaign created or changed by ``user`` belongs to.

    - the admin: the one asked for, or none (a company-wide campaign);
    - anyone else: the one asked for when it lies in their department subtree, else (none asked)
      their own department; a department outside the subtree, or a user without a staff record,
      raises ``CampaignRefused``.
    """
    if _is_admin(user):
        return requested
    staff, subtree = _own_subtree(user)
    if staff is None:
        raise CampaignRefused(_("Only staff of a department can run a survey campaign."))
    if requested is None:
        return db.session.get(Department, staff.department_id)
    if requested.id not in subtree:
        raise CampaignRefused(_("A campaign can only belong to a department in your scope: your own or one below it."))
    return requested


def may_change_campaign(user, department_id):
    """Edit, delete, launch a campaign of ``department_id`` (as stored): the admin any campaign;
    others those of their subtree. A company-wide campaign (department NULL) is the admin's; the
    others only read it and write their department's rectification notes against it."""
    if _is_admin(user):
        return True
    if department_id is None:
        return False
    return department_id in _own_subtree(user)[1]


def change_refused_message():
    return _("This campaign belongs to the company: only an administrator can change it.")

