"""The search-as-you-type pickers (views/lookup.py, issue #11): scoped, permission-checked JSON,
and forms whose client / staff selects hold no rows until the user searches."""
import re

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


def texts(r):
    assert r.status_code == 200, r.data
    return [row["text"] for row in r.json["results"]]


def test_client_manager_finds_only_their_clients(app, login):
    b = login("t_cm1")  # W001 is t_cm1's, W002 belongs to t_cm2 in another department
    assert texts(b.get("/lookup/client?q=W001")) == ["W001 测试客户W001"]
    assert texts(b.get("/lookup/client?q=W002")) == []
    assert texts(b.get("/lookup/client?q=测试客户W002")) == []
    assert all(t.startswith("W001") for t in texts(b.get("/lookup/client")))


def test_search_by_code_name_and_phone(app, login):
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        c = db.session.scalar(sa.select(m.Client).where(m.Client.code == "W003"))
        c.phone = "0371-66668888"
        db.session.commit()
    b = login("t_admin")
    assert texts(b.get("/lookup/client?q=6666")) == ["W003 测试客户W003"]
    assert "W002 测试客户W002" in texts(b.get("/lookup/client?q=客户W002"))
    assert texts(b.get("/lookup/client?q=w00 3")) == ["W003 测试客户W003"]  # words are ANDed, any case
    assert texts(b.get("/lookup/client?q=%25")) == []  # a % is a character, not a wildcard
    assert texts(b.get("/lookup/client?page=abc")) == texts(b.get("/lookup/client"))


def test_who_may_ask(app, login):
    assert login("t_desk").get("/lookup/client?q=W").status_code == 200  # can_list ClientView
    r = app.test_client().get("/lookup/client?q=W")
    assert r.status_code in (302, 401) and b"W001" not in r.data
    # the staff picker: a client manager sees themself only (their scope), never another department
    from flask_appbuilder.security.sqla.models import User

    names = texts(login("t_cm1").get("/lookup/staff"))
    with app.app_context():
        own = db.session.scalar(sa.select(m.Staff).join(m.Staff.user).where(User.username == "t_cm1"))
        assert names == [own.name]
    assert len(texts(login("t_admin").get("/lookup/staff"))) > 1


@pytest.mark.parametrize("url, field", [("/contactview/add", "client"), ("/clientview/add", "owner")])
def test_add_forms_start_blank_and_search(app, login, url, field):
    page = login("t_admin").get(url).get_data(as_text=True)
    select = re.search(rf'<select([^>]*id="{field}"[^>]*)>(.*?)</select>', page, re.S)
    assert select, f"no {field} select on {url}"
    attrs, options = select.groups()
    assert "ajax-lookup" in attrs and 'data-lookup-url="/lookup/' in attrs
    assert re.findall(r"<option[^>]*>", options) == ['<option selected value="__None">']
    assert "js/lookup_select.js" in page


def test_edit_form_shows_the_current_record_and_saves_a_new_pick(app, login, world):
    b = login("t_admin")
    with app.app_context():
        contact = db.session.scalar(sa.select(m.Contact).join(m.Contact.client).where(m.Client.code == "W001"))
        contact_id, version = contact.id, contact.version
        w003 = db.session.scalar(sa.select(m.Client).where(m.Client.code == "W003")).id
    page = b.get(f"/contactview/edit/{contact_id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="client"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option selected value="\d+">W001 测试客户W001</option>', select)
    r = b.post(f"/contactview/edit/{contact_id}", data={"client": str(w003), "name": "联系人W001", "version": str(version)})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(m.Contact, contact_id).client_id == w003
    r = b.post(f"/contactview/edit/{contact_id}", data={"client": "999999", "name": "x", "version": str(version + 1)})
    assert r.status_code == 200 and "不是有效的选项" in r.get_data(as_text=True) or "Not a valid choice" in r.get_data(as_text=True)


def test_client_names_in_pinyin_order_on_postgresql(app, login, world):
    """安 (ān), 北 (běi), 陈 (chén), 张 (zhāng): pinyin on PostgreSQL (zh-x-icu); SQLite sorts by
    code point (北 U+5317, 安 U+5B89, 张 U+5F20, 陈 U+9648), as the README says."""
    from backoffice.cli import act_as_system

    names = ["张记商店", "安心便利", "陈氏烟酒", "北门食杂"]
    with app.app_context():
        act_as_system()
        fmt = db.session.scalar(sa.select(m.BusinessFormat))
        dept = db.session.scalar(sa.select(m.Department))
        for i, name in enumerate(names):
            db.session.add(m.Client(code=f"PY{i}", name=name, department=dept, business_format=fmt,
                                    market_type="C", status="active"))
        db.session.commit()
        backend = db.engine.dialect.name
    try:
        b = login("t_admin")
        found = [t.split(" ", 1)[1] for t in texts(b.get("/lookup/client?q=PY"))]
        page = b.get("/clientview/list/?_flt_0_code=PY&_oc_ClientView=name&_od_ClientView=asc").get_data(as_text=True)
        listed = sorted(names, key=page.index)
        if backend == "postgresql":
            expected = ["安心便利", "北门食杂", "陈氏烟酒", "张记商店"]
        else:
            expected = sorted(names)  # code point order
        assert found == expected
        assert listed == expected
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.Client).where(m.Client.code.like("PY%")))
            db.session.commit()
