"""Launching a recalculation (SPEC §3, §8): one command for the launch form, the API and the CLI."""
import sqlalchemy as sa

from backoffice.extensions import db
from backoffice.models import TierScheme

from .errors import CommandError


def launch_recalculation(scheme_code, period, user):
    """Plan (``backoffice.recalc.plan.plan_recalc``) and launch one recalculation; returns the run.

    Raises ``CommandError`` (field ``scheme`` or ``period``) and then nothing was recorded: an
    unknown or inactive scheme, a malformed or unfinished period, or the same scheme and period
    already queued or running (SPEC §8 dedupe).
    """
    from backoffice.jobs import JobRefused, launch  # imported when used: jobs may call services
    from backoffice.recalc.plan import plan_recalc

    code = str(scheme_code or "").strip().upper()
    known = db.session.execute(
        sa.select(TierScheme.id).where(TierScheme.code == code, TierScheme.active.is_(True))
    ).first()
    try:
        plan = plan_recalc(code, "" if period is None else str(period))
    except JobRefused as exc:
        raise CommandError(str(exc), field="period" if known else "scheme") from None
    try:
        return launch(plan.kind, plan.params, user=user, dedupe_key=plan.dedupe_key)
    except JobRefused as exc:
        raise CommandError(str(exc), field="period") from None
