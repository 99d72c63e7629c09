"""A satisfaction survey from launch to report in a real browser (chromium via Playwright, SPEC §7).

The scenario: the department head t_head1 creates a semiannual campaign through the add form
(sample ratio 100 %, so the world's clients are all invited), launches it with the show page's
"Launch" action (the confirmation dialog included), finds the invitation of their client W003 in
the invitation list and reads its survey link on the invitation's page. A client opens that link
in a fresh browser context (no login, no cookies), answers every question of the standard
questionnaire (with a comment) and submits: the thank-you page appears, and the same link then
says the survey was already answered. The head presses "Recompute" on the campaign report: the
report shows one response, the satisfaction rate of the given scores and the client's comment.

Jobs run inline in the e2e app for this test (JOBS_SYNCHRONOUS, restored afterwards). Elements
are found by stable attributes (ids, names, data-* attributes), not by their labels.
"""
import re
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from tests.e2e.test_clients_browser import login, select2_pick, type_date

NAME = "浏览器满意度调查2026H2"
COMMENT = "卷烟配送很及时，客户经理服务周到。"
# The standard questionnaire SAT-STD has 8 questions (supply, price, service, needs, four staff
# roles). Scores given in that order: 4 and 5 are satisfied (SPEC §7) -> 6 of 8 = 75.0 %.
SCORES = [5, 4, 3, 5, 4, 2, 5, 4]
EXPECTED_RATE = "75.0 %"


def db_campaign(app, name):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        try:
            c = db.session.execute(sa.select(m.SurveyCampaign).where(m.SurveyCampaign.name == name)).scalar_one_or_none()
            if c is None:
                return None
            invited = db.session.execute(sa.select(sa.func.count(m.SurveyInvitation.id))
                                         .where(m.SurveyInvitation.campaign_id == c.id)).scalar()
            return {"id": c.id, "state": getattr(c.state, "value", c.state), "seed": c.seed,
                    "department_id": c.department_id, "invited": invited,
                    "size": (c.sample_summary or {}).get("size")}
        finally:
            db.session.remove()


def db_answers(app, campaign_id):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        try:
            rows = db.session.execute(
                sa.select(m.SurveyQuestion.position, m.SurveyAnswer.score, m.SurveyAnswer.comment,
                          m.SurveyAnswer.entered_by_id, m.Client.code)
                .join(m.SurveyInvitation, m.SurveyInvitation.id == m.SurveyAnswer.invitation_id)
                .join(m.SurveyQuestion, m.SurveyQuestion.id == m.SurveyAnswer.question_id)
                .join(m.Client, m.Client.id == m.SurveyInvitation.client_id)
                .where(m.SurveyInvitation.campaign_id == campaign_id)
                .order_by(m.SurveyQuestion.position)
            ).all()
            return [tuple(r) for r in rows]
        finally:
            db.session.remove()


def questionnaire_id(app):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        try:
            return db.session.execute(
                sa.select(m.Questionnaire.id).where(m.Questionnaire.code == "SAT-STD")).scalar_one()
        finally:
            db.session.remove()


def delete_campaign(app, name):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        try:
            c = db.session.execute(sa.select(m.SurveyCampaign).where(m.SurveyCampaign.name == name)).scalar_one_or_none()
            if c is not None:
                db.session.delete(c)  # invitations, answers and results go with it (ORM cascade)
                db.session.commit()
        finally:
            db.session.remove()


@pytest.fixture
def inline_jobs(e2e_app):
    before = e2e_app.config.get("JOBS_SYNCHRONOUS")
    e2e_app.config["JOBS_SYNCHRONOUS"] = True
    yield
    e2e_app.config["JOBS_SYNCHRONOUS"] = before
    delete_campaign(e2e_app, NAME)


def cell(page, grouping, key, css):
    return page.inner_text(f"table.survey-figures[data-grouping='{grouping}'] tr[data-key='{key}'] {css}").strip()


def test_head_launches_a_campaign_a_client_answers_and_the_report_shows_it(
        page, browser, live_server, e2e_app, artifacts, inline_jobs):
    base = live_server
    world = e2e_app.world
    login(page, base, "t_head1")

    # 1. The campaign, through the add form.
    page.goto(f"{base}/surveycampaignview/add")
    page.fill("#name", NAME)
    page.select_option("#kind", "semiannual")
    page.fill("#period", "2026H2")
    select2_pick(page, page.locator("#questionnaire"), questionnaire_id(e2e_app))
    page.fill("#sample_ratio", "1")
    page.fill("#top_n", "20")
    type_date(page, "#deadline", "2099-12-31")
    page.select_option("#channel", "online")
    page.locator("#model_form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".has-error, .help-block.error").count() == 0, page.locator(".help-block").all_inner_texts()
    campaign = db_campaign(e2e_app, NAME)
    assert campaign and campaign["state"] == "draft" and campaign["invited"] == 0
    assert campaign["department_id"] == world["departments"]["D1"]  # the head's department owns it
    cid = campaign["id"]

    # 2. Launch from the show page: the action asks for confirmation first.
    page.goto(f"{base}/surveycampaignview/show/{cid}")
    page.click("[id='btn-action-SurveyCampaignView.action-launch']")
    # (FAB renders the confirmation modal twice when the page has related views; the visible one.)
    page.locator("#modal-confirm:visible").wait_for()
    with page.expect_navigation():
        page.locator("#modal-confirm-ok:visible").click()
    assert urlparse(page.url).path == f"/surveycampaignview/show/{cid}"
    flash = page.inner_text(".alert-success")
    assert re.search(r"#\d+", flash), flash
    campaign = db_campaign(e2e_app, NAME)
    assert campaign["state"] == "open" and campaign["seed"] is not None
    # Ratio 100 %: every active client of the head's department subtree, D1 (SPEC §7), not D2's W002.
    assert campaign["invited"] == campaign["size"] >= 3
    page.screenshot(path=str(artifacts / "30_survey_campaign_launched.png"), full_page=True)

    # 3. The invitation of W003 (a client of the head's department) and its survey link.
    page.goto(f"{base}/surveyinvitationview/list/?_flt_0_campaign={cid}")
    table = page.locator("table.table-bordered tbody")
    listed = table.inner_text()
    assert "W001" in listed and "W003" in listed
    assert "W002" not in listed  # department D2: out of the head's scope (SPEC §1)
    row = table.locator("tr").filter(has_text="W003")
    assert row.count() == 1
    with page.expect_navigation():
        row.locator("a[href*='/surveyinvitationview/show/']").first.click()
    link = page.get_attribute("a[href*='/survey/']", "href")
    assert re.fullmatch(rf"{re.escape(base)}/survey/[A-Za-z0-9_-]{{40,64}}", link), link

    # 4. The client answers in a browser of their own: no login, no cookies of the head.
    client_ctx = browser.new_context(locale="zh-CN", viewport={"width": 412, "height": 900})
    client_ctx.set_default_timeout(10_000)
    try:
        client = client_ctx.new_page()
        response = client.goto(link)
        assert response.status == 200
        assert "/login" not in urlparse(client.url).path
        assert "W003" in client.inner_text("p.client") or "测试客户W003" in client.inner_text("p.client")
        questions = client.locator("fieldset.question")
        assert questions.count() == len(SCORES)
        assert "卷烟供应" in questions.nth(0).locator("legend").inner_text()  # the question's Chinese text
        for i, score in enumerate(SCORES):
            q = questions.nth(i)
            q.locator(f"label.score:has(input[value='{score}'])").click()
            assert q.locator(f"input[value='{score}']").is_checked()
        questions.nth(0).locator("textarea").fill(COMMENT)
        client.screenshot(path=str(artifacts / "31_survey_form_filled.png"), full_page=True)
        with client.expect_navigation():
            client.click("form.survey button[type=submit]")
        thanks = client.locator("section.message")
        assert thanks.get_attribute("data-kind") == "thanks", client.content()[:2000]
        assert client.locator("fieldset.question").count() == 0
        client.screenshot(path=str(artifacts / "32_survey_thanks.png"), full_page=True)

        # The link is single-use: opened again it says the survey was answered, no form.
        again = client.goto(link)
        assert again.status == 410
        assert client.get_attribute("section.message", "data-kind") == "used"
        assert client.locator("form.survey").count() == 0
    finally:
        client_ctx.close()

    answers = db_answers(e2e_app, cid)
    assert [a[1] for a in answers] == SCORES
    assert answers[0][2] == COMMENT and all(a[3] is None and a[4] == "W003" for a in answers)  # the client online

    # 5. The head recomputes the figures on the report page.
    page.goto(f"{base}/surveycampaignview/show/{cid}")
    with page.expect_navigation():
        page.click("#survey-report-link")
    with page.expect_navigation():
        page.click("#survey-recompute")
    assert urlparse(page.url).path == f"/surveycampaignview/report/{cid}"
    assert re.search(r"#\d+", page.inner_text(".alert-success"))
    invited = campaign["invited"]
    assert cell(page, "campaign", "all", "td:nth-child(2)") == str(invited)
    assert cell(page, "campaign", "all", "td:nth-child(3)") == "1"  # one response
    assert cell(page, "campaign", "all", "td:nth-child(5)") == str(len(SCORES))
    assert cell(page, "campaign", "all", "td:nth-child(6)") == "6"
    assert cell(page, "campaign", "all", ".survey-satisfaction-rate") == EXPECTED_RATE
    assert cell(page, "campaign", "all", ".survey-response-rate") == f"{100 / invited:.1f} %"
    # Below the 85 % outcome target (seed 004): the row is marked and the bar is red.
    assert "danger" in page.get_attribute("table.survey-figures[data-grouping='campaign'] tr[data-key='all']", "class")
    assert page.get_attribute("table.survey-figures[data-grouping='campaign'] tr[data-key='all'] .survey-bar",
                              "data-rate") == "0.7500"
    # Supply got a 5: 100 % against its 80 % target; service got a 3: 0 %.
    assert cell(page, "dimension", "supply", ".survey-satisfaction-rate") == "100.0 %"
    assert cell(page, "dimension", "service", ".survey-satisfaction-rate") == "0.0 %"
    comments = page.inner_text("table.survey-comments")
    assert COMMENT in comments and "卷烟供应" in comments
    page.screenshot(path=str(artifacts / "33_survey_report.png"), full_page=True)
