"""Surveys are scoped like every other record (SPEC §7 [decision], issue #9), on both databases:
a department's campaign, its invitations, results, report and rectification notes stay in that
department; a company campaign is read by all and changed by the admin; tokens are shown only to
whoever sends the invitations; an answer a staff member enters is recorded as theirs."""
import datetime as dt

import prison
import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from tests.integration.test_survey_answers import csv_bytes, upload
from tests.integration.test_survey_public import answers_of, drop_campaign, make_campaign, questions


def _result(cid, grouping, key, label):
    return m.SurveyResult(campaign_id=cid, grouping=grouping, key=str(key), label=label, invited=2, responded=1,
                          answers=3, satisfied=2)


@pytest.fixture
def campaigns(app, world):
    """D2's campaign (W002) and a company campaign (all clients), each with figures and notes."""
    deps, staff = world["departments"], world["staff"]
    with app.app_context():
        d2_id, d2_tokens, d2_inv = make_campaign(world, clients=("W002",), name="郊县部调查")
        co_id, co_tokens, co_inv = make_campaign(world, name="全公司调查")
        db.session.get(m.SurveyCampaign, d2_id).department_id = deps["D2"]
        # SQLite gives a deleted campaign's id to the next one and, without PRAGMA foreign_keys,
        # keeps the results another module's deleted campaign left under it
        db.session.execute(sa.delete(m.SurveyResult).where(m.SurveyResult.campaign_id.in_([d2_id, co_id])))
        db.session.add_all([
            _result(d2_id, "campaign", "all", "D2整体"), _result(d2_id, "staff", staff["t_cm2"], "D2员工评分"),
            _result(co_id, "campaign", "all", "公司整体"),
            _result(co_id, "department", deps["D1A"], "城区一组figures"), _result(co_id, "department", deps["D2"], "郊县figures"),
            _result(co_id, "staff", staff["t_cm1"], "cm1评分"), _result(co_id, "staff", staff["t_cm2"], "cm2评分"),
            m.SurveyRectification(campaign_id=d2_id, department_id=deps["D2"], notes="D2自己的整改"),
            m.SurveyRectification(campaign_id=co_id, department_id=deps["D2"], notes="郊县整改措施"),
            m.SurveyRectification(campaign_id=co_id, department_id=deps["D1"], notes="城区整改措施"),
        ])
        db.session.commit()
    yield {"d2": d2_id, "company": co_id, "d2_inv": d2_inv, "co_inv": co_inv, "co_tokens": co_tokens}
    with app.app_context():
        db.session.rollback()
        db.session.execute(sa.delete(m.SurveyRectification).where(m.SurveyRectification.campaign_id.in_([d2_id, co_id])))
        db.session.commit()
        drop_campaign(d2_id)
        drop_campaign(co_id)


def _campaign_row(app, cid):
    with app.app_context():
        c = db.session.get(m.SurveyCampaign, cid)
        n = db.session.execute(sa.select(sa.func.count(m.SurveyInvitation.id))
                               .where(m.SurveyInvitation.campaign_id == cid)).scalar()
        return (c.name, c.department_id, c.deadline), n


def test_a_head_cannot_read_change_or_delete_another_departments_campaign(app, login, world, campaigns):
    cid = campaigns["d2"]
    before = _campaign_row(app, cid)
    assert before[1] == 1
    head = login("t_head1")
    assert head.api("get", f"/api/v1/survey_campaign/{cid}").status_code == 404
    assert head.api("put", f"/api/v1/survey_campaign/{cid}", json={"name": "被改了"}).status_code == 404
    assert head.api("delete", f"/api/v1/survey_campaign/{cid}").status_code == 404
    listed = head.api("get", "/api/v1/survey_campaign/?q=(page_size:100)").json
    assert cid not in listed["ids"] and campaigns["company"] in listed["ids"]
    for url in (f"/surveycampaignview/show/{cid}", f"/surveycampaignview/edit/{cid}",
                f"/surveycampaignview/report/{cid}", f"/surveycampaignview/report/{cid}/csv"):
        assert head.get(url).status_code == 404, url
    assert head.post(f"/surveycampaignview/edit/{cid}", data={"name": "被改了"}).status_code == 404
    assert head.post(f"/surveycampaignview/delete/{cid}").status_code == 404
    assert head.post("/surveycampaignview/action_post", data={"action": "launch", "rowid": [cid]}).status_code == 404
    assert "郊县部调查" not in head.get("/surveycampaignview/list/").get_data(as_text=True)
    assert _campaign_row(app, cid) == before  # nothing changed, the invitation is still there
    # Its owner reads it.
    assert login("t_head2").api("get", f"/api/v1/survey_campaign/{cid}").status_code == 200


def test_results_and_notes_of_other_departments_stay_hidden(app, login, world, campaigns):
    head = login("t_head1")
    r = head.api("get", f"/api/v1/survey_result/?q={prison.dumps({'page_size': 100})}")
    labels = {row["label"] for row in r.json["result"]}
    assert {"公司整体", "城区一组figures", "cm1评分"} <= labels
    assert not labels & {"D2整体", "D2员工评分", "郊县figures", "cm2评分"}
    listing = head.get("/surveyresultview/list/?psize_SurveyResultView=100").get_data(as_text=True)
    assert "cm1评分" in listing and "cm2评分" not in listing and "D2整体" not in listing
    report = head.get(f"/surveycampaignview/report/{campaigns['company']}").get_data(as_text=True)
    assert "城区整改措施" in report and "郊县整改措施" not in report
    assert "cm2评分" not in report and "郊县figures" not in report
    csv_text = head.get(f"/surveycampaignview/report/{campaigns['company']}/csv").data.decode("utf-8-sig")
    assert "cm1评分" in csv_text and "cm2评分" not in csv_text
    notes = head.api("get", "/api/v1/survey_rectification/?q=(page_size:100)").json["result"]
    assert "郊县整改措施" not in {n["notes"] for n in notes} and "城区整改措施" in {n["notes"] for n in notes}
    # The admin and the viewer read everything.
    everything = login("t_viewer").get(f"/surveycampaignview/report/{campaigns['company']}").get_data(as_text=True)
    assert "郊县整改措施" in everything and "城区整改措施" in everything


def test_company_campaign_is_read_by_heads_and_changed_by_the_admin(app, login, world, campaigns):
    cid = campaigns["company"]
    before = _campaign_row(app, cid)
    head = login("t_head1")
    assert head.api("get", f"/api/v1/survey_campaign/{cid}").status_code == 200
    assert head.api("put", f"/api/v1/survey_campaign/{cid}", json={"name": "改公司的"}).status_code == 403
    assert head.api("delete", f"/api/v1/survey_campaign/{cid}").status_code == 403
    head.post(f"/surveycampaignview/delete/{cid}")
    assert _campaign_row(app, cid) == before
    admin = login("t_admin")
    assert admin.api("put", f"/api/v1/survey_campaign/{cid}", json={"name": "全公司调查二"}).status_code == 200
    assert _campaign_row(app, cid)[0][0] == "全公司调查二"


def test_api_create_gives_the_department_the_screen_gives_and_refuses_another(app, login, world):
    head = login("t_head1")
    head.get("/lang/en")
    with app.app_context():
        qid = db.session.execute(sa.select(m.Questionnaire.id).where(m.Questionnaire.code == "SAT-STD")).scalar_one()
    body = {"name": "API建的调查", "kind": "semiannual", "period": "2026H2", "questionnaire": qid,
            "deadline": "2099-12-31", "channel": "online"}
    r = head.post("/api/v1/survey_campaign/", json=body)
    assert r.status_code == 201, r.json
    try:
        with app.app_context():
            assert db.session.get(m.SurveyCampaign, r.json["id"]).department_id == world["departments"]["D1"]
        bad = head.post("/api/v1/survey_campaign/", json={**body, "name": "别部门的", "department": world["departments"]["D2"]})
        assert bad.status_code == 422
        assert "department" in bad.json["message"] and "scope" in str(bad.json["message"]["department"])
        with app.app_context():
            assert db.session.execute(sa.select(m.SurveyCampaign).where(m.SurveyCampaign.name == "别部门的")).first() is None
    finally:
        with app.app_context():
            drop_campaign(r.json["id"])


@pytest.mark.parametrize("username", ["t_desk", "t_viewer"])
def test_service_desk_and_viewer_see_no_token(app, login, world, campaigns, username):
    inv = campaigns["co_inv"]["W001"]
    token = campaigns["co_tokens"]["W001"]
    user = login(username)
    page = user.get(f"/surveyinvitationview/show/{inv}")
    assert page.status_code == 200 and "测试客户W001" in page.get_data(as_text=True)
    assert token not in page.get_data(as_text=True) and "/survey/" not in page.get_data(as_text=True)
    assert token not in user.get(f"/surveyinvitationview/list/?psize_SurveyInvitationView=100").get_data(as_text=True)
    api = user.get(f"/api/v1/survey_invitation/{inv}")
    assert api.status_code == 200 and token not in api.get_data(as_text=True)
    asked = user.get(f"/api/v1/survey_invitation/{inv}?q={prison.dumps({'columns': ['token', 'id']})}")
    assert token not in asked.get_data(as_text=True)
    if username == "t_viewer":  # the viewer exports
        export = user.get("/surveyinvitationview/export/")
        assert export.status_code == 200 and token not in export.data.decode("utf-8-sig")
        export = user.get("/api/v1/survey_invitation/export.csv?q=(columns:!(token,id))")
        assert export.status_code == 200 and token not in export.data.decode("utf-8-sig")
    # Whoever sends the invitations sees the link.
    assert token in login("t_admin").get(f"/surveyinvitationview/show/{inv}").get_data(as_text=True)


def test_an_answer_entered_by_staff_is_theirs_whatever_the_request_says(app, login, world):
    with app.app_context():
        cid, tokens, ids = make_campaign(world, channel="online", assignee=None)
        qs = {code: q.id for code, q in questions().items()}
        sm = app.appbuilder.sm
        desk_id, admin_id = sm.find_user(username="t_desk").id, sm.find_user(username="t_admin").id
    try:
        # A signed-in desk member posting the client's public page, claiming "online".
        desk = login("t_desk")
        form = {f"score_{q}": "4" for q in qs.values()}
        r = desk.post(f"/survey/{tokens['W001']}", data={**form, "channel": "online", "entered_by": ""})
        assert r.status_code == 200
        with app.app_context():
            got = answers_of(ids["W001"])
            assert got and {a.entered_by_id for a in got} == {desk_id}
            assert "online" not in {a.channel.value for a in got}
        # An import row that says "online" is refused; without a channel it is the importer's call.
        admin = login("t_admin")
        admin.get("/lang/en")
        data = csv_bytes([(tokens["W002"], "SUPPLY", 5, "", "online"), (tokens["W003"], "SUPPLY", 4, "", "")],
                         header=("token", "question", "score", "comment", "channel"))
        preview_url, upload_id = upload(admin, data)
        assert "cannot be recorded as answered online" in admin.get(preview_url).get_data(as_text=True)
        admin.post(f"/import/survey-answers/confirm/{upload_id}", data={"mode": "valid_rows"})
        with app.app_context():
            assert answers_of(ids["W002"]) == []
            (row,) = answers_of(ids["W003"])
            assert (row.channel.value, row.entered_by_id) == ("phone", admin_id)
        # The client's own answer on the public page (no login) stays the online one.
        anonymous = app.test_client().post(f"/survey/{tokens['W002']}", data=form)
        assert anonymous.status_code == 200
        with app.app_context():
            assert {(a.channel.value, a.entered_by_id) for a in answers_of(ids["W002"])} == {("online", None)}
    finally:
        with app.app_context():
            drop_campaign(cid)


def test_phone_entry_ignores_a_claimed_channel(app, login, world):
    with app.app_context():
        cid, tokens, ids = make_campaign(world, channel="phone", assignee=world["staff"]["t_desk"])
        qs = {code: q.id for code, q in questions().items()}
        desk_id = app.appbuilder.sm.find_user(username="t_desk").id
    try:
        desk = login("t_desk")
        form = {f"score_{q}": "5" for q in qs.values()}
        r = desk.post(f"/phonesurveyview/enter/{ids['W001']}", data={**form, "channel": "online", "entered_by_id": ""})
        assert r.status_code == 302
        with app.app_context():
            assert {(a.channel.value, a.entered_by_id) for a in answers_of(ids["W001"])} == {("phone", desk_id)}
    finally:
        with app.app_context():
            drop_campaign(cid)


def test_tokens_never_reach_the_change_log_and_old_copies_are_scrubbed(app, world):
    """audit.SECRET_FIELDS for new records; migration 0008_sec_scope for copies made before."""
    import importlib.util
    import pathlib

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    with app.app_context():
        cid, tokens, ids = make_campaign(world, clients=("W001",))
        try:
            logged = db.session.execute(sa.select(m.ChangeLog).where(
                m.ChangeLog.table_name == "survey_invitation", m.ChangeLog.record_id == ids["W001"])).scalars().all()
            assert logged and all("token" not in (row.details or {}) for row in logged)
            old = m.ChangeLog(action="create", table_name="survey_invitation", record_id=ids["W001"],
                              details={"token": tokens["W001"], "client_id": world["clients"]["W001"]})
            field = m.ChangeLog(action="update", table_name="survey_invitation", record_id=ids["W001"],
                                field="token", old_value="old-secret", new_value=tokens["W001"])
            db.session.add_all([old, field])
            db.session.commit()
            path = pathlib.Path(__file__).parents[2] / "migrations/versions/0008_sec_scope_scrub_survey_tokens.py"
            spec = importlib.util.spec_from_file_location("scrub", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
                module.upgrade()
            db.session.expire_all()
            assert db.session.get(m.ChangeLog, old.id).details == {"client_id": world["clients"]["W001"]}
            assert (db.session.get(m.ChangeLog, field.id).old_value, db.session.get(m.ChangeLog, field.id).new_value) == (None, None)
        finally:
            db.session.rollback()
            db.session.execute(sa.delete(m.ChangeLog).where(m.ChangeLog.table_name == "survey_invitation",
                                                            m.ChangeLog.record_id == ids["W001"]))
            db.session.commit()
            drop_campaign(cid)
