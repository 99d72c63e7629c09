"""Computing a recalculation's results into the run's result table (SPEC §3).

Every computation fills one temporary table, ``recalc_result``: one row per ranked client with
its printed score, competition rank, pool size N and the tier the rules give it. Two ways fill it:

* ``python``: the inputs are loaded in bulk (one aggregated SELECT, never one query per client)
  and the pure rule functions of ``backoffice.rules`` decide (``scale_codes``, ``annual_tier``,
  ``is_key_account``, ``default_service_level``). Used on SQLite (the embedded demo) and for the
  key-account runs everywhere.
* ``sql`` (PostgreSQL, the fast path for the big quarterly and yearly runs): the business scale
  and the annual tier computed by one INSERT ... SELECT with window functions, with exact
  integer arithmetic (cross-multiplication, amounts in cents) so ties are real ties; the
  service level (which follows every scale run) by one INSERT ... SELECT of the clients' scale.
  ``tests/jobs/test_recalc_jobs.py`` proves it gives the same rows as the rule functions on
  random data with many ties.
"""
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from backoffice.pgcopy import copy_rows
from backoffice.rules.key_account import DEFAULT_AMOUNT_THRESHOLD, DEFAULT_PROFIT_SHARE_THRESHOLD, is_key_account
from backoffice.rules.scale import scale_codes
from backoffice.rules.service_level import DEFAULT_LEVEL_BY_SCALE, default_service_level
from backoffice.rules.tiers import annual_tier, validate_thresholds

RESULT_COLUMNS = ("seq", "client_id", "score", "rank", "pool_size", "tier_id", "fmt_code")
SCORE_DECIMALS = 12  # printed scale scores: 0.300000000000 (ranking itself uses exact values)


@dataclass(frozen=True)
class TierRow:
    id: int
    code: str
    rank: int
    min_amount: object


@dataclass
class Target:
    """What a run works on: the scheme, its tiers, the period (a rules.periods Year/Quarter)."""

    scheme_id: int
    scheme_code: str
    kind: str  # SchemeKind value
    tiers: list  # [TierRow], best first
    period: object
    company_profit_share: Decimal = DEFAULT_PROFIT_SHARE_THRESHOLD

    def tier_by_rank(self, rank):
        return next((t.id for t in self.tiers if t.rank == rank), None)

    def tier_by_code(self, code):
        return next((t.id for t in self.tiers if t.code == code), None)


def is_postgresql(conn):
    return conn.dialect.name == "postgresql"


# -- the result table ----------------------------------------------------------------------------
def create_result_table(conn):
    """A temporary table of this connection (PostgreSQL: dropped at commit or rollback)."""
    cols = ("seq INTEGER NOT NULL, client_id INTEGER PRIMARY KEY, score VARCHAR(40), rank INTEGER, "
            "pool_size INTEGER, tier_id INTEGER, fmt_code VARCHAR(2)")
    if is_postgresql(conn):
        conn.execute(sa.text("DROP TABLE IF EXISTS pg_temp.recalc_result"))
        conn.execute(sa.text(f"CREATE TEMP TABLE recalc_result ({cols}) ON COMMIT DROP"))
    else:
        conn.execute(sa.text("DROP TABLE IF EXISTS temp.recalc_result"))
        conn.execute(sa.text(f"CREATE TEMP TABLE recalc_result ({cols})"))
    conn.execute(sa.text("CREATE UNIQUE INDEX ix_recalc_result_seq ON recalc_result (seq)"))


def drop_result_table(conn):
    if not is_postgresql(conn):
        conn.execute(sa.text("DROP TABLE IF EXISTS temp.recalc_result"))


def fill_result_table(conn, rows, ordered=False):
    """Write (client_id, score, rank, pool_size, tier_id, fmt_code) rows, numbered by client id.

    ``ordered``: the rows already come by ascending client id (a generator is then streamed
    into the table without being held in memory)."""
    if not ordered:
        rows = sorted(rows, key=lambda r: r[0])
    numbered = ((i, *row) for i, row in enumerate(rows, start=1))
    count = 0
    if is_postgresql(conn):
        count = copy_rows(conn, "recalc_result", RESULT_COLUMNS, numbered)
    else:
        stmt = sa.text(
            f"INSERT INTO recalc_result ({', '.join(RESULT_COLUMNS)}) "
            f"VALUES ({', '.join(':' + c for c in RESULT_COLUMNS)})"
        )
        chunk = []
        for row in numbered:
            chunk.append(dict(zip(RESULT_COLUMNS, row)))
            if len(chunk) == 5000:
                conn.execute(stmt, chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            conn.execute(stmt, chunk)
            count += len(chunk)
    return count


def read_result_table(conn):
    """All rows, as {client_id: (score, rank, pool_size, tier_id, fmt_code)} (tests, summaries)."""
    rows = conn.execute(sa.text(
        "SELECT client_id, score, rank, pool_size, tier_id, fmt_code FROM recalc_result ORDER BY client_id"
    ))
    return {r[0]: tuple(r[1:]) for r in rows}


# -- printing exact scores -----------------------------------------------------------------------
def score_text(value):
    """A non-negative Fraction printed with 12 decimals, rounded half up (same as the SQL path)."""
    value = Fraction(value)
    scale = 10 ** SCORE_DECIMALS
    units = (2 * value.numerator * scale + value.denominator) // (2 * value.denominator)
    return f"{units // scale}.{units % scale:0{SCORE_DECIMALS}d}"


def amount_text(cents):
    return str(Decimal(int(cents)).scaleb(-2))


def competition_ranks(values):
    """{key: rank} with rank = 1 + number of strictly greater values ("1, 2, 2, 4")."""
    first = {}
    for position, value in enumerate(sorted(values.values(), reverse=True), start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in values.items()}


# -- bulk inputs (one aggregated statement each) ----------------------------------------------------
CENTS = "CAST(round(p.amount * 100) AS BIGINT)"


def _purchase_totals(conn, target, extra_columns="", extra_group=""):
    """Per active client: (client_id, format code, quantity, amount in cents[, ...]) in the period."""
    return conn.execute(sa.text(f"""
        SELECT c.id, bf.code, COALESCE(SUM(p.quantity), 0), COALESCE(SUM({CENTS}), 0){extra_columns}
        FROM client c
        LEFT JOIN business_format bf ON bf.id = c.business_format_id
        LEFT JOIN purchase_record p ON p.client_id = c.id AND p.month >= :start AND p.month < :end
        WHERE c.status = 'active'
        GROUP BY c.id, bf.code{extra_group}
    """), {"start": target.period.start, "end": target.period.end}).all()


# -- python path: the rule functions ----------------------------------------------------------------
def python_scale(conn, target):
    """seed 004 Art. 6 / SPEC §3.2 through ``rules.scale.scale_codes``."""
    rows = _purchase_totals(conn, target)
    fmt_of = {cid: (fmt or None) for cid, fmt, _q, _v in rows}
    result = scale_codes([(cid, fmt or None, int(q), int(v)) for cid, fmt, q, v in rows])
    return [
        (cid, score_text(cs.score), cs.rank, cs.pool_size, target.tier_by_rank(cs.code), fmt_of[cid])
        for cid, cs in result.codes.items()
    ]


def annual_thresholds(target):
    thresholds = tuple((t.code, Decimal(t.min_amount or 0)) for t in target.tiers)
    validate_thresholds(thresholds)
    return thresholds


def python_annual(conn, target):
    """seed 000 第四条 / SPEC §3.1 through ``rules.tiers.annual_tier``."""
    thresholds = annual_thresholds(target)
    cents = {cid: int(v) for cid, _fmt, _q, v in _purchase_totals(conn, target)}
    ranks = competition_ranks(cents)
    n = len(cents)
    return [
        (cid, amount_text(v), ranks[cid], n,
         target.tier_by_code(annual_tier(Decimal(v).scaleb(-2), thresholds)), None)
        for cid, v in cents.items()
    ]


def key_account_threshold(target):
    tier = target.tiers[0] if target.tiers else None
    return Decimal(tier.min_amount) if tier is not None and tier.min_amount is not None else DEFAULT_AMOUNT_THRESHOLD


def python_key_account(conn, target):
    """seed 001 L187–L190 / SPEC §3.4 through ``rules.key_account.is_key_account``.

    [decision] company profit = the profit of every purchase record of the year (all clients).
    """
    rows = _purchase_totals(
        conn, target, extra_columns=", COALESCE(SUM(CAST(round(p.profit * 100) AS BIGINT)), 0), c.development_potential",
        extra_group=", c.development_potential",
    )
    company_cents = conn.execute(sa.text(
        "SELECT COALESCE(SUM(CAST(round(p.profit * 100) AS BIGINT)), 0) FROM purchase_record p "
        "WHERE p.month >= :start AND p.month < :end"
    ), {"start": target.period.start, "end": target.period.end}).scalar()
    company = Decimal(int(company_cents)).scaleb(-2)
    threshold = key_account_threshold(target)
    tier_id = target.tiers[0].id if target.tiers else None
    cents = {r[0]: int(r[3]) for r in rows}
    ranks = competition_ranks(cents)
    out = []
    for cid, _fmt, _q, v, profit, potential in rows:
        key = is_key_account(
            Decimal(int(v)).scaleb(-2), Decimal(int(profit)).scaleb(-2), company, bool(potential),
            amount_threshold=threshold, profit_share_threshold=target.company_profit_share,
        )
        out.append((cid, amount_text(v), ranks[cid], len(rows), tier_id if key else None, None))
    return out


def python_service_level(conn, target):
    """SPEC §3.3 through ``rules.service_level.default_service_level`` from the client's latest scale."""
    rows = conn.execute(sa.text("SELECT c.id, c.scale FROM client c WHERE c.status = 'active' ORDER BY c.id")).all()
    tier_of = {scale: target.tier_by_code(default_service_level(scale)) for scale in (1, 2, 3)}
    return (
        (cid, None if scale is None else str(scale), None, None,
         None if scale is None else tier_of.get(scale, target.tier_by_code(default_service_level(scale))), None)
        for cid, scale in rows
    )


ORDERED = {"service_level"}  # python paths that yield rows by client id
PYTHON = {
    "business_scale": python_scale,
    "annual_amount": python_annual,
    "key_account": python_key_account,
    "service_level": python_service_level,
}


# -- sql path (PostgreSQL) --------------------------------------------------------------------------
def sql_scale(conn, target):
    """The business scale in one statement; mirrors ``rules.scale`` exactly:

    score = (q/Σq + v/Σv)/2 compared as the integer  num = q·Σv' + v·Σq'  (Σx' = Σx or 1 when 0,
    a zero total making its share 0), so equal scores are equal numbers; competition rank per
    format; k = (20N + 50) // 100; rank <= k -> 1, rank > N - k -> 3, else 2 (``scale_code``).
    """
    params = {"start": target.period.start, "end": target.period.end, "scale": 10 ** SCORE_DECIMALS,
              "t1": target.tier_by_rank(1), "t2": target.tier_by_rank(2), "t3": target.tier_by_rank(3)}
    return conn.execute(sa.text("""
        INSERT INTO recalc_result (seq, client_id, score, rank, pool_size, tier_id, fmt_code)
        WITH agg AS (
            SELECT p.client_id, SUM(p.quantity)::numeric AS q, SUM(round(p.amount * 100))::numeric AS v
            FROM purchase_record p WHERE p.month >= :start AND p.month < :end
            GROUP BY p.client_id
        ), pool AS (
            SELECT c.id AS client_id, bf.id AS fmt_id, bf.code AS fmt_code,
                   COALESCE(a.q, 0) AS q, COALESCE(a.v, 0) AS v
            FROM client c JOIN business_format bf ON bf.id = c.business_format_id
            LEFT JOIN agg a ON a.client_id = c.id
            WHERE c.status = 'active' AND COALESCE(bf.code, '') <> ''
        ), totals AS (
            SELECT pool.*, SUM(q) OVER w AS tq, SUM(v) OVER w AS tv, COUNT(*) OVER w AS n
            FROM pool WINDOW w AS (PARTITION BY fmt_id)
        ), keyed AS (
            SELECT client_id, fmt_id, fmt_code, n,
                   (CASE WHEN tq > 0 THEN q * (CASE WHEN tv > 0 THEN tv ELSE 1 END) ELSE 0 END
                    + CASE WHEN tv > 0 THEN v * (CASE WHEN tq > 0 THEN tq ELSE 1 END) ELSE 0 END) AS num,
                   2 * (CASE WHEN tq > 0 THEN tq ELSE 1 END) * (CASE WHEN tv > 0 THEN tv ELSE 1 END) AS den
            FROM totals
        ), ranked AS (
            SELECT keyed.*, RANK() OVER (PARTITION BY fmt_id ORDER BY num DESC) AS rnk,
                   (20 * n + 50) / 100 AS k
            FROM keyed
        )
        SELECT ROW_NUMBER() OVER (ORDER BY client_id), client_id,
               (div(num * 2 * :scale + den, 2 * den) / :scale)::numeric(24, 12)::text,
               rnk, n,
               CASE WHEN rnk <= k THEN :t1 WHEN rnk > n - k THEN :t3 ELSE :t2 END,
               fmt_code
        FROM ranked
    """), params).rowcount


def sql_annual(conn, target):
    """The annual tier in one statement; mirrors ``rules.tiers.annual_tier`` (inclusive minimums,
    best tier first, the last tier catching the rest) on the scheme's own thresholds."""
    thresholds = annual_thresholds(target)
    params = {"start": target.period.start, "end": target.period.end}
    whens = []
    for i, (code, minimum) in enumerate(thresholds):
        params[f"m{i}"], params[f"t{i}"] = minimum, target.tier_by_code(code)
        whens.append(f"WHEN amt >= :m{i} THEN :t{i}")
    params["last"] = target.tier_by_code(thresholds[-1][0])
    return conn.execute(sa.text(f"""
        INSERT INTO recalc_result (seq, client_id, score, rank, pool_size, tier_id, fmt_code)
        WITH agg AS (
            SELECT p.client_id, SUM(p.amount) AS amt FROM purchase_record p
            WHERE p.month >= :start AND p.month < :end GROUP BY p.client_id
        ), pool AS (
            SELECT c.id AS client_id, COALESCE(a.amt, 0) AS amt
            FROM client c LEFT JOIN agg a ON a.client_id = c.id WHERE c.status = 'active'
        )
        SELECT ROW_NUMBER() OVER (ORDER BY client_id), client_id, amt::numeric(20, 2)::text,
               RANK() OVER (ORDER BY amt DESC), COUNT(*) OVER (),
               CASE {' '.join(whens)} ELSE :last END, NULL
        FROM pool
    """), params).rowcount


def sql_service_level(conn, target):
    """The service level in one statement; mirrors ``python_service_level``: every active client,
    its latest scale as the score, the tier of ``default_service_level(scale)`` (SPEC §3.3,
    ``rules.service_level.DEFAULT_LEVEL_BY_SCALE``), none without a scale. The scale run's
    follow-up (issue #16): reading a million clients into Python only to copy them back was
    most of its time."""
    whens, params = [], {}
    for scale in sorted(DEFAULT_LEVEL_BY_SCALE):
        params[f"t{scale}"] = target.tier_by_code(default_service_level(scale))
        whens.append(f"WHEN {int(scale)} THEN CAST(:t{scale} AS INTEGER)")
    return conn.execute(sa.text(f"""
        INSERT INTO recalc_result (seq, client_id, score, rank, pool_size, tier_id, fmt_code)
        SELECT ROW_NUMBER() OVER (ORDER BY c.id), c.id, CAST(c.scale AS VARCHAR(40)), NULL, NULL,
               CASE c.scale {' '.join(whens)} ELSE NULL END, NULL
        FROM client c WHERE c.status = 'active'
    """), params).rowcount


SQL = {"business_scale": sql_scale, "annual_amount": sql_annual, "service_level": sql_service_level}


def compute(conn, target, method=None):
    """Fill ``recalc_result`` for ``target``; returns (rows, method used)."""
    if method is None:
        method = "sql" if is_postgresql(conn) and target.kind in SQL else "python"
    create_result_table(conn)
    if method == "sql":
        if not is_postgresql(conn) or target.kind not in SQL:
            raise ValueError(f"no SQL computation for {target.kind} on {conn.dialect.name}")
        rows = SQL[target.kind](conn, target)
    else:
        rows = fill_result_table(conn, PYTHON[target.kind](conn, target), ordered=target.kind in ORDERED)
    if is_postgresql(conn):  # temporary tables are never auto-analysed: give the planner real counts
        conn.execute(sa.text("ANALYZE recalc_result"))
    return rows, method


def tier_counts(conn, target):
    """{tier code or None: clients} of the results."""
    code_of = {t.id: t.code for t in target.tiers}
    rows = conn.execute(sa.text("SELECT tier_id, COUNT(*) FROM recalc_result GROUP BY tier_id")).all()
    return dict(Counter({code_of.get(tier_id): n for tier_id, n in rows}))


__all__ = ["Target", "TierRow", "compute", "score_text", "read_result_table"]
