"""The monthly appraisal ranking (queue ``recalc``, SPEC §6 and §8).

    appraisal.ranking   {"period": "2026-10"}   rank per department and template, Last-place warning

Launched on demand (``services.appraisals.launch_ranking``, the sheet list's button) and by the
periodic schedule (``schedule.py``, the 2nd of each month for the month before).
"""
import datetime as dt

from flask_babel import lazy_gettext as _l

from backoffice.jobs.registry import job
from backoffice.services.appraisals import RANKING_KIND, rank_month


def parse_period(period):
    year, month = str(period).split("-")
    return dt.date(int(year), int(month), 1)


@job(RANKING_KIND, queue="recalc", timeout=3600, label=_l("Monthly appraisal ranking"))
def ranking(ctx):
    return rank_month(parse_period(ctx.params["period"]), progress=ctx.progress)
