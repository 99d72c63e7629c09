"""CSV export of list screens and of the API (SPEC §9): what the list shows, streamed, scoped,
readable by pandas in both encodings, formula cells neutralised, its own permission, logged."""
import datetime as dt
import io
import re

import pandas as pd
import pytest
import sqlalchemy as sa

from backoffice.extensions import db
from backoffice import models as m

EXPORT_ROWS = 30  # more than one list page (page_size 25)


def _codes(text, prefix):
    return re.findall(rf"\b{prefix}\d{{3}}\b", text)


@pytest.fixture
def export_clients(app, world):
    """30 clients of department D1 named 导出客户..., owned half by t_cm1, half by t_head1."""
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        staff = {s.user.username: s for s in db.session.execute(sa.select(m.Staff)).scalars() if s.user}
        fmt = db.session.execute(sa.select(m.BusinessFormat).where(m.BusinessFormat.code == "Z")).scalar_one()
        d1 = db.session.get(m.Department, world["departments"]["D1"])
        rows = []
        for i in range(EXPORT_ROWS):
            owner = staff["t_cm1"] if i % 2 else staff["t_head1"]
            rows.append(m.Client(
                code=f"EXP{i:03d}", name=f"导出客户{(i * 7) % EXPORT_ROWS:02d}号", owner=owner, department=d1,
                business_format=fmt, market_type="C" if i % 3 else "X", region_class="town", status="active",
                key_account=bool(i % 5 == 0), notes=None,
            ))
        db.session.add_all(rows)
        db.session.commit()
        ids = [c.id for c in rows]
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(m.Client).where(m.Client.id.in_(ids)))
        db.session.commit()


def _read(response, encoding="utf-8-sig"):
    return pd.read_csv(io.BytesIO(response.get_data()), encoding=encoding, dtype=str, keep_default_na=False)


def test_filtered_sorted_export_equals_the_list_pages(app, login, export_clients):
    """The export holds exactly the rows of every page of the list, in the list's order."""
    b = login("t_head1")
    query = "_flt_2_name=导出客户&_oc_ClientView=name&_od_ClientView=desc"
    pages = []
    for page in range(3):
        html = b.get(f"/clientview/list/?{query}&page_ClientView={page}").get_data(as_text=True)
        pages += _codes(html, "EXP")
    assert len(pages) == EXPORT_ROWS
    r = b.get(f"/clientview/export/?{query}")
    assert r.status_code == 200 and r.is_streamed
    df = _read(r)
    codes = df.iloc[:, 0].tolist()
    assert codes == pages
    # The same query, written independently: name contains, department D1 subtree, name desc.
    with app.app_context():
        expected = db.session.execute(
            sa.select(m.Client.code).where(m.Client.name.contains("导出客户"))
            .order_by(m.Client.name.desc(), m.Client.id.desc())
        ).scalars().all()
    assert codes == expected
    # Translated headers, exactly those of the list page; values as on screen.
    html = b.get(f"/clientview/list/?{query}").get_data(as_text=True)
    for header in df.columns:
        assert f">{header}" in html, header
    row = df[df.iloc[:, 0] == "EXP000"].iloc[0]
    assert row.iloc[1] == "导出客户00号"
    assert "乡村" in " ".join(row.tolist()) or "X" in " ".join(row.tolist())
    assert "是" in row.tolist()  # key_account True printed as on screen, not "True"


@pytest.fixture
def cm_may_export(app):
    """ClientManager holds no can_export by default (SPEC §9); an Admin may grant it in the role
    screens -- the export must then still hold only the manager's own clients."""
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("ClientManager")
        pv = sm.find_permission_view_menu("can_export", "ClientView")
        sm.add_permission_role(role, pv)
    yield
    with app.app_context():
        sm = app.appbuilder.sm
        sm.del_permission_role(sm.find_role("ClientManager"), sm.find_permission_view_menu("can_export", "ClientView"))


def test_client_manager_export_holds_only_their_clients(app, login, world, export_clients, cm_may_export):
    r = login("t_cm1").get("/clientview/export/")
    assert r.status_code == 200
    codes = set(_read(r).iloc[:, 0])
    with app.app_context():
        cm1 = world["staff"]["t_cm1"]
        own = set(db.session.execute(sa.select(m.Client.code).where(m.Client.owner_id == cm1)).scalars())
    assert codes == own
    assert "W001" in codes and "W002" not in codes and "W003" not in codes
    assert len(codes) == 1 + EXPORT_ROWS // 2


def test_backoffice_export_keeps_department_scope(app, login, export_clients):
    codes = set(_read(login("t_back1").get("/clientview/export/")).iloc[:, 0])
    assert "W002" not in codes  # department D2
    assert {"W001", "W003"} <= codes


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_pandas_reads_both_encodings_with_chinese_intact(app, login, export_clients, encoding):
    b = login("t_head1")
    r = b.get(f"/clientview/export/?_flt_2_name=导出客户&encoding={encoding}")
    assert r.status_code == 200
    raw = r.get_data()
    if encoding == "utf-8":
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel on Chinese Windows
        assert "charset=utf-8" in r.headers["Content-Type"]
    else:
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert "gb18030" in r.headers["Content-Type"]
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    df = _read(r, "utf-8-sig" if encoding == "utf-8" else "gb18030")
    utf = _read(b.get("/clientview/export/?_flt_2_name=导出客户"))
    assert df.equals(utf)
    assert len(df) == EXPORT_ROWS
    assert set(df.iloc[:, 1]) == {f"导出客户{i:02d}号" for i in range(EXPORT_ROWS)}
    assert "编码" in df.columns[0] or df.columns[0] not in ("code", "Code")


def test_unknown_encoding_is_refused(app, login):
    assert login("t_head1").get("/clientview/export/?encoding=latin-1").status_code == 400


@pytest.mark.parametrize("name", ["=1+2", "@SUM(A1)", "+33", "-2+3", "\tcmd"])
def test_formula_cells_are_neutralised(app, login, export_clients, name):
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        c = db.session.get(m.Client, export_clients[0])
        c.name = name
        db.session.commit()
    df = _read(login("t_head1").get("/clientview/export/?_flt_0_code=EXP000"))
    assert df.iloc[0, 1] == "'" + name
    api = login("t_head1").api("get", "/api/v1/client/export.csv?q=(filters:!((col:code,opr:eq,value:EXP000)))")
    assert _read(api).iloc[0, 2] == "'" + name


@pytest.mark.parametrize("user", ["t_cm1", "t_desk"])
def test_export_needs_its_own_permission(app, login, user):
    b = login(user)
    assert b.get("/clientview/list/").status_code == 200  # they may read the list...
    assert b.get("/clientview/export/").status_code == 403  # ...but not export it
    assert b.api("get", "/api/v1/client/export.csv").status_code == 403
    assert "/clientview/export/" not in b.get("/clientview/list/").get_data(as_text=True)


@pytest.mark.parametrize("user", ["t_admin", "t_head1", "t_back1", "t_viewer"])
def test_export_roles_see_the_button_carrying_the_filters(app, login, user):
    html = login(user).get("/clientview/list/?_flt_2_name=测试&page_ClientView=0").get_data(as_text=True)
    links = re.findall(r'href="(/clientview/export/[^"]*)"', html)
    assert links, "export button missing"
    assert all("_flt_2_name=" in link and "page_ClientView" not in link for link in links)
    assert any("encoding=gb18030" in link for link in links)


def test_api_export_applies_rison_filters_order_and_scope(app, login, export_clients):
    with app.app_context():  # the API's own can_export, granted to ClientManager for this test
        sm = app.appbuilder.sm
        sm.add_permission_role(sm.find_role("ClientManager"), sm.find_permission_view_menu("can_export", "ClientApi"))
    try:
        _check_api_export(app, login)
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            sm.del_permission_role(sm.find_role("ClientManager"), sm.find_permission_view_menu("can_export", "ClientApi"))


def _check_api_export(app, login):
    q = "(filters:!((col:name,opr:ct,value:导出客户)),order_column:name,order_direction:asc)"
    b = login("t_cm1")
    r = b.api("get", f"/api/v1/client/export.csv?q={q}")
    assert r.status_code == 200 and r.is_streamed
    df = _read(r)
    with app.app_context():
        cm1 = db.session.get(m.Staff, app.world["staff"]["t_cm1"])
        expected = db.session.execute(
            sa.select(m.Client.code).where(m.Client.name.contains("导出客户"), m.Client.owner_id == cm1.id)
            .order_by(m.Client.name.asc(), m.Client.id.asc())
        ).scalars().all()
    assert df.iloc[:, 1].tolist() == expected  # column 0 is the id, 1 the code
    assert len(expected) == EXPORT_ROWS // 2
    assert b.api("get", "/api/v1/client/export.csv?q=(filters:!((col:notacolumn,opr:eq,value:1)))").status_code == 400


def test_api_export_needs_can_export_even_for_readers(app, login):
    # t_cm1 may list clients through the API but holds no can_export (SPEC §9).
    b = login("t_cm1")
    assert b.api("get", "/api/v1/client/").status_code == 200
    assert b.api("get", "/api/v1/client/export.csv").status_code == 403


def test_every_export_is_written_to_the_change_log(app, login, export_clients):
    b = login("t_back1")
    r = b.get("/clientview/export/?_flt_2_name=导出客户&encoding=gb18030")
    n = len(_read(r, "gb18030"))
    with app.app_context():
        entry = db.session.execute(
            sa.select(m.ChangeLog).where(m.ChangeLog.action == "export").order_by(m.ChangeLog.id.desc())
        ).scalars().first()
        assert entry.user.username == "t_back1"
        assert entry.table_name == "client"
        assert entry.details["rows"] == n and entry.details["complete"] is True
        assert entry.details["encoding"] == "gb18030"
        assert entry.details["filters"]["args"]["_flt_2_name"] == ["导出客户"]
        assert entry.details["list"] == "clientview"


def test_export_streams_in_batches_from_a_server_side_cursor(app, login, world):
    """5,000 rows leave in several chunks, read through yield_per (a server-side cursor on
    PostgreSQL), never as one list."""
    with app.app_context():
        fmt_id = world["formats"]["Z"]
        dept = world["departments"]["D1"]
        now = dt.datetime.now()
        db.session.execute(sa.insert(m.Client.__table__), [
            dict(code=f"STR{i:05d}", name=f"流式客户{i}", department_id=dept, business_format_id=fmt_id,
                 market_type="C", status="active", key_account=False, development_potential=False,
                 created_on=now, changed_on=now,
                 created_by_fk=1, changed_by_fk=1)
            for i in range(5000)
        ])
        db.session.commit()
    seen = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if "FROM client" in statement:
            seen.append((context.execution_options.get("yield_per"), context.execution_options.get("stream_results"),
                         type(cursor).__name__))

    try:
        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", spy)
        r = login("t_admin").get("/clientview/export/?_flt_0_code=STR")
        assert r.is_streamed
        chunks = list(r.response)
        sa.event.remove(engine, "before_cursor_execute", spy)
        assert len(chunks) >= 1 + 5000 // 2000 + 1  # header, then one chunk per batch
        assert max(len(c) for c in chunks) < sum(len(c) for c in chunks) / 2
        text = b"".join(chunks).decode("utf-8-sig")
        assert text.count("\r\n") == 5001
        streamed = [s for s in seen if s[0]]
        assert streamed and streamed[0][0] == 2000 and streamed[0][1] is True
        if app.backend == "postgresql":
            assert streamed[0][2] == "ServerCursor"  # psycopg named cursor: rows stay in PostgreSQL
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.Client).where(m.Client.code.like("STR%")))
            db.session.commit()


@pytest.mark.parametrize("route", [
    "contactview", "purchaserecordview", "ticketview", "visitlogview", "appraisalsheetview",
    "businessformatview", "staffview", "departmentview", "changelogview", "clienttierview",
])
def test_other_lists_export_what_they_list(app, login, route):
    b = login("t_viewer")
    html = b.get(f"/{route}/list/").get_data(as_text=True)
    r = b.get(f"/{route}/export/")
    assert r.status_code == 200, route
    df = _read(r)
    assert len(df.columns) >= 2
    if len(df):  # FAB prints no table head for an empty list
        for header in df.columns:
            assert f">{header}" in html, (route, header)
