"""Business scale 1/2/3 (经营规模), ranked within each business format (seed 004 Art. 6 §2, Art. 9).

seed 004 Art. 6: within a business format (该业态),
    score = (q / Σq_format + v / Σv_format) / 2        (q = 卷烟购进量, v = 卷烟购进额)
sorted high to low: first 20 % -> 1 (大), middle 60 % -> 2 (中), last 20 % -> 3 (小).

SPEC §3 [decision] (the source gives percentages only):
* band size ``k = round_half_up(0.2 × N) = (20N + 50) // 100`` at each end, the rest is 2
  (N=1 -> all 2; N=3 -> 1/1/1; N=7 -> 1/5/1; N=8 -> 2/4/2; N=100 -> 20/60/20);
* equal scores get the same code; a tie group straddling a boundary takes the better code;
* a zero total makes that share 0; clients with no purchases rank last with score 0;
* exact arithmetic (Fraction here) so that ties are real ties.

Ranking choice (this module): competition ranking ("1, 2, 2, 4"): a client's rank is 1 + the
number of clients of its pool with a strictly higher score, i.e. the position of the first
member of its tie group. The code follows from that rank alone (see ``scale_code``), which is
what makes the tie rule hold, and lets a SQL job use ``RANK() OVER (...)`` and the same function.

Consequence of the literal tie rule, kept on purpose: a tie group that reaches into the top
band takes code 1 even if it spans the whole pool, so a pool where all scores are equal
(e.g. nobody bought anything in the period) is all 1 as soon as N >= 3 (k >= 1).
"""
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

LARGE, MEDIUM, SMALL = 1, 2, 3  # 大 / 中 / 小


class ClientScale(NamedTuple):
    """One client's result in its pool: exact score, competition rank, pool size N, code 1|2|3."""

    score: Fraction
    rank: int
    pool_size: int
    code: int


@dataclass(frozen=True)
class ScaleResult:
    """``codes``: client id -> ClientScale; ``missing_format``: ids of clients whose rows carry
    no business format (they cannot be ranked and must be reported to the user)."""

    codes: dict = field(default_factory=dict)
    missing_format: tuple = ()


def band_size(n):
    """Number of clients in the top band (code 1) and in the bottom band (code 3) of a pool of n.

    SPEC §3 [decision]: k = round_half_up(0.2 × n) = (20n + 50) // 100 (seed 004 Art. 6: 20/60/20).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("The pool size must be an integer.")
    if n < 0:
        raise ValueError("The pool size cannot be negative.")
    return (20 * n + 50) // 100


def scale_code(rank, pool_size):
    """The scale code of a client whose competition rank is ``rank`` in a pool of ``pool_size``.

    seed 004 Art. 6 with SPEC §3 [decision]: rank <= k -> 1; rank > N - k -> 3; else 2, with
    k = band_size(N). Because equal scores share the rank of their group's first member, a tie
    group straddling a boundary takes the better code (top boundary: 1; bottom boundary: 2).
    """
    if not 1 <= rank <= pool_size:
        raise ValueError("The rank must be between 1 and the pool size.")
    k = band_size(pool_size)
    if rank <= k:
        return LARGE
    if rank > pool_size - k:
        return SMALL
    return MEDIUM


def _exact(value, what, client_id):
    """A non-negative exact Fraction from int, Decimal, Fraction, str or float (via its repr)."""
    if value is None:
        return Fraction(0)  # no purchase recorded = 0 (SPEC §3: no purchases -> score 0)
    if isinstance(value, bool):
        raise TypeError(f"The {what} of client {client_id!r} must be a number.")
    try:
        if isinstance(value, float):
            value = Decimal(repr(value))
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError
        result = Fraction(value)
    except (ValueError, TypeError, ArithmeticError):
        raise ValueError(f"The {what} of client {client_id!r} is not a number: {value!r}.") from None
    if result < 0:
        raise ValueError(f"The {what} of client {client_id!r} cannot be negative.")
    return result


def scale_score(quantity, amount, total_quantity, total_amount):
    """score = (q / Σq + v / Σv) / 2, a zero total making its share 0. seed 004 Art. 6, SPEC §3."""
    q, v = Fraction(quantity), Fraction(amount)
    tq, tv = Fraction(total_quantity), Fraction(total_amount)
    q_share = q / tq if tq else Fraction(0)
    v_share = v / tv if tv else Fraction(0)
    return (q_share + v_share) / 2


_UNSET = object()


def _sorted_ids(ids):
    try:
        return tuple(sorted(ids))
    except TypeError:  # ids of mixed, unorderable types: keep first-seen order
        return tuple(ids)


def _pools(rows):
    """Group rows into pools: {format: {client: [q, v]}} plus the clients without a format.

    A client may have several rows (e.g. one per month of the period); they are summed. All rows
    of a client must name the same format, else ValueError. The format is any hashable pool key
    (a letter, an id, or a (county, format) tuple if the ranking pool is made per county).
    """
    fmt_of = {}
    sums = {}
    for row in rows:
        try:
            client_id, fmt, quantity, amount = row
        except (TypeError, ValueError):
            raise ValueError(
                "Each purchase row must be (client id, business format, quantity, amount)."
            ) from None
        if fmt == "":
            fmt = None
        known = fmt_of.get(client_id, _UNSET)
        if known is _UNSET:
            fmt_of[client_id] = fmt
            sums[client_id] = [Fraction(0), Fraction(0)]
        elif known != fmt:
            raise ValueError(
                f"Client {client_id!r} appears with two business formats: {known!r} and {fmt!r}."
            )
        acc = sums[client_id]
        acc[0] += _exact(quantity, "quantity", client_id)
        acc[1] += _exact(amount, "amount", client_id)
    pools = {}
    missing = []
    for client_id, fmt in fmt_of.items():
        if fmt is None:
            missing.append(client_id)
        else:
            pools.setdefault(fmt, {})[client_id] = sums[client_id]
    return pools, _sorted_ids(missing)


def _pool_scores(members):
    total_q = sum(q for q, _ in members.values())
    total_v = sum(v for _, v in members.values())
    return {cid: scale_score(q, v, total_q, total_v) for cid, (q, v) in members.items()}


def scale_scores(rows):
    """Exact scores per client within its business format. seed 004 Art. 6, SPEC §3.

    ``rows``: iterable of (client_id, format, quantity, amount). Clients with no purchases must
    be passed with quantity 0 and amount 0 so they enter the pool (score 0). Clients without a
    format are left out here; ``scale_codes`` reports them.
    """
    pools, _ = _pools(rows)
    scores = {}
    for members in pools.values():
        scores.update(_pool_scores(members))
    return scores


def _pool_codes(scores):
    n = len(scores)
    first_position = {}
    for position, score in enumerate(sorted(scores.values(), reverse=True), start=1):
        first_position.setdefault(score, position)  # competition rank of each distinct score
    return {
        cid: ClientScale(score, first_position[score], n, scale_code(first_position[score], n))
        for cid, score in scores.items()
    }


def scale_codes(rows):
    """Business scale of every client, ranked within its format. seed 004 Art. 6, SPEC §3.

    Returns ScaleResult(codes={client_id: ClientScale(score, rank, pool_size, code)},
    missing_format=(client ids whose rows had no format, sorted)). Rank: competition ranking,
    1 = best. The result does not depend on the order of ``rows``, and the clients of one
    format never affect another format's codes.
    """
    pools, missing = _pools(rows)
    codes = {}
    for members in pools.values():
        codes.update(_pool_codes(_pool_scores(members)))
    return ScaleResult(codes=codes, missing_format=missing)


__all__ = [
    "LARGE",
    "MEDIUM",
    "SMALL",
    "ClientScale",
    "ScaleResult",
    "band_size",
    "scale_code",
    "scale_score",
    "scale_scores",
    "scale_codes",
]
