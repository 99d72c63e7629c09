"""The escalation scan (SPEC §4: overdue tickets escalated by a periodic job, never by a page view).

sla.scan  {}
    One set-based statement (``services.sla_scan.escalate_overdue``) notifies the department heads
    of every open ticket whose first-response or resolution deadline has passed, once per ticket
    and deadline. Fired every ``SLA_SCAN_MINUTES`` (default 5) by ``jobs/schedule.py`` (entry
    "sla-scan"), on the ``default`` queue; idempotent, so a late or repeated firing adds nothing.
"""
from flask_babel import lazy_gettext as _l

from backoffice.jobs.registry import job
from backoffice.services.sla_scan import escalate_overdue

SCAN_KIND = "sla.scan"
SCAN_DEDUPE = "sla:scan"  # one scan at a time: a firing while one runs is skipped


@job(SCAN_KIND, queue="default", timeout=900, label=_l("Deadline escalation scan"))
def scan(ctx):
    ctx.progress(0, 1)
    written = escalate_overdue()
    ctx.progress(1, 1)
    return {"notified": written}
