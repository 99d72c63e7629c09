"""The public survey page /survey/<token> on both databases (SPEC §7): language, single use,
refusals that do not tell unknown from expired, CSRF, validation (rate limits: test_survey_ratelimit.py)."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


def make_campaign(world, *, channel="online", state="open", clients=("W001", "W002", "W003"), name=None,
                  assignee=None, expires=None):
    """A campaign on SAT-STD with one invitation per client; returns (campaign id, {code: token}, {code: id})."""
    from backoffice.cli import act_as_system

    act_as_system()
    qn = db.session.execute(sa.select(m.Questionnaire).where(m.Questionnaire.code == "SAT-STD")).scalar_one()
    campaign = m.SurveyCampaign(
        name=name or f"测试调查{dt.datetime.now().timestamp()}", kind="semiannual", period="2026H2",
        questionnaire=qn, deadline=dt.date(2099, 12, 31), state=state, channel=channel,
    )
    db.session.add(campaign)
    db.session.flush()
    tokens, ids = {}, {}
    for code in clients:
        inv = m.SurveyInvitation(
            campaign=campaign, client_id=world["clients"][code], channel=channel, assignee_id=assignee,
            expires_at=expires or dt.datetime(2099, 12, 31, 23, 59, 59),
        )
        db.session.add(inv)
        db.session.flush()
        tokens[code], ids[code] = inv.token, inv.id
    db.session.commit()
    return campaign.id, tokens, ids


def drop_campaign(campaign_id):
    db.session.rollback()
    inv_ids = sa.select(m.SurveyInvitation.id).where(m.SurveyInvitation.campaign_id == campaign_id)
    db.session.execute(sa.delete(m.SurveyAnswer).where(m.SurveyAnswer.invitation_id.in_(inv_ids)))
    db.session.execute(sa.delete(m.SurveyResult).where(m.SurveyResult.campaign_id == campaign_id))
    db.session.execute(sa.delete(m.SurveyInvitation).where(m.SurveyInvitation.campaign_id == campaign_id))
    db.session.execute(sa.delete(m.SurveyCampaign).where(m.SurveyCampaign.id == campaign_id))
    db.session.commit()


def questions():
    rows = db.session.execute(
        sa.select(m.SurveyQuestion).join(m.Questionnaire).where(m.Questionnaire.code == "SAT-STD")
        .order_by(m.SurveyQuestion.position)
    ).scalars().all()
    return {q.code: q for q in rows}


def answers_of(invitation_id):
    return db.session.execute(
        sa.select(m.SurveyAnswer).where(m.SurveyAnswer.invitation_id == invitation_id)
    ).scalars().all()


@pytest.fixture
def campaign(app, world):
    with app.app_context():
        cid, tokens, ids = make_campaign(world)
        qs = {code: q.id for code, q in questions().items()}
    yield {"id": cid, "tokens": tokens, "ids": ids, "questions": qs}
    with app.app_context():
        drop_campaign(cid)


def full_form(qs, scores=None, **extra):
    scores = scores or {}
    data = {f"score_{qid}": str(scores.get(code, 5 if i % 2 else 4)) for i, (code, qid) in enumerate(qs.items())}
    data.update(extra)
    return data


def test_page_shows_the_questions_in_the_clients_language(app, campaign):
    c = app.test_client()
    token = campaign["tokens"]["W001"]
    zh = c.get(f"/survey/{token}?lang=zh")
    assert zh.status_code == 200
    html = zh.get_data(as_text=True)
    assert 'lang="zh-Hans"' in html and "您对卷烟供应" in html and "您对客户经理的满意程度" in html
    assert html.count('type="radio"') == 8 * 5  # eight questions on the 1-5 scale
    assert 'name="viewport"' in html and "/survey/static/survey.css" in html
    assert "appbuilder" not in html and "cdn" not in html.lower()  # standalone page, nothing fetched elsewhere
    assert zh.headers["Cache-Control"] == "no-store" and zh.headers["Referrer-Policy"] == "same-origin"

    hant = c.get(f"/survey/{token}?lang=zh_Hant").get_data(as_text=True)
    assert 'lang="zh-Hant"' in hant and "您對卷煙供應" in hant and "卷烟供应" not in hant
    en = c.get(f"/survey/{token}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in en and "How satisfied are you with the cigarette supply" in en and "Very satisfied" in en
    # Without ?lang= the browser's languages decide; Simplified Chinese by default.
    assert "您對卷煙供應" in c.get(f"/survey/{token}", headers={"Accept-Language": "zh-TW,zh;q=0.8"}).get_data(as_text=True)
    assert "How satisfied" in c.get(f"/survey/{token}", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "您对卷烟供应" in c.get(f"/survey/{token}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    css = c.get("/survey/static/survey.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and b".score" in css.data


def test_submit_records_answers_once_and_rates_the_serving_staff(app, campaign, world):
    qs = campaign["questions"]
    token = campaign["tokens"]["W001"]
    with app.app_context():  # W001 (team D1A, no head) -> market manager = head of D1 (t_head1)
        d1 = db.session.get(m.Department, world["departments"]["D1"])
        d1.head_id = world["staff"]["t_head1"]
        db.session.commit()
    try:
        c = app.test_client()
        data = full_form(qs, {"SUPPLY": 2, "STAFF_CM": 5}, **{f"comment_{qs['SUPPLY']}": "  断货较多  "})
        r = c.post(f"/survey/{token}?lang=en", data=data)
        assert r.status_code == 200, r.get_data(as_text=True)
        assert 'data-kind="thanks"' in r.get_data(as_text=True)
        with app.app_context():
            inv = db.session.get(m.SurveyInvitation, campaign["ids"]["W001"])
            assert inv.used_at is not None
            got = {a.question.code: a for a in answers_of(inv.id)}
            assert set(got) == set(qs)
            assert got["SUPPLY"].score == 2 and got["SUPPLY"].comment == "断货较多"
            assert got["STAFF_CM"].score == 5 and got["STAFF_CM"].staff_id == world["staff"]["t_cm1"]
            assert got["STAFF_MM"].staff_id == world["staff"]["t_head1"]
            assert got["STAFF_DL"].staff_id is None and got["PRICE"].staff_id is None
            assert {a.channel.value for a in got.values()} == {"online"}
            assert {a.entered_by_id for a in got.values()} == {None}
            first_ids = sorted(a.id for a in got.values())

        # A reopened link and a second submission: "already answered", nothing written.
        again = c.get(f"/survey/{token}?lang=en")
        assert again.status_code == 410 and 'data-kind="used"' in again.get_data(as_text=True)
        second = c.post(f"/survey/{token}", data=full_form(qs, {"SUPPLY": 5}))
        assert second.status_code == 410 and 'data-kind="used"' in second.get_data(as_text=True)
        with app.app_context():
            rows = answers_of(campaign["ids"]["W001"])
            assert sorted(a.id for a in rows) == first_ids
            assert {a.question.code: a.score for a in rows}["SUPPLY"] == 2
    finally:
        with app.app_context():
            d1 = db.session.get(m.Department, world["departments"]["D1"])
            d1.head_id = None
            db.session.commit()


def test_staff_questions_may_stay_blank_but_the_others_may_not(app, campaign):
    qs = campaign["questions"]
    token = campaign["tokens"]["W002"]
    c = app.test_client()
    data = {f"score_{qs[code]}": "4" for code in ("SUPPLY", "PRICE", "SERVICE")}  # NEEDS missing
    r = c.post(f"/survey/{token}?lang=en", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    block = re.search(r'data-code="NEEDS".*?</fieldset>', html, re.S).group(0)
    assert "Choose a score." in block
    with app.app_context():
        assert answers_of(campaign["ids"]["W002"]) == []
    data[f"score_{qs['NEEDS']}"] = "3"
    r = c.post(f"/survey/{token}?lang=en", data=data)
    assert r.status_code == 200
    with app.app_context():
        assert {a.question.code for a in answers_of(campaign["ids"]["W002"])} == {"SUPPLY", "PRICE", "SERVICE", "NEEDS"}


def test_unknown_expired_and_closed_links_get_the_same_refusal(app, world):
    c = app.test_client()
    with app.app_context():
        expired_id, expired, _ids = make_campaign(world, clients=("W001",), expires=dt.datetime(2020, 1, 1))
        closed_id, closed, _ids = make_campaign(world, clients=("W001",), state="closed")
    try:
        pages = [c.get(f"/survey/{t}?lang=en") for t in (expired["W001"], closed["W001"], "no-such-token", "x" * 500)]
        assert [p.status_code for p in pages] == [404] * 4
        bodies = {p.get_data(as_text=True) for p in pages}
        assert len(bodies) == 1  # nothing tells an expired token from one that never existed
        assert 'data-kind="invalid"' in bodies.pop()
        # Posting to an expired link writes nothing either.
        qs = {code: q.id for code, q in questions_in(app).items()}
        assert c.post(f"/survey/{expired['W001']}", data=full_form(qs)).status_code == 404
        with app.app_context():
            assert db.session.execute(sa.select(sa.func.count(m.SurveyAnswer.id)).join(m.SurveyInvitation)
                                      .where(m.SurveyInvitation.campaign_id == expired_id)).scalar() == 0
    finally:
        with app.app_context():
            drop_campaign(expired_id)
            drop_campaign(closed_id)


def questions_in(app):
    with app.app_context():
        return questions()


def test_out_of_range_score_and_foreign_question_are_refused_with_nothing_saved(app, campaign):
    qs = campaign["questions"]
    token = campaign["tokens"]["W003"]
    c = app.test_client()
    r = c.post(f"/survey/{token}?lang=en", data=full_form(qs, {"PRICE": 7}))
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    block = re.search(r'data-code="PRICE".*?</fieldset>', html, re.S).group(0)
    assert "The score must be between 1 and 5." in block
    assert 'value="4" checked' in html or 'value="5" checked' in html  # the other choices are kept
    with app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()
        other = m.Questionnaire(code="OTHER-Q", name="其他问卷", active=True)
        other.questions.append(m.SurveyQuestion(code="X1", dimension="service", text_zh="其他", position=1))
        db.session.add(other)
        db.session.commit()
        foreign_id, other_id = other.questions[0].id, other.id
    try:
        for extra in ({f"score_{foreign_id}": "5"}, {"score_99999999": "5"}):
            r = c.post(f"/survey/{token}?lang=en", data={**full_form(qs), **extra})
            assert r.status_code == 400
            assert "This question is not part of the campaign&#39;s questionnaire." in r.get_data(as_text=True)
        with app.app_context():
            assert answers_of(campaign["ids"]["W003"]) == []
            assert db.session.get(m.SurveyInvitation, campaign["ids"]["W003"]).used_at is None
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.SurveyQuestion).where(m.SurveyQuestion.questionnaire_id == other_id))
            db.session.execute(sa.delete(m.Questionnaire).where(m.Questionnaire.id == other_id))
            db.session.commit()


# The rate limits (Flask-Limiter, with its in-memory fallback) are tested in
# test_survey_ratelimit.py, on an app of their own with the limiter switched on.


# -- CSRF: an app of its own with CSRF on, as in production ----------------------------------------
@pytest.fixture(scope="module")
def csrf_app(tmp_path_factory):
    from tests.conftest import world_app

    with world_app("sqlite", tmp_path_factory, WTF_CSRF_ENABLED=True) as app:
        yield app


def test_post_without_csrf_token_is_refused(csrf_app):
    app = csrf_app
    with app.app_context():
        cid, tokens, ids = make_campaign(app.world, clients=("W001",))
        qs = {code: q.id for code, q in questions().items()}
    c = app.test_client()
    token = tokens["W001"]
    page = c.get(f"/survey/{token}?lang=en").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf, "the form carries a CSRF token"
    r = c.post(f"/survey/{token}?lang=en", data=full_form(qs))
    assert r.status_code == 400
    assert "This page has expired" in r.get_data(as_text=True)
    with app.app_context():
        assert answers_of(ids["W001"]) == []
        assert db.session.get(m.SurveyInvitation, ids["W001"]).used_at is None
    r = c.post(f"/survey/{token}?lang=en", data=full_form(qs, csrf_token=csrf.group(1)))
    assert r.status_code == 200 and 'data-kind="thanks"' in r.get_data(as_text=True)
    with app.app_context():
        assert len(answers_of(ids["W001"])) == 8
