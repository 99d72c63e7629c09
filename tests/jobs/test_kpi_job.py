"""The KPI snapshot job (issue #15) on a real RQ worker: launched as the KPI page and the schedule
launch it, it writes every department's counts of the month; a second run gives the same rows."""
import datetime as dt

import sqlalchemy as sa

from tests.jobs.conftest import run_row, wait_for_run


def _snapshot_rows(app, month):
    from backoffice.extensions import db
    from backoffice.models import KpiSnapshot

    with app.app_context():
        rows = {d: c for d, c in db.session.execute(
            sa.select(KpiSnapshot.department_id, KpiSnapshot.counts).where(KpiSnapshot.month == month))}
        db.session.rollback()
        return rows


def test_snapshot_job_writes_every_department_once_and_again_the_same(job_app, start_worker):
    from backoffice.extensions import db
    from backoffice.jobs import schedule
    from backoffice.models import Department
    from backoffice.security.system_user import act_as_system
    from backoffice.services import kpi

    month = dt.date(2031, 3, 1)  # a month no other test writes
    worker = start_worker("recalc")
    with job_app.app_context():
        run = kpi.launch_snapshot(month, act_as_system())
        run_id = run.id
        departments = db.session.scalar(sa.select(sa.func.count()).select_from(Department))
    assert wait_for_run(job_app, run_id, worker=worker) == "finished", run_row(job_app, run_id)
    assert run_row(job_app, run_id)["summary"] == {"month": "2031-03", "departments": departments}
    first = _snapshot_rows(job_app, month)
    assert len(first) == departments
    # the schedule's firing launches the same kind with the same dedupe key
    with job_app.app_context():
        out = schedule.fire("kpi-snapshot-month-end", "2031-04-01T00:20:00+08:00")
        second = out["run"]
    assert wait_for_run(job_app, second, worker=worker) == "finished", run_row(job_app, second)
    assert _snapshot_rows(job_app, month) == first  # replaced, not added to
