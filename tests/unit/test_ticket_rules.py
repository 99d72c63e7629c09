"""Ticket rules of issue #12 (rules/ticket_states.py): who calls back, what the staff member a
complaint is about may do, what the feed-back needs."""
import pytest

from backoffice.rules.lifecycle import TransitionError
from backoffice.rules.ticket_states import (
    ASSIGNERS, CALLERS, COMPANY_WIDE_LINKS, COMPLAINANT_FIELDS, LOCKED_FOR_SUBJECT, NEEDS_RESOLUTION, TICKET,
    subject_may,
)


def test_callbacks_are_the_service_desks_only():
    """SPEC §4 "by the service desk after feedback", §1 客服 makes callbacks; seed 002 第十九條四."""
    assert CALLERS == {"ServiceDesk"}
    for role in ("DeptHead", "ClientManager", "BackOffice", "Viewer"):
        with pytest.raises(TransitionError):
            TICKET.check("fed_back", "callback_satisfied", {role})
    assert TICKET.check("fed_back", "callback_unsatisfied", {"Admin"}).target == "in_progress"


def test_the_staff_member_complained_about_may_not_feed_back_call_back_or_close():
    assert {e for e in TICKET.events if not subject_may(e)} == {
        "feed_back", "callback_satisfied", "callback_basic", "callback_unsatisfied", "close"}
    assert subject_may("start") and subject_may("escalate")


def test_the_complainant_and_the_routing_fields():
    assert COMPLAINANT_FIELDS == ("complainant_name", "complainant_phone")
    assert set(COMPLAINANT_FIELDS) < set(LOCKED_FOR_SUBJECT) and "about_staff" in LOCKED_FOR_SUBJECT
    assert set(COMPANY_WIDE_LINKS) == {"responsible_department", "responsible_staff", "about_staff"}
    assert "client" not in COMPANY_WIDE_LINKS and "receiver" not in COMPANY_WIDE_LINKS
    assert ASSIGNERS == {"ServiceDesk", "DeptHead", "ClientManager"}
    assert NEEDS_RESOLUTION == {"feed_back"}


def test_not_satisfied_reopens_and_a_callback_needs_the_feed_back():
    assert TICKET.target("fed_back", "callback_unsatisfied") == "in_progress"
    for state in ("registered", "in_progress", "escalated", "called_back", "closed"):
        with pytest.raises(TransitionError):
            TICKET.check(state, "callback_satisfied", {"ServiceDesk"})
