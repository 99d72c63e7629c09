"""The life cycles declared as data (backoffice/rules/lifecycle.py and *_states.py)."""
import datetime as dt

import pytest

from backoffice.rules.campaign_states import CAMPAIGN
from backoffice.rules.lifecycle import TransitionError
from backoffice.rules.objection_window import objection_deadline
from backoffice.rules.sheet_states import SHEET
from backoffice.rules.working_calendar import WorkingCalendar
from backoffice.rules.ticket_states import TICKET, next_status
from backoffice.rules.visit_plan_states import VISIT_PLAN


def test_ticket_life_cycle_spec_4():
    assert next_status("registered", "start") == "in_progress"
    assert next_status("fed_back", "callback_unsatisfied") == "in_progress"  # seed 002 第十九條四: reopens
    for state in ("registered", "in_progress", "fed_back", "called_back"):
        assert next_status(state, "escalate") == "escalated"
    with pytest.raises(TransitionError) as e:
        next_status("closed", "escalate")
    assert e.value.reason == "state"
    with pytest.raises(TransitionError) as e:
        next_status("registered", "fly")
    assert e.value.reason == "unknown"


def test_callbacks_are_the_service_desks():
    assert TICKET.allowed("fed_back", {"ClientManager"}) == ["escalate"]
    assert "callback_satisfied" in TICKET.allowed("fed_back", {"ServiceDesk"})
    with pytest.raises(TransitionError) as e:
        TICKET.check("fed_back", "callback_basic", {"ClientManager"})
    assert e.value.reason == "role"
    assert TICKET.allowed("fed_back", {"Admin"}) == TICKET.allowed("fed_back")  # SPEC §1: admin may do all


def test_visit_plan_spec_5_rejected_is_submitted_again():
    assert VISIT_PLAN.target("draft", "submit") == "submitted"
    assert VISIT_PLAN.target("submitted", "reject") == "rejected"
    assert VISIT_PLAN.target("rejected", "submit") == "submitted"
    assert VISIT_PLAN.target("approved", "submit_result") == "result_submitted"
    assert VISIT_PLAN.target("result_submitted", "review_result") == "result_reviewed"
    assert VISIT_PLAN.allowed("submitted", {"ClientManager"}) == []  # only the head approves or rejects
    assert VISIT_PLAN.transition("approve").actor == "head"
    assert VISIT_PLAN.transition("submit").actor == "subject"


def test_sheet_spec_6_objection_returns_it_for_review():
    assert SHEET.target("approved", "object") == "objected"
    assert SHEET.target("objected", "submit") == "submitted"
    assert SHEET.allowed("final") == []
    assert SHEET.transition("object").actor == "subject"


def test_objection_deadline_counts_working_days():
    weekdays = WorkingCalendar()  # Monday to Friday, no holidays
    # approved on Thursday 2026-10-08: Fri 9, Mon 12, Tue 13, Wed 14, Thu 15
    assert objection_deadline(dt.date(2026, 10, 8), weekdays) == dt.date(2026, 10, 15)
    assert objection_deadline(dt.date(2026, 10, 10), weekdays, working_days=1) == dt.date(2026, 10, 12)


def test_campaign_spec_7():
    assert CAMPAIGN.target("draft", "launch") == "sampling"
    assert CAMPAIGN.target("sampling", "launch") == "sampling"  # an interrupted run is launched again
    assert CAMPAIGN.target("sampling", "opened") == "open"
    assert CAMPAIGN.target("open", "close") == "closed"
    with pytest.raises(TransitionError):
        CAMPAIGN.check("open", "launch")
