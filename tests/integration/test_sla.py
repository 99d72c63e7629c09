"""SLA core (issue #12, SPEC §4): the calendar table, its seeding and import, the policies, the
deadlines stamped on tickets and the provisional-calendar warning; both backends."""
import datetime as dt
import html as htmllib
import io
import random
import re

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from backoffice.services import calendar as cal_service
from backoffice.services import sla


def at(text):
    return dt.datetime.fromisoformat(text)


def _days(app, year):
    with app.app_context():
        return {r.day: (r.working, r.name, r.source, r.confirmed) for r in db.session.execute(
            sa.select(m.CalendarDay).where(m.CalendarDay.day >= dt.date(year, 1, 1),
                                           m.CalendarDay.day < dt.date(year + 1, 1, 1))).scalars()}


def _ticket(app, **kw):
    """A ticket inserted as an import would (no form): the flush listener stamps it."""
    with app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()
        values = dict(client_id=app.world["clients"]["W001"], type="complaint", complaint_class="own_service",
                      channel="phone", subject="SLA 测试", severity="normal")
        values.update(kw)
        t = m.Ticket(**values)
        db.session.add(t)
        db.session.commit()
        return t.id


def _get(app, ticket_id):
    with app.app_context():
        t = db.session.get(m.Ticket, ticket_id)
        return {"due_at": t.due_at, "first": t.first_response_due_at, "policy": t.sla_policy.code if t.sla_policy else None,
                "provisional": t.due_provisional, "type": str(t.type.value),
                "events": [e.note for e in t.events]}


# -- seeding -------------------------------------------------------------------------------------

def test_seeding_gives_2026_official_and_2027_provisional(app):
    y2026, y2027 = _days(app, 2026), _days(app, 2027)
    assert y2026[dt.date(2026, 10, 1)] == (False, "国庆节", "chinese-calendar", True)
    assert y2026[dt.date(2026, 10, 10)][:2] == (True, "国庆节调休上班")  # make-up Saturday
    assert all(row[3] for row in y2026.values())
    assert y2027[dt.date(2027, 1, 1)][0] is False and y2027[dt.date(2027, 1, 1)][1] == "元旦"
    assert y2027 and all(row[2] == "provisional" and row[3] is False for row in y2027.values())
    assert not any(row[0] for row in y2027.values())  # no 调休 invented
    with app.app_context():
        assert 2027 in cal_service.unconfirmed_years(today=dt.date(2026, 12, 1))
        assert 2026 not in cal_service.unconfirmed_years(today=dt.date(2026, 12, 1))
        # seeding again changes nothing
        before = db.session.scalar(sa.select(sa.func.count(m.CalendarDay.id)))
        cal_service.seed_calendar()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(m.CalendarDay.id))) == before


# -- the admin's CSV import ------------------------------------------------------------------------

GOOD_2028 = "date,kind,name\n2028-01-01,放假,元旦\n2028-01-24,放假,春节\n2028-01-29,调休,春节调休上班\n"


def _upload(b, text, name="2028.csv"):
    return b.post("/calendardayview/import", data={"file": (io.BytesIO(text.encode("utf-8")), name)},
                  content_type="multipart/form-data")


@pytest.mark.parametrize("text, message", [
    ("date,kind,name\n01/24/2028,放假,春节\n", "日期格式"),
    ("date,kind,name\n2028-01-24,放假,春节\n2028-01-24,放假,春节\n", "重复"),
])
def test_a_bad_calendar_file_is_refused_and_changes_nothing(app, login, text, message):
    before = _days(app, 2028)
    r = _upload(login("t_admin"), text)
    page = htmllib.unescape(r.get_data(as_text=True))
    assert r.status_code == 422
    assert message in page, page[-2000:]
    assert _days(app, 2028) == before


def test_a_good_calendar_file_replaces_the_year_confirmed(app, login):
    b = login("t_admin")
    r = _upload(b, GOOD_2028)
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    rows = _days(app, 2028)
    assert rows == {
        dt.date(2028, 1, 1): (False, "元旦", "State Council CSV", True),
        dt.date(2028, 1, 24): (False, "春节", "State Council CSV", True),
        dt.date(2028, 1, 29): (True, "春节调休上班", "State Council CSV", True),
    }
    with app.app_context():
        cal = cal_service.working_calendar()  # the cache sees the change
        assert cal.is_working_day(dt.date(2028, 1, 29)) and not cal.is_working_day(dt.date(2028, 1, 24))
        assert cal.is_confirmed(dt.date(2028, 6, 1))
    # the API refuses the same way
    r = b.api("post", "/api/v1/calendar_day/import", json={"csv": "date,kind,name\n2028-13-45,放假,x\n"})
    assert r.status_code == 422 and "csv" in r.json["message"]
    assert _days(app, 2028) == rows


def test_a_holiday_entered_twice_on_the_form_is_refused(app, login):
    b = login("t_admin")
    r = b.post("/calendardayview/add", data={"day": "2026-10-01", "name": "国庆节", "working": ""})
    assert "已在日历中" in htmllib.unescape(r.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(m.CalendarDay.day == dt.date(2026, 10, 1))) == 1


# -- policies ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount", ["0", "-2"])
def test_a_policy_with_a_zero_or_negative_duration_is_refused(app, login, amount):
    b = login("t_admin")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(m.SlaPolicy.id)))
    data = {"code": f"BAD{amount}", "name": "坏策略", "ticket_type": "report", "first_response_unit": "hours",
            "first_response_amount": amount, "resolution_unit": "working_days", "resolution_amount": "1",
            "active": "y"}
    r = b.post("/slapolicyview/add", data=data)
    assert "至少为 1" in htmllib.unescape(r.get_data(as_text=True))
    r = b.api("post", "/api/v1/sla_policy/", json={**data, "first_response_amount": int(amount), "active": True})
    assert r.status_code == 422 and "first_response_amount" in r.json["message"], r.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.SlaPolicy.id))) == before


# -- stamping -------------------------------------------------------------------------------------------

def test_a_new_ticket_gets_its_deadlines_from_its_policy(app, login):
    b = login("t_desk")
    received = (dt.datetime.now() - dt.timedelta(days=3)).replace(microsecond=0)
    with app.app_context():
        from backoffice.clock import business_now

        received = business_now().replace(microsecond=0) - dt.timedelta(days=3)
    r = b.api("post", "/api/v1/ticket/", json={
        "client": app.world["clients"]["W001"], "type": "complaint", "complaint_class": "product",
        "channel": "phone", "subject": "电话投诉补录", "registered_at": received.isoformat(sep=" "),
    })
    assert r.status_code == 201, r.json
    t = _get(app, r.json["id"])
    with app.app_context():
        cal = cal_service.working_calendar()
        assert t["policy"] == "COMPLAINT_PRODUCT"
        assert t["due_at"] == cal.close_of(cal.nth_working_day_after(received.date(), 3))
        same = received.date() if cal.is_working_day(received.date()) and received.time() < cal.closes \
            else cal.next_working_day(received.date())
        assert t["first"] == cal.close_of(same)
        ticket = db.session.get(m.Ticket, r.json["id"])
        assert ticket.registered_at == received
        assert ticket.events[0].at > received  # who entered it and when: the registration event
        assert ticket.events[0].user.username == "t_desk"


def test_a_registration_time_in_the_future_is_refused(app, login):
    b = login("t_desk")
    with app.app_context():
        from backoffice.clock import business_now

        future = business_now() + dt.timedelta(hours=2)
        before = db.session.scalar(sa.select(sa.func.count(m.Ticket.id)))
    data = {"client": app.world["clients"]["W001"], "type": "inquiry", "channel": "phone", "subject": "未来的电话",
            "severity": "normal", "registered_at": f"{future:%Y-%m-%d %H:%M:%S}"}
    r = b.post("/ticketview/add", data=data, follow_redirects=True)
    assert "不能晚于现在" in htmllib.unescape(r.get_data(as_text=True)), r.get_data(as_text=True)[-3000:]
    r = b.api("post", "/api/v1/ticket/", json={k: v for k, v in data.items() if k != "severity"})
    assert r.status_code == 422 and "registered_at" in r.json["message"], r.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Ticket.id))) == before


def test_changing_the_type_recomputes_and_records(app, login):
    tid = _ticket(app, registered_at=at("2026-11-27 10:00"))  # a Friday
    t = _get(app, tid)
    assert (t["policy"], t["due_at"]) == ("COMPLAINT", at("2026-11-30 17:30"))
    with app.app_context():
        version = db.session.get(m.Ticket, tid).version
    b = login("t_admin")
    r = b.api("put", f"/api/v1/ticket/{tid}", json={"type": "inquiry", "complaint_class": None, "version": version})
    assert r.status_code == 200, r.json
    t = _get(app, tid)
    assert (t["policy"], t["due_at"], t["first"]) == ("INQUIRY", at("2026-11-28 10:00"), at("2026-11-28 10:00"))
    assert any(n and "2026-11-30 17:30" in n and "2026-11-28 10:00" in n for n in t["events"]), t["events"]
    with app.app_context():
        logged = db.session.execute(sa.select(m.ChangeLog.field, m.ChangeLog.old_value, m.ChangeLog.new_value).where(
            m.ChangeLog.table_name == "ticket", m.ChangeLog.record_id == tid)).all()
    assert any(f == "due_at" for f, _o, _n in logged), logged


def test_the_warning_on_a_ticket_in_2027(app, login):
    tid = _ticket(app, registered_at=at("2027-01-04 10:00"))  # an imported ticket: received in 2027
    t = _get(app, tid)
    assert t["provisional"] and t["due_at"] == at("2027-01-05 17:30")
    b = login("t_admin")
    page = htmllib.unescape(b.get(f"/ticketview/show/{tid}").get_data(as_text=True))
    assert "2027 年的官方节假日安排尚未确认" in page
    with app.app_context():
        number = db.session.get(m.Ticket, tid).number
    listing = htmllib.unescape(b.get("/ticketview/list/?_flt_0_number=" + number).get_data(as_text=True))
    assert "未确认" in listing
    # a 2026 ticket shows no warning
    other = app.world["tickets"]["W001"]
    page = htmllib.unescape(b.get(f"/ticketview/show/{other}").get_data(as_text=True))
    assert "尚未确认" not in page


# -- the set-based stamping equals the rule ---------------------------------------------------------------

def test_sql_stamping_equals_the_rule_function(app):
    rng = random.Random(12)
    types = [("complaint", "own_service"), ("complaint", "product"), ("complaint", "external"), ("inquiry", None),
             ("opinion", None), ("suggestion", None), ("report", None), ("service_request", None)]
    start = at("2026-01-01 00:00")
    with app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()
        tickets = []
        for i in range(300):
            ttype, cls = rng.choice(types)
            minutes = rng.randrange(0, 2 * 366 * 24 * 60)  # 2026 official, 2027 provisional
            when = start + dt.timedelta(minutes=minutes)
            if i % 10 == 0:
                when = when.replace(hour=17, minute=rng.choice([29, 30, 31]))  # the close of business
            t = m.Ticket(client_id=app.world["clients"]["W002"], type=ttype, complaint_class=cls, channel="phone",
                         subject=f"批量{i}", severity=rng.choice(["normal", "major"]), registered_at=when)
            db.session.add(t)
            tickets.append(t)
        db.session.commit()  # the listener stamps each with the rule function
        ids = [t.id for t in tickets]
        expected = {t.id: (t.sla_policy_id, t.first_response_due_at, t.due_at, t.due_provisional) for t in tickets}
        assert any(v[3] for v in expected.values()) and not all(v[3] for v in expected.values())
        db.session.execute(sa.update(m.Ticket).where(m.Ticket.id.in_(ids)).values(
            sla_policy_id=None, first_response_due_at=None, due_at=None, due_provisional=False))
        db.session.commit()
        assert sla.stamp_deadlines_sql(ids, commit=True) == len(ids)
        db.session.expire_all()
        got = {t.id: (t.sla_policy_id, t.first_response_due_at, t.due_at, t.due_provisional)
               for t in db.session.execute(sa.select(m.Ticket).where(m.Ticket.id.in_(ids))).scalars()}
        diff = {k: (expected[k], got[k]) for k in ids if expected[k] != got[k]}
        assert not diff, list(diff.items())[:5]
