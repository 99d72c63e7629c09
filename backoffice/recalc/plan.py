"""Planning a recalculation run: which job, with which parameters, may it run at all (SPEC §3, §8).

    plan = plan_recalc("SCALE", "2026Q3")
    run = backoffice.jobs.launch(plan.kind, plan.params, user=g.user, dedupe_key=plan.dedupe_key)

Refusals raise ``backoffice.jobs.JobRefused`` with a translated message:
* the scheme does not exist or is inactive;
* the period is malformed or of the wrong kind for the scheme (a year ``2025`` for a yearly
  scheme, a quarter ``2026Q3`` for a quarterly one; ``2026Q5`` is malformed);
* the period has not ended yet (in the company's time zone, Asia/Shanghai): a recalculation
  needs the period's complete purchases (SPEC §3: "over the previous calendar quarter" /
  "previous calendar year's purchases"; ``rules.periods.is_future``).
"""
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.clock import business_today  # also imported from here by views.system
from backoffice.extensions import db
from backoffice.jobs.errors import JobRefused
from backoffice.models import TierScheme
from backoffice.models.choices import PeriodKind, SchemeKind
from backoffice.rules.periods import PeriodError, is_future, parse_quarter, parse_year

# The job kind that recalculates each kind of scheme (backoffice/jobs/kind_recalc.py). The
# periodic schedule (backoffice/jobs/schedule.py) launches "recalc.scale" and "recalc.annual_tier".
KIND_BY_SCHEME_KIND = {
    SchemeKind.annual_amount.value: "recalc.annual_tier",
    SchemeKind.business_scale.value: "recalc.scale",
    SchemeKind.service_level.value: "recalc.service_level",
    SchemeKind.key_account.value: "recalc.key_account",
}


SERVICE_SCHEME_KIND = SchemeKind.service_level.value


@dataclass(frozen=True)
class RecalcPlan:
    kind: str  # job kind, e.g. "recalc.scale"
    params: dict  # {"scheme": "SCALE", "period": "2026Q3"}
    dedupe_key: str  # "recalc:SCALE:2026Q3": one active run per scheme and period
    label: str  # what a person reads, e.g. "经营规模 1/2/3 — 2026Q3"


def dedupe_key(scheme_code, period):
    return f"recalc:{scheme_code}:{period}"


def _value(choice):
    return getattr(choice, "value", choice)


def parse_scheme_period(period_kind, text):
    """The Year/Quarter of ``text`` for a scheme of ``period_kind``; JobRefused if it does not fit."""
    period_kind = _value(period_kind)
    raw = "" if text is None else str(text).strip()
    if period_kind == PeriodKind.year.value:
        try:
            return parse_year(raw)
        except PeriodError:
            raise JobRefused(_("%(period)s is not a year: write a year with four digits, like 2025.",
                               period=raw or "—")) from None
    if period_kind == PeriodKind.quarter.value:
        try:
            return parse_quarter(raw)
        except PeriodError:
            raise JobRefused(_("%(period)s is not a quarter: write it like 2026Q3 (a year, Q, then 1 to 4).",
                               period=raw or "—")) from None
    raise JobRefused(_("This scheme is not recalculated by period."))


def plan_recalc(scheme_code, period, today=None):
    """Validate a recalculation request and return its RecalcPlan (raises JobRefused)."""
    code = (scheme_code or "").strip().upper()
    scheme = db.session.execute(sa.select(TierScheme).where(TierScheme.code == code)).scalar()
    if scheme is None:
        raise JobRefused(_("There is no tier scheme %(code)s.", code=code or "—"))
    if not scheme.active:
        raise JobRefused(_("The tier scheme %(name)s is inactive.", name=scheme.name))
    kind = KIND_BY_SCHEME_KIND.get(_value(scheme.kind))
    if kind is None:  # pragma: no cover - every SchemeKind has a job
        raise JobRefused(_("Unknown job kind %(kind)s.", kind=_value(scheme.kind)))
    parsed = parse_scheme_period(scheme.period_kind, period)
    today = today or business_today()
    if is_future(parsed, today):
        raise JobRefused(_(
            "The period %(period)s has not ended yet (it ends on %(end)s): only a complete period can be recalculated.",
            period=parsed.label, end=(parsed.end - dt.timedelta(days=1)).isoformat(),
        ))
    return RecalcPlan(
        kind=kind,
        params={"scheme": scheme.code, "period": parsed.label},
        dedupe_key=dedupe_key(scheme.code, parsed.label),
        label=f"{scheme.name} — {parsed.label}",
    )


def plan_for_kind(scheme_kind, period, today=None):
    """The plan for the active scheme of ``scheme_kind`` (the seeded code first), or None."""
    scheme = db.session.execute(
        sa.select(TierScheme).where(TierScheme.kind == scheme_kind, TierScheme.active.is_(True))
        .order_by(TierScheme.id)
    ).scalars().first()
    return None if scheme is None else plan_recalc(scheme.code, period, today=today)
