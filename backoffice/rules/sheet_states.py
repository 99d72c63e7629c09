"""Appraisal sheet life cycle (SPEC §6, seed 001).

草稿 draft → 已提交 submitted → 已审批 approved (by the head of the appraised person's
department) → 已定稿 final. The appraised staff member may object (异议) once, within
``OBJECTION_WORKING_DAYS`` working days of the approval [decision: 5], counted by
``rules/objection_window.py`` (the one home of that rule); the objection sends the sheet back
for review (objected → submitted again, then approved again).
"""
from .lifecycle import Machine, transition
from .objection_window import OBJECTION_WORKING_DAYS  # noqa: F401  (re-exported for the docstring's readers)

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
