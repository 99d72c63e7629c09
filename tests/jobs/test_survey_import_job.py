"""A large survey-answer import runs as "surveys.import_answers" on a real worker (SPEC §7, §8, §9):
launched from the import screen, progress reported, one transaction, idempotent when run again."""
import datetime as dt
import io

import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from tests.conftest import Browser
from tests.jobs.conftest import wait_for_run

N_CLIENTS = 300
CODES = ("SUPPLY", "PRICE", "SERVICE", "NEEDS", "STAFF_CM")


def _setup(app):
    """A campaign with N_CLIENTS invitations of its own; returns (campaign id, CSV bytes)."""
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        world = app.world
        qn = db.session.execute(sa.select(m.Questionnaire).where(m.Questionnaire.code == "SAT-STD")).scalar_one()
        fmt = db.session.execute(sa.select(m.BusinessFormat)).scalars().first()
        campaign = m.SurveyCampaign(name="大批量导入", kind="semiannual", period="2026H2", questionnaire=qn,
                                    deadline=dt.date(2099, 12, 31), state="open")
        db.session.add(campaign)
        clients = [
            m.Client(code=f"J{i:05d}", name=f"导入客户{i}", owner_id=world["staff"]["t_cm1"],
                     department_id=world["departments"]["D1A"], business_format=fmt, market_type="C",
                     status="active")
            for i in range(N_CLIENTS)
        ]
        db.session.add_all(clients)
        db.session.flush()
        invs = [m.SurveyInvitation(campaign=campaign, client_id=c.id, expires_at=dt.datetime(2099, 12, 31))
                for c in clients]
        db.session.add_all(invs)
        db.session.commit()
        lines = ["token,question,score,comment"]
        for n, inv in enumerate(invs):
            for k, code in enumerate(CODES):
                lines.append(f"{inv.token},{code},{1 + (n + k) % 5},{'好' if k == 0 else ''}")
        return campaign.id, ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def _import(browser, data):
    r = browser.post("/import/survey-answers/", data={"file": (io.BytesIO(data), "big.csv")},
                     content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    upload_id = r.headers["Location"].rsplit("/", 1)[-1]
    preview = browser.get(f"/import/survey-answers/preview/{upload_id}").get_data(as_text=True)
    assert "import-large" in preview  # over the threshold: checked and written by the job
    r = browser.post(f"/import/survey-answers/confirm/{upload_id}", data={"mode": "all_or_nothing"})
    assert r.status_code == 302 and "/import/survey-answers/run/" in r.headers["Location"]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_large_import_runs_on_a_worker_and_is_idempotent(job_app, start_worker, tmp_path, monkeypatch):
    app = job_app
    # The web process and the worker share the upload folder (as machines would, IMPORT_FOLDER).
    folder = str(tmp_path / "imports")
    monkeypatch.setenv("IMPORT_FOLDER", folder)
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", folder)
    monkeypatch.setitem(app.config, "SURVEY_IMPORT_JOB_THRESHOLD", 100)
    campaign_id, data = _setup(app)
    total = N_CLIENTS * len(CODES)
    admin = Browser(app, "t_admin")
    run_id = _import(admin, data)
    with app.app_context():
        run = db.session.get(m.JobRun, run_id)
        assert run.kind == "surveys.import_answers" and run.queue == "surveys"
    worker = start_worker("surveys")
    assert wait_for_run(app, run_id, timeout=180, worker=worker) == "finished"
    with app.app_context():
        run = db.session.get(m.JobRun, run_id)
        assert run.summary["counts"]["create"] == total and run.summary["committed"] is True
        assert run.progress_done == run.progress_total == total
        count = db.session.execute(
            sa.select(sa.func.count(m.SurveyAnswer.id)).join(m.SurveyInvitation)
            .where(m.SurveyInvitation.campaign_id == campaign_id)).scalar()
        assert count == total
        unused = db.session.execute(sa.select(sa.func.count(m.SurveyInvitation.id)).where(
            m.SurveyInvitation.campaign_id == campaign_id, m.SurveyInvitation.used_at.is_(None))).scalar()
        assert unused == 0
        scores = dict(db.session.execute(
            sa.select(m.SurveyAnswer.score, sa.func.count()).join(m.SurveyInvitation)
            .where(m.SurveyInvitation.campaign_id == campaign_id).group_by(m.SurveyAnswer.score)).all())
        assert scores == {s: total // 5 for s in range(1, 6)}
    page = admin.get(f"/import/survey-answers/run/{run_id}").get_data(as_text=True)
    assert "import-committed" in page

    # The same file again (as after a lost worker): nothing changes.
    again = _import(admin, data)
    assert wait_for_run(app, again, timeout=180, worker=worker) == "finished"
    with app.app_context():
        run = db.session.get(m.JobRun, again)
        assert run.summary["counts"]["unchanged"] == total and run.summary["counts"]["create"] == 0
        assert db.session.execute(
            sa.select(sa.func.count(m.SurveyAnswer.id)).join(m.SurveyInvitation)
            .where(m.SurveyInvitation.campaign_id == campaign_id)).scalar() == total
