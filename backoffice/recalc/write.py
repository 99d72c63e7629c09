"""Writing a recalculation's results, batch by batch, inside the run's one transaction (SPEC §3, §8).

For each batch of ``recalc_result`` rows (numbered 1..n by client id), set-based statements:

1. history: one ``tier_history`` row per client, scheme and period (score, rank, pool size N,
   old tier, new tier, run id), upserted on unique(scheme, period, client): a re-run of the same
   period updates the row and keeps the *old tier* it first recorded (the tier before that
   period's recalculation), so running twice gives the same data and no duplicate;
2. current tier (unless a later period of the scheme was already recalculated: then only the
   history is written): ``client_tier`` upserted with the computed tier; the manual override
   columns are never written, so an override survives (SPEC §3); the effective ``tier`` is the
   better of override and computed (``rules.tiers.effective_tier``), for the service level the
   override always wins (``rules.service_level.effective_service_level``);
3. what the client row shows: scale, composite code (``rules.composite``: market type + format
   letter + scale digit), service level (default from the scale unless overridden, SPEC §3.3;
   the service-level scheme's own tiers and history come from its run), key-account flag.

Every upsert and update skips rows that would not change, so a repeated run writes nothing.
The caller commits once at the end: nobody ever sees half a recalculation, and a killed worker's
transaction is rolled back by the database.

"old tier" / "new tier" in the history are *computed* tiers (what the recalculation found);
the override, its author and reason stay on ``client_tier``.
"""
from dataclasses import dataclass

import sqlalchemy as sa

from backoffice.rules.service_level import DEFAULT_LEVEL_BY_SCALE


def _case(column, mapping, default="NULL"):
    """``CASE column WHEN k THEN v ... END`` with literal integers / quoted codes (from tier rows)."""
    if not mapping:
        return default
    def lit(v):
        return str(int(v)) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.items())
    return f"CASE ({column}) {whens} ELSE {default} END"


def effective_sql(override, computed, ranks, override_wins=False):
    """SQL of the effective tier: ``rules.tiers.effective_tier`` (better rank wins) or, for the
    service level, ``effective_service_level`` (override wins)."""
    if override_wins:
        return f"COALESCE({override}, {computed})"
    return (f"CASE WHEN {override} IS NULL THEN {computed} WHEN {computed} IS NULL THEN {override} "
            f"WHEN {_case(override, ranks)} < {_case(computed, ranks)} THEN {override} ELSE {computed} END")


@dataclass
class SchemeTiers:
    scheme_id: int
    ranks: dict  # tier id -> rank
    codes: dict  # tier id -> code
    override_wins: bool = False


HISTORY = """
    INSERT INTO tier_history (client_id, scheme_id, period, score, rank, pool_size,
                              old_tier_id, new_tier_id, run_id, created_on)
    SELECT r.client_id, :scheme, :period, r.score, r.rank, r.pool_size,
           ct.computed_tier_id, r.tier_id, :run, :now
    FROM recalc_result r
    LEFT JOIN client_tier ct ON ct.client_id = r.client_id AND ct.scheme_id = :scheme
    WHERE r.seq > :lo AND r.seq <= :hi
    ON CONFLICT (scheme_id, period, client_id) DO UPDATE SET
        score = excluded.score, rank = excluded.rank, pool_size = excluded.pool_size,
        new_tier_id = excluded.new_tier_id, run_id = excluded.run_id, created_on = excluded.created_on
    WHERE tier_history.score IS DISTINCT FROM excluded.score
       OR tier_history.rank IS DISTINCT FROM excluded.rank
       OR tier_history.pool_size IS DISTINCT FROM excluded.pool_size
       OR tier_history.new_tier_id IS DISTINCT FROM excluded.new_tier_id
"""


# The first run of a scheme and period (every quarter's normal case): nothing to conflict with,
# so a plain INSERT, without ON CONFLICT's speculative insertion per row (issue #16). The run
# holds the recalculation advisory lock, so no other run can add rows of this period meanwhile.
HISTORY_FIRST = HISTORY.split("ON CONFLICT")[0]


def history_exists(conn, scheme_id, period):
    """Has this scheme and period any history yet (then a re-run upserts)?"""
    return conn.execute(sa.text(
        "SELECT EXISTS (SELECT 1 FROM tier_history WHERE scheme_id = :s AND period = :p)"),
        {"s": scheme_id, "p": period}).scalar()


def client_tier_upsert(tiers, source_select):
    """Upsert ``client_tier`` rows of one scheme from ``source_select`` (client_id, computed tier id, score)."""
    effective = effective_sql("client_tier.override_tier_id", "excluded.computed_tier_id",
                              tiers.ranks, tiers.override_wins)
    return f"""
        INSERT INTO client_tier (client_id, scheme_id, computed_tier_id, tier_id, period, score, run_id)
        SELECT src.client_id, {tiers.scheme_id}, src.tier_id, src.tier_id, :period, src.score, :run
        FROM ({source_select}) AS src
        WHERE true
        ON CONFLICT (client_id, scheme_id) DO UPDATE SET
            computed_tier_id = excluded.computed_tier_id, period = excluded.period,
            score = excluded.score, run_id = excluded.run_id, tier_id = {effective}
        WHERE client_tier.computed_tier_id IS DISTINCT FROM excluded.computed_tier_id
           OR client_tier.period IS DISTINCT FROM excluded.period
           OR client_tier.score IS DISTINCT FROM excluded.score
           OR client_tier.tier_id IS DISTINCT FROM {effective}
    """


BATCH = "r.seq > :lo AND r.seq <= :hi"


def scheme_statements(kind, own, service=None):
    """The statements run for each batch, in order, for a scheme of ``kind``.

    ``own``: SchemeTiers of the scheme recalculated; ``service``: SchemeTiers of the service-level
    scheme whose manual overrides the scale run respects when it sets the client's level, or None.
    """
    stmts = [client_tier_upsert(own, f"SELECT r.client_id, r.tier_id, r.score FROM recalc_result r WHERE {BATCH}")]
    scheme = own.scheme_id
    if kind == "business_scale":
        digit = _case("st.tier_id", own.ranks)  # the scale digit is the tier's rank (1 大, 2 中, 3 小)
        # SPEC §3.3: the service level shown on the client is the manager's override if there is
        # one (client_tier of the service-level scheme), else the default from the effective scale.
        # The service-level scheme's own rows and history are written by its run
        # (recalc.service_level), which the scale job launches when it has finished.
        default_level = _case(digit, DEFAULT_LEVEL_BY_SCALE)
        if service is not None:
            level = f"COALESCE({_case('sv.override_tier_id', service.codes, 'NULL')}, {default_level})"
            svc_join = f"LEFT JOIN client_tier sv ON sv.client_id = r.client_id AND sv.scheme_id = {service.scheme_id}"
        else:
            level, svc_join = default_level, ""
        composite = "client.market_type || x.fmt_code || CAST(x.scale AS VARCHAR(1))"
        stmts.append(f"""
            UPDATE client SET scale = x.scale, composite_code = {composite}, service_level = x.level
            FROM (SELECT r.client_id, r.fmt_code, {digit} AS scale, {level} AS level
                  FROM recalc_result r
                  JOIN client_tier st ON st.client_id = r.client_id AND st.scheme_id = {scheme}
                  {svc_join}
                  WHERE {BATCH}) AS x
            WHERE client.id = x.client_id
              AND (client.scale IS DISTINCT FROM x.scale
                   OR client.composite_code IS DISTINCT FROM {composite}
                   OR client.service_level IS DISTINCT FROM x.level)
        """)
    elif kind == "service_level":
        level = _case("sv.tier_id", own.codes)
        stmts.append(f"""
            UPDATE client SET service_level = x.level
            FROM (SELECT r.client_id, {level} AS level FROM recalc_result r
                  JOIN client_tier sv ON sv.client_id = r.client_id AND sv.scheme_id = {scheme}
                  WHERE {BATCH}) AS x
            WHERE client.id = x.client_id AND client.service_level IS DISTINCT FROM x.level
        """)
    elif kind == "key_account":
        stmts.append(f"""
            UPDATE client SET key_account = x.flag
            FROM (SELECT r.client_id, (ka.tier_id IS NOT NULL) AS flag FROM recalc_result r
                  JOIN client_tier ka ON ka.client_id = r.client_id AND ka.scheme_id = {scheme}
                  WHERE {BATCH}) AS x
            WHERE client.id = x.client_id AND client.key_account IS DISTINCT FROM x.flag
        """)
    return stmts


def write_batch(conn, statements, params, lo, hi, history=True, first_history=False):
    """One batch: history, then (if ``statements``) current tiers and client columns.

    ``first_history``: no history row of this scheme and period exists (``history_exists``)."""
    values = dict(params, lo=lo, hi=hi)
    now_type = sa.bindparam("now", type_=sa.DateTime())
    if history:
        conn.execute(sa.text(HISTORY_FIRST if first_history else HISTORY).bindparams(now_type), values)
    for stmt in statements:
        conn.execute(sa.text(stmt), values)
