"""Visits (SPEC §5, issue #13): plan generation with carry-over, the plan's approval by role
through screens and API, the route page and its visit form, time and input checks, compliance."""
import datetime as dt

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from backoffice.rules import visit_frequency as freq

A_SERVICES = ("烟柜整理", "卷烟摆放")  # two of service level A's "3+3" daily services (seed 004 §2.3)


def _today():
    from backoffice.clock import business_today

    return business_today()


@pytest.fixture
def visits_world(app, world):
    """W001 (t_cm1) service level A on 片区 东 / 线路 2, W002 (t_cm2) C, W003 (t_head1) none; the
    month's plans, visits and notes logged by a test are removed afterwards."""
    from backoffice.cli import act_as_system

    month = freq.month_start(_today())
    with app.app_context():
        act_as_system()
        levels = {"W001": ("A", "东", "2"), "W002": ("C", "西", "1"), "W003": (None, None, None)}
        for code, (level, area, route) in levels.items():
            c = db.session.get(m.Client, world["clients"][code])
            c.service_level, c.area, c.route = level, area, route
        db.session.commit()
        before = {r[0] for r in db.session.execute(sa.select(m.VisitLog.id))}
    yield month
    with app.app_context():
        act_as_system()
        db.session.execute(sa.delete(m.VisitPlanItem))
        db.session.execute(sa.delete(m.VisitPlanEvent))
        db.session.execute(sa.delete(m.VisitPlan))
        db.session.execute(sa.delete(m.VisitLog).where(m.VisitLog.id.notin_(before)))
        for code in levels:
            c = db.session.get(m.Client, world["clients"][code])
            c.service_level, c.area, c.route, c.notes = None, None, None, None
        db.session.commit()


def _as(app, username):
    from backoffice.security.scope import act_as

    return act_as(app.appbuilder.sm.find_user(username=username))


def _plan(app, world, username, month):
    with app.app_context():
        plan = db.session.execute(sa.select(m.VisitPlan).where(
            m.VisitPlan.staff_id == world["staff"][username], m.VisitPlan.month == month)).scalar_one_or_none()
        if plan is None:
            return None
        items = sorted((i.client.code, i.due_on, i.carried_over, i.done) for i in plan.items)
        events = [(e.event, e.from_state, e.to_state, e.user.username if e.user else None, e.note) for e in plan.events]
        return {"id": plan.id, "state": plan.state.value, "items": items, "events": events}


def _generate(app, username, month):
    from backoffice.services import visits as commands

    with app.app_context():
        _as(app, username)
        return commands.generate_for_scope(month)


def test_generation_follows_the_service_levels_carries_over_and_is_idempotent(app, world, visits_world):
    month = visits_world
    previous = freq.previous_month(month)
    with app.app_context():
        _as(app, "t_admin")
        old = m.VisitPlan(staff_id=world["staff"]["t_cm1"], month=previous, state="result_reviewed")
        old.items = [m.VisitPlanItem(client_id=world["clients"]["W001"], due_on=previous, done=False),
                     m.VisitPlanItem(client_id=world["clients"]["W001"], due_on=previous + dt.timedelta(days=7), done=True)]
        db.session.add(old)
        db.session.commit()
    plans, items = _generate(app, "t_admin", month)
    cm1 = _plan(app, world, "t_cm1", month)
    weeks = freq.due_dates(7, month)
    assert cm1["state"] == "draft"
    assert cm1["items"] == sorted([("W001", d, False, False) for d in weeks] + [("W001", month, True, False)])
    assert _plan(app, world, "t_cm2", month)["items"] == [("W002", d, False, False) for d in freq.due_dates(14, month)]
    assert _plan(app, world, "t_head1", month)["items"] == [("W003", month, False, False)]
    assert plans == 3 and items == len(weeks) + 1 + 2 + 1
    # Twice: the same plan, nothing added.
    assert _generate(app, "t_admin", month) == (0, 0)
    assert _plan(app, world, "t_cm1", month)["items"] == cm1["items"]


def test_a_department_head_generates_only_his_scope_and_not_a_closed_month(app, world, visits_world, login):
    month = visits_world
    head2 = login("t_head2")
    r = head2.post("/visits/compliance/generate", data={"month": f"{month:%Y-%m}"}, follow_redirects=True)
    assert r.status_code == 200
    assert _plan(app, world, "t_cm2", month) is not None
    assert _plan(app, world, "t_cm1", month) is None  # another department's
    closed = freq.previous_month(month)
    r = head2.api("post", "/api/v1/visit_compliance/generate", json={"month": f"{closed:%Y-%m}"})
    assert r.status_code == 422
    assert "已结束" in str(r.json["message"]) or "closed" in str(r.json["message"])
    assert _plan(app, world, "t_cm2", closed) is None
    r = head2.post("/visits/compliance/generate", data={"month": f"{closed:%Y-%m}"}, follow_redirects=True)
    assert _plan(app, world, "t_cm2", closed) is None
    cm = login("t_cm1")
    assert cm.api("post", "/api/v1/visit_compliance/generate", json={"month": f"{month:%Y-%m}"}).status_code == 403


def test_the_approval_workflow_by_role_through_screens_and_api(app, world, visits_world, login):
    month = visits_world
    _generate(app, "t_admin", month)
    pk = _plan(app, world, "t_cm1", month)["id"]
    cm, head, other_head = login("t_cm1"), login("t_head1"), login("t_head2")

    page = cm.get(f"/visits/plan/{pk}")  # issue #13: the client manager got 403 on his own plan
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="submit"' in html and 'value="approve"' not in html
    assert cm.get(f"/visitplanview/edit/{pk}").status_code == 200  # editable while planned
    assert cm.get(f"/visitplanview/show/{pk}").status_code == 200

    cm.post(f"/visits/plan/{pk}/step", data={"event": "submit", "note": "本月计划"})
    assert _plan(app, world, "t_cm1", month)["state"] == "submitted"
    # The client manager cannot approve (role), another department's head cannot either (scope).
    r = cm.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "approve"})
    assert r.status_code in (403, 422)
    r = other_head.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "approve"})
    assert r.status_code in (404, 422)
    assert _plan(app, world, "t_cm1", month)["state"] == "submitted"
    assert 'value="approve"' in head.get(f"/visits/plan/{pk}").get_data(as_text=True)

    # A rejection needs its reason; then the plan is editable again and submitted again.
    r = head.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "reject"})
    assert r.status_code == 422 and _plan(app, world, "t_cm1", month)["state"] == "submitted"
    r = head.post(f"/visits/plan/{pk}/step", data={"event": "reject", "note": "W001 少排一次"}, follow_redirects=True)
    assert _plan(app, world, "t_cm1", month)["state"] == "rejected"
    assert cm.get(f"/visitplanview/edit/{pk}").status_code == 200
    r = cm.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "submit", "note": "已补"})
    assert r.status_code == 200 and r.json["state"] == "submitted"
    head.post(f"/visits/plan/{pk}/step", data={"event": "approve", "note": ""})
    # Straight to 结果已审核 is not offered nor accepted.
    r = head.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "review_result"})
    assert r.status_code == 422
    cm.post(f"/visits/plan/{pk}/step", data={"event": "submit_result", "note": "完成"})
    head.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "review_result", "note": "合格"})
    plan = _plan(app, world, "t_cm1", month)
    assert plan["state"] == "result_reviewed"
    assert plan["events"] == [
        ("submit", "draft", "submitted", "t_cm1", "本月计划"),
        ("reject", "submitted", "rejected", "t_head1", "W001 少排一次"),
        ("submit", "rejected", "submitted", "t_cm1", "已补"),
        ("approve", "submitted", "approved", "t_head1", None),
        ("submit_result", "approved", "result_submitted", "t_cm1", "完成"),
        ("review_result", "result_submitted", "result_reviewed", "t_head1", "合格"),
    ]
    page = head.get(f"/visits/plan/{pk}").get_data(as_text=True)
    assert "W001 少排一次" in page and "t_head1" in page


def test_nobody_approves_his_own_plan(app, world, visits_world, login):
    month = visits_world
    _generate(app, "t_admin", month)
    pk = _plan(app, world, "t_head1", month)["id"]
    head = login("t_head1")
    assert head.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "submit"}).status_code == 200
    assert 'value="approve"' not in head.get(f"/visits/plan/{pk}").get_data(as_text=True)
    r = head.api("post", f"/api/v1/visit_plan/{pk}/transition", json={"event": "approve"})
    assert r.status_code == 422
    assert _plan(app, world, "t_head1", month)["state"] == "submitted"


def _visits(app, world, code):
    with app.app_context():
        return [(v.visited_at, v.kind.value, v.services_done, v.latitude, v.satisfaction) for v in db.session.execute(
            sa.select(m.VisitLog).where(m.VisitLog.client_id == world["clients"][code])
            .order_by(m.VisitLog.id)).scalars()]


def test_the_route_lists_todays_stops_and_a_visit_ticks_the_plan(app, world, visits_world, login):
    month = visits_world
    _generate(app, "t_admin", month)
    cm = login("t_cm1")
    html = cm.get("/visits/today").get_data(as_text=True)
    assert "测试客户W001" in html and "测试客户W002" not in html  # t_cm2's client is not on his route
    form = cm.get(f"/visits/log/{world['clients']['W001']}").get_data(as_text=True)
    for service in A_SERVICES + ("货源保障",):
        assert f'value="{service}"' in form
    assert 'type="datetime-local"' in form and "visit_route.js" in form
    now = dt.datetime.combine(_today(), dt.time(0, 5))
    r = cm.post(f"/visits/log/{world['clients']['W001']}", data={
        "kind": "on_site", "services": list(A_SERVICES), "findings": "缺货", "next_step": "补货",
        "visited_at": now.strftime("%Y-%m-%dT%H:%M"), "latitude": "34.75", "longitude": "113.62"})
    assert r.status_code == 302
    assert _visits(app, world, "W001")[-1] == (now, "on_site", "\n".join(A_SERVICES), 34.75, None)
    item = [i for i in _plan(app, world, "t_cm1", month)["items"] if i[3]]
    assert len(item) == 1 and item[0][0] == "W001" and item[0][1] <= _today()
    html = cm.get("/visits/today").get_data(as_text=True)
    assert 'class="visit-done-item" data-client="W001"' in html


@pytest.mark.parametrize("when", ["fixed", "yesterday"])
def test_an_earlier_visit_keeps_its_hour_and_minute(app, world, visits_world, login, when):
    at = dt.datetime(2026, 11, 30, 15, 20)
    if when == "yesterday" or at.date() >= _today():
        at = dt.datetime.combine(_today() - dt.timedelta(days=1), dt.time(15, 20))
    cm = login("t_cm1")
    r = cm.post(f"/visits/log/{world['clients']['W001']}", data={
        "kind": "phone", "visited_at": at.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302
    assert _visits(app, world, "W001")[-1][0] == at
    # The generated FAB form keeps it too (the date-time picker no longer cuts the time).
    r = cm.post("/visitlogview/add", data={"client": world["clients"]["W001"], "kind": "phone",
                                           "staff": world["staff"]["t_cm1"],
                                           "visited_at": at.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    assert _visits(app, world, "W001")[-1][0] == at
    form = cm.get("/visitlogview/add").get_data(as_text=True)
    assert 'type="datetime-local"' in form and "appbuilder_datetime" not in form.split('name="visited_at"')[0][-300:]


BAD = [
    ({"visited_at": "FUTURE"}, "未来"),
    ({"latitude": "91", "longitude": "113"}, "-90"),
    ({"services": ["理财指导服务", "不存在的服务"]}, "不存在的服务"),  # W002 is C: neither is C's
    ({"kind": "follow_up"}, "满意度"),
]


@pytest.mark.parametrize("change,message", BAD)
def test_bad_visits_are_refused_in_the_users_language_and_change_nothing(app, world, visits_world, login, change, message):
    cm = login("t_cm2")
    before = _visits(app, world, "W002")
    data = {"kind": "on_site", "visited_at": dt.datetime.combine(_today(), dt.time(0, 1)).strftime("%Y-%m-%dT%H:%M")}
    data.update(change)
    if data["visited_at"] == "FUTURE":
        from backoffice.clock import business_now

        data["visited_at"] = (business_now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = cm.post(f"/visits/log/{world['clients']['W002']}", data=data)
    assert r.status_code == 200
    assert message in r.get_data(as_text=True)
    assert _visits(app, world, "W002") == before


def test_bad_visits_through_the_api(app, world, visits_world, login):
    from backoffice.clock import business_now

    cm = login("t_cm1")
    before = _visits(app, world, "W001")
    base = {"client": world["clients"]["W001"], "staff": world["staff"]["t_cm1"], "kind": "on_site",
            "visited_at": (business_now() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")}
    for change in ({"visited_at": (business_now() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")},
                   {"latitude": -95.0}, {"services_done": "不存在的服务"}):
        r = cm.api("post", "/api/v1/visit/", json={**base, **change})
        assert r.status_code == 422, (change, r.json)
        assert list(r.json["message"]) == list(change), r.json  # refused for that field, in Chinese
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(r.json["message"]))
    assert _visits(app, world, "W001") == before
    r = cm.api("post", "/api/v1/visit/", json={**base, "services_done": "\n".join(A_SERVICES)})
    assert r.status_code == 201, r.json


def test_a_follow_up_records_satisfaction_in_the_client_archive(app, world, visits_world, login):
    cm = login("t_cm1")
    r = cm.post(f"/visits/log/{world['clients']['W001']}", data={
        "kind": "follow_up", "satisfaction": "4", "findings": "对送货满意",
        "visited_at": dt.datetime.combine(_today(), dt.time(0, 2)).strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302
    assert _visits(app, world, "W001")[-1][4] == 4
    with app.app_context():
        notes = db.session.get(m.Client, world["clients"]["W001"]).notes
    assert "4/5" in notes and "对送货满意" in notes


def test_compliance_report_screen_csv_and_api_are_scoped(app, world, visits_world, login):
    month = visits_world
    _generate(app, "t_admin", month)
    cm = login("t_cm1")
    cm.post(f"/visits/log/{world['clients']['W001']}", data={
        "kind": "on_site", "visited_at": dt.datetime.combine(_today(), dt.time(0, 3)).strftime("%Y-%m-%dT%H:%M")})
    head = login("t_head1")
    r = head.api("get", f"/api/v1/visit_compliance/?month={month:%Y-%m}")
    assert r.status_code == 200
    staff = {row["staff_id"]: row for row in r.json["staff"]}
    assert world["staff"]["t_cm2"] not in staff  # another department
    row = staff[world["staff"]["t_cm1"]]
    assert (row["owned"], row["visited"], row["coverage_percent"], row["coverage_ok"]) == (1, 1, "100.0", True)
    assert row["distinct_visited"] == 1 and row["distinct_ok"] is False
    assert (row["planned"], row["done"]) == (len(freq.due_dates(7, month)), 1)
    # An A client visited in one week of the month is below its frequency.
    assert row["below_frequency"] == 1
    html = head.get(f"/visits/compliance/?month={month:%Y-%m}").get_data(as_text=True)
    assert "员工4" in html and "员工5" not in html  # t_cm1's staff name; not t_cm2's
    csv_text = head.get(f"/visits/compliance/csv?month={month:%Y-%m}").get_data(as_text=True)
    assert "员工4" in csv_text and "100.0" in csv_text and "员工5" not in csv_text
    assert cm.get(f"/visits/compliance/?month={month:%Y-%m}").status_code == 403
    assert cm.api("get", "/api/v1/visit_compliance/").status_code == 403
    assert head.api("get", "/api/v1/visit_compliance/?month=2026-13").status_code == 400


def test_the_monthly_job_generates_the_plans_as_the_system_user(app, world, visits_world):
    """The RQ job kind the schedule fires on the 1st (jobs/kind_visit_plans.py), run as a worker
    runs it (execute claims the run, calls the job, records the summary); a re-run adds nothing."""
    from backoffice.cli import act_as_system
    from backoffice.jobs.execute import execute
    from backoffice.jobs.schedule import PERIODIC

    month = visits_world
    entry = next(e for e in PERIODIC if e.name == "visit-plans-monthly")
    at = entry.next_fire(dt.datetime(2026, 11, 20, 9, 0))
    assert at == dt.datetime(2026, 12, 1, 1, 0) and entry.params(at) == {"month": "2026-12"}
    summaries = []
    for _ in range(2):
        with app.app_context():
            act_as_system()
            run = m.JobRun(kind="visits.plan_month", queue="default", state="queued",
                           params={"month": f"{month:%Y-%m}"})
            db.session.add(run)
            db.session.commit()
            assert getattr(execute(run.id), "value", None) == "finished"
            db.session.expire_all()  # the run row was finished by the executor's own statement
            summaries.append(db.session.get(m.JobRun, run.id).summary)
            db.session.execute(sa.delete(m.JobRun).where(m.JobRun.id == run.id))
            db.session.commit()
    assert summaries[0]["plans"] == 3 and summaries[0]["items"] == len(freq.due_dates(7, month)) + 2 + 1
    assert (summaries[1]["plans"], summaries[1]["items"]) == (0, 0)
    with app.app_context():
        plan = db.session.execute(sa.select(m.VisitPlan).where(m.VisitPlan.staff_id == world["staff"]["t_cm2"])).scalar_one()
        assert plan.created_by.username == "system" and plan.state.value == "draft"
