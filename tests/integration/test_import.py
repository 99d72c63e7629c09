"""Imports of clients and purchases through the screens (SPEC §9), on SQLite and PostgreSQL.

Each test uses client codes of its own (prefix per test and backend) so the session-scoped
world stays as other tests expect it; rows a test creates are deleted at the end.
"""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice.extensions import db
from backoffice import models as m
from backoffice.imports.apply import read_upload

PURCHASE_HEADER_ZH = "客户编码,月份,数量（条）,金额（元）,利润（元）"


def upload(browser, kind, data, filename="data.csv"):
    return browser.post(f"/import/{kind}/", data={"file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")


def upload_ok(browser, kind, data, filename="data.csv"):
    r = upload(browser, kind, data, filename)
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    upload_id = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    preview = browser.get(r.headers["Location"])
    assert preview.status_code == 200
    return upload_id, preview.get_data(as_text=True)


def counts(html):
    """{action: n} from the counts table of a preview or result page."""
    return {a: int(n.replace(",", "")) for a, n in
            re.findall(r'class="import-count" data-action="(\w+)"[^>]*>([\d,]+)<', html)}


def error_rows(html):
    """[(row, field, message)] from the error table."""
    return [(int(r), f, re.sub(r"\s+", " ", msg).strip()) for r, f, msg in re.findall(
        r'<tr class="import-error" data-row="(\d+)" data-field="(\w+)">.*?<td class="text-danger">(.*?)</td>',
        html, re.S)]


def confirm(browser, kind, upload_id, mode="all_or_nothing"):
    return browser.post(f"/import/{kind}/confirm/{upload_id}", data={"mode": mode})


@pytest.fixture
def cleanup(app):
    codes = []
    yield codes
    with app.app_context():
        ids = db.session.execute(sa.select(m.Client.id).where(m.Client.code.in_(codes))).scalars().all()
        if ids:
            db.session.execute(sa.delete(m.PurchaseRecord).where(m.PurchaseRecord.client_id.in_(ids)))
            db.session.execute(sa.delete(m.Contact).where(m.Contact.client_id.in_(ids)))
            db.session.execute(sa.delete(m.Client).where(m.Client.id.in_(ids)))
        db.session.commit()


def client_csv(rows, header="客户编码,客户名称,部门,业态,市场类型,客户经理,片区"):
    return (header + "\n" + "\n".join(rows) + "\n")


def purchases_of(app, code):
    with app.app_context():
        q = (sa.select(m.PurchaseRecord.month, m.PurchaseRecord.quantity, m.PurchaseRecord.amount,
                       m.PurchaseRecord.profit, m.PurchaseRecord.changed_on)
             .join(m.Client).where(m.Client.code == code).order_by(m.PurchaseRecord.month))
        rows = db.session.execute(q).all()
        db.session.rollback()
        return rows


def make_clients(app, codes, dept="D1", owner="t_cm1"):
    """Clients of this test, created directly (not through the import under test)."""
    from backoffice.cli import act_as_system

    with app.app_context(), app.test_request_context():
        act_as_system()
        d = db.session.execute(sa.select(m.Department).where(m.Department.code == dept)).scalar_one()
        staff = db.session.execute(sa.select(m.Staff).join(m.Staff.user).where(
            app.appbuilder.sm.user_model.username == owner)).scalar_one()
        fmt = db.session.execute(sa.select(m.BusinessFormat).where(m.BusinessFormat.code == "Z")).scalar_one()
        for code in codes:
            db.session.add(m.Client(code=code, name=f"客户{code}", department=d, owner=staff,
                                    business_format=fmt, market_type="C"))
        db.session.commit()


def p(app, name):
    return f"{name}{app.backend[:2].upper()}"


# -- clients -------------------------------------------------------------------------------------
def test_client_import_creates_updates_and_second_import_changes_nothing(app, login, cleanup):
    a, b = p(app, "IC1"), p(app, "IC2")
    cleanup += [a, b]
    data = client_csv([f"{a},城东食杂店,D1,Z,C,T004,城东", f"{b},城西超市,D1A,超市,X,t_cm1,城西"]).encode("utf-8")
    head = login("t_head1")
    upload_id, html = upload_ok(head, "clients", data)
    assert counts(html) == {"create": 2, "update": 0, "unchanged": 0, "reject": 0}
    assert "城东食杂店" in html and "城西超市" in html
    r = confirm(head, "clients", upload_id)
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "import-committed" in text and counts(text)["create"] == 2
    with app.app_context():
        rows = {c.code: c for c in db.session.execute(sa.select(m.Client).where(m.Client.code.in_([a, b]))).scalars()}
        assert rows[a].name == "城东食杂店" and rows[a].department.code == "D1"
        assert rows[b].business_format.code == "S" and rows[b].composite_code is None or rows[b].composite_code
        assert rows[a].owner.employee_no == "T004" and rows[b].owner.employee_no == "T004"
        assert rows[a].created_by.username == "t_head1"
        stamps = {c.code: c.changed_on for c in rows.values()}
        db.session.rollback()

    # The same file again: nothing to write, nothing changes.
    upload_id, html = upload_ok(head, "clients", data)
    assert counts(html) == {"create": 0, "update": 0, "unchanged": 2, "reject": 0}
    assert "import-nothing" in html
    with app.app_context():
        again = {c.code: c.changed_on for c in db.session.execute(sa.select(m.Client).where(m.Client.code.in_([a, b]))).scalars()}
        assert again == stamps

    # A changed cell is an update of that field only.
    data2 = client_csv([f"{a},城东食杂店,D1,Z,C,T004,城北"]).encode("utf-8")
    upload_id, html = upload_ok(head, "clients", data2)
    assert counts(html)["update"] == 1
    assert "城东" in html and "城北" in html
    confirm(head, "clients", upload_id)
    with app.app_context():
        c = db.session.execute(sa.select(m.Client).where(m.Client.code == a)).scalar_one()
        assert c.area == "城北" and c.name == "城东食杂店"


def test_client_preview_lists_every_error_in_chinese_and_all_or_nothing_commits_nothing(app, login, cleanup):
    good, bad = p(app, "IE1"), p(app, "IE2")
    cleanup += [good, bad]
    data = client_csv([
        f"{good},好客户,D1,Z,C,T004,城东",
        f"{bad},,D9,Q,Z,nobody,城东",  # row 3: name missing, department, market type, owner
        "W003,重复的老客户,D1,Z,C,T004,城东",  # row 4: existing client, valid update
        f"{good},又一次,D1,Z,C,T004,城东",  # row 5: code twice in the file
    ]).encode("utf-8")
    restorable = ("name", "area", "owner_id", "department_id", "business_format_id", "market_type")
    with app.app_context():
        w003 = db.session.execute(sa.select(m.Client).where(m.Client.code == "W003")).scalar_one()
        w003_before = {k: getattr(w003, k) for k in restorable}
    head = login("t_head1")
    upload_id, html = upload_ok(head, "clients", data)
    assert counts(html) == {"create": 1, "update": 1, "unchanged": 0, "reject": 2}
    errors = error_rows(html)
    assert (3, "name", "新记录必填。") in errors or any(r == 3 and f == "name" for r, f, _m in errors)
    fields_row3 = {f for r, f, _m in errors if r == 3}
    assert fields_row3 == {"name", "department", "market_type", "owner"}
    messages = {f: msg for r, f, msg in errors if r == 3}
    assert "D9" in messages["department"] and "nobody" in messages["owner"]
    assert re.search(r"[\u4e00-\u9fff]", messages["market_type"]), messages  # Chinese message
    assert [(r, f) for r, f, _m in errors if r == 5] == [(5, "code")]
    assert "2" in messages.get("code", "") or "第" in errors[-1][2] or "2" in errors[-1][2]

    r = confirm(head, "clients", upload_id, "all_or_nothing")
    assert "import-not-committed" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(m.Client).where(m.Client.code == good)).first() is None
        w003 = db.session.execute(sa.select(m.Client).where(m.Client.code == "W003")).scalar_one()
        assert w003.name == "测试客户W003"

    # Valid rows only: the good row is created, W003 updated; then W003 is put back.
    r = confirm(head, "clients", upload_id, "valid_rows")
    assert "import-committed" in r.get_data(as_text=True)
    with app.app_context(), app.test_request_context():
        from backoffice.cli import act_as_system

        act_as_system()
        assert db.session.execute(sa.select(m.Client).where(m.Client.code == good)).first() is not None
        w003 = db.session.execute(sa.select(m.Client).where(m.Client.code == "W003")).scalar_one()
        assert w003.name == "重复的老客户"
        for k, v in w003_before.items():  # other tests rely on W003 as the world made it
            setattr(w003, k, v)
        db.session.commit()


def test_client_import_scope(app, login, cleanup):
    mine, theirs = p(app, "IS1"), p(app, "IS2")
    cleanup += [mine, theirs]
    # t_head1 manages D1 and its team D1A; D2 and W002 (a D2 client) are outside.
    data = client_csv([
        f"{mine},本部门客户,D1A,Z,C,T004,城东",
        f"{theirs},别的部门客户,D2,Z,C,T005,城东",
        "W002,改别人的客户,D2,B,X,T005,郊县",
    ]).encode("utf-8")
    head = login("t_head1")
    upload_id, html = upload_ok(head, "clients", data)
    errors = {(r, f) for r, f, _m in error_rows(html)}
    assert (3, "department") in errors and (3, "owner") in errors
    assert (4, "code") in errors or (4, "department") in errors
    assert counts(html)["create"] == 1
    confirm(head, "clients", upload_id, "valid_rows")
    with app.app_context():
        assert db.session.execute(sa.select(m.Client.code).where(m.Client.code.in_([mine, theirs]))).scalars().all() == [mine]
        assert db.session.execute(sa.select(m.Client.name).where(m.Client.code == "W002")).scalar_one() == "测试客户W002"


def test_client_manager_scope_rule_at_the_check_level(app, cleanup):
    """A ClientManager (who has no import permission) would still be held to their scope."""
    from flask import g

    from backoffice.imports.apply import import_file

    code = p(app, "ICM")
    cleanup.append(code)
    data = client_csv([f"{code},别人的客户,D2,Z,C,T005,城东"]).encode("utf-8")
    with app.app_context(), app.test_request_context():
        g.user = app.appbuilder.sm.find_user(username="t_cm1")
        result = import_file("clients", data, user=g.user, mode="valid_rows")
        assert result.counts["reject"] == 1 and not result.counts["create"]
        assert {f for f, _m in result.rows[0].errors} >= {"owner", "department"}
        assert db.session.execute(sa.select(m.Client).where(m.Client.code == code)).first() is None


# -- purchases ---------------------------------------------------------------------------------------
def test_purchases_gb18030_formats_and_idempotent_reimport(app, login, cleanup):
    a, b = p(app, "PG1"), p(app, "PG2")
    cleanup += [a, b]
    make_clients(app, [a, b])
    data = "\n".join([
        PURCHASE_HEADER_ZH,
        f'{a},2026-11,"1,200","1,234.50",100',
        f"{a},2026/10,5,6,",
        f"{a},2026-09-01,7,8.5,1",
        f"{b},202611,1,1000000,",
        "",
    ]).encode("gb18030")
    back = login("t_back1")
    upload_id, html = upload_ok(back, "purchases", data)
    assert counts(html) == {"create": 4, "update": 0, "unchanged": 0, "reject": 0}
    r = confirm(back, "purchases", upload_id)
    assert "import-committed" in r.get_data(as_text=True)
    rows = purchases_of(app, a)
    assert [(x.month, x.quantity, x.amount, x.profit) for x in rows] == [
        (dt.date(2026, 9, 1), 7, Decimal("8.50"), Decimal("1.00")),
        (dt.date(2026, 10, 1), 5, Decimal("6.00"), None),
        (dt.date(2026, 11, 1), 1200, Decimal("1234.50"), Decimal("100.00")),
    ]
    assert [(x.month, x.amount) for x in purchases_of(app, b)] == [(dt.date(2026, 11, 1), Decimal("1000000.00"))]
    with app.app_context():
        logged = db.session.execute(sa.select(m.ChangeLog).where(
            m.ChangeLog.table_name == "purchase_record").order_by(m.ChangeLog.id.desc())).scalars().first()
        assert logged.user.username == "t_back1"

    before = purchases_of(app, a) + purchases_of(app, b)
    upload_id, html = upload_ok(back, "purchases", data)
    assert counts(html) == {"create": 0, "update": 0, "unchanged": 4, "reject": 0}
    confirm(back, "purchases", upload_id, "valid_rows")
    assert purchases_of(app, a) + purchases_of(app, b) == before  # changed_on included

    # A differing value updates that record only.
    data2 = f"{PURCHASE_HEADER_ZH}\n{a},2026-11,1200,1234.51,100\n".encode("gb18030")
    upload_id, html = upload_ok(back, "purchases", data2)
    assert counts(html) == {"create": 0, "update": 1, "unchanged": 0, "reject": 0}
    assert "1,234.50" in html and "1,234.51" in html
    confirm(back, "purchases", upload_id)
    after = purchases_of(app, a)
    assert after[2].amount == Decimal("1234.51") and after[0] == before[0]


def test_a_large_import_refreshes_the_planner_statistics(app, login, cleanup):
    """After a large write the import runs ANALYZE (PostgreSQL), so the next import or
    recalculation is planned for the table as it now is, not as it was before."""
    if app.backend != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (SQLite plans without them here)")
    codes = [p(app, f"AN{i}") for i in range(3)]
    cleanup += codes
    make_clients(app, codes)

    def estimated_and_counted():
        with app.app_context():
            estimated = db.session.execute(sa.text(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = 'purchase_record'::regclass")).scalar()
            counted = db.session.execute(sa.select(sa.func.count()).select_from(m.PurchaseRecord)).scalar()
            db.session.rollback()
            return estimated, counted

    with app.app_context():
        db.session.execute(sa.text("ANALYZE purchase_record"))
        db.session.commit()
    estimated, counted = estimated_and_counted()
    assert estimated == counted
    data = "\n".join([PURCHASE_HEADER_ZH] + [f"{c},2025-{mo:02d},{mo},{mo}00," for c in codes for mo in range(1, 13)])
    old = app.config["IMPORT_ANALYZE_ROWS"]
    app.config["IMPORT_ANALYZE_ROWS"] = 30  # 36 rows count as a large import here
    try:
        back = login("t_back1")
        upload_id, _html = upload_ok(back, "purchases", data.encode())
        assert "import-committed" in confirm(back, "purchases", upload_id).get_data(as_text=True)
    finally:
        app.config["IMPORT_ANALYZE_ROWS"] = old
    assert estimated_and_counted() == (counted + 36, counted + 36)


def test_statistics_follow_a_table_an_import_doubles(app):
    """Mid-import: once the rows added reach the table's last estimate, ANALYZE runs inside the
    transaction (and counts those rows); before that, and for a table already large, it does not."""
    if app.backend != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    from backoffice.imports.apply import TableStatistics

    codes = [p(app, f"TS{i}") for i in range(2)]
    make_clients(app, codes)
    try:
        with app.app_context():
            db.session.execute(sa.text("ANALYZE purchase_record"))
            db.session.commit()
            conn = db.session.connection()
            stats = TableStatistics("purchase_record", conn)
            before = stats.estimate
            assert before == db.session.execute(sa.select(sa.func.count()).select_from(m.PurchaseRecord)).scalar()
            ids = db.session.execute(sa.select(m.Client.id).where(m.Client.code.in_(codes))).scalars().all()
            user_id = db.session.execute(sa.select(app.appbuilder.sm.user_model.id)).scalars().first()
            added = max(before, 40) + 10  # enough to double the table
            conn.execute(sa.text(
                "INSERT INTO purchase_record (client_id, month, quantity, amount, created_on, changed_on, "
                "created_by_fk, changed_by_fk) "
                "SELECT :a + g % 2 * (:b - :a), make_date(1900 + g / 2, 1, 1), 1, 1, now(), now(), :u, :u "
                "FROM generate_series(0, :n - 1) AS g"), {"a": ids[0], "b": ids[1], "n": added, "u": user_id})
            stats.minimum = 40
            stats.grew(10)  # 10 rows: under the estimate, nothing happens
            assert stats.estimate == before and stats.added == 10
            stats.grew(added - 10)
            assert (stats.estimate, stats.added) == (before + added, 0)
            db.session.rollback()
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.Client).where(m.Client.code.in_(codes)))
            db.session.commit()


def test_purchases_utf8_bom_english_headers_and_xlsx(app, login, cleanup):
    import openpyxl

    a = p(app, "PB1")
    cleanup.append(a)
    make_clients(app, [a])
    back = login("t_back1")
    data = ("\ufeffclient,month,quantity,amount\n" f"{a},2026-01,10,100\n").encode("utf-8")
    upload_id, html = upload_ok(back, "purchases", data)
    assert counts(html)["create"] == 1
    confirm(back, "purchases", upload_id)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Client code", "Month", "Quantity (cartons)", "Amount (yuan)", "Profit (yuan)"])
    ws.append([a, dt.datetime(2026, 2, 1), 20, 200.5, None])
    ws.append([a, "2026-01", 10, 100, None])  # unchanged (same as the CSV row, profit empty)
    buf = io.BytesIO()
    wb.save(buf)
    upload_id, html = upload_ok(back, "purchases", buf.getvalue(), "data.xlsx")
    assert counts(html) == {"create": 1, "update": 0, "unchanged": 1, "reject": 0}, error_rows(html)
    confirm(back, "purchases", upload_id)
    assert [(x.month, x.quantity, x.amount) for x in purchases_of(app, a)] == [
        (dt.date(2026, 1, 1), 10, Decimal("100.00")), (dt.date(2026, 2, 1), 20, Decimal("200.50")),
    ]


def test_purchase_errors_and_all_or_nothing(app, login, cleanup):
    a = p(app, "PE1")
    cleanup.append(a)
    make_clients(app, [a])
    data = "\n".join([
        PURCHASE_HEADER_ZH,
        f"{a},2026-11,10,100,",
        f"{a},2026-13,x,-1,1.234",  # row 3: month, quantity, profit
        "NOPE,2026-11,1,1,",  # row 4: unknown client
        f"{a},2026-11,1,1,",  # row 5: (client, month) twice
        f"{a},2026-10,1,-5,",  # row 6: negative amount (PurchaseRecord.business_errors)
        "W002,2026-10,1,1,",  # row 7: W002 belongs to D2, outside t_back1's scope
        "",
    ]).encode("utf-8")
    back = login("t_back1")
    upload_id, html = upload_ok(back, "purchases", data)
    errors = error_rows(html)
    by_row = {}
    for r, f, msg in errors:
        by_row.setdefault(r, {})[f] = msg
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert set(by_row[3]) == {"month", "quantity", "profit"}
    assert "2026-11" in by_row[3]["month"] and re.search(r"[\u4e00-\u9fff]", by_row[3]["month"])
    assert "NOPE" in by_row[4]["client"] and "W002" in by_row[7]["client"]
    assert set(by_row[5]) == {"month"} and "2" in by_row[5]["month"]
    assert set(by_row[6]) == {"amount"}
    r = confirm(back, "purchases", upload_id, "all_or_nothing")
    assert "import-not-committed" in r.get_data(as_text=True)
    assert purchases_of(app, a) == []
    r = confirm(back, "purchases", upload_id, "valid_rows")
    assert [(x.month, x.quantity) for x in purchases_of(app, a)] == [(dt.date(2026, 11, 1), 10)]


# -- malformed files ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["binary", "empty", "wrong_columns", "missing_columns", "garbage", "header_only",
                                  "ragged", "bad_xlsx", "xls"])
def test_malformed_files_get_a_clear_message(app, login, case):
    import random

    rnd = random.Random(4)
    files = {
        "binary": (bytes(rnd.randrange(256) for _ in range(5000)), "x.csv"),
        "empty": (b"", "x.csv"),
        "wrong_columns": ("foo,bar\n1,2\n".encode(), "x.csv"),
        "missing_columns": ("客户编码,月份\nW001,2026-11\n".encode(), "x.csv"),
        # 10 MB of printable garbage: one long "header" line, no usable columns.
        "garbage": ("".join(rnd.choice("abcdefgh,;\"\n ") for _ in range(200_000)).encode() * 50, "x.csv"),
        "header_only": (f"{PURCHASE_HEADER_ZH}\n".encode(), "x.csv"),
        "ragged": (f"{PURCHASE_HEADER_ZH}\nW001,2026-11,1,1,1,9,9,9\n".encode(), "x.csv"),
        "bad_xlsx": (b"PK\x03\x04" + b"not really a zip" * 100, "x.xlsx"),
        "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "x.xls"),
    }
    data, name = files[case]
    r = upload(login("t_back1"), "purchases", data, name)
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    match = re.search(r'import-file-error"[^>]*>(.*?)</div>', text, re.S)
    assert match, text[-1500:]
    message = match.group(1).strip()
    assert re.search(r"[\u4e00-\u9fff]", message), message  # said in the user's language
    if case == "missing_columns":
        assert "数量" in message and "金额" in message
    if case == "wrong_columns":
        assert "foo" in message


def test_over_the_size_limit(app, login):
    old = app.config["IMPORT_MAX_BYTES"]
    app.config["IMPORT_MAX_BYTES"] = 1024
    try:
        r = upload(login("t_back1"), "purchases", f"{PURCHASE_HEADER_ZH}\n".encode() + b"W001,2026-11,1,1,1\n" * 200)
    finally:
        app.config["IMPORT_MAX_BYTES"] = old
    assert r.status_code == 400
    assert "MB" in r.get_data(as_text=True)


# -- permissions, templates, large files ------------------------------------------------------------------
@pytest.mark.parametrize("kind,allowed", [
    ("clients", {"t_admin", "t_head1"}),
    ("purchases", {"t_admin", "t_head1", "t_back1"}),
])
def test_import_permission(app, login, kind, allowed):
    for user in ("t_admin", "t_head1", "t_cm1", "t_desk", "t_back1", "t_viewer"):
        b = login(user)
        want = 200 if user in allowed else 403
        assert b.get(f"/import/{kind}/").status_code == want, user
        assert b.get(f"/import/{kind}/template.csv").status_code == want, user
        if user not in allowed:
            assert upload(b, kind, b"client,month\n").status_code == 403
        menu = b.get("/clientview/list/").get_data(as_text=True)
        assert (f"/import/{kind}/" in menu) == (user in allowed), user


def test_someone_elses_upload_is_not_found(app, login, cleanup):
    upload_id, _html = upload_ok(login("t_back1"), "purchases", f"{PURCHASE_HEADER_ZH}\nW001,2026-11,1,1,\n".encode())
    head = login("t_head1")
    assert head.get(f"/import/purchases/preview/{upload_id}").status_code == 404
    assert confirm(head, "purchases", upload_id).status_code == 404
    assert head.get("/import/purchases/preview/not-a-hash").status_code == 404


def test_template_documents_labels_and_field_names(app, login):
    b = login("t_head1")
    r = b.get("/import/purchases/template.csv")
    raw = r.data
    assert raw.startswith("\ufeff".encode())
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert "月份" in header and "金额" in header
    fields = b.get("/import/purchases/template.csv?headers=fields").data.decode("utf-8-sig").splitlines()[0]
    assert fields == "client,month,quantity,amount,profit"
    page = b.get("/import/clients/").get_data(as_text=True)
    assert "<code>market_type</code>" in page and "市场类型" in page
    # The label template is itself importable: its example row checks (client C0001 is unknown).
    upload_id, html = upload_ok(b, "purchases", raw)
    assert [f for _r, f, _m in error_rows(html)] == ["client"]


def test_large_import_runs_as_a_job(app, login, cleanup, monkeypatch):
    from backoffice.views import imports as import_views

    reads = []  # the screens read a large file once, at upload; the job reads it again
    monkeypatch.setattr(import_views, "read_upload", lambda *a, **k: reads.append("screen") or read_upload(*a, **k))
    codes = [p(app, f"PJ{i}") for i in range(3)]
    cleanup += codes
    make_clients(app, codes)
    lines = [PURCHASE_HEADER_ZH] + [f"{c},2025-{mo:02d},{mo},{mo * 100}," for c in codes for mo in range(1, 13)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    old = (app.config["IMPORT_JOB_THRESHOLD"], app.config.get("JOBS_SYNCHRONOUS"))
    app.config["IMPORT_JOB_THRESHOLD"], app.config["JOBS_SYNCHRONOUS"] = 10, True
    try:
        back = login("t_back1")
        upload_id, html = upload_ok(back, "purchases", data)
        assert "import-large" in html
        r = confirm(back, "purchases", upload_id)
        assert r.status_code == 302 and "/run/" in r.headers["Location"]
        page = back.get(r.headers["Location"]).get_data(as_text=True)
    finally:
        app.config["IMPORT_JOB_THRESHOLD"], app.config["JOBS_SYNCHRONOUS"] = old
    assert 'data-state="finished"' in page
    assert counts(page)["create"] == 36
    assert reads == ["screen"]
    assert "import-committed" in page
    assert len(purchases_of(app, codes[0])) == 12
    with app.app_context():
        run = db.session.execute(sa.select(m.JobRun).where(m.JobRun.kind == "import.purchases")
                                 .order_by(m.JobRun.id.desc())).scalars().first()
        assert run.launched_by.username == "t_back1"
        assert run.progress_done == run.progress_total == 36
        assert run.summary["counts"]["create"] == 36
        created_by = db.session.execute(sa.select(m.PurchaseRecord.created_by_fk).join(m.Client)
                                        .where(m.Client.code == codes[0])).scalars().first()
        assert created_by == run.launched_by_id
    # Another user cannot see the run's page.
    assert login("t_head1").get(f"/import/purchases/run/{run.id}").status_code == 404
