"""Forms that help (issue #11): amounts read alike on the screen, the API and imports; extra
decimals, bad phones and e-mails and out-of-order tier thresholds are refused next to the field,
in the user's language, and nothing is saved. Runs on SQLite and PostgreSQL (``app`` fixture)."""
import re
from decimal import Decimal

import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from tests.integration.test_bad_input import assert_api_422, count, field_errors, ids

PLACES = "最多保留 2 位小数；系统不会替您四舍五入。"
NOT_A_NUMBER = "不是有效的数字。请填写数字，可带千位分隔符：600000 或 600,000。"
NOT_A_PHONE = ("不是有效的电话号码。请填写手机号（13800138000）或带区号的固定电话"
               "（0371-12345678、010-1234567、0371-12345678-801）。")
NOT_AN_EMAIL = "不是有效的电子邮箱地址（例如 name@example.com）。"


def purchases(app, client_id):
    with app.app_context():
        rows = db.session.execute(sa.select(m.PurchaseRecord.month, m.PurchaseRecord.amount)
                                  .where(m.PurchaseRecord.client_id == client_id)).all()
        return {r.month.isoformat(): r.amount for r in rows}


def test_grouped_amounts_accepted_on_form_and_api(app, login):
    i = ids(app)
    b = login("t_admin")
    r = b.post("/purchaserecordview/add",
               data={"client": i["client"], "month": "2026-05-01", "quantity": "1", "amount": "600,000"})
    assert r.status_code == 302, field_errors(r.get_data(as_text=True), "amount")
    r = b.api("post", "/api/v1/purchase/",
              json={"client": i["client"], "month": "2026-06-01", "quantity": 1, "amount": "600,000.50"})
    assert r.status_code == 201, r.json
    stored = purchases(app, i["client"])
    assert stored["2026-05-01"] == Decimal("600000.00")
    assert stored["2026-06-01"] == Decimal("600000.50")


def test_fraction_of_a_fen_is_refused_not_rounded(app, login):
    i = ids(app)
    b = login("t_admin")
    before = count(app, m.PurchaseRecord)
    r = b.post("/purchaserecordview/add",
               data={"client": i["client"], "month": "2026-05-01", "quantity": "1", "amount": "1.005"})
    assert r.status_code == 200
    assert field_errors(r.get_data(as_text=True), "amount") == [PLACES]
    r = b.post("/purchaserecordview/add",
               data={"client": i["client"], "month": "2026-05-01", "quantity": "1", "amount": "6,00,000"})
    assert field_errors(r.get_data(as_text=True), "amount") == [NOT_A_NUMBER]
    for amount in ("1.005", 1.005):
        r = b.api("post", "/api/v1/purchase/",
                  json={"client": i["client"], "month": "2026-05-01", "quantity": 1, "amount": amount})
        assert_api_422(r, "amount", PLACES)
    assert count(app, m.PurchaseRecord) == before


def test_bad_phone_refused_on_client_form_and_api(app, login):
    i = ids(app)
    b = login("t_admin")
    r = b.get(f"/clientview/edit/{i['client']}")
    version = None
    found = re.search(r'name="version"[^>]*value="(\d+)"', r.get_data(as_text=True))
    if found:
        version = found.group(1)
    with app.app_context():
        c = db.session.get(m.Client, i["client"])
        form = {"code": c.code, "name": c.name, "status": "active", "business_format": c.business_format_id,
                "market_type": "C", "department": c.department_id, "owner": c.owner_id, "phone": "1" * 10000}
    if version:
        form["version"] = version
    r = b.post(f"/clientview/edit/{i['client']}", data=form)
    assert r.status_code == 200
    assert field_errors(r.get_data(as_text=True), "phone") == ["字段长度不能超过 30 个字符。"]  # WTForms Length
    form["phone"] = "12345"
    r = b.post(f"/clientview/edit/{i['client']}", data=form)
    assert field_errors(r.get_data(as_text=True), "phone") == [NOT_A_PHONE]
    r = b.api("put", f"/api/v1/client/{i['client']}", json={"phone": "not a phone"})
    assert_api_422(r, "phone", NOT_A_PHONE)
    with app.app_context():
        assert db.session.get(m.Client, i["client"]).phone is None
    # a landline with an extension is fine
    r = b.api("put", f"/api/v1/client/{i['client']}", json={"phone": "0371-12345678-801"})
    assert r.status_code == 200, r.json
    with app.app_context():
        assert db.session.get(m.Client, i["client"]).phone == "0371-12345678-801"


def test_bad_email_and_phone_refused_on_contact(app, login):
    i = ids(app)
    b = login("t_admin")
    before = count(app, m.Contact)
    r = b.post("/contactview/add", data={"client": i["client"], "name": "王五", "email": "not-an-email",
                                         "phone": "1" * 11})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert field_errors(page, "email") == [NOT_AN_EMAIL]
    assert field_errors(page, "phone") == [NOT_A_PHONE]
    r = b.api("post", "/api/v1/contact/", json={"client": i["client"], "name": "王五", "email": "not-an-email"})
    assert_api_422(r, "email", NOT_AN_EMAIL)
    assert count(app, m.Contact) == before
    r = b.api("post", "/api/v1/contact/", json={"client": i["client"], "name": "王五", "email": "wang@example.com",
                                                "phone": "13912345678"})
    assert r.status_code == 201, r.json
    assert count(app, m.Contact) == before + 1


def test_english_messages(app, login):
    i = ids(app)
    b = login("t_admin")
    b.get("/lang/en")
    r = b.post("/contactview/add", data={"client": i["client"], "name": "Wang", "email": "not-an-email"})
    assert field_errors(r.get_data(as_text=True), "email") == ["Not an e-mail address (for example name@example.com)."]


def test_tier_thresholds_keep_their_order(app, login):
    b = login("t_admin")
    with app.app_context():
        scheme = db.session.scalar(sa.select(m.TierScheme).where(m.TierScheme.code == "ANNUAL"))
        tier_b = next(t for t in scheme.tiers if t.code == "B")
        tier_b_id, scheme_id = tier_b.id, scheme.id
        form = {"scheme": scheme_id, "code": "B", "name": tier_b.name, "rank": "2", "min_amount": "1,200,000",
                "version": ""}
    r = b.post(f"/tierview/edit/{tier_b_id}", data=form)
    assert r.status_code == 200
    assert field_errors(r.get_data(as_text=True), "min_amount") == ["不能高于上一级 A 级 的门槛（¥1,000,000.00）。"]
    r = b.api("put", f"/api/v1/tier/{tier_b_id}", json={"min_amount": "50,000"})
    assert_api_422(r, "min_amount", "不能低于下一级 C 级 的门槛（¥100,000.00）。")
    with app.app_context():
        assert db.session.get(m.Tier, tier_b_id).min_amount == Decimal("500000.00")
    r = b.api("put", f"/api/v1/tier/{tier_b_id}", json={"min_amount": "600,000"})
    assert r.status_code == 200, r.json
    with app.app_context():
        assert db.session.get(m.Tier, tier_b_id).min_amount == Decimal("600000.00")
