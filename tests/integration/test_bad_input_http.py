"""Issue #9: no input answers 5xx. Every case found by the fuzz run and the hand-made bad inputs
answers 4xx with a message in the user's language (Chinese by default, English on request) and
changes nothing: 404 for a key that cannot exist, 422 with field names for bad values and
duplicates, 400 for malformed filter, sort and paging arguments (views/input_checks.py,
views/errors.py)."""
import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from tests.integration.test_bad_input import field_errors

BIG = 9999999999  # beyond int4


def snapshot(app):
    """Row count of every table of ours, and a checksum of the rows a refused request might touch."""
    from flask_appbuilder.models.sqla import Model

    with app.app_context():
        counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                  for t in Model.metadata.sorted_tables if not t.name.startswith("ab_")}
        clients = db.session.execute(sa.select(m.Client.id, m.Client.code, m.Client.name, m.Client.status)
                                     .order_by(m.Client.id)).all()
        scores = db.session.execute(sa.select(m.AppraisalScore.id, m.AppraisalScore.score).order_by(m.AppraisalScore.id)).all()
        purchases = db.session.execute(sa.select(m.PurchaseRecord.id, m.PurchaseRecord.quantity,
                                                 m.PurchaseRecord.amount).order_by(m.PurchaseRecord.id)).all()
        tickets = db.session.execute(sa.select(m.Ticket.id, m.Ticket.subject).order_by(m.Ticket.id)).all()
        return counts, clients, scores, purchases, tickets


TALLY = {"requests": 0, "5xx": 0}


def counted(browser):
    """The browser, counting its requests and the 5xx answers (printed at the end of the module)."""
    for name in ("get", "post", "api"):
        def call(*args, _send=getattr(browser, name), **kwargs):
            r = _send(*args, **kwargs)
            TALLY["requests"] += 1
            TALLY["5xx"] += r.status_code >= 500
            return r

        setattr(browser, name, call)
    return browser


@pytest.fixture(scope="module", autouse=True)
def report_tally(request):
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{request.module.__name__}: bad inputs tried / 5xx: {TALLY['requests']} / {TALLY['5xx']}"
              " (rows changed: 0, asserted after each case)")


@pytest.fixture
def login(login):
    """Signed in on the screens and on the API (the token login is not part of what a test counts)."""
    def _login(username):
        browser = login(username)
        assert browser.token
        return counted(browser)

    return _login


def page_message(r):
    """The message of our error page (templates/errors/error.html)."""
    found = re.search(r'class="error-message">(.*?)</p>', r.get_data(as_text=True), re.S)
    assert found, r.get_data(as_text=True)[:500]
    return " ".join(htmllib.unescape(found.group(1)).split())


def api_message(r, field=None):
    message = r.json["message"]
    if field is None:
        assert isinstance(message, str), message
        return message
    assert field in message, message
    return " ".join(message[field])


@pytest.fixture
def extra_rows(app):
    """Rows the world lacks, for the unique keys that include a foreign key; removed afterwards."""
    w = app.world
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        s = db.session
        scheme = s.scalar(sa.select(m.TierScheme).order_by(m.TierScheme.id))
        questionnaire = s.scalar(sa.select(m.Questionnaire).order_by(m.Questionnaire.id))
        campaign = m.SurveyCampaign(name="坏输入测试", kind="semiannual", period="2026H2", questionnaire=questionnaire,
                                    deadline=dt.date(2026, 12, 31))
        rect = m.SurveyRectification(campaign=campaign, department_id=w["departments"]["D1"], notes="整改")
        plan = m.VisitPlan(staff_id=w["staff"]["t_cm1"], month=dt.date(2026, 10, 1))
        tier = s.scalar(sa.select(m.Tier).where(m.Tier.scheme_id == scheme.id).order_by(m.Tier.rank))
        client_tier = m.ClientTier(client_id=w["clients"]["W001"], scheme_id=scheme.id)
        s.add_all([campaign, rect, plan, client_tier])
        s.commit()
        sheet = s.get(m.AppraisalSheet, w["sheets"]["t_cm1"])
        score = sheet.scores[0]
        out = {"scheme": scheme.id, "campaign": campaign.id, "rect": rect.id, "plan": plan.id, "tier": tier.id,
               "tier_code": tier.code, "tier_rank": tier.rank, "client_tier": client_tier.id,
               "questionnaire": questionnaire.id, "sheet": sheet.id, "template": sheet.template_id,
               "score": score.id, "item": score.item_id}
    yield out
    with app.app_context():
        s = db.session
        for model, key in ((m.SurveyRectification, "rect"), (m.SurveyCampaign, "campaign"), (m.VisitPlan, "plan"),
                           (m.ClientTier, "client_tier")):
            row = s.get(model, out[key])
            if row is not None:
                s.delete(row)
        s.execute(sa.delete(m.VisitPlanItem).where(m.VisitPlanItem.plan_id == out["plan"]))
        s.commit()


# -- a primary key beyond int4 ------------------------------------------------------------------

@pytest.mark.parametrize("method,url", [
    ("get", f"/api/v1/ticket/{BIG}"), ("put", f"/api/v1/ticket/{BIG}"), ("delete", f"/api/v1/ticket/{BIG}"),
    ("get", f"/api/v1/client/{BIG}"), ("get", f"/api/v1/appraisal_score/{BIG}"), ("get", f"/api/v1/visit_plan/{BIG}"),
    ("get", f"/ticketview/show/{BIG}"), ("get", f"/ticketview/edit/{BIG}"), ("get", f"/ticketview/delete/{BIG}"),
    ("post", f"/ticketview/edit/{BIG}"), ("get", f"/clientview/show/{BIG}"), ("get", f"/purchaserecordview/edit/{BIG}"),
    ("post", f"/ticketview/action/export/{BIG}"), ("get", "/ticketview/show/abc"),
])
def test_key_beyond_int4_is_404(app, login, method, url):
    b = login("t_admin")
    before = snapshot(app)
    if url.startswith("/api/"):
        r = b.api(method, url, json={"subject": "x"} if method == "put" else None)
        assert r.status_code == 404, r.data
        assert api_message(r) in ("未找到。", "您要找的页面或记录不存在。")
    else:
        r = getattr(b, method)(url, data={"subject": "x"} if method == "post" else None)
        assert r.status_code == 404, r.data[:300]
        assert page_message(r) == "您要找的页面或记录不存在。"
    assert snapshot(app) == before


def test_key_beyond_int4_in_english(app, login):
    b = login("t_admin")
    r = b.api("get", f"/api/v1/ticket/{BIG}?_l_=en")
    assert r.status_code == 404
    assert api_message(r) in ("Not found.", "The page or record you asked for does not exist.")


def test_action_post_with_impossible_row_id(app, login, world):
    b = login("t_admin")
    before = snapshot(app)
    r = b.post("/ticketview/action_post", data={"action": "nope", "rowid": [str(world["tickets"]["W001"])]})
    assert r.status_code == 404 and page_message(r) == "没有这个操作。"
    r = b.post(f"/ticketview/action/nope/{world['tickets']['W001']}")  # actions are POST-only
    assert r.status_code == 404 and page_message(r) == "没有这个操作。"
    assert snapshot(app) == before


# -- API duplicates of a unique key that includes a foreign key ---------------------------------

DUPLICATES = {
    "purchase": lambda w, x: {"client": w["clients"]["W001"], "month": "2026-09-01", "quantity": 1, "amount": "1"},
    "client_tier": lambda w, x: {"client": w["clients"]["W001"], "scheme": x["scheme"]},
    "visit_plan": lambda w, x: {"staff": w["staff"]["t_cm1"], "month": "2026-10-01"},
    "appraisal_sheet": lambda w, x: {"staff": w["staff"]["t_cm1"], "template": x["template"], "month": "2026-10-01",
                                     "target_result": "met", "pay_base": "3000"},
    "survey_rectification": lambda w, x: {"campaign": x["campaign"], "department": w["departments"]["D1"], "notes": "再来一次"},
    "tier": lambda w, x: {"scheme": x["scheme"], "code": x["tier_code"], "name": "重复档位", "rank": 99},
    "appraisal_score": lambda w, x: {"sheet": x["sheet"], "item": x["item"], "score": 1},
}


@pytest.mark.parametrize("resource", sorted(DUPLICATES))
def test_api_duplicate_with_foreign_key_is_422(app, login, world, extra_rows, resource):
    b = login("t_admin")
    before = snapshot(app)
    r = b.api("post", f"/api/v1/{resource}/", json=DUPLICATES[resource](world, extra_rows))
    assert r.status_code == 422, r.data
    messages = r.json["message"]
    assert any("已存在" in " ".join(v) or "已被使用" in " ".join(v) for v in messages.values()), messages
    assert snapshot(app) == before


def test_api_duplicate_in_english(app, login, world):
    b = login("t_admin")
    r = b.api("post", "/api/v1/purchase/?_l_=en", json=DUPLICATES["purchase"](world, None))
    assert r.status_code == 422
    assert "already exists" in api_message(r, "month")


# -- NUL bytes, 10 kB strings, integers beyond the column, decimals beyond its scale ------------

def client_body(world, **kw):
    body = {"code": "BAD009", "name": "坏数据客户", "status": "active", "business_format": world["formats"]["Z"],
            "market_type": "C", "department": world["departments"]["D1A"]}
    body.update(kw)
    return body


@pytest.mark.parametrize("field,value,message", [
    ("name", "a\x00b", "不能包含空字符（NUL）。"),
    ("code", "\x00", "不能包含空字符（NUL）。"),
    ("address", "x" * 10000, "最多"),
    ("name", "长" * 10000, "最多 100 个字符。"),
    ("status", "zz", "必须为以下之一"),
    ("department", 99999, "记录不存在。"),
    ("department", BIG, "记录不存在。"),
    ("department", "abc", "记录不存在。"),
    ("business_format", {"id": 1}, "记录不存在。"),
])
def test_api_client_bad_values_are_422(app, login, world, field, value, message):
    b = login("t_admin")
    before = snapshot(app)
    r = b.api("post", "/api/v1/client/", json=client_body(world, **{field: value}))
    assert r.status_code == 422, r.data
    assert message in api_message(r, field)
    r = b.api("put", f"/api/v1/client/{world['clients']['W003']}", json={field: value})
    assert r.status_code == 422, r.data
    assert message in api_message(r, field)
    assert snapshot(app) == before


def test_api_nul_in_english(app, login, world):
    b = login("t_admin")
    r = b.api("post", "/api/v1/client/?_l_=en", json=client_body(world, name="a\x00b"))
    assert r.status_code == 422
    assert api_message(r, "name") == "Must not contain a NUL character."


@pytest.mark.parametrize("body,field,message", [
    ({"quantity": 99999999999, "amount": "1"}, "quantity", "必须在 -2,147,483,648 到 2,147,483,647 之间。"),
    ({"quantity": 1, "amount": "1.123456789"}, "amount", "最多保留 2 位小数；系统不会替您四舍五入。"),
    ({"quantity": 1, "amount": "1234567890123456"}, "amount", "整数部分最多 12 位。"),
    ({"quantity": 1, "amount": 1e300}, "amount", "整数部分最多 12 位。"),
])
def test_api_numbers_beyond_the_column(app, login, world, body, field, message):
    b = login("t_admin")
    before = snapshot(app)
    r = b.api("post", "/api/v1/purchase/", json=dict(body, client=world["clients"]["W001"], month="2026-02-01"))
    assert r.status_code == 422, r.data
    assert message in api_message(r, field)
    assert snapshot(app) == before


def test_score_with_too_many_decimals(app, login, world):
    b = login("t_admin")
    with app.app_context():
        score_id = db.session.scalar(sa.select(m.AppraisalScore.id).where(
            m.AppraisalScore.sheet_id == world["sheets"]["t_cm1"]).order_by(m.AppraisalScore.id))
    before = snapshot(app)
    r = b.api("put", f"/api/v1/appraisal_score/{score_id}", json={"score": "1.123456789"})
    assert r.status_code == 422, r.data
    assert api_message(r, "score") == "最多保留 2 位小数；系统不会替您四舍五入。"
    r = b.post(f"/appraisalscoreview/edit/{score_id}", data={"score": "1.123456789", "note": ""})
    assert r.status_code == 200
    assert field_errors(r.get_data(as_text=True), "score")
    assert snapshot(app) == before


# -- the same on the forms: the message next to the field ---------------------------------------

def client_form(world, **kw):
    data = {"code": "BAD010", "name": "坏数据客户", "status": "active", "business_format": world["formats"]["Z"],
            "market_type": "C", "department": world["departments"]["D1A"]}
    data.update(kw)
    return data


@pytest.mark.parametrize("field,value,message", [
    ("name", "a\x00b", "不能包含空字符（NUL）。"),
    ("address", "a\x00b", "不能包含空字符（NUL）。"),
    ("name", "x" * 10000, None),
    ("status", "zz", None),
    ("department", "99999", None),
])
def test_form_bad_values_next_to_field(app, login, world, field, value, message):
    b = login("t_admin")
    before = snapshot(app)
    r = b.post("/clientview/add", data=client_form(world, **{field: value}))
    assert r.status_code == 200
    errors = field_errors(r.get_data(as_text=True), field)
    assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors
    if message:
        assert errors == [message]
    r = b.post(f"/clientview/edit/{world['clients']['W003']}", data=client_form(world, code="W003", **{field: value}))
    assert r.status_code == 200
    assert field_errors(r.get_data(as_text=True), field)
    assert snapshot(app) == before


def test_form_nul_in_english(app, login, world):
    b = login("t_admin")
    b.get("/lang/en")
    r = b.post("/clientview/add", data=client_form(world, name="a\x00b"))
    assert field_errors(r.get_data(as_text=True), "name") == ["Must not contain a NUL character."]


def test_form_integer_beyond_int4(app, login, world):
    b = login("t_admin")
    before = snapshot(app)
    r = b.post("/purchaserecordview/add", data={"client": world["clients"]["W001"], "month": "2026-03-01",
                                                "quantity": "99999999999", "amount": "1"})
    assert r.status_code == 200
    assert field_errors(r.get_data(as_text=True), "quantity") == ["必须在 -2,147,483,648 到 2,147,483,647 之间。"]
    assert snapshot(app) == before


def test_translated_message_with_percent_sign(app, login, extra_rows):
    """"抽样比例须大于 0 且不超过 1（100%）。": FAB's lib.html formats field errors with %."""
    b = login("t_admin")
    before = snapshot(app)
    r = b.post("/surveycampaignview/add", data={
        "name": "比例过大", "kind": "semiannual", "period": "2026H2", "questionnaire": extra_rows["questionnaire"],
        "sample_ratio": "2", "top_n": "20", "deadline": "2026-12-31", "channel": "online"})
    assert r.status_code == 200, r.data[:300]
    assert field_errors(r.get_data(as_text=True), "sample_ratio") == ["抽样比例须大于 0 且不超过 1（100%）。"]
    assert snapshot(app) == before


def test_visit_plan_item_form(app, login, world, extra_rows):
    """VisitPlanItem has no rules of its own: the form still works (models.base.Model.business_errors)."""
    b = login("t_admin")
    before = snapshot(app)
    r = b.post("/visitplanitemview/add", data={"plan": "", "client": world["clients"]["W001"], "due_on": "2026-10-10"})
    assert r.status_code == 200
    assert field_errors(r.get_data(as_text=True), "plan")
    assert snapshot(app) == before
    r = b.post("/visitplanitemview/add", data={"plan": extra_rows["plan"], "client": world["clients"]["W001"],
                                               "due_on": "2026-10-10"})
    assert r.status_code == 302, r.data[:300]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(m.VisitPlanItem)
                                 .where(m.VisitPlanItem.plan_id == extra_rows["plan"])) == 1


# -- malformed filter, sort and paging arguments -------------------------------------------------

@pytest.mark.parametrize("query,message", [
    ("_flt_0_status=x", "状态：必须为以下之一：active, inactive。"),
    ("_flt_9_status=active", "未知的筛选条件 _flt_9_status。"),
    ("_flt_0_name=a%00b", "名称：不能包含空字符（NUL）。"),
    ("psize_ClientView=-1", "每页行数必须是 1 到 1000 之间的整数。"),
    ("psize_ClientView=abc", "每页行数必须是 1 到 1000 之间的整数。"),
    ("page_ClientView=99999999999999999999", "页码必须是 0 到 2147483647 之间的整数。"),
    ("page_ClientView=-1", "页码必须是 0 到 2147483647 之间的整数。"),
    ("_oc_ClientView=<script>&_od_ClientView=asc", "列表不能按 <script> 排序。"),
    ("_oc_ClientView=code&_od_ClientView=sideways", "排序方向必须为 asc 或 desc。"),
])
@pytest.mark.parametrize("page", ["list", "export"])
def test_malformed_list_args_are_400(app, login, query, message, page):
    b = login("t_admin")
    before = snapshot(app)
    r = b.get(f"/clientview/{page}/?{query}")
    assert r.status_code == 400, r.data[:300]
    assert "text/html" in r.content_type  # no CSV header row, no half-sent file
    assert page_message(r) == message
    assert snapshot(app) == before  # an export refused is not logged as one


def test_malformed_list_args_in_english(app, login):
    b = login("t_admin")
    b.get("/lang/en")
    r = b.get("/clientview/list/?psize_ClientView=-1")
    assert r.status_code == 400
    assert page_message(r) == "The page size must be a whole number from 1 to 1000."


@pytest.mark.parametrize("q,message", [
    ("(page:-5)", "页码必须是 0 到 2147483647 之间的整数。"),
    ("(page:99999999999999999999)", "页码必须是"),
    ("(page_size:-5)", "每页行数必须是 1 到 1000 之间的整数。"),
    ("(filters:!((col:status,opr:eq,value:zzz)))", "状态：必须为以下之一：active, inactive。"),
    ("(filters:!((col:market_type,opr:eq,value:Q)))", "必须为以下之一"),
    ("((((", "参数 q 不是有效的 Rison。"),
    ("(filters:oops)", "参数 q 不是有效的 Rison。"),
    ("(order_direction:up)", "排序方向必须为 asc 或 desc。"),
])
@pytest.mark.parametrize("endpoint", ["/api/v1/client/", "/api/v1/client/export.csv"])
def test_malformed_rison_is_400(app, login, q, message, endpoint):
    b = login("t_admin")
    before = snapshot(app)
    r = b.api("get", endpoint, query_string={"q": q})
    assert r.status_code == 400, r.data[:300]
    assert r.is_json
    assert message in api_message(r)
    assert snapshot(app) == before


def test_malformed_rison_in_english(app, login):
    b = login("t_admin")
    r = b.api("get", "/api/v1/client/", query_string={"q": "(page:-5)", "_l_": "en"})
    assert r.status_code == 400
    assert api_message(r) == "The page number must be a whole number from 0 to 2147483647."


def test_good_list_args_still_work(app, login):
    b = login("t_admin")
    r = b.get("/clientview/list/?_flt_0_status=active&psize_ClientView=50&page_ClientView=0"
              "&_oc_ClientView=code&_od_ClientView=desc")
    assert r.status_code == 200 and "W001" in r.get_data(as_text=True)
    r = b.api("get", "/api/v1/client/", query_string={"q": "(filters:!((col:status,opr:eq,value:active)),page:0,page_size:10)"})
    assert r.status_code == 200 and r.json["count"] >= 3


# -- the last line of defence -------------------------------------------------------------------

def test_database_refusal_is_rolled_back_4xx(app, login, world, monkeypatch):
    """A statement refused by the database that no check foresaw: 4xx, translated, rolled back."""
    from backoffice.views import input_checks

    monkeypatch.setattr(input_checks, "column_errors", lambda model, values: {})
    monkeypatch.setattr(input_checks, "payload_errors", lambda model, payload: {})
    b = login("t_admin")
    before = snapshot(app)
    r = b.api("post", "/api/v1/purchase/", json={"client": world["clients"]["W001"], "month": "2026-04-01",
                                                  "quantity": 99999999999 if app.backend == "postgresql" else 1,
                                                  "amount": "1" if app.backend == "postgresql" else "-1"})
    # SQLite stores 64-bit integers, so there a CHECK refuses instead (rules off: amount -1)
    if app.backend == "sqlite":
        monkeypatch.setattr(m.PurchaseRecord, "business_errors", classmethod(lambda cls, v, i=None: {}))
        r = b.api("post", "/api/v1/purchase/", json={"client": world["clients"]["W001"], "month": "2026-04-01",
                                                      "quantity": 1, "amount": "-1"})
    assert r.status_code in (400, 422), r.data
    assert re.search(r"[\u4e00-\u9fff]", api_message(r))
    assert snapshot(app) == before
    assert b.api("get", f"/api/v1/client/{world['clients']['W001']}").status_code == 200  # session usable


@pytest.mark.parametrize("url", ["/clientview/export/?_flt_0_status=x",
                                 "/api/v1/client/export.csv?q=(filters:!((col:status,opr:eq,value:zzz)))"])
def test_export_runs_its_query_before_the_first_byte(app, login, monkeypatch, url):
    """Even a filter no check foresaw is refused with a 4xx before any CSV byte (views/export.py)."""
    from backoffice.views import input_checks

    monkeypatch.setattr(input_checks, "list_args_message", lambda view: None)
    monkeypatch.setattr(input_checks, "rison_message", lambda api: None)
    b = login("t_admin")
    before = snapshot(app)
    r = b.api("get", url) if url.startswith("/api/") else b.get(url)
    assert r.status_code == 400, r.data[:300]
    assert "text/csv" not in r.content_type
    message = api_message(r) if url.startswith("/api/") else page_message(r)
    assert message == "请求中有无法保存或查询的值。"
    assert snapshot(app) == before  # and no export in the change log


def test_nul_on_the_login_api_and_form(app):
    """FAB's own endpoints: PostgreSQL cannot compare a user name holding NUL (views/errors.py)."""
    before = snapshot(app)
    c = app.test_client()
    r = c.post("/api/v1/security/login", json={"username": "t_admin\x00", "password": "x", "provider": "db"})
    assert r.status_code == 400 and r.json["message"] == "不能包含空字符（NUL）。"
    r = c.post("/api/v1/security/login?_l_=en", json={"username": "t_admin\x00", "password": "x", "provider": "db"})
    assert r.status_code == 400 and r.json["message"] == "Must not contain a NUL character."
    r = c.post("/login/", data={"username": "t_admin\x00", "password": "x"})
    assert r.status_code in (302, 400)  # SQLite finds no such user; PostgreSQL refuses the value
    assert snapshot(app) == before


@pytest.mark.parametrize("q", ["(filters:!((col:code,opr:sw,value:!n)))", "(filters:!((col:code,opr:sw,value:!t)))",
                               "(filters:!((col:name,opr:ct,value:(a:1))))"])
@pytest.mark.parametrize("endpoint", ["/api/v1/client/", "/api/v1/client/export.csv"])
def test_text_filter_with_a_value_that_is_not_text(app, login, endpoint, q):
    """Found by the long fuzz run: LIKE with true or null could not be bound."""
    b = login("t_admin")
    r = b.api("get", endpoint, query_string={"q": q})
    assert r.status_code == 400, r.data[:300]
    assert api_message(r).endswith("请输入文字。")
    r = b.api("get", endpoint, query_string={"q": "(filters:!((col:code,opr:sw,value:W00)))"})
    assert r.status_code == 200


@pytest.mark.parametrize("q,message", [
    ("(filters:!((col:code,opr:eq,value:!n)))", "参数 q 的格式不正确。"),
    ("(order_column:nope)", "列表不能按 nope 排序。"),
    ("(filters:!((col:id,opr:eq,value:1)))", "列表不能按 id 筛选。"),
    ("(filters:!((col:code,opr:gt,value:1)))", "code 不能使用筛选条件 gt。"),
])
def test_fab_refusals_are_translated(app, login, q, message):
    b = login("t_admin")
    r = b.api("get", "/api/v1/client/", query_string={"q": q})
    assert r.status_code == 400
    assert api_message(r) == message
