"""Monthly visit plans (SPEC §5, §8), on the ``default`` queue.

visits.plan_month  {"month": "2026-12"[, "staff": [ids]]}
    Generates every client manager's plan of the month with the set-based command
    (``backoffice.services.visits.generate_plans``): idempotent, so a re-run or the department
    head's "generate now" after the scheduled run adds nothing twice. Fired at 01:00 on the 1st by
    ``backoffice/jobs/schedule.py`` (entry "visit-plans-monthly").
"""
import datetime as dt

from flask_babel import lazy_gettext as _l

from backoffice.jobs.registry import job
from backoffice.services.visits import generate_plans


def parse_month(text):
    return dt.datetime.strptime(str(text), "%Y-%m").date()


@job("visits.plan_month", queue="default", timeout=1800, label=_l("Monthly visit plans"))
def plan_month(ctx):
    month = parse_month(ctx.params["month"])
    staff = ctx.params.get("staff")
    ctx.progress(0, 1)
    plans, items = generate_plans(month, staff, check=False)
    ctx.progress(1, 1)
    return {"month": f"{month:%Y-%m}", "plans": plans, "items": items}
