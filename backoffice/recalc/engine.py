"""One recalculation run, end to end (SPEC §3, §8): load in bulk -> rules -> write in batches -> switch.

``recalculate(scheme_code, period, run_id=..., progress=...)`` is what the ``recalc.*`` jobs call.
Everything happens in ONE database transaction committed at the very end, so no one ever sees
a half-written recalculation; a worker killed half-way leaves nothing behind (the database rolls
its transaction back) and a re-run gives exactly the data of a clean run. On PostgreSQL an
advisory lock makes recalculations wait for each other (they write the same client rows).
"""
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from backoffice.clock import business_stamp
from backoffice.extensions import db
from backoffice.models import Tier, TierScheme
from backoffice.recalc import compute as C
from backoffice.recalc.plan import parse_scheme_period
from backoffice.recalc.write import SchemeTiers, history_exists, scheme_statements, write_batch

ADVISORY_LOCK = 740_031  # "recalc": one recalculation writes at a time (pg_advisory_xact_lock)
SAMPLE = 10  # client codes shown per problem in a run's summary


class RecalcError(RuntimeError):
    """The run cannot proceed (unknown scheme, wrong kind, bad configuration)."""


def _target(scheme, period):
    tiers = db.session.execute(sa.select(Tier).where(Tier.scheme_id == scheme.id).order_by(Tier.rank)).scalars()
    share = Decimal(str(current_app.config.get("KEY_ACCOUNT_PROFIT_SHARE", "0.10")))
    return C.Target(
        scheme_id=scheme.id, scheme_code=scheme.code, kind=getattr(scheme.kind, "value", scheme.kind),
        tiers=[C.TierRow(t.id, t.code, t.rank, t.min_amount) for t in tiers], period=period,
        company_profit_share=share,
    )


def _scheme_tiers(target, override_wins=False):
    return SchemeTiers(target.scheme_id, {t.id: t.rank for t in target.tiers},
                       {t.id: t.code for t in target.tiers}, override_wins)


def _service_scheme():
    """The service-level scheme the scale run feeds (SPEC §3.3), if one is active."""
    return db.session.execute(
        sa.select(TierScheme).where(TierScheme.kind == "service_level", TierScheme.active.is_(True))
        .order_by(TierScheme.id)
    ).scalars().first()


def _later_period(conn, target):
    """The latest period of this scheme already recalculated, if later than the target's."""
    latest = conn.execute(sa.text(
        "SELECT MAX(p) FROM (SELECT MAX(period) AS p FROM client_tier WHERE scheme_id = :s "
        "UNION ALL SELECT MAX(period) FROM tier_history WHERE scheme_id = :s) AS t"
    ), {"s": target.scheme_id}).scalar()
    return latest if latest is not None and latest > target.period.label else None


def _problems(conn, target):
    """Purchases that a run cannot rank, reported in the summary instead of dropped silently."""
    window = {"start": target.period.start, "end": target.period.end}
    report = {}
    checks = {"inactive_clients": "c.status <> 'active'"}
    if target.kind == "business_scale":
        checks["missing_format"] = "c.status = 'active' AND COALESCE(bf.code, '') = ''"
    for name, where in checks.items():
        base = (f"FROM client c LEFT JOIN business_format bf ON bf.id = c.business_format_id "
                f"JOIN purchase_record p ON p.client_id = c.id AND p.month >= :start AND p.month < :end "
                f"WHERE {where}")
        clients, purchases = conn.execute(sa.text(f"SELECT COUNT(DISTINCT c.id), COUNT(p.id) {base}"), window).one()
        if clients:
            sample = conn.execute(sa.text(
                f"SELECT DISTINCT c.code {base} ORDER BY c.code LIMIT {SAMPLE}"), window).scalars().all()
            report[name] = {"clients": clients, "purchases": purchases, "sample": sample}
    return report


def recalculate(scheme_code, period_text, *, run_id=None, progress=None, expected_kind=None,
                batch_size=None, method=None):
    """Recalculate ``scheme_code`` over ``period_text``; returns the run's JSON summary."""
    progress = progress or (lambda done, total=None: None)
    scheme = db.session.execute(sa.select(TierScheme).where(TierScheme.code == scheme_code)).scalar()
    if scheme is None:
        raise RecalcError(f"There is no tier scheme {scheme_code}.")
    kind = getattr(scheme.kind, "value", scheme.kind)
    if expected_kind is not None and kind != expected_kind:
        raise RecalcError(f"Scheme {scheme_code} is a {kind} scheme, this job recalculates {expected_kind}.")
    if not scheme.active:
        raise RecalcError(f"The tier scheme {scheme_code} is inactive.")
    period = parse_scheme_period(scheme.period_kind, period_text)
    target = _target(scheme, period)
    if not target.tiers:
        raise RecalcError(f"The tier scheme {scheme_code} has no tiers.")
    service = _service_scheme() if kind == "business_scale" else None
    service_tiers = _scheme_tiers(_target(service, period), override_wins=True) if service else None
    batch_size = int(batch_size or current_app.config.get("RECALC_BATCH_SIZE", 20000))
    started = business_stamp()  # tier history's 创建时间, shown beside AuditMixin stamps

    conn = db.session.connection()
    postgresql = C.is_postgresql(conn)
    if postgresql:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK})
    problems = _problems(conn, target)
    later = _later_period(conn, target)
    total, method = C.compute(conn, target, method)
    progress(0, total)

    own = _scheme_tiers(target, override_wins=(kind == "service_level"))
    statements = [] if later else scheme_statements(kind, own, service_tiers)
    params = {"scheme": target.scheme_id, "period": period.label, "run": run_id, "now": started}
    first_history = not history_exists(conn, target.scheme_id, period.label)
    for lo in range(0, total, batch_size):
        hi = min(lo + batch_size, total)
        write_batch(conn, statements, params, lo, hi, first_history=first_history)
        if postgresql:  # SQLite allows one writer: the progress row could not be written now
            progress(hi, total)

    summary = {
        "scheme": scheme.code, "period": period.label, "method": method, "clients": total,
        "tiers": {str(k): v for k, v in sorted(C.tier_counts(conn, target).items(), key=lambda kv: str(kv[0]))},
        "changed": conn.execute(sa.text(
            "SELECT COUNT(*) FROM tier_history WHERE scheme_id = :s AND period = :p "
            "AND old_tier_id IS DISTINCT FROM new_tier_id"), {"s": target.scheme_id, "p": period.label}).scalar(),
        "overrides_kept": conn.execute(sa.text(
            "SELECT COUNT(*) FROM client_tier ct JOIN recalc_result r ON r.client_id = ct.client_id "
            "WHERE ct.scheme_id = :s AND ct.override_tier_id IS NOT NULL"), {"s": target.scheme_id}).scalar(),
        "history_only": bool(later),
    }
    if later:
        summary["later_period"] = later
    if kind == "business_scale":
        summary["pools"] = dict(conn.execute(sa.text(
            "SELECT fmt_code, COUNT(*) FROM recalc_result GROUP BY fmt_code ORDER BY fmt_code")).all())
    summary.update(problems)
    C.drop_result_table(conn)
    db.session.commit()  # the switch: everything above becomes visible at once
    progress(total, total)
    return summary
