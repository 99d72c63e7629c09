"""What a person sees on list and show pages (SPEC §10, views/formatting.py): translated labels for
coded values, 是/否 for flags, nothing printed as None/True/False, money as ¥1,234.50, dates as
2026-11-22, times without seconds' fractions; and form selects without FAB's "__None" text."""
import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db

RAW = {"None", "True", "False", "city_a", "active", "on_site", "complaint", "own_service", "C", "X",
       "exceeded", "draft", "registered"}


def cells(html):
    """Visible text of every table cell (row action buttons left out)."""
    out = []
    for raw in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S):
        if "getElementById" in raw:
            continue
        text = " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", raw)).split())
        out.append(text)
    return out


def row_of(html, code):
    """The cells of the list row whose code cell is ``code``."""
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        row = cells(tr)
        if code in row:
            return row
    raise AssertionError(f"no row {code}")


def no_raw_values(texts):
    assert not [t for t in texts if t in RAW], texts
    assert not [t for t in texts if re.search(r"\b(None|True|False)\b", t)], texts
    assert not [t for t in texts if re.search(r"\d{2}:\d{2}:\d{2}\.\d", t)], texts  # microseconds


def _id(app, model, **where):
    with app.app_context():
        q = sa.select(model.id)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return db.session.scalar(q)


def test_client_list_prints_labels(app, login):
    page = login("t_admin").get("/clientview/list/").get_data(as_text=True)
    w001, w002 = row_of(page, "W001"), row_of(page, "W002")
    # code, name, format, market type, region, composite, service level, key account, owner, dept, status
    assert w001[1:6] == ["测试客户W001", "Z 食杂店", "城镇（C）", "城市A类", ""]
    assert w002[3] == "乡村（X）"
    assert w001[7] == "否" and w001[-1] == "有效"
    no_raw_values(w001 + w002)


def test_client_list_in_english(app, login):
    b = login("t_viewer")
    b.get("/lang/en")
    page = b.get("/clientview/list/").get_data(as_text=True)
    row = row_of(page, "W002")
    assert "Rural (X)" in row and "City class A" in row and "No" in row and "Active" in row
    no_raw_values(row)


def test_client_show_page(app, login):
    cid = _id(app, m.Client, code="W001")
    page = login("t_admin").get(f"/clientview/show/{cid}").get_data(as_text=True)
    texts = cells(page)
    for expected in ("城镇（C）", "城市A类", "有效", "否", "Z 食杂店", "城区一组"):
        assert expected in texts, (expected, texts)
    # related tabs: contacts (是), purchases (date, money), visits (time to the minute)
    assert "是" in texts
    assert "2026-09-01" in texts and "¥1,000.00" in texts
    assert "2026-10-05 10:00" in texts
    no_raw_values(texts)
    assert ">None<" not in page and "__None" not in re.sub(r'value="__None"', "", page)


def test_money_grouping_and_dates(app, login):
    """¥1,234.50 with a thousands separator and two decimals; the month as 2026-07-01."""
    with app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()
        client = db.session.scalar(sa.select(m.Client).where(m.Client.code == "W003"))
        rec = m.PurchaseRecord(client=client, month=dt.date(2026, 7, 1), quantity=1234,
                               amount=Decimal("1234.5"), profit=None)
        db.session.add(rec)
        db.session.commit()
        rec_id = rec.id
    try:
        page = login("t_admin").get(f"/purchaserecordview/show/{rec_id}").get_data(as_text=True)
        texts = cells(page)
        assert "¥1,234.50" in texts and "2026-07-01" in texts and "1234" in texts
        assert "" in texts  # the empty profit is an empty cell
        no_raw_values(texts)
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.PurchaseRecord).where(m.PurchaseRecord.id == rec_id))
            db.session.commit()


def test_appraisal_sheet_show(app, login):
    with app.app_context():
        sheet = db.session.scalar(sa.select(m.AppraisalSheet).join(m.Staff, m.AppraisalSheet.staff_id == m.Staff.id)
                                  .join(m.Client, m.Client.owner_id == m.Staff.id).where(m.Client.code == "W001"))
        sid = sheet.id
    page = login("t_admin").get(f"/appraisalsheetview/show/{sid}").get_data(as_text=True)
    texts = cells(page)
    # 88 points, base 3,000, target exceeded -> 2,772 (SPEC §6 test vector)
    for expected in ("¥3,000.00", "¥2,772.00", "88%", "88.00", "2026-10", "草稿", "超额完成（+5%）"):
        assert expected in texts, (expected, texts)
    no_raw_values(texts)


def test_ticket_list_and_show(app, login):
    b = login("t_admin")
    page = b.get("/ticketview/list/").get_data(as_text=True)
    texts = cells(page)
    assert "投诉" in texts and "新建" in texts and "一般" in texts
    assert any(re.fullmatch(r"GD\d{12}", t) for t in texts)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", t) for t in texts)
    no_raw_values(texts)
    tid = _id(app, m.Ticket, subject="投诉W001")
    texts = cells(b.get(f"/ticketview/show/{tid}").get_data(as_text=True))
    assert "一类：自身服务" in texts and "电话" in texts
    no_raw_values(texts)


@pytest.mark.parametrize("url", ["/clientview/add", "/ticketview/add", "/visitlogview/add"])
def test_form_selects(app, login, url):
    page = login("t_admin").get(url).get_data(as_text=True)
    selects = re.findall(r"<select([^>]*)>(.*?)</select>", page, re.S)
    assert selects
    for attrs, options in selects:
        labels = [htmllib.unescape(t).strip() for t in re.findall(r"<option[^>]*>(.*?)</option>", options, re.S)]
        assert "__None" not in labels, (attrs, labels)
        assert 'class="' in attrs and "form-control" in re.search(r'class="([^"]*)"', attrs).group(1), attrs
        assert not [label for label in labels if label in RAW], labels
    # an optional relation starts on a visible blank choice
    owner = dict(re.findall(r'<select[^>]*id="(\w+)"[^>]*>(.*?)</select>', page, re.S)).get("owner")
    if owner is not None:
        assert re.search(r'<option selected value="__None">—</option>', owner)


def test_search_form_selects(app, login):
    """The filter widgets on the list page are rendered into a script; no "__None" text there either."""
    page = login("t_admin").get("/clientview/list/").get_data(as_text=True)
    assert "\\u003e__None\\u003c" not in page and ">__None<" not in page
    assert "__None" in page  # the blank option's value is still there (FAB reads it)


def test_openapi_spec_has_one_schema_per_relation(app, login):
    """Two relations to one model (ClientTier.tier / override_tier, Ticket.receiver /
    responsible_staff) get schemas of their own names, so apispec has nothing to warn about."""
    import warnings

    b = login("t_admin")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = b.api("get", "/api/v1/_openapi")
    assert r.status_code == 200
    assert not [w for w in caught if "Multiple schemas resolved" in str(w.message)], [str(w.message) for w in caught]
    names = set(r.json["components"]["schemas"])
    assert {"ClientTierApi.get.tier.Tier", "ClientTierApi.get.override_tier.Tier"} <= names
    assert "ClientTierApi.get.Tier" not in names and "ClientTierApi.get.Tier1" not in names
