"""A large import through the screens, run by a real ``rq worker`` on the "default" queue (SPEC §8, §9)."""
import datetime as dt
import io
import re
from decimal import Decimal

import sqlalchemy as sa

from backoffice.extensions import db
from backoffice import models as m
from tests.conftest import Browser
from tests.jobs.conftest import wait_for_run

HEADER = "客户编码,月份,数量（条）,金额（元）,利润（元）"


def _clients(app, codes):
    from backoffice.cli import act_as_system

    with app.app_context(), app.test_request_context():
        act_as_system()
        d1 = db.session.execute(sa.select(m.Department).where(m.Department.code == "D1")).scalar_one()
        fmt = db.session.execute(sa.select(m.BusinessFormat).where(m.BusinessFormat.code == "Z")).scalar_one()
        for code in codes:
            db.session.add(m.Client(code=code, name=f"客户{code}", department=d1, business_format=fmt, market_type="C"))
        db.session.commit()


def _purchases(app, codes):
    with app.app_context():
        rows = db.session.execute(
            sa.select(m.Client.code, m.PurchaseRecord.month, m.PurchaseRecord.quantity, m.PurchaseRecord.amount,
                      m.PurchaseRecord.changed_on)
            .join(m.Client).where(m.Client.code.in_(codes)).order_by(m.Client.code, m.PurchaseRecord.month)
        ).all()
        db.session.rollback()
        return rows


def _import(browser, data):
    r = browser.post("/import/purchases/", data={"file": (io.BytesIO(data), "big.csv")},
                     content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    upload_id = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert "import-large" in browser.get(r.headers["Location"]).get_data(as_text=True)
    r = browser.post(f"/import/purchases/confirm/{upload_id}", data={"mode": "all_or_nothing"})
    assert r.status_code == 302 and "/run/" in r.headers["Location"]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]), r.headers["Location"]


def test_large_purchase_import_runs_on_a_worker_and_twice_changes_nothing(job_app, start_worker, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setenv("IMPORT_FOLDER", str(folder))  # the worker process reads the same folder
    old = (job_app.config.get("IMPORT_FOLDER"), job_app.config["IMPORT_JOB_THRESHOLD"])
    job_app.config["IMPORT_FOLDER"], job_app.config["IMPORT_JOB_THRESHOLD"] = str(folder), 50
    try:
        codes = [f"JW{i:03d}" for i in range(20)]
        _clients(job_app, codes)
        lines = [HEADER] + [f'{c},2025-{mo:02d},{mo},"{mo * 1000:,}.50",' for c in codes for mo in range(1, 13)]
        data = ("\n".join(lines) + "\n").encode("gb18030")
        back = Browser(job_app, "t_back1")
        worker = start_worker("default")

        run_id, url = _import(back, data)
        assert wait_for_run(job_app, run_id, timeout=120, worker=worker) == "finished", worker.output()[-3000:]
        page = back.get(url).get_data(as_text=True)
        assert 'data-state="finished"' in page and "import-committed" in page
        assert re.search(r'data-action="create"[^>]*>240<', page)
        first = _purchases(job_app, codes)
        assert len(first) == 240
        assert (first[0].code, first[0].month, first[0].quantity, first[0].amount) == (
            "JW000", dt.date(2025, 1, 1), 1, Decimal("1000.50"))
        with job_app.app_context():
            run = db.session.get(m.JobRun, run_id)
            assert run.queue == "default" and run.enqueued
            assert run.progress_done == run.progress_total == 240
            assert run.summary["counts"] == {"create": 240, "update": 0, "unchanged": 0, "reject": 0}
            creator = db.session.execute(
                sa.select(m.PurchaseRecord.created_by_fk).join(m.Client).where(m.Client.code == "JW000")
            ).scalars().first()
            assert creator == run.launched_by_id  # written as the user who imported, not "system"

        # The same file again, through the worker: every row unchanged, nothing rewritten.
        run_id, url = _import(back, data)
        assert wait_for_run(job_app, run_id, timeout=120, worker=worker) == "finished"
        with job_app.app_context():
            assert db.session.get(m.JobRun, run_id).summary["counts"]["unchanged"] == 240
        assert _purchases(job_app, codes) == first
    finally:
        job_app.config["IMPORT_FOLDER"], job_app.config["IMPORT_JOB_THRESHOLD"] = old


def test_a_job_with_a_bad_row_commits_nothing_and_lists_the_error(job_app, start_worker, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setenv("IMPORT_FOLDER", str(folder))
    old = (job_app.config.get("IMPORT_FOLDER"), job_app.config["IMPORT_JOB_THRESHOLD"])
    job_app.config["IMPORT_FOLDER"], job_app.config["IMPORT_JOB_THRESHOLD"] = str(folder), 5
    try:
        codes = [f"JB{i:03d}" for i in range(3)]
        _clients(job_app, codes)
        lines = [HEADER] + [f"{c},2025-{mo:02d},{mo},{mo}," for c in codes for mo in range(1, 4)]
        lines.append(f"{codes[0]},2025-13,1,1,")  # row 11
        back = Browser(job_app, "t_back1")
        worker = start_worker("default")
        run_id, url = _import(back, ("\n".join(lines) + "\n").encode("utf-8"))
        assert wait_for_run(job_app, run_id, timeout=120, worker=worker) == "finished"
        page = back.get(url).get_data(as_text=True)
        assert "import-not-committed" in page
        assert re.search(r'<tr class="import-error" data-row="11" data-field="month">', page)
        assert _purchases(job_app, codes) == []
    finally:
        job_app.config["IMPORT_FOLDER"], job_app.config["IMPORT_JOB_THRESHOLD"] = old
