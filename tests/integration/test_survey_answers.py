"""Phone entry by the service desk and CSV import of survey answers, on both databases (SPEC §7, §9)."""
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from tests.conftest import PASSWORD
from tests.integration.test_survey_public import answers_of, drop_campaign, make_campaign, questions


@pytest.fixture
def other_desk(app, world):
    """A second service-desk member (no phone invitations of their own)."""
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username="t_desk_other")
        if user is None:
            from backoffice.cli import act_as_system

            act_as_system()
            user = sm.add_user("t_desk_other", "t", "desk", "t_desk_other@example.com",
                               [sm.find_role("ServiceDesk")], password=PASSWORD)
            db.session.add(m.Staff(name="客服二", employee_no="T-DESK2", user=user,
                                   department_id=world["departments"]["D2"], position="service_desk",
                                   pay_base=Decimal("0")))
            db.session.commit()
    return "t_desk_other"


@pytest.fixture
def phone_campaign(app, world):
    with app.app_context():
        cid, tokens, ids = make_campaign(world, channel="phone", assignee=world["staff"]["t_desk"])
        qs = {code: q.id for code, q in questions().items()}
    yield {"id": cid, "tokens": tokens, "ids": ids, "questions": qs}
    with app.app_context():
        drop_campaign(cid)


def phone_form(qs, scores=None):
    scores = scores or {}
    return {f"score_{qid}": str(scores.get(code, 4)) for code, qid in qs.items()}


def test_phone_entry_by_the_assigned_desk_member(app, login, world, phone_campaign, other_desk):
    qs, inv_id = phone_campaign["questions"], phone_campaign["ids"]["W002"]
    desk = login("t_desk")
    listing = desk.get("/phonesurveyview/list/").get_data(as_text=True)
    assert "测试客户W002" in listing and "测试客户W001" in listing
    page = desk.get(f"/phonesurveyview/enter/{inv_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="phone-question') == 8 and "卷烟供应" in html

    # Out of range: refused on the question, nothing saved.
    bad = desk.post(f"/phonesurveyview/enter/{inv_id}", data=phone_form(qs, {"SERVICE": 6}))
    assert bad.status_code == 400
    row = re.search(r'data-code="SERVICE".*?</tr>', bad.get_data(as_text=True), re.S).group(0)
    assert "phone-error" in row
    with app.app_context():
        assert answers_of(inv_id) == []

    r = desk.post(f"/phonesurveyview/enter/{inv_id}", data=phone_form(qs, {"SUPPLY": 3, "STAFF_CM": 5}))
    assert r.status_code == 302
    with app.app_context():
        desk_user = app.appbuilder.sm.find_user(username="t_desk")
        inv = db.session.get(m.SurveyInvitation, inv_id)
        got = {a.question.code: a for a in answers_of(inv_id)}
        assert inv.used_at is not None and len(got) == 8
        assert got["SUPPLY"].score == 3 and got["STAFF_CM"].staff_id == world["staff"]["t_cm2"]
        assert {a.channel.value for a in got.values()} == {"phone"}
        assert {a.entered_by_id for a in got.values()} == {desk_user.id}

    # The entering member may correct before the deadline: one submission, updated in place.
    r = desk.post(f"/phonesurveyview/enter/{inv_id}", data=phone_form(qs, {"SUPPLY": 5}))
    assert r.status_code == 302
    with app.app_context():
        got = {a.question.code: a.score for a in answers_of(inv_id)}
        assert got["SUPPLY"] == 5 and len(got) == 8

    # Another service-desk member: not their call — not listed, 404 on the form.
    other = login(other_desk)
    assert "测试客户W002" not in other.get("/phonesurveyview/list/").get_data(as_text=True)
    assert other.get(f"/phonesurveyview/enter/{inv_id}").status_code == 404
    assert other.post(f"/phonesurveyview/enter/{inv_id}", data=phone_form(qs, {"SUPPLY": 1})).status_code == 404
    # A department head sees it in scope, read-only (someone else entered it).
    head = login("t_head2")
    page = head.get(f"/phonesurveyview/enter/{inv_id}")
    assert page.status_code == 200 and "phone-survey-readonly" in page.get_data(as_text=True)
    assert head.post(f"/phonesurveyview/enter/{inv_id}", data=phone_form(qs, {"SUPPLY": 1})).status_code == 409
    assert login("t_head1").get(f"/phonesurveyview/enter/{inv_id}").status_code == 404  # W002 is in D2
    with app.app_context():
        assert {a.question.code: a.score for a in answers_of(inv_id)}["SUPPLY"] == 5


def test_phone_form_refuses_an_invitation_answered_online(app, login, phone_campaign):
    qs, token, inv_id = phone_campaign["questions"], phone_campaign["tokens"]["W001"], phone_campaign["ids"]["W001"]
    assert app.test_client().post(f"/survey/{token}", data=phone_form(qs)).status_code == 200
    desk = login("t_desk")
    page = desk.get(f"/phonesurveyview/enter/{inv_id}")
    assert "phone-survey-readonly" in page.get_data(as_text=True)
    assert desk.post(f"/phonesurveyview/enter/{inv_id}", data=phone_form(qs, {"SUPPLY": 1})).status_code == 409
    with app.app_context():
        assert {a.entered_by_id for a in answers_of(inv_id)} == {None}


# -- CSV import ------------------------------------------------------------------------------------
@pytest.fixture
def online_campaign(app, world):
    with app.app_context():
        cid, tokens, ids = make_campaign(world)
    yield {"id": cid, "tokens": tokens, "ids": ids}
    with app.app_context():
        drop_campaign(cid)


def csv_bytes(rows, header=("token", "question", "score", "comment"), encoding="utf-8-sig"):
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(browser, data, name="answers.csv"):
    import io

    r = browser.post("/import/survey-answers/", data={"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    preview_url = r.headers["Location"]
    return preview_url, preview_url.rsplit("/", 1)[-1]


def all_rows(tokens, codes=("W001", "W003"), score=4):
    return [(tokens[c], q, score, "") for c in codes for q in ("SUPPLY", "PRICE", "SERVICE", "NEEDS", "STAFF_CM")]


def count_answers(campaign_id):
    return db.session.execute(
        sa.select(sa.func.count(m.SurveyAnswer.id)).join(m.SurveyInvitation)
        .where(m.SurveyInvitation.campaign_id == campaign_id)
    ).scalar()


def test_csv_import_preview_all_or_nothing_and_idempotent(app, login, online_campaign):
    tokens, cid = online_campaign["tokens"], online_campaign["id"]
    back = login("t_back1")  # BackOffice of D1: W001 and W003 are in scope, W002 is not
    back.get("/lang/en")  # the messages asserted below are the English ones
    rows = all_rows(tokens)
    bad = rows + [(tokens["W001"], "NOPE", 4, ""), (tokens["W003"], "STAFF_MM", 9, ""),
                  (tokens["W002"], "SUPPLY", 4, ""), ("not-a-token", "SUPPLY", 4, "")]
    preview_url, upload_id = upload(back, csv_bytes(bad))
    page = back.get(preview_url).get_data(as_text=True)
    errors = re.findall(r'<tr class="import-error" data-row="(\d+)" data-field="(\w+)">.*?<td class="text-danger">(.*?)</td>', page, re.S)
    found = {(int(r), f): msg for r, f, msg in errors}
    assert "part of the campaign" in found[(12, "question")]
    assert "between 1 and 5" in found[(13, "score")]
    assert "outside your scope" in found[(14, "token")]
    assert "No invitation has this token" in found[(15, "token")]
    assert 'data-action="create" style="text-align: right;">10<' in page

    # All or nothing: one bad row and nothing is written.
    r = back.post(f"/import/survey-answers/confirm/{upload_id}", data={"mode": "all_or_nothing"})
    assert "import-not-committed" in r.get_data(as_text=True)
    with app.app_context():
        assert count_answers(cid) == 0
        assert db.session.get(m.SurveyInvitation, online_campaign["ids"]["W001"]).used_at is None

    _url, good_id = upload(back, csv_bytes(rows))
    r = back.post(f"/import/survey-answers/confirm/{good_id}", data={"mode": "all_or_nothing"})
    assert "import-committed" in r.get_data(as_text=True)
    with app.app_context():
        back_user = app.appbuilder.sm.find_user(username="t_back1")
        saved = db.session.execute(sa.select(m.SurveyAnswer).join(m.SurveyInvitation)
                                   .where(m.SurveyInvitation.campaign_id == cid)).scalars().all()
        assert len(saved) == 10 and {a.entered_by_id for a in saved} == {back_user.id}
        assert {a.score for a in saved} == {4}
        assert db.session.get(m.SurveyInvitation, online_campaign["ids"]["W001"]).used_at is not None
        before = sorted((a.id, a.score, a.answered_at) for a in saved)

    # The same file again: every row unchanged, nothing touched.
    _url, same_id = upload(back, csv_bytes(rows))
    page = back.get(f"/import/survey-answers/preview/{same_id}").get_data(as_text=True)
    assert 'data-action="unchanged" style="text-align: right;">10<' in page
    back.post(f"/import/survey-answers/confirm/{same_id}", data={"mode": "all_or_nothing"})
    with app.app_context():
        after = sorted((a.id, a.score, a.answered_at) for a in db.session.execute(
            sa.select(m.SurveyAnswer).join(m.SurveyInvitation).where(m.SurveyInvitation.campaign_id == cid)).scalars())
        assert after == before

    # A corrected score updates the one answer (upsert on invitation and question).
    changed = [r if r[1] != "PRICE" or r[0] != tokens["W003"] else (r[0], r[1], 2, "价格偏高") for r in rows]
    _url, changed_id = upload(back, csv_bytes(changed))
    r = back.post(f"/import/survey-answers/confirm/{changed_id}", data={"mode": "all_or_nothing"})
    assert 'data-action="update" style="text-align: right;">1<' in r.get_data(as_text=True)
    with app.app_context():
        price = db.session.execute(
            sa.select(m.SurveyAnswer).join(m.SurveyQuestion)
            .where(m.SurveyAnswer.invitation_id == online_campaign["ids"]["W003"], m.SurveyQuestion.code == "PRICE")
        ).scalar_one()
        assert (price.score, price.comment) == (2, "价格偏高")
        assert count_answers(cid) == 10


def test_csv_import_gb18030_by_campaign_and_client_code_never_overwrites_online_answers(app, login, online_campaign):
    tokens, cid = online_campaign["tokens"], online_campaign["id"]
    qs = {code: q.id for code, q in questions_in(app).items()}
    # W003 answered online first.
    assert app.test_client().post(f"/survey/{tokens['W003']}", data={f"score_{q}": "5" for q in qs.values()}).status_code == 200
    admin = login("t_admin")
    admin.get("/lang/en")
    rows = [(cid, "W001", "supply", 3, "货源偏紧，希望增加紧俏品规"), (cid, "W001", "NEEDS", "4", ""),
            (cid, "W003", "SUPPLY", 1, "")]
    data = csv_bytes(rows, header=("campaign", "客户编码", "question", "score", "comment"), encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    preview_url, upload_id = upload(admin, data)
    page = admin.get(preview_url).get_data(as_text=True)
    assert "The client answered this question online" in page
    r = admin.post(f"/import/survey-answers/confirm/{upload_id}", data={"mode": "valid_rows"})
    assert "import-committed" in r.get_data(as_text=True)
    with app.app_context():
        got = {a.question.code: a for a in answers_of(online_campaign["ids"]["W001"])}
        assert got["SUPPLY"].comment == "货源偏紧，希望增加紧俏品规" and got["SUPPLY"].score == 3
        # Entered by the importer, so never recorded as the client's online answer (issue #9).
        assert got["NEEDS"].score == 4 and got["SUPPLY"].channel.value == "phone"
        assert got["SUPPLY"].entered_by.username == "t_admin"
        online = {a.question.code: a for a in answers_of(online_campaign["ids"]["W003"])}
        assert online["SUPPLY"].score == 5 and online["SUPPLY"].entered_by_id is None


def questions_in(app):
    with app.app_context():
        return questions()


def test_import_refuses_a_file_without_invitation_columns(app, login):
    admin = login("t_admin")
    admin.get("/lang/en")
    import io

    data = csv_bytes([("SUPPLY", 4)], header=("question", "score"))
    r = admin.post("/import/survey-answers/", data={"file": (io.BytesIO(data), "a.csv")}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert "import-file-error" in r.get_data(as_text=True) and "Invitation token" in r.get_data(as_text=True)


@pytest.mark.parametrize("username,allowed", [
    ("t_admin", True), ("t_head1", True), ("t_back1", True), ("t_cm1", False), ("t_desk", False), ("t_viewer", False),
])
def test_who_may_import_answers(app, login, username, allowed):
    status = login(username).get("/import/survey-answers/").status_code
    assert status == (200 if allowed else 403)
