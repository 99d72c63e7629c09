"""A small company for integration tests: two departments (one with a team), a user per role,
clients owned by different managers, and a ticket, a visit and a sheet on each client/staff."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from backoffice.extensions import db
from backoffice import models as m

PASSWORD = "Test-pass-2026"

USERS = [
    # username, role, department code, position
    ("t_admin", "Admin", "D1", "admin"),
    ("t_head1", "DeptHead", "D1", "dept_head"),
    ("t_head2", "DeptHead", "D2", "dept_head"),
    ("t_cm1", "ClientManager", "D1A", "client_manager"),
    ("t_cm2", "ClientManager", "D2", "client_manager"),
    ("t_desk", "ServiceDesk", "D1", "service_desk"),
    ("t_back1", "BackOffice", "D1", "clerk"),
    ("t_viewer", "Viewer", "D2", "inspector"),
]


def build_world():
    from backoffice.cli import act_as_system

    act_as_system()
    sm = current_app.appbuilder.sm
    s = db.session
    fmt = {f.code: f for f in s.execute(sa.select(m.BusinessFormat)).scalars()}
    centre = m.Department(code="HQ", name="营销中心")
    d1 = m.Department(code="D1", name="城区营销部", parent=centre)
    d1a = m.Department(code="D1A", name="城区一组", parent=d1)
    d2 = m.Department(code="D2", name="郊县营销部", parent=centre)
    s.add_all([centre, d1, d1a, d2])
    s.flush()
    depts = {d.code: d for d in (centre, d1, d1a, d2)}
    staff = {}
    for i, (username, role, dept, position) in enumerate(USERS, 1):
        user = sm.add_user(username, username, "T", f"{username}@example.com", [sm.find_role(role)], password=PASSWORD)
        assert user, f"could not create {username}"
        staff[username] = m.Staff(
            name=f"员工{i}", employee_no=f"T{i:03d}", user=user, department=depts[dept],
            position=position, pay_base=Decimal("3000"),
        )
        s.add(staff[username])
    s.flush()

    def client(code, owner, dept, f="Z", mt="C"):
        c = m.Client(
            code=code, name=f"测试客户{code}", owner=staff[owner], department=depts[dept],
            business_format=fmt[f], market_type=mt, region_class="city_a", status="active",
        )
        s.add(c)
        return c

    c1 = client("W001", "t_cm1", "D1A")
    c2 = client("W002", "t_cm2", "D2", f="B", mt="X")
    c3 = client("W003", "t_head1", "D1")
    s.flush()
    for c in (c1, c2, c3):
        c.contacts.append(m.Contact(name=f"联系人{c.code}", phone="13800000000", primary=True))
        c.purchases.append(m.PurchaseRecord(month=dt.date(2026, 9, 1), quantity=10, amount=Decimal("1000.00")))
        s.add(m.Ticket(client=c, type="complaint", complaint_class="own_service", channel="phone",
                       subject=f"投诉{c.code}", receiver=staff["t_desk"]))
        s.add(m.VisitLog(client=c, staff=c.owner, visited_at=dt.datetime(2026, 10, 5, 10), kind="on_site",
                         purpose="例行拜访"))
    tpl = s.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == "SALES_M")).scalar_one()
    sheets = {}
    for username in ("t_cm1", "t_cm2"):
        sheet = m.AppraisalSheet(template=tpl, staff=staff[username], month=dt.date(2026, 10, 1),
                                 pay_base=Decimal("3000"), target_result="exceeded")
        for item in tpl.items:
            sheet.scores.append(m.AppraisalScore(item=item, max_points=item.max_points, score=Decimal(item.max_points) * Decimal("0.88")))
        s.add(sheet)
        sheets[username] = sheet
    s.commit()
    ids = lambda objs: {k: v.id for k, v in objs.items()}  # noqa: E731
    return {
        "departments": ids(depts),
        "staff": ids(staff),
        "clients": {"W001": c1.id, "W002": c2.id, "W003": c3.id},
        "tickets": {c.code: c.tickets[0].id for c in (c1, c2, c3)},
        "visits": {c.code: c.visits[0].id for c in (c1, c2, c3)},
        "contacts": {c.code: c.contacts[0].id for c in (c1, c2, c3)},
        "purchases": {c.code: c.purchases[0].id for c in (c1, c2, c3)},
        "sheets": ids(sheets),
        "formats": {k: v.id for k, v in fmt.items()},
    }
