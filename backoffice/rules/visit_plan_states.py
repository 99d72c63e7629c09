"""Monthly visit plan life cycle (SPEC §5, seed 003 task sheet).

计划 draft → 已提交 submitted → 已审批 approved, or 计划驳回 rejected (editable again, then
submitted again) → 结果已提交 result_submitted → 结果已审核 result_reviewed. The client manager
submits their own plan and results; only the department head approves, rejects and reviews.
"""
from .lifecycle import Machine, transition

OWNERS = {"ClientManager", "DeptHead"}
HEADS = {"DeptHead"}
EDITABLE = {"draft", "rejected"}

VISIT_PLAN = Machine(
    name="visit_plan",
    states=("draft", "submitted", "approved", "rejected", "result_submitted", "result_reviewed"),
    initial="draft",
    transitions=(
        transition("submit", {"draft", "rejected"}, "submitted", OWNERS, actor="subject"),
        transition("approve", {"submitted"}, "approved", HEADS, actor="head"),
        transition("reject", {"submitted"}, "rejected", HEADS, actor="head"),
        transition("submit_result", {"approved"}, "result_submitted", OWNERS, actor="subject"),
        transition("review_result", {"result_submitted"}, "result_reviewed", HEADS, actor="head"),
    ),
)
