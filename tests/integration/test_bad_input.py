"""Bad input is refused with a clear message in the user's language, through the form and through
the REST API, and nothing is written (SPEC §2, §3, §5, §6, §10; rules in Model.business_errors).

Each case posts to the FAB add/edit form and to the API, then checks the message (on the form:
next to the field it is about; on the API: HTTP 422 keyed by the field name) and that the table
(or the edited record) is exactly as before.
"""
import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.clock import business_now
from backoffice.extensions import db


def field_errors(html, field):
    """The error texts FAB renders next to one form field (its table cell)."""
    start = html.find(f'id="{field}"')
    assert start >= 0, f"no field {field} on the form"
    cell = html[start: html.find("</td>", start)]
    return [" ".join(htmllib.unescape(t).split()) for t in re.findall(r'class="alert alert-danger">(.*?)</div>', cell, re.S)]


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def ids(app):
    with app.app_context():
        s = db.session
        w001 = s.scalar(sa.select(m.Client).where(m.Client.code == "W001"))
        sheet = s.scalar(sa.select(m.AppraisalSheet).where(m.AppraisalSheet.staff_id == w001.owner_id))
        score = sheet.scores[0]
        return {
            "client": w001.id, "staff": w001.owner_id, "dept": w001.department_id,
            "format": w001.business_format_id, "sheet": sheet.id, "score": score.id,
            "score_max": score.max_points,
        }


def client_form(ids, **kw):
    data = {"code": "BAD001", "name": "坏数据客户", "status": "active", "business_format": ids["format"],
            "market_type": "C", "department": ids["dept"]}
    data.update(kw)
    return data


def assert_api_422(r, field, text):
    assert r.status_code in (400, 422), r.data
    messages = r.json["message"]
    assert field in messages, messages
    assert any(text in msg for msg in messages[field]), messages


# -- duplicate client code ----------------------------------------------------------------------

def test_duplicate_client_code(app, login):
    i = ids(app)
    b = login("t_admin")
    before = count(app, m.Client)
    r = b.post("/clientview/add", data=client_form(i, code="W001"))
    assert r.status_code == 200  # the form again, not a redirect to the list
    assert field_errors(r.get_data(as_text=True), "code") == ["客户编码 W001 已被使用。"]
    r = b.api("post", "/api/v1/client/", json=client_form(i, code="W001"))
    assert_api_422(r, "code", "客户编码 W001 已被使用。")
    # editing another client onto the same code
    with app.app_context():
        w003 = db.session.scalar(sa.select(m.Client).where(m.Client.code == "W003"))
        w003_id = w003.id
    r = b.api("put", f"/api/v1/client/{w003_id}", json={"code": "W001"})
    assert_api_422(r, "code", "W001")
    assert count(app, m.Client) == before
    with app.app_context():
        assert db.session.get(m.Client, w003_id).code == "W003"


def test_duplicate_client_code_in_english(app, login):
    i = ids(app)
    b = login("t_admin")
    before = count(app, m.Client)
    assert b.get("/lang/en").status_code in (200, 302)
    r = b.post("/clientview/add", data=client_form(i, code="W002"))
    assert field_errors(r.get_data(as_text=True), "code") == ["Client code W002 is already in use."]
    assert count(app, m.Client) == before


# -- market type other than C/X (SPEC §3) -------------------------------------------------------

@pytest.mark.parametrize("code", ["Q", "c", ""])
def test_market_type_must_be_c_or_x(app, login, code):
    i = ids(app)
    b = login("t_admin")
    before = count(app, m.Client)
    r = b.post("/clientview/add", data=client_form(i, market_type=code))
    errors = field_errors(r.get_data(as_text=True), "market_type")
    if code:
        assert errors == ["市场类型必须为 C（城镇）或 X（乡村）。"]
    else:
        assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors)  # required, in Chinese
    r = b.api("post", "/api/v1/client/", json=client_form(i, market_type=code or None))
    assert r.status_code in (400, 422) and "market_type" in r.json["message"], r.data
    assert all(re.search(r"[\u4e00-\u9fff]", msg) for msg in r.json["message"]["market_type"])
    if code:
        assert_api_422(r, "market_type", "市场类型必须为 C（城镇）或 X（乡村）。")
    assert count(app, m.Client) == before


# -- negative purchase quantity or amount, negative appraisal pay base --------------------------

def test_negative_purchase(app, login):
    i = ids(app)
    b = login("t_admin")
    before = count(app, m.PurchaseRecord)
    r = b.post("/purchaserecordview/add",
               data={"client": i["client"], "month": "2026-08-01", "quantity": "-5", "amount": "-3.50"})
    page = r.get_data(as_text=True)
    assert field_errors(page, "quantity") == ["不能为负数。"]
    assert field_errors(page, "amount") == ["不能为负数。"]
    r = b.api("post", "/api/v1/purchase/", json={"client": i["client"], "month": "2026-08-01", "quantity": 5, "amount": "-1"})
    assert_api_422(r, "amount", "不能为负数。")
    assert "quantity" not in r.json["message"]
    r = b.api("post", "/api/v1/purchase/", json={"client": i["client"], "month": "2026-08-01", "quantity": -1, "amount": "1"})
    assert_api_422(r, "quantity", "不能为负数。")
    assert count(app, m.PurchaseRecord) == before


def test_negative_pay_base(app, login):
    i = ids(app)
    b = login("t_admin")
    r = b.post(f"/appraisalsheetview/edit/{i['sheet']}", data={"target_result": "met", "pay_base": "-1", "comments": ""})
    assert field_errors(r.get_data(as_text=True), "pay_base") == ["不能为负数。"]
    r = b.api("put", f"/api/v1/appraisal_sheet/{i['sheet']}", json={"pay_base": -1})
    assert_api_422(r, "pay_base", "不能为负数。")
    with app.app_context():
        sheet = db.session.get(m.AppraisalSheet, i["sheet"])
        assert sheet.pay_base == Decimal("3000")
        assert getattr(sheet.target_result, "value", sheet.target_result) == "exceeded"


# -- a visit in the future (SPEC §5), in the business time zone ---------------------------------

def test_visit_in_the_future(app, login):
    i = ids(app)
    b = login("t_admin")
    before = count(app, m.VisitLog)
    # One hour ahead of Shanghai wall-clock time: "the future" even on a server that runs on UTC.
    future = (business_now() + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    form = {"client": i["client"], "staff": i["staff"], "visited_at": future, "kind": "phone"}
    r = b.post("/visitlogview/add", data=form)
    assert field_errors(r.get_data(as_text=True), "visited_at") == ["不能登记未来时间的拜访。"]
    r = b.api("post", "/api/v1/visit/", json=form)
    assert_api_422(r, "visited_at", "不能登记未来时间的拜访。")
    assert count(app, m.VisitLog) == before
    # a minute ago, Shanghai time, is accepted (and then removed again)
    past = (business_now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    r = b.api("post", "/api/v1/visit/", json=dict(form, visited_at=past))
    assert r.status_code == 201, r.data
    assert b.api("delete", f"/api/v1/visit/{r.json['id']}").status_code == 200
    assert count(app, m.VisitLog) == before


# -- an appraisal item score above the item's maximum (SPEC §6) ---------------------------------

def test_score_above_item_maximum(app, login):
    i = ids(app)
    b = login("t_admin")
    with app.app_context():
        old = db.session.get(m.AppraisalScore, i["score"]).score
        old_total = db.session.get(m.AppraisalSheet, i["sheet"]).total_score
    too_high = i["score_max"] + 1
    msg = f"得分不能超过该项目的满分 {i['score_max']}。"
    r = b.post(f"/appraisalscoreview/edit/{i['score']}", data={"score": str(too_high), "note": ""})
    assert field_errors(r.get_data(as_text=True), "score") == [msg]
    r = b.api("put", f"/api/v1/appraisal_score/{i['score']}", json={"score": too_high})
    assert_api_422(r, "score", msg)
    r = b.api("put", f"/api/v1/appraisal_score/{i['score']}", json={"score": -1})
    assert_api_422(r, "score", "得分不能低于 0。")
    with app.app_context():
        assert db.session.get(m.AppraisalScore, i["score"]).score == old
        assert db.session.get(m.AppraisalSheet, i["sheet"]).total_score == old_total


# -- a ticket without a client (SPEC §4) --------------------------------------------------------

def test_ticket_without_client(app, login):
    b = login("t_desk")
    before = count(app, m.Ticket)
    data = {"type": "inquiry", "channel": "phone", "subject": "没有客户的工单", "severity": "normal"}
    r = b.post("/ticketview/add", data=data)
    errors = field_errors(r.get_data(as_text=True), "client")
    assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors
    r = b.api("post", "/api/v1/ticket/", json={k: v for k, v in data.items() if k != "severity"})
    assert_api_422(r, "client", "请选择工单涉及的客户。")
    assert "severity" not in r.json["message"]  # it has a default
    r = b.api("post", "/api/v1/ticket/", json=dict(data, client=None))
    assert_api_422(r, "client", "请选择工单涉及的客户。")
    assert count(app, m.Ticket) == before
