"""Who is acting: the signed-in user (or the system user of a job), their roles and staff record."""
import datetime as dt

from flask import g

from backoffice.extensions import db
from backoffice.models import Department, Staff
from backoffice.security.scope import department_subtree, staff_of


def current_user():
    return getattr(g, "user", None)


def role_names(user=None):
    user = user if user is not None else current_user()
    return {r.name for r in getattr(user, "roles", None) or []}


def is_admin(user=None):
    return "Admin" in role_names(user)


def acting_staff(user=None):
    return staff_of(user if user is not None else current_user())


def is_head_of(staff_id, user=None):
    """Whether the user heads the department of staff member ``staff_id`` (SPEC §5, §6: "only the
    department head approves"): the department's recorded head, or a DeptHead whose department
    subtree holds it. Nobody heads themselves."""
    me = acting_staff(user)
    subject = db.session.get(Staff, staff_id) if staff_id is not None else None
    if me is None or subject is None or me.id == subject.id:
        return False
    dept = db.session.get(Department, subject.department_id)
    if dept is not None and dept.head_id == me.id:
        return True
    return "DeptHead" in role_names(user) and subject.department_id in department_subtree(me.department_id)


def is_workday(day: dt.date) -> bool:
    """Chinese working days (holidays and 调休 from ``chinese_calendar``), Mon–Fri where it has no data."""
    try:
        import chinese_calendar

        return chinese_calendar.is_workday(day)
    except (ImportError, NotImplementedError):
        return day.weekday() < 5
