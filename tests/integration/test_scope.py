"""A client manager guessing another manager's ids is refused on every path, and nothing changes."""
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


def snapshot(app, model, pk):
    with app.app_context():
        db.session.expire_all()
        row = db.session.get(model, pk)
        if row is None:
            return None
        return {c.key: getattr(row, c.key) for c in sa.inspect(model).column_attrs}


def test_other_managers_client_is_invisible_everywhere(app, login, world):
    foreign = world["clients"]["W002"]  # owned by t_cm2 in D2
    before = snapshot(app, m.Client, foreign)
    b = login("t_cm1")
    assert b.get(f"/clientview/show/{foreign}").status_code == 404
    assert b.get(f"/clientview/edit/{foreign}").status_code == 404
    assert b.post(f"/clientview/edit/{foreign}", data={"name": "hijacked", "code": "W002"}).status_code == 404
    assert b.post(f"/clientview/delete/{foreign}").status_code in (403, 404)
    # FAB actions load rows without base_filters; ours check the scope again.
    assert b.post("/ticketview/action_post", data={"action": "ticket_escalate", "rowid": [world["tickets"]["W002"]]}).status_code == 404
    assert b.post(f"/ticketview/action/ticket_escalate/{world['tickets']['W002']}").status_code == 404
    assert b.api("get", f"/api/v1/client/{foreign}").status_code == 404
    assert b.api("put", f"/api/v1/client/{foreign}", json={"name": "hijacked"}).status_code == 404
    assert b.api("delete", f"/api/v1/client/{foreign}").status_code in (403, 404)
    assert snapshot(app, m.Client, foreign) == before


def test_list_and_api_list_show_only_own_clients(app, login, world):
    b = login("t_cm1")
    html = b.get("/clientview/list/").get_data(as_text=True)
    assert "W001" in html and "W002" not in html and "W003" not in html
    codes = {row["code"] for row in b.api("get", "/api/v1/client/?q=(page_size:100)").json["result"]}
    assert "W001" in codes and not codes & {"W002", "W003"}


def test_records_about_foreign_clients_are_refused(app, login, world):
    b = login("t_cm1")
    for route, key in (("ticketview", "tickets"), ("visitlogview", "visits"), ("contactview", "contacts"),
                       ("purchaserecordview", "purchases")):
        pk = world[key]["W002"]
        assert b.get(f"/{route}/show/{pk}").status_code == 404, route
        assert b.get(f"/{route}/edit/{pk}").status_code in (403, 404), route
    for resource, key in (("ticket", "tickets"), ("visit", "visits"), ("contact", "contacts")):
        pk = world[key]["W002"]
        assert b.api("get", f"/api/v1/{resource}/{pk}").status_code == 404, resource
        assert b.api("put", f"/api/v1/{resource}/{pk}", json={}).status_code in (403, 404), resource


def test_ticket_action_on_foreign_ticket_leaves_it_unchanged(app, login, world):
    pk = world["tickets"]["W002"]
    before = snapshot(app, m.Ticket, pk)
    b = login("t_cm1")
    assert b.post("/ticketview/action_post", data={"action": "ticket_start", "rowid": [pk]}).status_code == 404
    assert b.post(f"/ticketview/action/ticket_escalate/{pk}").status_code == 404
    assert snapshot(app, m.Ticket, pk) == before


def test_linking_a_foreign_client_is_refused(app, login, world):
    """A new ticket or visit pointing at another manager's client is refused on the API and the form."""
    b = login("t_cm1")
    foreign = world["clients"]["W002"]
    with app.app_context():
        n_before = db.session.scalar(sa.select(sa.func.count(m.VisitLog.id)))
    r = b.api("post", "/api/v1/visit/", json={
        "client": foreign, "staff": world["staff"]["t_cm1"], "visited_at": "2026-10-01 10:00:00", "kind": "phone",
    })
    assert r.status_code in (404, 422), r.json
    r = b.post("/visitlogview/add", data={
        "client": foreign, "staff": world["staff"]["t_cm1"], "visited_at": "2026-10-01 10:00:00", "kind": "phone",
    })
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.VisitLog.id))) == n_before


def test_department_head_sees_subtree_but_not_other_department(app, login, world):
    b = login("t_head1")  # D1, with team D1A below it
    html = b.get("/clientview/list/").get_data(as_text=True)
    assert "W001" in html and "W003" in html and "W002" not in html
    assert b.get(f"/clientview/show/{world['clients']['W002']}").status_code == 404
    # Appraisal sheets follow the staff member's department
    assert b.get(f"/appraisalsheetview/show/{world['sheets']['t_cm1']}").status_code == 200
    assert b.get(f"/appraisalsheetview/show/{world['sheets']['t_cm2']}").status_code == 404


def test_service_desk_reads_every_client_but_cannot_edit(app, login, world):
    b = login("t_desk")
    html = b.get("/clientview/list/").get_data(as_text=True)
    assert all(code in html for code in ("W001", "W002", "W003"))
    assert b.get(f"/clientview/edit/{world['clients']['W002']}").status_code == 403


def test_client_manager_sees_only_own_appraisal_sheet(app, login, world):
    b = login("t_cm1")
    assert b.get(f"/appraisalsheetview/show/{world['sheets']['t_cm1']}").status_code == 200
    assert b.get(f"/appraisalsheetview/show/{world['sheets']['t_cm2']}").status_code == 404


def test_related_tabs_of_client_show_only_scoped_rows_and_permitted_views(app, login, world):
    html = login("t_desk").get(f"/clientview/show/{world['clients']['W001']}").get_data(as_text=True)
    # ServiceDesk may not list purchases or visits: those tabs are absent.
    assert "purchaserecordview" not in html.lower()
    assert "visitlogview" not in html.lower()


def test_ticket_actions_work_inside_the_scope(app, login, world):
    """The positive control for the refusals above: the same routes work for the ticket's owner,
    so a 404 for another manager comes from the scope check, not from a missing route."""
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()  # AuditMixin fills created_by from g.user
        client = db.session.get(m.Client, world["clients"]["W002"])
        desk = db.session.get(m.Staff, world["staff"]["t_desk"])
        ticket = m.Ticket(client=client, type="complaint", complaint_class="own_service", channel="phone",
                          subject="范围内操作测试", receiver=desk)
        db.session.add(ticket)
        db.session.commit()
        pk = ticket.id
    assert login("t_cm1").post("/ticketview/action_post", data={"action": "ticket_start", "rowid": [pk]}).status_code == 404
    r = login("t_cm2").post("/ticketview/action_post", data={"action": "ticket_start", "rowid": [pk]})
    assert r.status_code == 302, r.status_code
    with app.app_context():
        assert db.session.get(m.Ticket, pk).status.value == "in_progress"
    r = login("t_cm2").post(f"/ticketview/action/ticket_escalate/{pk}")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(m.Ticket, pk).status.value == "escalated"
