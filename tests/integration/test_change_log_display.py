"""The change log and the History tab read as words (issue #11): field labels, the referenced
records' names instead of ids, the jobs' user named in the user's language, no row version, and
a History table whose rows have as many cells as its header."""
import html as htmllib
import re

import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from tests.integration.test_change_log import client_row  # noqa: F401  (fixture)


def history_table(html):
    start = html.index('id="RecordHistory"')
    table = html[start: html.index("</table>", start)]
    header = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table, re.S)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        cells = re.findall(r"<td([^>]*)>(.*?)</td>", row, re.S)
        width = sum(int((re.search(r'colspan="(\d+)"', attrs) or [None, 1])[1]) for attrs, _ in cells)
        text = [" ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", c)).split()) for _, c in cells]
        rows.append((width, text))
    return header, rows


def test_history_shows_labels_and_names_not_ids(app, login, world, client_row):  # noqa: F811
    b = login("t_head1")
    with app.app_context():
        owner_name = str(db.session.get(m.Staff, world["staff"]["t_cm1"]))
        new_owner = str(db.session.get(m.Staff, world["staff"]["t_head1"]))
        fmt_name = str(db.session.get(m.BusinessFormat, world["formats"]["Z"]))
        version = db.session.get(m.Client, client_row).version
    r = b.post(f"/clientview/edit/{client_row}", data={
        "code": "LOG001", "name": "日志客户", "status": "active", "business_format": str(world["formats"]["Z"]),
        "market_type": "C", "region_class": "town", "department": str(world["departments"]["D1"]),
        "owner": str(world["staff"]["t_head1"]), "version": str(version),
    })
    assert r.status_code == 302
    html = b.get(f"/clientview/show/{client_row}").get_data(as_text=True)
    header, rows = history_table(html)
    assert header == ["时间", "用户", "操作", "字段", "原值", "新值"]
    assert rows and all(width == len(header) for width, _ in rows), rows
    update = next(text for _, text in rows if "修改" in text[2] and text[3] == "客户经理")
    assert update[3:] == ["客户经理", owner_name, new_owner]
    create = next(text for _, text in rows if "新建" in text[2])
    assert create[1] == "系统（自动作业）"
    snapshot = create[3]
    assert f"客户经理: {owner_name}" in snapshot and f"业态: {fmt_name}" in snapshot
    assert "部门: " in snapshot and "乡镇" in snapshot
    for internal in ("_id", "Owner Id", "Business Format Id", "version", "System Jobs"):
        assert internal not in snapshot and internal not in " ".join(update)


def test_change_log_details_read_as_words(app, login, world, client_row):  # noqa: F811
    with app.app_context():
        entry = db.session.scalars(sa.select(m.ChangeLog).where(
            m.ChangeLog.table_name == "client", m.ChangeLog.record_id == client_row,
            m.ChangeLog.action == "create").order_by(m.ChangeLog.id.desc())).first()
        owner_name = str(db.session.get(m.Staff, world["staff"]["t_cm1"]))
        entry_id = entry.id
    html = login("t_admin").get(f"/changelogview/show/{entry_id}").get_data(as_text=True)
    text = " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert f"客户经理: {owner_name}" in text
    assert "owner_id" not in text and "business_format_id" not in text
    assert "系统（自动作业）" in text and "System Jobs" not in text
