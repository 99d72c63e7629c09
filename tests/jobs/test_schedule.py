"""Periodic launches on RQ's scheduler (SPEC §8): placed once, fired into a normal job run."""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from backoffice.jobs import schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_firing_times_and_periods():
    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    assert schedule._next_quarter_start(now) == dt.datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI)
    assert schedule._next_quarter_start(now.replace(month=2)) == dt.datetime(2026, 4, 1, 2, 0, tzinfo=SHANGHAI)
    assert schedule._next_year_start(now) == dt.datetime(2027, 1, 1, 3, 0, tzinfo=SHANGHAI)
    # Fired on 1 January: the previous quarter is Q4 of last year; on 1 April, Q1.
    assert schedule._previous_quarter(dt.datetime(2027, 1, 1, 2, tzinfo=SHANGHAI)) == "2026Q4"
    assert schedule._previous_quarter(dt.datetime(2026, 4, 1, 2, tzinfo=SHANGHAI)) == "2026Q1"
    # issue #15: the month's KPI snapshot every quarter hour, the month just ended on the 1st
    assert schedule._next_quarter_hour(now.replace(minute=7)) == now.replace(minute=15)
    assert schedule._next_quarter_hour(now.replace(minute=45)) == now.replace(hour=11, minute=0)
    assert schedule._next_month_first_late(now) == dt.datetime(2026, 12, 1, 0, 20, tzinfo=SHANGHAI)


def test_the_escalation_scan_fires_every_few_minutes(job_app):
    at = dt.datetime(2026, 11, 23, 10, 2, 31, tzinfo=SHANGHAI)
    assert schedule._next_scan(at) == dt.datetime(2026, 11, 23, 10, 5, tzinfo=SHANGHAI)
    assert schedule._next_scan(at.replace(minute=55, second=0)) == dt.datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)
    job_app.config["SLA_SCAN_MINUTES"] = 15
    try:
        with job_app.app_context():
            assert schedule._next_scan(at) == dt.datetime(2026, 11, 23, 10, 15, tzinfo=SHANGHAI)
    finally:
        job_app.config.pop("SLA_SCAN_MINUTES")


def test_each_firing_is_placed_once_however_many_workers_ask(job_app):
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from backoffice.jobs.connection import redis_connection

    # A date no worker of the other tests reaches (their housekeeping schedules from today).
    now = dt.datetime(2031, 5, 10, 10, 0, tzinfo=SHANGHAI)
    with job_app.app_context():
        first = schedule.ensure_scheduled(now)
        again = schedule.ensure_scheduled(now)
        registry = ScheduledJobRegistry(queue=Queue("default", connection=redis_connection()))
        ids = set(registry.get_job_ids())
    assert sorted(first) == ["sched-appraisal-ranking-monthly-203106020400", "sched-kpi-snapshot-203105101015",
                             "sched-kpi-snapshot-month-end-203106010020", "sched-scale-quarterly-203107010200",
                             "sched-sla-scan-203105101005",  # every 5 minutes (issue #12)
                             "sched-tier-yearly-203201010300", "sched-visit-plans-monthly-203106010100"]
    assert again == []
    assert set(first) <= ids


def test_a_firing_launches_the_run_a_person_would_launch(job_app):
    from backoffice.extensions import db
    from backoffice.jobs import JobRefused
    from backoffice.models import JobRun
    from backoffice.recalc.plan import dedupe_key

    # A period no other test launches, so nothing else holds its dedupe key.
    at = dt.datetime(2031, 4, 1, 2, 0, tzinfo=SHANGHAI)
    with job_app.app_context():
        out = schedule.fire("scale-quarterly", at.isoformat())
        run = db.session.get(JobRun, out["run"])
        assert (run.kind, run.params) == ("recalc.scale", {"scheme": "SCALE", "period": "2031Q1"})
        assert run.launched_by.username == "system"
        # A manual launch of the same scheme and period is refused while it waits.
        assert run.dedupe_key == dedupe_key("SCALE", "2031Q1")  # what plan_recalc gives a person
        try:
            from backoffice.jobs import launch

            launch("recalc.scale", run.params, dedupe_key=dedupe_key("SCALE", "2031Q1"))
            raise AssertionError("a second launch of SCALE 2031Q1 was accepted")
        except JobRefused:
            pass
        from backoffice.jobs import cancel

        cancel(run)
        n = db.session.scalar(
            sa.select(sa.func.count()).select_from(JobRun)
            .where(JobRun.dedupe_key == run.dedupe_key, JobRun.id >= run.id)
        )
    assert n == 1
