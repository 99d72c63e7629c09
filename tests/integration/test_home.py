"""The role home pages and the KPI page (issues #15, #12) through the real app, SQLite and PostgreSQL.

Every tile's number must equal the row count of the list its link opens, for several roles; a
department head never sees another department's figures; the KPI API and CSV give the same
figures; a user without a staff record still gets a page that says what is missing.
"""
import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.clock import business_now
from backoffice.extensions import db
from tests.world import PASSWORD

TILE = re.compile(r'data-tile="(\w+)">\s*<a class="home-tile-link" href="([^"]+)">'
                  r'<span class="home-tile-number" data-count="(\d+)"')
ROW = 'class="bo-col-crud"'


@pytest.fixture(scope="module")
def home_world(app):
    """Tickets overdue, due today, fed back and closed with callbacks this month, a submitted
    plan and sheet, then this month's KPI snapshot; removed afterwards."""
    from backoffice.cli import act_as_system
    from backoffice.services import kpi

    w = app.world
    made = []
    with app.app_context():
        act_as_system()
        s = db.session
        now = business_now()
        month_start = dt.datetime(now.year, now.month, 1, 0, 0, 1)

        def ticket(code, status, **kw):
            t = m.Ticket(client=s.get(m.Client, w["clients"][code]), type=kw.pop("type", "complaint"),
                         complaint_class=kw.pop("complaint_class", "own_service"), channel="phone",
                         subject=f"首页{code}{status}{len(made)}", status=status, receiver_id=w["staff"]["t_desk"],
                         registered_at=kw.pop("registered_at", month_start), **kw)
            made.append(t)
            return t

        ticket("W001", "in_progress", due_at=now - dt.timedelta(hours=2))  # overdue, D1A
        ticket("W003", "registered", due_at=now - dt.timedelta(minutes=5))  # overdue, D1
        ticket("W002", "in_progress", due_at=now - dt.timedelta(hours=3))  # overdue, D2
        ticket("W001", "in_progress", due_at=dt.datetime.combine(now.date(), dt.time(23, 59)))  # due today
        ticket("W001", "fed_back", due_at=now - dt.timedelta(days=1), fed_back_at=month_start,
               type="inquiry", complaint_class=None)
        ticket("W003", "closed", due_at=month_start + dt.timedelta(days=1), fed_back_at=month_start,
               closed_at=month_start, callback_result="satisfied")
        ticket("W001", "closed", due_at=month_start, fed_back_at=month_start + dt.timedelta(hours=1),
               closed_at=month_start, callback_result="unsatisfied", complaint_class="product")
        ticket("W002", "closed", due_at=month_start, fed_back_at=month_start, closed_at=month_start,
               callback_result="basically")
        s.add_all(made)
        sheet = s.get(m.AppraisalSheet, w["sheets"]["t_cm1"])
        old_status = sheet.status
        s.execute(sa.update(m.AppraisalSheet).where(m.AppraisalSheet.id == sheet.id).values(status="submitted"))
        s.commit()
        kpi.write_snapshots(kpi.current_month())
        ids = [t.id for t in made]
    yield {"tickets": ids}
    with app.app_context():
        act_as_system()
        db.session.execute(sa.delete(m.TicketEvent).where(m.TicketEvent.ticket_id.in_(ids)))
        # a closed complaint gets an "after complaint" survey invitation (surveys/hooks.py)
        invitations = sa.select(m.SurveyInvitation.id).where(m.SurveyInvitation.ticket_id.in_(ids))
        db.session.execute(sa.delete(m.SurveyAnswer).where(m.SurveyAnswer.invitation_id.in_(invitations)))
        db.session.execute(sa.delete(m.SurveyInvitation).where(m.SurveyInvitation.ticket_id.in_(ids)))
        db.session.execute(sa.delete(m.Ticket).where(m.Ticket.id.in_(ids)))
        db.session.execute(sa.update(m.AppraisalSheet).where(m.AppraisalSheet.id == w["sheets"]["t_cm1"])
                           .values(status=getattr(old_status, "value", old_status)))
        db.session.execute(sa.delete(m.KpiSnapshot))
        db.session.commit()


def tiles(page):
    return {key: (html.unescape(url), int(count)) for key, url, count in TILE.findall(page)}


def list_rows(browser, url):
    if url.startswith("/visits/today"):  # today's route: one stop per client (SPEC §5)
        return browser.get(url).get_data(as_text=True).count('<li class="visit-stop"')
    if url.startswith("/notifications/"):  # unread escalations: the inbox marks the unread ones
        return browser.get(url).get_data(as_text=True).count('<li class="bo-notification is-unread"')
    view = re.match(r"/(\w+)/list/", url).group(1)
    name = {"ticketview": "TicketView", "visitplanview": "VisitPlanView", "appraisalsheetview": "AppraisalSheetView",
            "jobrunview": "JobRunView", "purchaserecordview": "PurchaseRecordView",
            "calendardayview": "CalendarDayView", "phonesurveyview": "PhoneSurveyView"}[view]
    sep = "&" if "?" in url else "?"
    r = browser.get(f"{url}{sep}psize_{name}=100")
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True).count(ROW)


EXPECTED = {
    "t_head1": ("DeptHead", {"overdue", "due_today", "plans_submitted", "sheets_submitted", "objections",
                             "complaints_closed", "callback_satisfied", "registered_month"}),
    "t_head2": ("DeptHead", {"overdue", "due_today", "complaints_closed"}),
    "t_cm1": ("ClientManager", {"own_open", "overdue"}),
    "t_desk": ("ServiceDesk", {"registered_today", "callbacks_due", "awaiting_callback"}),
    "t_back1": ("BackOffice", {"imports_week"}),
    "t_admin": ("Admin", {"runs_failed", "calendar_unconfirmed"}),
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_every_tile_counts_the_rows_of_the_list_it_opens(app, home_world, login, username):
    role, keys = EXPECTED[username]
    b = login(username)
    r = b.get("/")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f'data-role="{role}"' in page
    found = tiles(page)
    assert keys <= set(found), (username, sorted(found))
    for key, (url, count) in found.items():
        assert list_rows(b, url) == count, (username, key, url)


def test_the_numbers_are_the_expected_ones(app, home_world, login):
    head1 = tiles(login("t_head1").get("/").get_data(as_text=True))
    head2 = tiles(login("t_head2").get("/").get_data(as_text=True))
    cm1 = tiles(login("t_cm1").get("/").get_data(as_text=True))
    assert head1["overdue"][1] == 2  # W001 (team D1A) and W003 (D1); never W002 of D2
    assert head2["overdue"][1] == 1
    assert head1["due_today"][1] >= 1
    assert head1["sheets_submitted"][1] == 1
    assert head1["complaints_closed"][1] == 2 and head2["complaints_closed"][1] == 1
    assert cm1["overdue"][1] == 1  # only the manager's own client W001


def test_a_head_sees_only_his_departments_figures(app, home_world, login):
    b = login("t_head2")
    page = b.get("/").get_data(as_text=True)
    assert "测试客户W001" not in page and "城区营销部" not in page
    d1 = app.world["departments"]["D1"]
    assert b.get(f"/kpi/?department={d1}").status_code == 404
    assert b.api("get", f"/api/v1/kpi/?department={d1}").status_code == 404
    assert b.get(f"/kpi/csv?department={d1}").status_code == 404
    own = b.api("get", "/api/v1/kpi/").json
    assert own["department"]["id"] == app.world["departments"]["D2"]
    assert own["counts"]["complaints_closed"] == 1


def test_kpi_api_and_csv_give_the_snapshot_figures(app, home_world, login):
    b = login("t_head1")
    d1 = app.world["departments"]["D1"]
    body = b.api("get", f"/api/v1/kpi/?department={d1}").json
    figures = {f["key"]: f for f in body["figures"]}
    # D1 and its team D1A: 2 complaints closed, both called back, 1 satisfied (W003) + W001 not
    assert body["counts"]["complaints_closed"] == 2
    assert figures["callback_rate"]["value"] == "100.0" and figures["callback_rate"]["meets_target"] is True
    assert figures["outcome_satisfaction"]["value"] == "50.0"
    assert figures["outcome_satisfaction"]["meets_target"] is False
    assert figures["supply_satisfaction"]["value"] is None  # no survey yet: no data, no division
    assert body["mix"]["by_class"][0]["count"] >= 1
    team = b.api("get", f"/api/v1/kpi/?department={app.world['departments']['D1A']}").json
    assert team["counts"]["complaints_closed"] == 1  # the team alone: W001's complaint
    csv_text = b.get(f"/kpi/csv?department={d1}").get_data(as_text=True)
    assert csv_text.startswith("\ufeff") and "50.0%" in csv_text and "100.0%" in csv_text
    page = b.get(f"/kpi/?department={d1}").get_data(as_text=True)
    assert 'id="kpi-chart-data"' in page and "vendor/echarts/echarts.min.js" in page


def test_bad_month_and_department_are_refused_clearly(app, home_world, login):
    b = login("t_head1")
    r = b.get("/kpi/?month=2026-13x")
    assert r.status_code == 400
    assert b.api("get", "/api/v1/kpi/?month=nope").status_code == 400
    assert b.get("/kpi/?department=abc").status_code == 404
    empty = b.api("get", "/api/v1/kpi/?month=1999-01").json  # a month with no data: no division by zero
    assert empty["computed_at"] is None
    assert {f["key"]: f["value"] for f in empty["figures"]}["callback_rate"] is None


def test_a_user_without_staff_record_gets_a_page_saying_so(app, home_world):
    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username="t_nostaff") is None:
            sm.add_user("t_nostaff", "无", "员工", "t_nostaff@example.com", [sm.find_role("DeptHead"), sm.find_role("ClientManager")],
                        password=PASSWORD)
    c = app.test_client()
    assert c.post("/login/", data={"username": "t_nostaff", "password": PASSWORD}).status_code == 302
    page = c.get("/").get_data(as_text=True)
    assert 'data-role="DeptHead"' in page and 'data-role="ClientManager"' in page  # both roles' sections
    assert page.count("home-missing") >= 2
    assert "员工档案" in page or "staff record" in page
    r = c.get("/kpi/")
    assert r.status_code == 200 and "home-missing" in r.get_data(as_text=True)


def test_a_ticket_counts_for_the_department_the_desk_assigned_it_to(app, home_world):
    """SPEC §4 统一受理: a ticket routed to another department counts in that department's
    month, not in its client's department (and never in both)."""
    from backoffice.cli import act_as_system
    from backoffice.rules.kpi import Counts
    from backoffice.services import kpi

    w = app.world
    ticket_id, d2 = w["tickets"]["W001"], w["departments"]["D2"]
    with app.app_context():
        act_as_system()  # the audit columns of the change
        ticket = db.session.get(m.Ticket, ticket_id)
        month, d1, old = ticket.registered_at.date(), ticket.client.department_id, ticket.responsible_department_id
        before = kpi.department_counts(month)
        db.session.execute(sa.update(m.Ticket).where(m.Ticket.id == ticket_id).values(responsible_department_id=d2))
        db.session.commit()
        try:
            after = kpi.department_counts(month)
        finally:
            db.session.execute(sa.update(m.Ticket).where(m.Ticket.id == ticket_id)
                               .values(responsible_department_id=old))
            db.session.commit()
    assert d1 != d2
    was_d1, was_d2 = before.get(d1, Counts()), before.get(d2, Counts())
    assert after[d2].tickets_registered == was_d2.tickets_registered + 1
    assert after.get(d1, Counts()).tickets_registered == was_d1.tickets_registered - 1
