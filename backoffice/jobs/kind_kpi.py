"""Monthly KPI snapshots (queue ``recalc``, SPEC §8 "KPI snapshots"; issue #15).

    kpi.snapshot   {"period": "2026-12"}   every department's counts of the month, replaced at once

Launched on demand (the KPI page's "Recompute" button, ``services.kpi.launch_snapshot``) and by
the periodic schedule (``schedule.py``: the current month every 15 minutes, the month before on
the 1st), so the home pages read a few rows instead of the big tables.
"""
from flask_babel import lazy_gettext as _l

from backoffice.jobs.registry import job
from backoffice.rules.kpi import parse_month
from backoffice.services.kpi import SNAPSHOT_KIND, write_snapshots


@job(SNAPSHOT_KIND, queue="recalc", timeout=3600, label=_l("Monthly KPI snapshot"))
def snapshot(ctx):
    return write_snapshots(parse_month(ctx.params["period"]), run_id=ctx.run.id, progress=ctx.progress)
