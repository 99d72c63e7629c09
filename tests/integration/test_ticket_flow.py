"""Tickets routed by the service desk (统一受理), worked within the workflow, called back into the
client's archive, and no complainant for the staff member a complaint is about (issue #12, SPEC §4).

World (tests/world.py): HQ > D1 > D1A, D2; W001 (t_cm1, D1A), W002 (t_cm2, D2), W003 (t_head1, D1);
t_desk is the service desk (D1), t_back1 the clerk of D1, t_viewer reads everything.
"""
import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from backoffice.rules.ticket_states import TICKET

STATES = ("registered", "in_progress", "fed_back", "called_back", "escalated", "closed")


# -- helpers ---------------------------------------------------------------------------------------
def _new(app, world, client="W003", status="registered", **values):
    """A ticket made directly (the system user), received by the service desk."""
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        staff = world["staff"]
        t = m.Ticket(client_id=world["clients"][client], type=values.pop("type", "complaint"),
                     complaint_class=values.pop("complaint_class", "own_service"), channel="phone",
                     subject=values.pop("subject", "流程测试"), receiver_id=staff[values.pop("receiver", "t_desk")],
                     status=status, **values)
        t.events.append(m.TicketEvent(to_status=status, note="测试登记"))
        db.session.add(t)
        db.session.commit()
        return t.id


def _drop(app, *pks):
    with app.app_context():
        for pk in pks:
            db.session.execute(sa.delete(m.SurveyInvitation).where(m.SurveyInvitation.ticket_id == pk))
            db.session.execute(sa.delete(m.CallbackRecord).where(m.CallbackRecord.ticket_id == pk))
            db.session.execute(sa.delete(m.Ticket).where(m.Ticket.id == pk))
        db.session.commit()


def _row(app, pk):
    with app.app_context():
        t = db.session.get(m.Ticket, pk)
        return {c.key: getattr(t, c.key) for c in sa.inspect(m.Ticket).column_attrs}


def _status(app, pk):
    return _row(app, pk)["status"].value


def _set(app, pk, **values):
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()  # the audit columns' author
        db.session.execute(sa.update(m.Ticket).where(m.Ticket.id == pk).values(**values))
        db.session.commit()


def _flashes(b):
    with b.client.session_transaction() as s:
        return [msg for _cat, msg in s.get("_flashes", [])]


def _edit_form(app, pk, **changes):
    """Every field of the ticket's edit form as the stored row holds it, plus ``changes``."""
    row = _row(app, pk)
    form = {}
    for key in ("type", "complaint_class", "severity", "channel"):
        form[key] = getattr(row[key], "value", row[key]) or ""
    for key in ("subject", "description", "complainant_name", "complainant_phone", "resolution"):
        form[key] = row[key] or ""
    for rel, col in (("client", "client_id"), ("responsible_department", "responsible_department_id"),
                     ("responsible_staff", "responsible_staff_id"), ("about_staff", "about_staff_id")):
        form[rel] = str(row[col]) if row[col] else "__None"
    form["version"] = str(row["version"])
    form.update(changes)
    return form


# -- 1. central intake and routing ------------------------------------------------------------------
def test_the_desks_add_form_starts_on_no_client_and_picks_anyone(app, login, world):
    desk = login("t_desk")
    html = desk.get("/ticketview/add").get_data(as_text=True)
    client = re.search(r'<select[^>]*name="client"[^>]*>(.*?)</select>', html, re.S)
    assert client and "/lookup/client" in client.group(0)
    assert re.findall(r"<option[^>]*selected[^>]*>", client.group(1)) == ['<option selected value="__None">']
    staff = re.search(r'<select[^>]*name="responsible_staff"[^>]*>', html).group(0)
    assert "/lookup/assignee" in staff  # the whole company's staff, not the desk's own scope
    dept = re.search(r'<select[^>]*name="responsible_department"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert f'value="{world["departments"]["D2"]}"' in dept  # another department
    # the desk finds clients by code, name or phone, and staff of every department
    found = desk.get("/lookup/client?q=W002").json["results"]
    assert [r["id"] for r in found] == [world["clients"]["W002"]]
    names = {r["text"] for r in desk.get("/lookup/assignee?q=员工").json["results"]}
    assert {"员工3", "员工5"} <= names  # D2's head and manager
    assert {r["text"] for r in desk.get("/lookup/staff?q=员工").json["results"]} == {"员工6"}  # own scope only
    assert login("t_back1").get("/lookup/assignee?q=").status_code == 403  # may not add or edit tickets


def test_the_desk_routes_a_ticket_to_another_department_who_then_works_it(app, login, world):
    desk, cm2 = login("t_desk"), login("t_cm2")
    form = {"client": str(world["clients"]["W003"]), "type": "complaint", "complaint_class": "own_service",
            "severity": "normal", "channel": "hotline", "subject": "跨部门派单", "description": "",
            "complainant_name": "王先生", "complainant_phone": "13912345678",
            "responsible_department": str(world["departments"]["D2"]),
            "responsible_staff": str(world["staff"]["t_cm2"]), "about_staff": "__None", "resolution": ""}
    r = desk.post("/ticketview/add", data=form)
    assert r.status_code == 302, _flashes(desk)
    with app.app_context():
        t = db.session.execute(sa.select(m.Ticket).where(m.Ticket.subject == "跨部门派单")).scalar_one()
        pk = t.id
        assert (t.receiver_id, t.responsible_department_id, t.responsible_staff_id) == (
            world["staff"]["t_desk"], world["departments"]["D2"], world["staff"]["t_cm2"])
        assert t.due_at is not None  # stamped from its policy (sla-core)
    try:
        # t_cm2 owns no W003: the ticket is theirs as the responsible person
        assert cm2.get(f"/ticketview/show/{pk}").status_code == 200
        assert cm2.get(f"/ticketview/show/{pk}").get_data(as_text=True).count("ticket-action") >= 1
        r = cm2.post(f"/ticketview/action/ticket_start/{pk}", data={"note": "已电话联系王先生"})
        assert r.status_code == 302 and _status(app, pk) == "in_progress"
        # saving the handling result on the edit form: the receiver (the desk, outside t_cm2's
        # scope) and the client stay as they were, which is no new link outside the scope
        r = cm2.post(f"/ticketview/edit/{pk}", data=_edit_form(app, pk, resolution="已上门更换"))
        assert r.status_code == 302, _flashes(cm2)
        assert _row(app, pk)["resolution"] == "已上门更换"
        r = cm2.post(f"/ticketview/action/ticket_feed_back/{pk}", data={"note": "结果已告知", "resolution": "已上门更换"})
        assert _status(app, pk) == "fed_back", _flashes(cm2)
        with app.app_context():
            notes = [e.note for e in db.session.execute(sa.select(m.TicketEvent).where(
                m.TicketEvent.ticket_id == pk).order_by(m.TicketEvent.id)).scalars()]
        assert notes[-2:] == ["已电话联系王先生", "结果已告知"]
        # D2's head sees it (the responsible department's subtree), D1's head too (the client's)
        assert login("t_head2").get(f"/ticketview/show/{pk}").status_code == 200
        assert login("t_head1").get(f"/ticketview/show/{pk}").status_code == 200
        assert login("t_cm1").get(f"/ticketview/show/{pk}").status_code == 404
    finally:
        _drop(app, pk)


def test_a_head_of_the_clients_department_saves_the_handling_result(app, login, world):
    """Issue #12: "不能关联您权限范围以外的记录" on saving 处理结果 as the client's head."""
    pk = _new(app, world, client="W002", status="in_progress", responsible_department_id=world["departments"]["D1"],
              responsible_staff_id=world["staff"]["t_head1"])
    try:
        for username, text in (("t_head2", "部门经理的处理结果"), ("t_cm2", "客户经理的处理结果")):
            b = login(username)
            r = b.post(f"/ticketview/edit/{pk}", data=_edit_form(app, pk, resolution=text))
            assert r.status_code == 302, (username, _flashes(b))
            assert _row(app, pk)["resolution"] == text
        # ... but no new link outside the scope through any other relation: the client
        b = login("t_cm2")
        r = b.post(f"/ticketview/edit/{pk}?_l_=en", data=_edit_form(app, pk, client=str(world["clients"]["W001"])))
        assert r.status_code == 200 and "outside your scope" in r.get_data(as_text=True)
        assert _row(app, pk)["client_id"] == world["clients"]["W002"]
        # the API alike
        r = b.api("put", f"/api/v1/ticket/{pk}", json={"resolution": "API 的处理结果"})
        assert r.status_code == 200, r.json
        r = b.api("put", f"/api/v1/ticket/{pk}", json={"client": world["clients"]["W001"]})
        assert r.status_code == 422 and "client" in r.json["message"]
    finally:
        _drop(app, pk)


# Who reaches a ticket on W003 (D1, t_head1's) handled in D1 by t_head1, received by the desk, as
# its responsible person and department change (SPEC §4 [decision]).
@pytest.mark.parametrize("routing, inside", [
    ({}, {"t_admin", "t_viewer", "t_desk", "t_head1", "t_back1"}),
    ({"responsible_staff": "t_cm2"}, {"t_admin", "t_viewer", "t_desk", "t_head1", "t_back1", "t_cm2"}),
    ({"responsible_department": "D2"}, {"t_admin", "t_viewer", "t_desk", "t_head1", "t_back1", "t_head2"}),
    ({"receiver": "t_cm1"}, {"t_admin", "t_viewer", "t_desk", "t_head1", "t_back1", "t_cm1"}),
])
def test_the_four_scopes_of_a_ticket_on_every_path(app, login, world, routing, inside):
    values = {"responsible_department_id": world["departments"][routing.get("responsible_department", "D1")],
              "responsible_staff_id": world["staff"][routing.get("responsible_staff", "t_head1")]}
    pk = _new(app, world, client="W003", subject="四方范围", receiver=routing.get("receiver", "t_desk"), **values)
    with app.app_context():
        number = db.session.get(m.Ticket, pk).number
    try:
        for username in ("t_admin", "t_head1", "t_head2", "t_cm1", "t_cm2", "t_desk", "t_back1", "t_viewer"):
            b = login(username)
            expected = 200 if username in inside else 404
            assert b.get(f"/ticketview/show/{pk}").status_code == expected, username
            assert b.api("get", f"/api/v1/ticket/{pk}").status_code == expected, username
            listed = b.api("get", "/api/v1/ticket/?q=(page_size:100)").json["ids"]
            assert (pk in listed) == (username in inside), username
            events = b.api("get", f"/api/v1/ticket_event/?q=(filters:!((col:ticket,opr:rel_o_m,value:{pk})))")
            assert bool(events.json.get("count")) == (username in inside), username
            export = b.get("/ticketview/export/")
            if export.status_code == 200:
                assert (number in export.get_data(as_text=True)) == (username in inside), username
            if username not in inside:
                for path in (f"/ticketview/edit/{pk}",):
                    assert b.get(path).status_code in (403, 404), (username, path)
                r = b.api("post", f"/api/v1/ticket/{pk}/transition", json={"event": "start"})
                assert r.status_code in (403, 404), username
                r = b.api("post", f"/api/v1/ticket/{pk}/callback", json={"result": "satisfied"})
                assert r.status_code in (403, 404), username
                assert b.post(f"/ticketview/action/ticket_start/{pk}").status_code in (403, 404), username
                assert b.post(f"/ticketview/callback/{pk}", data={"result": "satisfied"}).status_code in (403, 404)
        assert _status(app, pk) == "registered"
    finally:
        _drop(app, pk)


# -- 2. workflow: every event from every state, per role, through the API and the screens ---------
ROLE_OF = {"t_admin": {"Admin"}, "t_head1": {"DeptHead"}, "t_cm1": {"ClientManager"}, "t_desk": {"ServiceDesk"},
           "t_back1": {"BackOffice"}, "t_viewer": {"Viewer"}}


@pytest.fixture(scope="module")
def matrix_ticket(app):
    world = app.world
    # on W001 (t_cm1's, D1A under t_head1's D1): every role of ROLE_OF has it in scope
    pk = _new(app, world, client="W001", subject="状态矩阵", resolution="已处理")
    yield pk
    _drop(app, pk)


@pytest.mark.parametrize("username", sorted(ROLE_OF))
def test_every_event_from_every_state_through_the_api(app, login, matrix_ticket, username):
    b, pk = login(username), matrix_ticket
    may_transition = username not in ("t_back1", "t_viewer")
    for state in STATES:
        allowed = set(TICKET.allowed(state, ROLE_OF[username]))
        for event in TICKET.events:
            _set(app, pk, status=state)
            before = _row(app, pk)
            r = b.api("post", f"/api/v1/ticket/{pk}/transition?_l_=en", json={"event": event, "note": "矩阵"})
            if not may_transition:
                assert r.status_code == 403, (username, state, event)
            elif event in allowed:
                assert r.status_code == 200, (username, state, event, r.json)
                assert r.json["state"] == TICKET.target(state, event)
                continue
            else:
                assert r.status_code == 422, (username, state, event, r.json)
                assert isinstance(r.json["message"]["event"][0], str)
            after = _row(app, pk)
            assert after == before, (username, state, event)


@pytest.mark.parametrize("username", ["t_cm1", "t_desk", "t_head1"])
def test_every_event_from_every_state_through_the_screens(app, login, matrix_ticket, username):
    b, pk = login(username), matrix_ticket
    for state in STATES:
        allowed = set(TICKET.allowed(state, ROLE_OF[username]))
        _set(app, pk, status=state)
        html = b.get(f"/ticketview/show/{pk}").get_data(as_text=True)
        buttons = set(re.findall(r'formaction="/ticketview/action/ticket_(\w+)/', html))
        assert buttons == {e for e in allowed if not e.startswith("callback")}, (username, state)
        assert ('class="ticket-callback"' in html) == any(e.startswith("callback") for e in allowed)
        for event in TICKET.events:
            _set(app, pk, status=state)
            if event.startswith("callback"):
                result = {"callback_satisfied": "satisfied", "callback_basic": "basically",
                          "callback_unsatisfied": "unsatisfied"}[event]
                b.post(f"/ticketview/callback/{pk}", data={"result": result, "note": "屏幕矩阵"})
            else:
                b.post(f"/ticketview/action/ticket_{event}/{pk}", data={"note": "屏幕矩阵"})
            expected = TICKET.target(state, event) if event in allowed else state
            assert _status(app, pk) == expected, (username, state, event, _flashes(b))


def test_feeding_back_needs_the_handling_result(app, login, world):
    pk = _new(app, world, client="W001", status="in_progress")
    try:
        cm = login("t_cm1")
        for lang, words in (("en", "handling result"), ("zh", "处理结果")):
            r = cm.api("post", f"/api/v1/ticket/{pk}/transition?_l_={lang}", json={"event": "feed_back"})
            assert r.status_code == 422 and words in r.json["message"]["resolution"][0], r.json
        r = cm.post(f"/ticketview/action/ticket_feed_back/{pk}", data={"note": "x", "resolution": "  "})
        assert _status(app, pk) == "in_progress" and any("处理结果" in f for f in _flashes(cm))
        r = cm.api("post", f"/api/v1/ticket/{pk}/transition",
                   json={"event": "feed_back", "note": "已反馈", "resolution": "已更换条盒"})
        assert r.status_code == 200 and _row(app, pk)["resolution"] == "已更换条盒"
        assert _row(app, pk)["fed_back_at"] is not None
    finally:
        _drop(app, pk)


# -- 3. callbacks --------------------------------------------------------------------------------------
def test_a_callback_not_satisfied_reopens_and_is_written_into_the_clients_archive(app, login, world):
    pk = _new(app, world, client="W002", status="fed_back", resolution="已处理", subject="回访归档")
    desk, cm2 = login("t_desk"), login("t_cm2")
    try:
        r = desk.post(f"/ticketview/callback/{pk}", data={"result": "unsatisfied", "new_requests": "希望每周送货两次",
                                                          "note": "客户认为处理太慢"})
        assert r.status_code == 302 and _status(app, pk) == "in_progress", _flashes(desk)
        with app.app_context():
            rec = db.session.execute(sa.select(m.CallbackRecord).where(m.CallbackRecord.ticket_id == pk)).scalar_one()
            assert (rec.client_id, rec.result.value, rec.new_requests, rec.note, rec.user.username) == (
                world["clients"]["W002"], "unsatisfied", "希望每周送货两次", "客户认为处理太慢", "t_desk")
            assert db.session.get(m.Ticket, pk).callback_result.value == "unsatisfied"
        # the client's archive shows it (its show page's callback tab) to the client's manager
        page = cm2.get(f"/clientview/show/{world['clients']['W002']}").get_data(as_text=True)
        assert "希望每周送货两次" in page
        assert cm2.api("get", f"/api/v1/callback_record/{rec.id}").json["result"]["new_requests"] == "希望每周送货两次"
        assert login("t_cm1").api("get", f"/api/v1/callback_record/{rec.id}").status_code == 404
        # handled again, fed back, called back satisfied through the API: a second archive row
        cm2.api("post", f"/api/v1/ticket/{pk}/transition", json={"event": "feed_back", "resolution": "已调整送货"})
        version = cm2.api("get", f"/api/v1/ticket/{pk}").json["result"]["version"]
        r = desk.api("post", f"/api/v1/ticket/{pk}/callback",
                     json={"result": "satisfied", "new_requests": "", "note": "满意", "version": version})
        assert r.status_code == 200 and r.json["state"] == "called_back" and r.json["callback"], r.json
        with app.app_context():
            results = [c.result.value for c in db.session.execute(sa.select(m.CallbackRecord).where(
                m.CallbackRecord.ticket_id == pk).order_by(m.CallbackRecord.id)).scalars()]
        assert results == ["unsatisfied", "satisfied"]
    finally:
        _drop(app, pk)


def test_callback_refusals_are_clear_and_change_nothing(app, login, world):
    pk = _new(app, world, client="W001", status="in_progress", resolution="已处理")
    try:
        desk = login("t_desk")
        before = _row(app, pk)
        r = desk.api("post", f"/api/v1/ticket/{pk}/callback?_l_=en", json={"result": "satisfied"})
        assert r.status_code == 422 and "not been fed back yet" in r.json["message"]["event"][0]
        r = desk.api("post", f"/api/v1/ticket/{pk}/callback?_l_=zh", json={"result": "satisfied"})
        assert r.status_code == 422 and "尚未反馈" in r.json["message"]["event"][0], r.json
        _set(app, pk, status="fed_back")
        before = _row(app, pk)
        for body, status in (({"result": "happy"}, 422), ({}, 422), (["satisfied"], 400), ({"result": 5}, 400),
                             ({"result": "satisfied", "note": "a\x00b"}, 422)):
            r = desk.api("post", f"/api/v1/ticket/{pk}/callback", json=body)
            assert r.status_code == status, (body, r.json)
        r = login("t_cm1").api("post", f"/api/v1/ticket/{pk}/callback?_l_=en", json={"result": "satisfied"})
        assert r.status_code == 422 and "role" in r.json["message"]["event"][0]  # callbacks are the desk's
        r = login("t_head1").api("post", f"/api/v1/ticket/{pk}/callback", json={"result": "satisfied"})
        assert r.status_code == 422
        r = desk.api("post", f"/api/v1/ticket/{pk}/callback", json={"result": "satisfied", "version": 0})
        assert r.status_code == 409
        assert _row(app, pk) == before
        with app.app_context():
            assert db.session.execute(sa.select(sa.func.count()).select_from(m.CallbackRecord).where(
                m.CallbackRecord.ticket_id == pk)).scalar() == 0
    finally:
        _drop(app, pk)


# -- 4. the complainant is hidden from the staff member complained about, on every path ------------
NAME, PHONE = "投诉人甲乙", "13987654321"


@pytest.fixture(scope="module")
def about_cm1(app):
    """A complaint about t_cm1 on his own client W001 (so the ticket is in his scope)."""
    world = app.world
    pk = _new(app, world, client="W001", status="fed_back", resolution="已处理", subject="投诉客户经理态度",
              complainant_name=NAME, complainant_phone=PHONE, about_staff_id=world["staff"]["t_cm1"],
              responsible_staff_id=world["staff"]["t_cm1"])
    yield pk
    _drop(app, pk)


def _hidden_everywhere(b, pk, client_id, secrets=(NAME, PHONE)):
    """Every path showing tickets, their history or their client; each answer read at once (the
    exports stream)."""
    paths = [
        ("get", f"/ticketview/show/{pk}"), ("get", f"/ticketview/edit/{pk}"), ("get", "/ticketview/list/"),
        ("get", "/ticketview/export/"), ("get", f"/clientview/show/{client_id}"),
        ("get", f"/clientview/print/{client_id}"),
        ("api", f"/api/v1/ticket/{pk}"), ("api", "/api/v1/ticket/?q=(page_size:100)"),
        ("api", f"/api/v1/ticket/{pk}?q=(columns:!(complainant_name,complainant_phone))"),
        ("api", "/api/v1/ticket/?q=(columns:!(id,complainant_name,complainant_phone))"),
        ("api", "/api/v1/ticket/export.csv"), ("api", "/api/v1/ticket_event/?q=(page_size:100)"),
        ("api", "/api/v1/callback_record/"), ("get", "/changelogview/list/?psize_ChangeLogView=100"),
        ("api", "/api/v1/change_log/?q=(page_size:100)"), ("get", "/changelogview/export/"),
        ("api", "/api/v1/change_log/export.csv"),
    ]
    answers = {}
    for how, path in paths:
        r = b.get(path) if how == "get" else b.api("get", path)
        text = r.get_data(as_text=True)
        assert r.status_code < 500, path
        assert not [s for s in secrets if s in text], path
        answers[path] = (r.status_code, text)
    return answers


def test_the_staff_member_complained_about_never_sees_the_complainant(app, login, world, about_cm1):
    pk = about_cm1
    cm1 = login("t_cm1")
    pages = _hidden_everywhere(cm1, pk, world["clients"]["W001"])
    status, html = pages[f"/ticketview/show/{pk}"]
    assert status == 200 and "complainant-hidden" in html
    status, text = pages[f"/api/v1/ticket/{pk}"]
    result = json.loads(text)["result"]
    assert status == 200 and "complainant_name" not in result and result["subject"] == "投诉客户经理态度"
    # others in scope see them (the control)
    for username in ("t_head1", "t_desk", "t_admin"):
        assert NAME in login(username).get(f"/ticketview/show/{pk}").get_data(as_text=True), username
        assert login(username).api("get", f"/api/v1/ticket/{pk}").json["result"]["complainant_phone"] == PHONE


def test_a_head_complained_about_sees_no_complainant_in_history_or_change_log(app, login, world):
    """t_head1 reads the change log and the History tab: not the entries holding the complainant."""
    pk = _new(app, world, client="W003", subject="投诉部门经理", complainant_name=NAME, complainant_phone=PHONE,
              about_staff_id=world["staff"]["t_head1"])
    try:
        desk = login("t_desk")  # the desk corrects the phone: an update entry holding both numbers
        r = desk.api("put", f"/api/v1/ticket/{pk}", json={"complainant_phone": "13900001111"})
        assert r.status_code == 200, r.json
        head = login("t_head1")
        _hidden_everywhere(head, pk, world["clients"]["W003"], secrets=(NAME, PHONE, "13900001111"))
        # the admin's History tab has them (the control)
        history = login("t_admin").get(f"/ticketview/show/{pk}").get_data(as_text=True)
        assert "13900001111" in history and NAME in history
    finally:
        _drop(app, pk)


def test_the_staff_member_complained_about_cannot_change_feed_back_call_back_or_close(app, login, world, about_cm1):
    pk = about_cm1
    cm1 = login("t_cm1")
    # the edit form: no complainant fields, and a crafted post of them changes nothing
    html = cm1.get(f"/ticketview/edit/{pk}").get_data(as_text=True)
    assert 'name="complainant_name"' not in html and 'name="about_staff"' not in html
    form = _edit_form(app, pk, resolution="经理自己写的结果")
    form.update(complainant_name="改掉", complainant_phone="13800000000", about_staff="__None")
    assert cm1.post(f"/ticketview/edit/{pk}", data=form).status_code == 302, _flashes(cm1)
    row = _row(app, pk)
    assert (row["complainant_name"], row["complainant_phone"], row["about_staff_id"], row["resolution"]) == (
        NAME, PHONE, world["staff"]["t_cm1"], "经理自己写的结果")
    for body in ({"about_staff": None}, {"complainant_name": "改掉"}):
        r = cm1.api("put", f"/api/v1/ticket/{pk}?_l_=en", json=body)
        assert r.status_code == 422 and "about you" in str(r.json["message"]), r.json
    # a PUT of the resolution answers without the complainant
    r = cm1.api("put", f"/api/v1/ticket/{pk}", json={"resolution": "经理自己写的结果"})
    assert r.status_code == 200 and NAME not in r.get_data(as_text=True), r.json
    # feed back, close: refused; the buttons are not offered
    _set(app, pk, status="in_progress")
    r = cm1.api("post", f"/api/v1/ticket/{pk}/transition?_l_=en", json={"event": "feed_back", "resolution": "x"})
    assert r.status_code == 422 and "about you" in r.json["message"]["event"][0]
    assert "ticket_feed_back" not in cm1.get(f"/ticketview/show/{pk}").get_data(as_text=True)
    _set(app, pk, status="called_back")
    assert cm1.api("post", f"/api/v1/ticket/{pk}/transition", json={"event": "close"}).status_code == 422
    assert "ticket_close" not in cm1.get(f"/ticketview/show/{pk}").get_data(as_text=True)
    assert "ticket_close" in login("t_head1").get(f"/ticketview/show/{pk}").get_data(as_text=True)
    assert _status(app, pk) == "called_back"
    _set(app, pk, status="fed_back")


def test_a_desk_member_complained_about_cannot_call_it_back_or_close_it(app, login, world):
    """The probe: a "satisfied" callback recorded on a complaint about oneself, then closed."""
    pk = _new(app, world, client="W002", status="fed_back", resolution="已处理", complainant_name=NAME,
              complainant_phone=PHONE, about_staff_id=world["staff"]["t_desk"])
    try:
        desk = login("t_desk")
        r = desk.api("post", f"/api/v1/ticket/{pk}/callback?_l_=en", json={"result": "satisfied"})
        assert r.status_code == 422 and "about you" in r.json["message"]["event"][0]
        desk.post(f"/ticketview/callback/{pk}", data={"result": "satisfied"})
        html = desk.get(f"/ticketview/show/{pk}").get_data(as_text=True)
        assert 'class="ticket-callback"' not in html and NAME not in html and PHONE not in html
        _set(app, pk, status="called_back")
        assert desk.api("post", f"/api/v1/ticket/{pk}/transition", json={"event": "close"}).status_code == 422
        assert desk.post(f"/ticketview/action/ticket_close/{pk}").status_code == 302
        assert _status(app, pk) == "called_back"
        with app.app_context():
            assert not db.session.execute(sa.select(m.CallbackRecord).where(m.CallbackRecord.ticket_id == pk)).first()
    finally:
        _drop(app, pk)


# -- 5. optimistic locking --------------------------------------------------------------------------------
def test_two_people_saving_one_ticket_the_second_is_refused_and_nothing_is_lost(app, login, world):
    pk = _new(app, world, client="W001", status="in_progress")
    try:
        cm1, head1 = login("t_cm1"), login("t_head1")
        seen = _edit_form(app, pk)  # both opened the form on this version
        assert head1.post(f"/ticketview/edit/{pk}", data={**seen, "resolution": "经理先存"}).status_code == 302
        r = cm1.post(f"/ticketview/edit/{pk}?_l_=en", data={**seen, "resolution": "后存的"})
        assert r.status_code == 200 and "changed by t_head1" in r.get_data(as_text=True)
        assert _row(app, pk)["resolution"] == "经理先存"
        # the API: a PUT and a transition on the version read before are 409, nothing written
        r = cm1.api("put", f"/api/v1/ticket/{pk}", json={"resolution": "API 后存", "version": int(seen["version"])})
        assert r.status_code == 409
        r = cm1.api("post", f"/api/v1/ticket/{pk}/transition",
                    json={"event": "feed_back", "resolution": "x", "version": int(seen["version"])})
        assert r.status_code == 409
        assert _row(app, pk)["resolution"] == "经理先存" and _status(app, pk) == "in_progress"
    finally:
        _drop(app, pk)


# -- 6. bad input: a clear refusal in the user's language, nothing changed, never a 5xx ------------------
def test_bad_input_on_registration_is_refused(app, login, world):
    desk = login("t_desk")
    base = {"client": str(world["clients"]["W002"]), "type": "inquiry", "complaint_class": "", "severity": "normal",
            "channel": "phone", "subject": "坏输入", "responsible_department": "__None", "responsible_staff": "__None",
            "about_staff": "__None"}
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count()).select_from(m.Ticket)).scalar()
    r = desk.post("/ticketview/add?_l_=en", data={**base, "complainant_phone": "12345"})
    assert r.status_code == 200 and "Not a phone number" in r.get_data(as_text=True)
    r = desk.post("/ticketview/add?_l_=zh", data={**base, "complainant_phone": "电话"})
    assert r.status_code == 200 and "不是有效的电话号码" in r.get_data(as_text=True)
    r = desk.post("/ticketview/add?_l_=en", data={**base, "complainant_phone": "", "registered_at": "2099-01-01 09:00:00"})
    assert any("future" in f for f in _flashes(desk)) or "future" in r.get_data(as_text=True)  # sla-core's check
    r = desk.api("post", "/api/v1/ticket/?_l_=en", json={"client": world["clients"]["W002"], "type": "inquiry",
                                                           "channel": "phone", "subject": "坏电话",
                                                           "complainant_phone": "0000"})
    assert r.status_code == 422 and "complainant_phone" in r.json["message"], r.json
    r = desk.post("/ticketview/add", data={**base, "client": "__None"})
    assert r.status_code == 200  # no default client: a ticket needs one chosen
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(m.Ticket)).scalar() == count
    # a refused transition, in both languages, from the screen and the API
    pk = _new(app, world, client="W001")
    try:
        cm = login("t_cm1")
        r = cm.api("post", f"/api/v1/ticket/{pk}/transition?_l_=zh", json={"event": "close"})
        assert r.status_code == 422 and "现在不能执行“关闭”" in r.json["message"]["event"][0]
        cm.post(f"/ticketview/action/ticket_close/{pk}?_l_=en", data={"note": "x"})
        assert _status(app, pk) == "registered" and _flashes(cm)
        r = cm.api("post", f"/api/v1/ticket/{pk}/transition", json={"event": "start", "note": "a\x00b"})
        assert r.status_code == 422 and _status(app, pk) == "registered"
        r = cm.api("post", f"/api/v1/ticket/{pk}/transition", json={"event": "start", "note": 5})
        assert r.status_code in (400, 422) and _status(app, pk) == "registered"
    finally:
        _drop(app, pk)


def test_new_routes_answer_csv_of_callbacks_with_the_scope(app, login, world):
    pk = _new(app, world, client="W002", status="fed_back", resolution="已处理")
    try:
        login("t_desk").api("post", f"/api/v1/ticket/{pk}/callback", json={"result": "basically", "note": "导出测试"})
        rows = list(csv.reader(io.StringIO(login("t_head2").get("/callbackrecordview/export/").get_data(as_text=True))))
        assert any("导出测试" in cell for row in rows for cell in row)
        rows = login("t_head1").get("/callbackrecordview/export/").get_data(as_text=True)
        assert "导出测试" not in rows
    finally:
        _drop(app, pk)
