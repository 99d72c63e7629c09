"""The pay bands and the department adjustment of SPEC §6 as data (seed 001 L512–L518): the
administrator's command that replaces them, and the seed.

Saving is all or nothing: every row is read and the whole set checked by the pure rule
(``rules.appraisal_pay.band_problems``: 0–100 covered exactly once) before anything is written.
The sheets whose pay may still change (draft, submitted, objected) are recomputed with the new
values, through the ORM so the change log records each new pay; approved and final sheets keep
the pay that was approved [decision: an approval is of an amount; an objection reopens it].
"""
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.extensions import db
from backoffice.models import AppraisalPayBand, AppraisalSheet, DepartmentAdjustment
from backoffice.models.appraisals import pay_settings
from backoffice.models.choices import TargetResult
from backoffice.rules.appraisal_pay import ADJUSTMENT_RATES, DEFAULT_BANDS, PayBand, band_problems

from .actors import is_admin
from .errors import CommandError

RECOMPUTED_STATES = ("draft", "submitted", "objected")


def seed_pay_settings(session=None):
    """The seeded bands and rates of SPEC §6, written only into empty tables (idempotent)."""
    session = session or db.session
    if session.execute(sa.select(sa.func.count(AppraisalPayBand.id))).scalar() == 0:
        for b in DEFAULT_BANDS:
            session.add(AppraisalPayBand(lower_bound=b.lower, upper_bound=b.upper, factor=b.factor,
                                         score_as_percentage=b.as_percentage))
    if session.execute(sa.select(sa.func.count(DepartmentAdjustment.id))).scalar() == 0:
        for code, rate in ADJUSTMENT_RATES.items():
            session.add(DepartmentAdjustment(result=code, rate=rate))


def current_settings():
    """(bands, rates) as the pay rule takes them."""
    return pay_settings(db.session)


def _number(raw, field, label):
    text = str(raw if raw is not None else "").strip().replace("%", "").replace("％", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise CommandError(_("%(what)s: enter a number.", what=label), field=field) from None
    if not value.is_finite():
        raise CommandError(_("%(what)s: enter a number.", what=label), field=field)
    return value


def _flag(raw):
    return raw is True or str(raw).strip().lower() in {"1", "true", "on", "yes", "y"}


def parse_bands(rows):
    """Rows ``{lower, upper, factor (percent), score_as_percentage}`` → PayBand values; a row with
    every cell empty is left out (the screen's spare rows, or a band the admin removed)."""
    bands = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise CommandError(_("Band %(n)s: send an object with its bounds and factor.", n=n), field="bands")
        cells = [row.get(k) for k in ("lower", "upper", "factor")]
        as_pct = _flag(row.get("score_as_percentage"))
        if all(c in (None, "") for c in cells) and not as_pct:
            continue
        label = _("Band %(n)s", n=n)
        lower = _number(row.get("lower"), f"band_{n}_lower", label)
        upper = _number(row.get("upper"), f"band_{n}_upper", label)
        factor = None
        if not as_pct and row.get("factor") not in (None, ""):  # empty: band_problems says so
            factor = _number(row.get("factor"), f"band_{n}_factor", label) / 100
            if factor < 0 or factor > 10:
                raise CommandError(_("Band %(n)s: the pay factor must be between 0 %% and 1000 %%.", n=n),
                                   field=f"band_{n}_factor")
        if abs(lower.as_tuple().exponent) > 2 or abs(upper.as_tuple().exponent) > 2:
            raise CommandError(_("Band %(n)s: bounds have at most two decimals.", n=n), field=f"band_{n}_lower")
        bands.append(PayBand(lower, upper, factor, as_pct))
    return bands


PROBLEM_MESSAGES = {
    "empty": lambda v: _("Give at least one pay band."),
    "bounds": lambda v: _("The band from %(lo)s to %(hi)s must have a lower bound below its upper bound, within 0–100.",
                          lo=v[0], hi=v[1]),
    "factor": lambda v: _("The band from %(lo)s to %(hi)s needs a pay factor (at least 0 %%) or \"score as percentage\".",
                          lo=v[0], hi=v[1]),
    "start": lambda v: _("The bands must start at 0 points; nothing covers %(lo)s to %(hi)s.", lo=v[0], hi=v[1]),
    "end": lambda v: _("The bands must reach 100 points; nothing covers %(lo)s to %(hi)s.", lo=v[0], hi=v[1]),
    "gap": lambda v: _("The bands leave a gap from %(lo)s to %(hi)s points.", lo=v[0], hi=v[1]),
    "overlap": lambda v: _("The bands overlap from %(lo)s to %(hi)s points.", lo=v[0], hi=v[1]),
}


def parse_rates(values):
    """``{result code: percent}`` → ``{code: fraction}``; every result needs its rate."""
    if not isinstance(values, dict):
        raise CommandError(_("Send the department adjustments as an object by result."), field="adjustments")
    rates = {}
    for choice in TargetResult:
        label = str(choice.label)
        raw = values.get(choice.value)
        if raw in (None, ""):
            raise CommandError(_("%(what)s: enter the adjustment in percent.", what=label), field=f"rate_{choice.value}")
        pct = _number(raw, f"rate_{choice.value}", label)
        if pct < -100 or pct > 100:
            raise CommandError(_("%(what)s: the adjustment must be between -100 %% and +100 %%.", what=label),
                               field=f"rate_{choice.value}")
        if abs(pct.as_tuple().exponent) > 2:
            raise CommandError(_("%(what)s: at most two decimals.", what=label), field=f"rate_{choice.value}")
        rates[choice.value] = pct / 100
    unknown = set(values) - {c.value for c in TargetResult}
    if unknown:
        raise CommandError(_("Unknown department result %(v)s.", v=", ".join(sorted(map(str, unknown)))),
                           field="adjustments")
    return rates


def save_pay_settings(band_rows, rate_values, commit=True):
    """Replace the pay bands and the department adjustments (the administrator's, SPEC §1)."""
    if not is_admin():
        raise CommandError(_("Only the administrator changes the pay bands and adjustments."), status=403)
    bands = parse_bands(band_rows)
    problems = band_problems(bands)
    if problems:
        raise CommandError("\n".join(str(PROBLEM_MESSAGES[code](values)) for code, values in problems),
                           field="bands")
    rates = parse_rates(rate_values)
    session = db.session
    session.execute(sa.delete(AppraisalPayBand))
    for b in sorted(bands, key=lambda b: b.lower, reverse=True):
        session.add(AppraisalPayBand(lower_bound=b.lower, upper_bound=b.upper, factor=b.factor,
                                     score_as_percentage=b.as_percentage))
    existing = {getattr(r.result, "value", r.result): r for r in session.execute(sa.select(DepartmentAdjustment)).scalars()}
    for code, rate in rates.items():
        row = existing.get(code) or DepartmentAdjustment(result=code)
        row.rate = rate
        session.add(row)
    session.flush()
    recomputed = recompute_open_sheets(session)
    if commit:
        session.commit()
    return recomputed


def recompute_open_sheets(session, where=None):
    """Recompute the pay of the sheets still open (``RECOMPUTED_STATES``); returns how many changed."""
    query = sa.select(AppraisalSheet).where(AppraisalSheet.status.in_(RECOMPUTED_STATES),
                                            AppraisalSheet.total_score.is_not(None))
    if where is not None:
        query = query.where(where)
    changed = 0
    for sheet in session.execute(query).scalars():
        before = (sheet.pay_factor, sheet.final_pay)
        sheet.update_derived(session)
        changed += before != (sheet.pay_factor, sheet.final_pay)
    return changed
