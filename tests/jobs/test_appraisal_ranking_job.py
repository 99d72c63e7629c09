"""The monthly appraisal ranking as a job run on the ``recalc`` queue, executed by a real
``rq worker`` on the real Redis and PostgreSQL (SPEC §6, §8; issue #14).

A constructed history, per department and template (SALES_M):
- D1A: t_cm1 last in Aug, Sep and Oct 2025 → flagged (末位淘汰 warning); in Oct the two others
  tie at 90 points and share rank 1, t_cm1 is 3rd of 3.
- D2: t_cm2 last in Aug and Oct, a colleague last in Sep → not flagged.
"""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.jobs.conftest import run_row, wait_for_run

AUG, SEP, OCT = dt.date(2025, 8, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 1)


@pytest.fixture
def history(job_app):
    from backoffice import models as m
    from backoffice.cli import act_as_system
    from backoffice.extensions import db
    from backoffice.services.appraisals import prepare

    world = job_app.world
    made_staff, made_sheets = [], []
    with job_app.app_context():
        act_as_system()
        tpl = db.session.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == "SALES_M")).scalar_one()

        def colleague(no, dept):
            s = m.Staff(name=f"排名员工{no}", employee_no=f"R{no}", department_id=world["departments"][dept],
                        position="client_manager", pay_base=Decimal("3000"))
            db.session.add(s)
            db.session.flush()
            made_staff.append(s.id)
            return s.id

        a, b, z = colleague(1, "D1A"), colleague(2, "D1A"), colleague(3, "D2")
        x, y = world["staff"]["t_cm1"], world["staff"]["t_cm2"]
        totals = {
            AUG: {x: 70, a: 80, b: 85, y: 60, z: 75},
            SEP: {x: 65, a: 80, b: 90, y: 80, z: 70},
            OCT: {x: 70, a: 90, b: 90, y: 61, z: 95},
        }
        for month, by_staff in totals.items():
            for staff_id, total in by_staff.items():
                s = prepare(m.AppraisalSheet(template=tpl, staff_id=staff_id, month=month, pay_base=Decimal("3000")))
                s.scores[0].score, s.scores[1].score, s.scores[2].score = Decimal(total - 40), Decimal(20), Decimal(20)
                db.session.add(s)
                made_sheets.append(s)
        db.session.commit()
        ids = {(s.staff_id, s.month): s.id for s in made_sheets}
    yield {"x": x, "y": y, "a": a, "b": b, "z": z, "ids": ids}
    with job_app.app_context():
        db.session.execute(sa.delete(m.AppraisalScore).where(m.AppraisalScore.sheet_id.in_(ids.values())))
        db.session.execute(sa.delete(m.AppraisalSheet).where(m.AppraisalSheet.id.in_(ids.values())))
        db.session.execute(sa.delete(m.Staff).where(m.Staff.id.in_(made_staff)))
        db.session.commit()


def _ranked(app, ids):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.select(m.AppraisalSheet).where(m.AppraisalSheet.id.in_(ids))).scalars()
        out = {s.id: (s.rank, s.ranked_of, s.last_three_months) for s in rows}
        db.session.rollback()
        return out


def _launch(app, period):
    from backoffice.cli import act_as_system
    from backoffice.services.appraisals import launch_ranking

    with app.app_context():
        user = act_as_system()
        year, month = map(int, period.split("-"))
        run = launch_ranking(dt.date(year, month, 1), user)
        assert run.queue == "recalc" and run.enqueued
        return run.id


def test_the_ranking_job_ranks_with_ties_and_flags_three_months_last(job_app, history, start_worker):
    worker = start_worker("recalc")
    ids = history["ids"]
    for period in ("2025-08", "2025-09", "2025-10"):  # idempotent and in any order: each month reads its history
        run_id = _launch(job_app, period)
        assert wait_for_run(job_app, run_id, worker=worker) == "finished", run_row(job_app, run_id)
    summary = run_row(job_app, run_id)["summary"]
    assert summary["month"] == "2025-10" and summary["ranked"] >= 5 and summary["flagged"] >= 1, summary

    got = _ranked(job_app, ids.values())
    x, y, a, b, z = (history[k] for k in "xyabz")
    # ties share a rank and the next rank skips (1, 1, 3)
    assert got[ids[(a, OCT)]] == (1, 3, False) and got[ids[(b, OCT)]] == (1, 3, False)
    assert got[ids[(x, OCT)]] == (3, 3, True)  # last in Aug, Sep and Oct: flagged
    assert got[ids[(x, SEP)]][2] is False  # only two months by September
    assert got[ids[(y, OCT)]] == (2, 2, False) and got[ids[(z, OCT)]] == (1, 2, False)  # Aug and Oct only

    # running the same month again changes nothing
    before = _ranked(job_app, ids.values())
    run_id = _launch(job_app, "2025-10")
    assert wait_for_run(job_app, run_id, worker=worker) == "finished"
    assert _ranked(job_app, ids.values()) == before

    # the flag shows on the sheet list and on the sheet
    from tests.conftest import Browser

    head = Browser(job_app, "t_head1")
    page = head.get("/appraisalsheetview/list/?_l_=en&psize_AppraisalSheetView=100").get_data(as_text=True)
    assert "Last three months" in page
    page = head.get(f"/appraisalsheetview/show/{ids[(x, OCT)]}?_l_=en").get_data(as_text=True)
    assert "ranked last in the department for three consecutive months" in page and "3 / 3" in page
    page = head.get(f"/appraisalsheetview/show/{ids[(a, OCT)]}?_l_=en").get_data(as_text=True)
    assert "three consecutive months" not in page
