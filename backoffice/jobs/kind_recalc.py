"""The recalculation jobs (queue ``recalc``, SPEC §3 and §8).

    recalc.annual_tier    {"scheme": "ANNUAL", "period": "2025"}    previous year's amount -> A-D
    recalc.scale          {"scheme": "SCALE", "period": "2026Q3"}   scale 1/2/3 per format, composite
                                                                     code, default service level
    recalc.service_level  {"scheme": "SERVICE", "period": "2026Q3"} service level from the latest scale
    recalc.key_account    {"scheme": "KEY", "period": "2025"}       key accounts (seed 001)

Launch them through ``backoffice.recalc.plan.plan_recalc`` (validation, dedupe key); the
periodic schedule (``schedule.py``) launches the scale and annual ones. The work itself is
``backoffice.recalc.engine.recalculate``: one transaction, batches, progress, summary.
"""
from flask import g
from flask_babel import lazy_gettext as _l

from backoffice.jobs.errors import JobRefused
from backoffice.jobs.registry import job
from backoffice.jobs.runs import launch
from backoffice.recalc.engine import recalculate
from backoffice.recalc.plan import SERVICE_SCHEME_KIND, plan_for_kind


def _run(ctx, expected_kind):
    params = ctx.params
    return recalculate(
        params["scheme"], params["period"], run_id=ctx.run_id, progress=ctx.progress,
        expected_kind=expected_kind, batch_size=params.get("batch_size"), method=params.get("method"),
    )


@job("recalc.annual_tier", queue="recalc", timeout=3 * 3600, label=_l("Annual purchase tier recalculation"))
def annual_tier(ctx):
    return _run(ctx, "annual_amount")


@job("recalc.scale", queue="recalc", timeout=3 * 3600, label=_l("Business scale recalculation"))
def scale(ctx):
    summary = _run(ctx, "business_scale")
    if not summary.get("history_only") and ctx.params.get("follow_up", True):
        summary["service_level_run"] = _follow_with_service_level(ctx.params["period"])
    return summary


def _follow_with_service_level(period):
    """SPEC §3.3: the service level follows the new scale. The scale run has already set each
    client's level (override or default); this run brings the service-level scheme's own tiers
    and history up to date. Returns the run id, or the reason it was not launched."""
    try:
        plan = plan_for_kind(SERVICE_SCHEME_KIND, period)
        if plan is None:
            return None
        return launch(plan.kind, plan.params, user=getattr(g, "user", None), dedupe_key=plan.dedupe_key).id
    except JobRefused as exc:
        return str(exc)


@job("recalc.service_level", queue="recalc", timeout=3 * 3600, label=_l("Service level recalculation"))
def service_level(ctx):
    return _run(ctx, "service_level")


@job("recalc.key_account", queue="recalc", timeout=3 * 3600, label=_l("Key account recalculation"))
def key_account(ctx):
    return _run(ctx, "key_account")
