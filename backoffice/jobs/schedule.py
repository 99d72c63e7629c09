"""Periodic launches on RQ's own scheduler (SPEC §8: quarterly scale re-rank, yearly re-grade;
SPEC §4: the deadline escalation scan every few minutes).

Each entry's next firing is an RQ job placed with ``Queue.enqueue_at`` under a job id derived
from the firing time, so any number of workers can call ``ensure_scheduled`` without doubling
it; a worker started with ``--with-scheduler`` moves it to its queue when due. ``fire`` launches
the run (deduplicated by period) and the next ``ensure_scheduled`` places the following one.
Times are in the business time zone (Asia/Shanghai).
"""
import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from rq.job import Job

from backoffice.clock import business_now_aware
from backoffice.jobs.app import worker_app
from backoffice.jobs.connection import get_queue, redis_connection
from backoffice.jobs.errors import JobRefused
from backoffice.jobs.runs import launch
from backoffice.recalc.plan import dedupe_key
from backoffice.security.system_user import act_as_system


@dataclass(frozen=True)
class Periodic:
    name: str
    kind: str
    next_fire: Callable[[dt.datetime], dt.datetime]  # local now -> next local firing time
    params: Callable[[dt.datetime], dict]  # local firing time -> run parameters
    dedupe: Callable[[dict], str] = None  # run parameters -> dedupe key (default: the recalc key)
    keep: int = 86400 * 30  # seconds RQ keeps a fired placement (a frequent entry keeps it shorter)


def _next_quarter_start(now):
    """02:00 on the first day of the next calendar quarter."""
    month = ((now.month - 1) // 3 + 1) * 3 + 1
    year = now.year + (month > 12)
    month = month - 12 if month > 12 else month
    return now.replace(year=year, month=month, day=1, hour=2, minute=0, second=0, microsecond=0)


def _next_year_start(now):
    """03:00 on 1 January of the next year (seed 002 第十三條: re-graded at the start of the year)."""
    return now.replace(year=now.year + 1, month=1, day=1, hour=3, minute=0, second=0, microsecond=0)


def _next_month_start(now):
    """01:00 on the 1st of the next month (SPEC §5: visit plans are generated at month start)."""
    year, month = now.year + (now.month == 12), now.month % 12 + 1
    return now.replace(year=year, month=month, day=1, hour=1, minute=0, second=0, microsecond=0)


def _previous_quarter(at):
    q = (at.month - 1) // 3  # 0-based quarter of the firing time
    return f"{at.year}Q{q}" if q else f"{at.year - 1}Q4"


def _next_month_second(now):
    """04:00 on the 2nd of the next month (the month's sheets are scored by then)."""
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return now.replace(year=year, month=month, day=2, hour=4, minute=0, second=0, microsecond=0)


def _previous_month(at):
    year, month = (at.year - 1, 12) if at.month == 1 else (at.year, at.month - 1)
    return f"{year}-{month:02d}"


def scan_minutes():
    """Minutes between two escalation scans (config ``SLA_SCAN_MINUTES``, default 5, 1..60)."""
    value = current_app.config.get("SLA_SCAN_MINUTES", 5) if has_app_context() else 5
    return min(60, max(1, int(value or 5)))


def _next_scan(now):
    """The next multiple of ``scan_minutes()`` past the hour (SPEC §4: escalation every few minutes)."""
    step = scan_minutes()
    base = now.replace(second=0, microsecond=0)
    return base + dt.timedelta(minutes=step - base.minute % step)


def _ranking_key(params):
    from backoffice.services.appraisals import ranking_dedupe_key

    return ranking_dedupe_key(params["period"])


def _next_quarter_hour(now):
    """The next :00, :15, :30 or :45 (issue #15: the month's KPI snapshot stays at most 15 minutes old)."""
    base = now.replace(second=0, microsecond=0, minute=now.minute - now.minute % 15)
    return base + dt.timedelta(minutes=15)


def _next_month_first_late(now):
    """00:20 on the 1st of the next month: the month just ended gets its last snapshot."""
    year, month = now.year + (now.month == 12), now.month % 12 + 1
    return now.replace(year=year, month=month, day=1, hour=0, minute=20, second=0, microsecond=0)


def _kpi_key(params):
    return f"kpi-snapshot:{params['period']}"


PERIODIC = [
    Periodic("scale-quarterly", "recalc.scale", _next_quarter_start,
             lambda at: {"scheme": "SCALE", "period": _previous_quarter(at)}),
    Periodic("tier-yearly", "recalc.annual_tier", _next_year_start,
             lambda at: {"scheme": "ANNUAL", "period": str(at.year - 1)}),
    # SPEC §6: the monthly appraisal ranking of the month before (jobs/kind_appraisal_ranking.py)
    Periodic("appraisal-ranking-monthly", "appraisal.ranking", _next_month_second,
             lambda at: {"period": _previous_month(at)}, dedupe=_ranking_key),
    Periodic("visit-plans-monthly", "visits.plan_month", _next_month_start,
             lambda at: {"month": f"{at:%Y-%m}"}, dedupe=lambda params: f"visits:plans:{params['month']}"),
    # SPEC §4 / issue #12: overdue tickets escalated to the department heads (jobs/kind_sla_scan.py)
    Periodic("sla-scan", "sla.scan", _next_scan, lambda at: {}, dedupe=lambda params: "sla:scan", keep=3600),
    # issue #15: KPI snapshots (jobs/kind_kpi.py), the current month and the month just ended
    Periodic("kpi-snapshot", "kpi.snapshot", _next_quarter_hour, lambda at: {"period": f"{at:%Y-%m}"},
             dedupe=_kpi_key),
    Periodic("kpi-snapshot-month-end", "kpi.snapshot", _next_month_first_late,
             lambda at: {"period": _previous_month(at)}, dedupe=_kpi_key),
]


local_now = business_now_aware  # the firing times are business times (Asia/Shanghai)


def ensure_scheduled(now=None):
    """Place the next firing of every periodic entry, once. Returns the job ids placed."""
    if redis_connection() is None:
        return []
    now = now or local_now()
    placed = []
    for entry in PERIODIC:
        at = entry.next_fire(now)
        job_id = f"sched-{entry.name}-{at:%Y%m%d%H%M}"
        try:
            if Job.exists(job_id, connection=redis_connection()):
                continue
            get_queue("default").enqueue_at(
                at.astimezone(dt.timezone.utc), "backoffice.jobs.schedule.fire", entry.name, at.isoformat(),
                job_id=job_id, result_ttl=entry.keep,
            )
        except RedisError:
            return placed
        placed.append(job_id)
    return placed


def fire(name, at_iso):
    """Launch one periodic run (executed by a worker when its time comes)."""
    entry = next(e for e in PERIODIC if e.name == name)
    at = dt.datetime.fromisoformat(at_iso)
    params = entry.params(at)
    app = current_app._get_current_object() if has_app_context() else worker_app()
    with app.app_context():
        user = act_as_system()
        try:
            # The same key as a manual launch of this scheme and period, so the two never overlap.
            key = entry.dedupe(params) if entry.dedupe else dedupe_key(params["scheme"], params["period"])
            run = launch(entry.kind, params, user=user, dedupe_key=key)
        except JobRefused as exc:
            return {"skipped": str(exc)}
        ensure_scheduled()
        return {"run": run.id}
