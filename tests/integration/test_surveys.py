"""Survey campaigns end to end on both databases (SPEC §7): form, launch, invitations, figures,
report page with bars, CSV export, and the invitation a closed complaint creates."""
import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from backoffice.extensions import db
from backoffice import models as m


@pytest.fixture
def sync_jobs(app):
    app.config["JOBS_SYNCHRONOUS"] = True
    yield
    app.config["JOBS_SYNCHRONOUS"] = False


def _questionnaire_id():
    return db.session.execute(sa.select(m.Questionnaire.id).where(m.Questionnaire.code == "SAT-STD")).scalar_one()


def _cleanup(campaign_id):
    # Answers, results and invitations first: SQLite does not cascade a core DELETE, and an
    # orphan invitation would collide with the next campaign that reuses the id.
    from tests.integration.test_survey_public import drop_campaign

    drop_campaign(campaign_id)


def test_seeded_questionnaire_has_the_seed_004_questions(app):
    with app.app_context():
        qn = db.session.execute(sa.select(m.Questionnaire).where(m.Questionnaire.code == "SAT-STD")).scalar_one()
        dims = [q.dimension.value for q in qn.questions]
        assert dims == ["supply", "price", "service", "needs", "staff", "staff", "staff", "staff"]
        roles = [q.staff_position.value for q in qn.questions if q.staff_position]
        assert roles == ["client_manager", "market_manager", "phone_order", "delivery"]
        assert all(q.text_zh and q.text_zh_hant and q.text_en and (q.min_score, q.max_score) == (1, 5) for q in qn.questions)
        assert qn.questions[0].text("en").startswith("How satisfied")
        assert "卷烟供应" in qn.questions[0].text("zh")


def test_campaign_form_launch_report_and_csv(app, login, world, sync_jobs):
    head = login("t_head1")
    with app.app_context():
        qid = _questionnaire_id()
    r = head.post("/surveycampaignview/add", data={
        "name": "2026下半年满意度抽样", "kind": "semiannual", "period": "2026H2", "questionnaire": str(qid),
        "sample_ratio": "0.05", "top_n": "20", "deadline": "2099-12-31", "channel": "online",
        "target_rate": "", "department": "",
    }, follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        campaign = db.session.execute(
            sa.select(m.SurveyCampaign).where(m.SurveyCampaign.name == "2026下半年满意度抽样")).scalar_one()
        cid = campaign.id
        assert campaign.state.value == "draft" and campaign.seed is None
        # The department head's own department owns it (scope).
        assert campaign.department_id == world["departments"]["D1"]
    try:
        # A wrong period is refused on the form field.
        bad = head.post(f"/surveycampaignview/edit/{cid}", data={
            "name": "x", "kind": "semiannual", "period": "2026", "questionnaire": str(qid), "sample_ratio": "0.05",
            "top_n": "20", "deadline": "2099-12-31", "channel": "online"})
        assert "half year" in bad.get_data(as_text=True) or "半年" in bad.get_data(as_text=True)

        r = head.post("/surveycampaignview/action_post", data={"action": "launch", "rowid": [cid]},
                      follow_redirects=True)
        assert r.status_code == 200
        with app.app_context():
            campaign = db.session.get(m.SurveyCampaign, cid)
            assert campaign.state.value == "open"
            assert campaign.seed is not None
            # SPEC §7: the department's campaign samples its subtree only (D1 and D1A: W001, W003).
            d1 = [world["departments"]["D1"], world["departments"]["D1A"]]
            active = db.session.execute(sa.select(sa.func.count(m.Client.id)).where(
                m.Client.status == "active", m.Client.department_id.in_(d1))).scalar()
            assert active == 2
            summary = campaign.sample_summary
            invs = db.session.execute(sa.select(m.SurveyInvitation).where(m.SurveyInvitation.campaign_id == cid)).scalars().all()
            assert summary["population"] == active
            assert len(invs) == summary["size"] == sum(s["sampled"] for s in summary["strata"].values())
            assert {i.stratum for i in invs} == set(summary["strata"])  # every stratum present
            assert world["clients"]["W002"] not in {i.client_id for i in invs}  # D2's client
            assert len({i.client_id for i in invs}) == len(invs)
            assert all(i.expires_at == dt.datetime(2099, 12, 31, 23, 59, 59) and len(i.token) >= 40 for i in invs)
            assert all(i.channel.value == "online" and i.assignee_id is None for i in invs)
            # Answer: first invitation 5/4/2 on supply/price/service, second (if any) 3 on supply.
            qs = {q.code: q for q in campaign.questionnaire.questions}
            first = invs[0]
            for code, score, comment in (("SUPPLY", 5, "货源充足"), ("PRICE", 4, None), ("SERVICE", 2, "=送货太慢")):
                db.session.add(m.SurveyAnswer(invitation=first, question=qs[code], score=score, comment=comment,
                                              channel="online"))
            first.used_at = dt.datetime.now()
            db.session.commit()
            n_inv = len(invs)

        # A second launch is refused: the campaign is open.
        r = head.post("/surveycampaignview/action_post", data={"action": "launch", "rowid": [cid]},
                      follow_redirects=True)
        assert "launched already" in r.get_data(as_text=True) or "已" in r.get_data(as_text=True)

        r = head.post(f"/surveycampaignview/report/{cid}/recompute", follow_redirects=True)
        assert r.status_code == 200
        page = head.get(f"/surveycampaignview/report/{cid}").get_data(as_text=True)
        # 3 answers, 2 satisfied -> 66.7 %; 1 of n invitations responded.
        assert "66.7 %" in page
        assert f"{100 / n_inv:.1f} %" in page
        widths = re.findall(r'class="survey-bar-fill"[^>]*width="([0-9.]+)"', page)
        assert widths and any(abs(float(w) - 160.0) < 0.2 for w in widths)  # 66.67 % of 240 px
        # Comments follow the answer's client scope (SPEC §1): the admin sees every one.
        assert "货源充足" in login("t_admin").get(f"/surveycampaignview/report/{cid}").get_data(as_text=True)

        with app.app_context():
            rows = {(r.grouping, r.key): r for r in db.session.execute(
                sa.select(m.SurveyResult).where(m.SurveyResult.campaign_id == cid)).scalars()}
            overall = rows[("campaign", "all")]
            assert (overall.invited, overall.responded, overall.answers, overall.satisfied) == (n_inv, 1, 3, 2)
            assert str(overall.satisfaction_rate) == "0.6667"
            assert str(rows[("dimension", "supply")].target) == "0.8000"
            assert rows[("dimension", "supply")].satisfaction_rate == 1
            assert rows[("dimension", "service")].satisfaction_rate == 0
            assert rows[("question", "NEEDS")].answers == 0

        r = head.get(f"/surveycampaignview/report/{cid}/csv")
        assert r.status_code == 200 and r.mimetype == "text/csv"
        text = r.data.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert len(table) == 1 + len(rows)
        overall_line = [line for line in table[1:] if line[1] == "all"][0]
        assert overall_line[5:9] == ["3", "2", "0.6667", f"{1 / n_inv:.4f}"]
        assert "'=送货太慢" not in text  # comments are not in the figures export
        # Viewer reads the report; a client manager may not.
        assert login("t_viewer").get(f"/surveycampaignview/report/{cid}").status_code == 200
        assert login("t_cm1").get(f"/surveycampaignview/report/{cid}").status_code == 403
        assert login("t_viewer").post(f"/surveycampaignview/report/{cid}/recompute").status_code == 403
    finally:
        with app.app_context():
            _cleanup(cid)


def test_top_purchasers_campaign_includes_ties(app, login, world, sync_jobs):
    with app.app_context():
        from backoffice.cli import act_as_system
        from backoffice.views.surveys import launch_campaign

        user = act_as_system()
        campaign = m.SurveyCampaign(name="2026 大户", kind="top_purchasers", period="2026", top_n=1,
                                    questionnaire_id=_questionnaire_id(), deadline=dt.date(2099, 1, 31))
        db.session.add(campaign)
        db.session.commit()
        cid = campaign.id
        try:
            assert str(campaign.target_rate) == "1.0000" or campaign.target_rate == 1
            launch_campaign(campaign, user)
            db.session.expire_all()
            invited = set(db.session.execute(
                sa.select(m.SurveyInvitation.client_id).where(m.SurveyInvitation.campaign_id == cid)).scalars())
            # The world's three clients each bought 1,000.00 in 2026-09: all tie at rank 1.
            assert set(world["clients"].values()) <= invited
        finally:
            _cleanup(cid)


def test_closed_complaint_invites_once(app, world):
    from backoffice.views.tickets import transition

    with app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()
        client = db.session.get(m.Client, world["clients"]["W002"])
        ticket = m.Ticket(client=client, type="complaint", complaint_class="own_service", channel="phone",
                          subject="回访测试", resolution="已处理")  # 已反馈 needs the result (issue #12)
        db.session.add(ticket)
        db.session.commit()
        for event in ("start", "feed_back", "callback_satisfied", "close"):  # SPEC §4 life cycle
            transition(ticket, event)
            db.session.commit()
        assert ticket.status.value == "closed"
        invs = db.session.execute(
            sa.select(m.SurveyInvitation).where(m.SurveyInvitation.ticket_id == ticket.id)).scalars().all()
        assert len(invs) == 1
        inv = invs[0]
        assert inv.client_id == client.id
        assert inv.campaign.kind.value == "after_complaint" and inv.campaign.state.value == "open"
        assert inv.channel.value == "phone" and inv.assignee_id == world["staff"]["t_desk"]
        # Touching the closed ticket again, or closing again, adds nothing.
        ticket.resolution = "已解决"
        db.session.commit()
        ticket.status = "in_progress"
        db.session.commit()
        ticket.status = "closed"
        db.session.commit()
        # A second closed complaint of the same client gets its own invitation (once per ticket).
        other = m.Ticket(client=client, type="complaint", complaint_class="product", channel="phone", subject="二次")
        db.session.add(other)
        db.session.commit()
        other.status = "closed"
        db.session.commit()
        count = db.session.execute(sa.select(sa.func.count(m.SurveyInvitation.id)).where(
            m.SurveyInvitation.ticket_id.in_([ticket.id, other.id]))).scalar()
        assert count == 2
        # An inquiry closing invites nobody.
        inquiry = m.Ticket(client=client, type="inquiry", channel="phone", subject="咨询")
        db.session.add(inquiry)
        db.session.commit()
        inquiry.status = "closed"
        db.session.commit()
        assert db.session.execute(sa.select(m.SurveyInvitation.id).where(
            m.SurveyInvitation.ticket_id == inquiry.id)).first() is None
        campaign_id = inv.campaign_id
        db.session.execute(sa.delete(m.SurveyInvitation).where(m.SurveyInvitation.campaign_id == campaign_id))
        for t in (ticket, other, inquiry):
            db.session.delete(t)
        db.session.commit()
        _cleanup(campaign_id)
