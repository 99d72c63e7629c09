"""The demo company (``flask backoffice demo-data``): what it loads, that it loads once, that it is
deterministic, and that it sits beside other data without collisions.

The demo is loaded into an app of its own (on SQLite and on PostgreSQL, like the shared ``app``
fixture, with the same test company from tests/world.py in it), so the 60 demo clients, their
tickets and visits never show up in the counts other integration tests make on the shared app.
"""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.demo import DEMO_PASSWORD, DEMO_TODAY, plan_demo

N_CLIENTS, SEED = 60, 7
ROLES = {"Admin", "DeptHead", "ClientManager", "ServiceDesk", "BackOffice", "Viewer"}
COUNTED = [m.Department, m.Staff, m.Client, m.Contact, m.PurchaseRecord, m.ClientTier, m.Ticket,
           m.TicketEvent, m.VisitLog, m.AppraisalSheet, m.AppraisalScore]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory):
    from tests.conftest import world_app

    with world_app(request.param, tmp_path_factory) as app:
        with app.app_context():
            from backoffice.cli import act_as_system
            from backoffice.demo import load_demo

            act_as_system()
            app.demo_users = load_demo(n_clients=N_CLIENTS, seed=SEED)
        yield app


def _counts(session):
    return {model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED}


def _demo_clients(session):
    return session.scalars(sa.select(m.Client).where(m.Client.code.like("KH%")).order_by(m.Client.code)).all()


def test_logins_cover_every_role(demo):
    users = demo.demo_users
    assert {role for _u, role, _n in users} == ROLES
    usernames = [u for u, _r, _n in users]
    assert len(set(usernames)) == len(usernames)
    assert {"admin", "wang.head", "li.head", "zhao.cm", "qian.cm", "sun.cm", "zhou.cm", "wu.desk",
            "zheng.back", "chen.viewer"} <= set(usernames)
    assert not any(u.startswith("t_") for u in usernames)
    with demo.app_context():
        from backoffice.extensions import db

        for username, role, _name in users:
            user = demo.appbuilder.sm.find_user(username=username)
            assert role in {r.name for r in user.roles}
            staff = db.session.scalar(sa.select(m.Staff).where(m.Staff.user_id == user.id))
            assert staff is not None and staff.employee_no.startswith("YG")
        # staff without a login: delivery and phone order
        no_login = db.session.scalars(
            sa.select(m.Staff.position).where(m.Staff.user_id.is_(None), m.Staff.employee_no.like("YG%"))
        ).all()
        assert {"delivery", "phone_order"} <= {getattr(p, "value", p) for p in no_login}


def test_login_with_demo_password(demo):
    r = demo.test_client().post("/login/", data={"username": "zhao.cm", "password": DEMO_PASSWORD})
    assert r.status_code == 302


def test_organisation(demo):
    with demo.app_context():
        from backoffice.extensions import db

        depts = {d.code: d for d in db.session.scalars(sa.select(m.Department).where(m.Department.code.like("YX%")))}
        centre = depts["YX"]
        assert centre.parent is None
        children = [d for d in depts.values() if d.parent is centre]
        assert len(children) == 3
        for d in children:
            assert d.head is not None and d.head.department is d
            assert getattr(d.head.position, "value", d.head.position) == "dept_head"
        for s in db.session.scalars(sa.select(m.Staff).where(m.Staff.employee_no.like("YG%"))):
            assert Decimal("2500") <= s.pay_base <= Decimal("4500")


def test_clients_contacts_purchases(demo):
    with demo.app_context():
        from backoffice.extensions import db

        s = db.session
        clients = _demo_clients(s)
        assert len(clients) == N_CLIENTS
        ids = [c.id for c in clients]
        months = dict(s.execute(
            sa.select(m.PurchaseRecord.client_id, sa.func.count(sa.distinct(m.PurchaseRecord.month)))
            .where(m.PurchaseRecord.client_id.in_(ids)).group_by(m.PurchaseRecord.client_id)
        ).all())
        assert all(months.get(i) == 12 for i in ids)
        assert {d for (d,) in s.execute(sa.select(m.PurchaseRecord.month).distinct()
                                        .where(m.PurchaseRecord.client_id.in_(ids)))} == {
            dt.date(2025 + (10 + k) // 12, (10 + k) % 12 + 1, 1) for k in range(12)}
        contacts = dict(s.execute(
            sa.select(m.Contact.client_id, sa.func.count()).where(m.Contact.client_id.in_(ids))
            .group_by(m.Contact.client_id)).all())
        primaries = dict(s.execute(
            sa.select(m.Contact.client_id, sa.func.count()).where(m.Contact.client_id.in_(ids), m.Contact.primary)
            .group_by(m.Contact.client_id)).all())
        assert all(contacts.get(i, 0) >= 1 for i in ids)
        assert all(primaries.get(i) == 1 for i in ids)
        staff_ids = {st.id for st in s.scalars(sa.select(m.Staff).where(m.Staff.employee_no.like("YG%")))}
        for c in clients:
            assert c.owner_id in staff_ids and getattr(c.owner.position, "value", c.owner.position) == "client_manager"
            assert c.department_id == c.owner.department_id
            assert c.scale in (1, 2, 3)
            assert c.composite_code == f"{c.market_type.value}{c.business_format.code}{c.scale}"
            assert c.service_level.value == {1: "A", 2: "B", 3: "C"}[c.scale]
        annual = dict(s.execute(
            sa.select(m.PurchaseRecord.client_id, sa.func.sum(m.PurchaseRecord.amount))
            .where(m.PurchaseRecord.client_id.in_(ids)).group_by(m.PurchaseRecord.client_id)).all())
        for c in clients:
            assert c.key_account == (Decimal(annual[c.id]) > Decimal("1000000"))
        assert any(c.key_account for c in clients)
        formats = {c.business_format.code for c in clients}
        assert "Z" in formats and len(formats) >= 4


def test_tickets_visits_sheets(demo):
    with demo.app_context():
        from backoffice.extensions import db

        s = db.session
        demo_ids = sa.select(m.Client.id).where(m.Client.code.like("KH%"))
        tickets = s.scalars(sa.select(m.Ticket).where(m.Ticket.client_id.in_(demo_ids))).all()
        assert 40 <= len(tickets) <= 80
        assert len({t.status.value for t in tickets}) >= 4
        start = dt.datetime.combine(DEMO_TODAY, dt.time())
        for t in tickets:
            assert t.events and t.events[0].from_status is None and t.events[0].to_status.value == "registered"
            assert t.events[-1].to_status == t.status
            for before, after in zip(t.events, t.events[1:]):
                assert after.from_status == before.to_status and after.at >= before.at
            assert start - dt.timedelta(days=62) <= t.registered_at < start
            assert all(e.at < start and e.user_id for e in t.events)
            if t.type.value == "complaint":
                assert t.complaint_class is not None

        visits = s.scalars(sa.select(m.VisitLog).where(m.VisitLog.client_id.in_(demo_ids))).all()
        assert len(visits) >= N_CLIENTS
        now = dt.datetime.now()
        for v in visits:
            assert start - dt.timedelta(days=62) <= v.visited_at < start and v.visited_at <= now
            if v.kind.value == "on_site":
                assert 33.5 < v.latitude < 35 and 107.5 < v.longitude < 110
            if v.kind.value == "follow_up":
                assert 1 <= v.satisfaction <= 5
        assert {v.kind.value for v in visits} == {"on_site", "phone", "follow_up"}

        sheets = s.scalars(sa.select(m.AppraisalSheet).join(m.Staff, m.AppraisalSheet.staff_id == m.Staff.id)
                           .where(m.Staff.employee_no.like("YG%"))).all()
        appraised = {(sh.staff.user.username, sh.template.code) for sh in sheets}
        assert appraised == {("zhao.cm", "SALES_M"), ("qian.cm", "SALES_M"), ("sun.cm", "SALES_M"),
                             ("zhou.cm", "SALES_M"), ("zheng.back", "CLERK_M")}
        for sh in sheets:
            assert sh.month == dt.date(2026, 10, 1)
            assert len(sh.scores) == len(sh.template.items)
            assert sh.total_score is not None and Decimal("60") <= sh.total_score <= 100
            assert sh.final_pay is not None
            assert sh.evaluator is not None and getattr(sh.evaluator.position, "value", None) == "dept_head"
            for sc in sh.scores:
                assert Decimal(sc.max_points) * Decimal("0.6") <= sc.score <= sc.max_points
                assert sc.score == sc.score.quantize(Decimal("0.1"))
        assert len({sh.status.value for sh in sheets}) >= 2


def test_second_load_is_a_no_op(demo):
    from backoffice.cli import act_as_system
    from backoffice.demo import load_demo
    from backoffice.extensions import db

    with demo.app_context():
        before = _counts(db.session)
        act_as_system()
        assert load_demo(n_clients=N_CLIENTS, seed=SEED) == []
        assert load_demo(n_clients=500, seed=1) == []
        assert _counts(db.session) == before


def test_world_untouched(demo):
    with demo.app_context():
        from backoffice.extensions import db

        codes = set(db.session.scalars(sa.select(m.Client.code).where(m.Client.code.like("W%"))))
        assert codes == {"W001", "W002", "W003"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(m.Client)) == N_CLIENTS + 3


def test_database_matches_plan(demo):
    """What was written is the plan of (60, 7): same clients, names and owners."""
    plan = plan_demo(N_CLIENTS, SEED, DEMO_TODAY)
    expected = sorted((c["code"], c["name"], c["owner"], c["annual_amount"]) for c in plan["clients"])
    with demo.app_context():
        from backoffice.extensions import db

        rows = db.session.execute(
            sa.select(m.Client.code, m.Client.name, m.Staff.employee_no, sa.func.sum(m.PurchaseRecord.amount))
            .join(m.Staff, m.Client.owner_id == m.Staff.id).join(m.PurchaseRecord)
            .where(m.Client.code.like("KH%")).group_by(m.Client.code, m.Client.name, m.Staff.employee_no)
        ).all()
        assert sorted((c, n, o, Decimal(a)) for c, n, o, a in rows) == expected
        assert db.session.scalar(sa.select(sa.func.count()).select_from(m.Ticket)
                                 .where(m.Ticket.number.in_([t["number"] for t in plan["tickets"]]))) == len(plan["tickets"])


def _fingerprint(plan):
    return (
        sorted((c["code"], c["name"], c["owner"], c["licence_no"], tuple(c["purchases"])) for c in plan["clients"]),
        [(t["number"], t["status"], t["registered_at"], len(t["events"])) for t in plan["tickets"]],
        [(v["client"], v["visited_at"], v["kind"]) for v in plan["visits"]],
        [(sh["staff"], sh["status"], tuple(sh["scores"])) for sh in plan["sheets"]],
    )


def test_plan_is_deterministic():
    a = plan_demo(N_CLIENTS, SEED, DEMO_TODAY)
    b = plan_demo(N_CLIENTS, SEED, DEMO_TODAY)
    assert a == b
    assert _fingerprint(a) == _fingerprint(b)
    assert _fingerprint(plan_demo(N_CLIENTS, SEED + 1, DEMO_TODAY)) != _fingerprint(a)


def test_plan_shape_at_full_size():
    plan = plan_demo(500, 2026, DEMO_TODAY)
    clients = plan["clients"]
    assert len(clients) == 500 and len({c["code"] for c in clients}) == 500
    assert len({c["licence_no"] for c in clients}) == 500
    inactive = sum(c["status"] == "inactive" for c in clients)
    assert 10 <= inactive <= 45  # about 5 %
    annual = [c["annual_amount"] for c in clients]
    assert sum(a > 1_000_000 for a in annual) >= 5
    assert sum(a < 100_000 for a in annual) > 250
    formats = [c["format"] for c in clients]
    assert max(set(formats), key=formats.count) == "Z"
    assert {c["scale"] for c in clients} == {1, 2, 3}
    assert len(plan["tickets"]) == 60
    assert {t["status"] for t in plan["tickets"]} == {"registered", "in_progress", "fed_back", "called_back",
                                                    "closed", "escalated"}


LOGIN_LINE = r"^\s+{user}\s+{role}\s+{password}\s+\S"


def _demo_data(app, *args):
    return app.test_cli_runner().invoke(args=["backoffice", "demo-data", *args], catch_exceptions=False)


def test_command_prints_logins_when_already_loaded(demo):
    """Second run: says so, loads nothing, and still prints every login with role and password."""
    import re

    with demo.app_context():
        from backoffice.extensions import db

        before = _counts(db.session)
    result = _demo_data(demo, "--clients", str(N_CLIENTS), "--seed", str(SEED))
    assert result.exit_code == 0, result.output
    assert "already present" in result.output and "nothing loaded" in result.output
    for username, role, _name in demo.demo_users:
        assert re.search(LOGIN_LINE.format(user=re.escape(username), role=role, password=DEMO_PASSWORD),
                         result.output, re.M), (username, result.output)
    assert "t_admin" not in result.output and "system" not in result.output.split("Demo logins:")[1]
    with demo.app_context():
        from backoffice.extensions import db

        assert _counts(db.session) == before


def test_command_does_not_print_a_changed_password(demo):
    import re

    sm = demo.appbuilder.sm
    with demo.app_context():
        user = sm.find_user(username="zhao.cm")
        sm.reset_password(user.id, "Another-pass-2026")
    try:
        out = _demo_data(demo).output
        assert re.search(r"^\s+zhao\.cm\s+ClientManager\s+\(changed, not shown\)", out, re.M), out
        assert re.search(LOGIN_LINE.format(user=r"qian\.cm", role="ClientManager", password=DEMO_PASSWORD), out, re.M)
    finally:
        with demo.app_context():
            sm.reset_password(sm.find_user(username="zhao.cm").id, DEMO_PASSWORD)


def test_command_prints_logins_on_first_load(tmp_path_factory):
    import re

    from tests.conftest import make_app

    app, _drop = make_app("sqlite", tmp_path_factory)
    result = _demo_data(app, "--clients", "8", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Demo company loaded (8 clients, seed 3)." in result.output
    for user, role in (("admin", "Admin"), ("wang.head", "DeptHead"), ("zhao.cm", "ClientManager"),
                       ("wu.desk", "ServiceDesk"), ("zheng.back", "BackOffice"), ("chen.viewer", "Viewer")):
        assert re.search(LOGIN_LINE.format(user=re.escape(user), role=role, password=DEMO_PASSWORD),
                         result.output, re.M), result.output
    with app.app_context():
        from backoffice.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(m.Client)) == 8
        db.session.remove()
        db.engine.dispose()
