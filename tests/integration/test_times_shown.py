"""One clock on screen (issue #10; README "How times are stored"): every time a person reads is
business wall-clock time. A ticket's show page had 登记时间 16:02 beside 创建时间 08:02: FAB's
AuditMixin stamped the server's zone (UTC) while the registration used Asia/Shanghai.

The business zone is set here to one whose offset differs from the machine's own, so the test
fails wherever a server-zone ``datetime.now()`` leaks in, whatever zone the machine runs in.
"""
import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db

SUBJECT = "时钟测试"
MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _far_zone():
    """A business zone at least a few hours away from this machine's local zone."""
    local = dt.datetime.now().astimezone().utcoffset()
    for name in ("Asia/Shanghai", "America/New_York"):
        if abs(dt.datetime.now(ZoneInfo(name)).utcoffset() - local) >= dt.timedelta(hours=3):
            return name
    raise AssertionError("no zone far from the local one")  # pragma: no cover


@pytest.fixture
def far_business_zone(app, monkeypatch):
    monkeypatch.setitem(app.config, "BUSINESS_TIMEZONE", _far_zone())
    return ZoneInfo(app.config["BUSINESS_TIMEZONE"])


@pytest.fixture
def ticket_id(app, far_business_zone):
    from backoffice.security.system_user import act_as_system

    with app.app_context():
        act_as_system()
        client = db.session.scalar(sa.select(m.Client).where(m.Client.code == "W001"))
        ticket = m.Ticket(client=client, type="inquiry", channel="phone", subject=SUBJECT)
        db.session.add(ticket)
        db.session.commit()
        ticket.description = "改过"  # an update: a change-log row with its own time
        db.session.commit()
        pk = ticket.id
    yield pk
    with app.app_context():
        db.session.execute(sa.delete(m.TicketEvent).where(m.TicketEvent.ticket_id == pk))
        db.session.execute(sa.delete(m.SurveyInvitation).where(m.SurveyInvitation.ticket_id == pk))
        db.session.execute(sa.delete(m.Ticket).where(m.Ticket.id == pk))
        db.session.commit()


def _shown(page, label):
    """The time shown in the cell after the header ``label`` on a FAB show page."""
    match = re.search(re.escape(label) + r"\s*</th>\s*<td[^>]*>\s*(.*?)\s*</td>", page, re.S)
    assert match, f"{label} not on the page"
    found = MINUTE.search(html.unescape(match.group(1)))
    assert found, f"{label}: no time in {match.group(1)!r}"
    return found.group(0)


def _minute(value):
    return value.strftime("%Y-%m-%d %H:%M")


def test_registration_and_audit_stamps_agree_on_the_show_page(app, login, ticket_id, far_business_zone):
    page = login("t_admin").get(f"/ticketview/show/{ticket_id}").get_data(as_text=True)
    registered, created, changed = _shown(page, "登记时间"), _shown(page, "创建时间"), _shown(page, "修改时间")
    now = dt.datetime.now(far_business_zone).replace(tzinfo=None)
    # the same clock, to the minute (a minute boundary may fall between the two statements)
    assert abs(dt.datetime.fromisoformat(created) - dt.datetime.fromisoformat(registered)) <= dt.timedelta(minutes=1)
    assert abs(dt.datetime.fromisoformat(changed) - now) <= dt.timedelta(minutes=2)
    with app.app_context():
        ticket = db.session.get(m.Ticket, ticket_id)
        assert registered == _minute(ticket.registered_at)
        assert created == _minute(ticket.created_on)


def test_change_log_times_shown_are_business_time(app, login, ticket_id, far_business_zone):
    now = dt.datetime.now(far_business_zone).replace(tzinfo=None)
    with app.app_context():
        # from this ticket's own "create" on: SQLite gives a deleted ticket's id to the next one,
        # and the suite's other modules share this database (tests/conftest.py)
        created = db.session.scalar(
            sa.select(sa.func.max(m.ChangeLog.id)).where(m.ChangeLog.table_name == "ticket",
                                                         m.ChangeLog.record_id == ticket_id,
                                                         m.ChangeLog.action == "create"))
        entries = db.session.scalars(
            sa.select(m.ChangeLog).where(m.ChangeLog.table_name == "ticket", m.ChangeLog.record_id == ticket_id,
                                         m.ChangeLog.id >= created)
            .order_by(m.ChangeLog.id)
        ).all()
        assert [e.action for e in entries][:2] == ["create", "update"]
        stored = [e.at for e in entries]
    for at in stored:
        assert abs(at - now) <= dt.timedelta(minutes=2), (at, now)
    b = login("t_admin")
    # the History tab of the ticket's show page
    page = b.get(f"/ticketview/show/{ticket_id}").get_data(as_text=True)
    for at in stored:
        assert _minute(at) in page
    # the change-log screen, newest first
    listing = b.get("/changelogview/list/?_flt_0_table_name=ticket&_oc_ChangeLogView=at&_od_ChangeLogView=desc")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and _minute(stored[-1]) in text
