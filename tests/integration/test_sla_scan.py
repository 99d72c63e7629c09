"""The escalation scan, the notifications and the ticket list's deadline filters (issue #12,
SPEC §4), on SQLite and PostgreSQL through the real app."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from backoffice.rules import sla_overdue as rules
from backoffice.services import sla_scan
from backoffice.services import notifications as inbox

NOW = dt.datetime(2026, 11, 24, 10, 0)  # a Tuesday
H = dt.timedelta(hours=1)

# name -> (client, responsible department, status, first response due, resolution due)
CASES = {
    "team": ("W001", None, "registered", NOW - 2 * H, NOW + 30 * H),  # D1A has no head: D1's head
    "routed": ("W002", "D1", "in_progress", NOW - 9 * H, NOW - H),     # the responsible department's head
    "both": ("W002", None, "registered", NOW - 3 * H, NOW - H),         # the client's department: D2
    "closed": ("W002", None, "closed", NOW - 9 * H, NOW - 5 * H),
    "fed_back": ("W003", None, "fed_back", NOW - 9 * H, NOW - 5 * H),
    "future": ("W003", None, "registered", NOW + H, NOW + 9 * H),
    "no_head": ("W003", "D1A", "escalated", NOW - 9 * H, NOW - H),      # a team without a head: the client's D1
}
EXPECTED = {
    ("team", "first_response", "t_head1"),
    ("routed", "resolution", "t_head1"),
    ("both", "first_response", "t_head2"), ("both", "resolution", "t_head2"),
    ("no_head", "resolution", "t_head1"),
}


def _set_status(statuses):
    """The states straight in the table (no workflow, no hooks: closing would invite a survey)."""
    for pk, status in statuses.items():
        db.session.execute(sa.update(m.Ticket).where(m.Ticket.id == pk).values(status=status))
    db.session.commit()


def _users(names):
    from flask_appbuilder.security.sqla.models import User

    return {u.username: u for u in db.session.execute(sa.select(User).where(User.username.in_(names))).scalars()}


@pytest.fixture(scope="module")
def scan_tickets(app):
    from backoffice.cli import act_as_system

    w = app.world
    with app.app_context():
        act_as_system()
        made = {}
        for name, (client, dept, status, first, due) in CASES.items():
            t = m.Ticket(client_id=w["clients"][client], type="complaint", complaint_class="own_service",
                         channel="phone", subject=f"逾期测试{name}", registered_at=NOW - 20 * H,
                         first_response_due_at=first, due_at=due,
                         responsible_department_id=w["departments"][dept] if dept else None)
            db.session.add(t)
            made[name] = t
        db.session.commit()
        ids = {name: t.id for name, t in made.items()}
        _set_status({ids[name]: case[2] for name, case in CASES.items()})
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(m.Notification))
        db.session.execute(sa.delete(m.Ticket).where(m.Ticket.id.in_(list(ids.values()))))
        db.session.commit()


def _mine(ids):
    by_id = {v: k for k, v in ids.items()}
    rows = db.session.execute(sa.select(m.Notification.ticket_id, m.Notification.kind, m.Notification.recipient_id)
                              .where(m.Notification.ticket_id.in_(list(ids.values())))).all()
    users = {u.id: name for name, u in _users(["t_head1", "t_head2", "t_admin"]).items()}
    return {(by_id[t], k.removeprefix(sla_scan.KIND_PREFIX), users.get(r, r)) for t, k, r in rows}


def test_scan_escalates_each_missed_deadline_once_to_the_heads(app, scan_tickets):
    with app.app_context():
        first = sla_scan.escalate_overdue(NOW)
        assert _mine(scan_tickets) == EXPECTED
        assert first >= len(EXPECTED)
        # the second scan finds everything escalated already
        assert sla_scan.escalate_overdue(NOW) == 0
        assert _mine(scan_tickets) == EXPECTED
        # the SQL is the rule function: the kinds it escalated are the missed deadlines
        for name, (_c, _d, status, first_due, due) in CASES.items():
            kinds = {k for n, k, _u in EXPECTED if n == name}
            assert set(rules.missed_deadlines(status, first_due, due, NOW)) == kinds, name
        note = db.session.execute(sa.select(m.Notification).where(
            m.Notification.ticket_id == scan_tickets["team"])).scalar_one()
        number = db.session.get(m.Ticket, scan_tickets["team"]).number
        assert note.params == {"number": number} and note.due_at == CASES["team"][3] and note.read_at is None
        assert inbox.message(note) and number in inbox.message(note)


def test_a_new_head_is_not_told_again_of_a_deadline_already_escalated(app, scan_tickets):
    with app.app_context():
        sla_scan.escalate_overdue(NOW)
        d2 = db.session.get(m.Department, app.world["departments"]["D2"])
        d2.head_id = app.world["staff"]["t_cm2"]  # another head for D2 from now on
        db.session.commit()
        try:
            assert sla_scan.escalate_overdue(NOW + H) == 0
        finally:
            d2.head_id = None
            db.session.commit()


def _unread_badge(body):
    m_ = re.search(r'class="badge bo-unread-count">(\d+)<', body)
    return int(m_.group(1)) if m_ else 0


def test_the_head_sees_the_notification_and_the_count_and_nobody_else_does(app, scan_tickets, login):
    with app.app_context():
        sla_scan.escalate_overdue(NOW)
        numbers = {n: db.session.get(m.Ticket, pk).number for n, pk in scan_tickets.items()}
        users = _users(["t_head1", "t_head2"])
        unread = {name: inbox.unread_count(u) for name, u in users.items()}
        theirs = {name: [n.id for n in inbox.recent(u, 50)] for name, u in users.items()}
    head1, head2 = login("t_head1"), login("t_head2")
    page1 = head1.get("/notifications/").get_data(as_text=True)
    assert numbers["team"] in page1 and numbers["routed"] in page1 and numbers["both"] not in page1
    page2 = head2.get("/notifications/").get_data(as_text=True)
    assert numbers["both"] in page2 and numbers["team"] not in page2
    assert _unread_badge(head1.get("/ticketview/list/").get_data(as_text=True)) == unread["t_head1"] > 0
    # another head's notification: not found, and left unread
    assert head2.post(f"/notifications/read/{theirs['t_head1'][0]}").status_code == 404
    with app.app_context():
        assert db.session.get(m.Notification, theirs["t_head1"][0]).read_at is None
    # mark one read, then all
    r = head1.post(f"/notifications/read/{theirs['t_head1'][0]}")
    assert r.status_code == 302
    assert _unread_badge(head1.get("/notifications/").get_data(as_text=True)) == unread["t_head1"] - 1
    head1.post("/notifications/read-all")
    assert _unread_badge(head1.get("/notifications/").get_data(as_text=True)) == 0
    with app.app_context():
        assert inbox.unread_count(_users(["t_head2"])["t_head2"]) == unread["t_head2"]  # untouched
        db.session.execute(sa.update(m.Notification).values(read_at=None))
        db.session.commit()


def test_an_admin_sees_only_their_own_notifications(app, scan_tickets, login):
    with app.app_context():
        sla_scan.escalate_overdue(NOW)
        number = db.session.get(m.Ticket, scan_tickets["both"]).number
        admin = _users(["t_admin"])["t_admin"]
        assert inbox.recent(admin) == [] and inbox.unread_count(admin) == 0
    assert number not in login("t_admin").get("/notifications/").get_data(as_text=True)


def test_marking_read_needs_the_csrf_token(tmp_path_factory):
    from tests.conftest import Browser, world_app

    with world_app("sqlite", tmp_path_factory, WTF_CSRF_ENABLED=True) as app:
        with app.app_context():
            from backoffice.cli import act_as_system

            act_as_system()
            head = _users(["t_head1"])["t_head1"]
            note = m.Notification(recipient_id=head.id, kind="overdue.resolution", params={"number": "GD1"})
            db.session.add(note)
            db.session.commit()
            pk = note.id
        client = app.test_client()
        page = client.get("/login/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login/", data={"username": "t_head1", "password": "Test-pass-2026", "csrf_token": token})
        r = client.post(f"/notifications/read/{pk}", data={})
        assert r.status_code in (302, 400)
        with app.app_context():
            assert db.session.get(m.Notification, pk).read_at is None
        page = client.get("/notifications/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post(f"/notifications/read/{pk}", data={"csrf_token": token})
        with app.app_context():
            assert db.session.get(m.Notification, pk).read_at is not None


# -- the ticket list's filters -------------------------------------------------------------------
FILTERS = {rules.OVERDUE: 4, rules.TODAY: 5, rules.WEEK: 6}


def _expected(app, now, username):
    """Per filter, the tickets the user may list whose band (rule function) matches."""
    from backoffice.security.scope import act_as, scope_clause
    from backoffice.services.calendar import working_calendar

    with app.test_request_context():
        act_as(_users([username])[username])
        clause = scope_clause(m.Ticket)
        q = sa.select(m.Ticket)
        rows = db.session.execute(q if clause is None else q.where(clause)).scalars().all()
        day_end, week_end = rules.bounds(now, working_calendar())
        bands = [rules.band(t.status, t.first_response_due_at, t.due_at, now, day_end, week_end) for t in rows]
    return {
        rules.OVERDUE: sum(b == rules.OVERDUE for b in bands),
        rules.TODAY: sum(b == rules.TODAY for b in bands),
        rules.WEEK: sum(b in (rules.TODAY, rules.WEEK) for b in bands),
    }


def _shown(browser, which):
    body = browser.get(f"/ticketview/list/?_flt_{FILTERS[which]}_due_at=1&psize_TicketView=100").get_data(as_text=True)
    return len(re.findall(r'<span class="bo-deadline ', body)), body


@pytest.fixture
def deadline_tickets(app):
    """Tickets due around a weekend and the National Day holiday of 2026 (1-7 Oct, 10 Oct a
    make-up Saturday, seeded from chinese-calendar)."""
    from backoffice.cli import act_as_system

    dues = [dt.datetime(2026, 9, 30, 17, 30), dt.datetime(2026, 10, 2, 12, 0), dt.datetime(2026, 10, 8, 17, 30),
            dt.datetime(2026, 10, 9, 17, 30), dt.datetime(2026, 10, 10, 17, 30), dt.datetime(2026, 10, 11, 12, 0),
            dt.datetime(2026, 10, 12, 17, 30), dt.datetime(2026, 10, 16, 17, 30), dt.datetime(2026, 10, 19, 17, 30)]
    with app.app_context():
        act_as_system()
        made = []
        for i, due in enumerate(dues):
            for status in ("registered", "in_progress", "fed_back"):
                made.append(m.Ticket(client_id=app.world["clients"]["W00%d" % (1 + i % 3)], type="inquiry",
                                     channel="phone", subject="期限测试",
                                     registered_at=dt.datetime(2026, 9, 28, 9), first_response_due_at=due - 4 * H,
                                     due_at=due))
        db.session.add_all(made)
        db.session.commit()
        ids = [t.id for t in made]
        _set_status({t.id: ("registered", "in_progress", "fed_back")[i % 3] for i, t in enumerate(made)})
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(m.Ticket).where(m.Ticket.id.in_(ids)))
        db.session.commit()


@pytest.mark.parametrize("now", [
    dt.datetime(2026, 9, 30, 12, 0),   # the working day before the holiday
    dt.datetime(2026, 10, 3, 10, 0),   # a holiday Saturday: the business day is the next working day
    dt.datetime(2026, 10, 10, 10, 0),  # the make-up Saturday: a working day of its own
    dt.datetime(2026, 10, 11, 10, 0),  # a plain Sunday
])
def test_filter_counts_equal_the_rows_shown(app, deadline_tickets, login, monkeypatch, now):
    monkeypatch.setattr(sla_scan, "business_now", lambda: now)
    for username in ("t_admin", "t_head2"):
        expected = _expected(app, now, username)
        browser = login(username)
        for which in FILTERS:
            shown, body = _shown(browser, which)
            assert shown == expected[which], (username, which, now)
            if which == rules.OVERDUE and shown:
                assert 'data-deadline="overdue"' in body and 'data-deadline="today"' not in body


def test_today_on_a_holiday_is_the_next_working_day(app):
    from backoffice.services.calendar import working_calendar

    with app.app_context():
        cal = working_calendar()
        assert not cal.is_working_day(dt.date(2026, 10, 3))
        day_end, week_end = rules.bounds(dt.datetime(2026, 10, 3, 10), cal)
        assert day_end == dt.datetime(2026, 10, 9) and week_end == dt.datetime(2026, 10, 12)  # 8 Oct: working
        day_end, _ = rules.bounds(dt.datetime(2026, 10, 10, 10), cal)
        assert day_end == dt.datetime(2026, 10, 11)  # the make-up Saturday is today itself


def test_the_filter_link_helper_gives_the_urls_documented(app):
    from backoffice.views.ticket_deadlines import deadline_list_url

    with app.test_request_context():
        assert deadline_list_url("overdue").endswith("/ticketview/list/?_flt_4_due_at=1")
        assert deadline_list_url("today").endswith("_flt_5_due_at=1")
        assert deadline_list_url("week").endswith("_flt_6_due_at=1")


def test_the_overdue_filter_carries_into_the_csv_export(app, scan_tickets, login, monkeypatch):
    monkeypatch.setattr(sla_scan, "business_now", lambda: NOW)
    with app.app_context():
        numbers = {n: db.session.get(m.Ticket, pk).number for n, pk in scan_tickets.items()}
    r = login("t_admin").get("/ticketview/export/?_flt_4_due_at=1")
    assert r.status_code == 200
    text = r.get_data().decode("utf-8-sig")
    assert numbers["team"] in text and numbers["both"] in text
    assert numbers["future"] not in text and numbers["closed"] not in text and numbers["fed_back"] not in text
