"""The change log follows the scope of the record it is about, not only of its author (SPEC §1,
issue #9): an administrator of department D1 changing the pay of a D2 staff member writes an
entry the D1 head must not read (on the screen, the API or the export), while the head still
reads the administrator's changes to D1 records."""
import prison
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


def _pay_entries(app, staff_id):
    with app.app_context():
        return set(db.session.execute(
            sa.select(m.ChangeLog.id).where(m.ChangeLog.table_name == "staff", m.ChangeLog.record_id == staff_id,
                                            m.ChangeLog.field == "pay_base")).scalars())


def test_a_head_does_not_read_the_pay_change_of_another_departments_staff(app, login, world):
    admin = login("t_admin")  # t_admin's staff record is in D1, so the D1 head reaches its author
    d2, d1 = world["staff"]["t_cm2"], world["staff"]["t_cm1"]
    try:
        assert admin.api("put", f"/api/v1/staff/{d2}", json={"pay_base": "4321.00"}).status_code == 200
        assert admin.api("put", f"/api/v1/staff/{d1}", json={"pay_base": "3210.00"}).status_code == 200
        (d2_entry,), (d1_entry,) = _pay_entries(app, d2) , _pay_entries(app, d1)
        head = login("t_head1")
        q = prison.dumps({"filters": [{"col": "table_name", "opr": "eq", "value": "staff"}], "page_size": 100})
        ids = set(head.get(f"/api/v1/change_log/?q={q}").json["ids"])
        assert d1_entry in ids and d2_entry not in ids
        assert head.get(f"/api/v1/change_log/{d2_entry}").status_code == 404
        listing = head.get("/changelogview/list/?_flt_0_table_name=staff&psize_ChangeLogView=100").get_data(as_text=True)
        assert "4,321" not in listing and "4321" not in listing and ("3,210" in listing or "3210" in listing)
        export = head.get("/api/v1/change_log/export.csv").data.decode("utf-8-sig")
        assert "4321" not in export and "3210" in export
        # The roles reaching everything read both.
        viewer = set(login("t_viewer").get(f"/api/v1/change_log/?q={q}").json["ids"])
        assert {d1_entry, d2_entry} <= viewer
    finally:
        admin.api("put", f"/api/v1/staff/{d2}", json={"pay_base": "3000.00"})
        admin.api("put", f"/api/v1/staff/{d1}", json={"pay_base": "3000.00"})
