"""Appraisal sheet life cycle (SPEC §6, seed 001).

草稿 draft → 已提交 submitted → 已审批 approved (by the head of the appraised person's
department) → 已定稿 final. The appraised staff member may object (异议) once, within
``OBJECTION_WORKING_DAYS`` working days of the approval [decision: 5]; the objection sends the
sheet back for review (objected → submitted again, then approved again).
"""
import datetime as dt

from .lifecycle import Machine, transition

OBJECTION_WORKING_DAYS = 5
HEADS = {"DeptHead"}

SHEET = Machine(
    name="appraisal_sheet",
    states=("draft", "submitted", "approved", "objected", "final"),
    initial="draft",
    transitions=(
        transition("submit", {"draft", "objected"}, "submitted", HEADS),
        transition("approve", {"submitted"}, "approved", HEADS, actor="head"),
        transition("object", {"approved"}, "objected", {"ClientManager", "DeptHead", "ServiceDesk", "BackOffice"},
                   actor="subject"),
        transition("finalise", {"approved"}, "final", HEADS, actor="head"),
    ),
)


def objection_deadline(approved_on: dt.date, is_workday, working_days=OBJECTION_WORKING_DAYS) -> dt.date:
    """The last day an objection is accepted: the ``working_days``-th working day after approval."""
    day, counted = approved_on, 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day
