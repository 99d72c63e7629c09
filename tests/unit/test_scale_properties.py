"""Property-based tests of the business-scale rule (seed 004 Art. 6, SPEC §3.2 [decision]).

Hypothesis generates pools; the properties are the ones the SPEC states:
* band sizes follow k = round_half_up(0.2 × N) = (20N + 50) // 100 at each end (distinct scores);
* equal scores always share a code, and a better score never gets a worse code;
* clients of another format never change a format's codes;
* the order of the input rows (and splitting a client's purchases over several rows) does not matter.
"""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.rules.scale import LARGE, MEDIUM, SMALL, band_size, scale_codes, scale_score

FORMATS = st.sampled_from(["Z", "B", "S"])
# Few distinct values: ties are frequent, zero totals happen.
SMALL_QTY = st.integers(min_value=0, max_value=4)
SMALL_AMOUNT = st.sampled_from([Decimal("0"), Decimal("100.00"), Decimal("250.50"), Decimal("999.99")])


def round_half_up_fifth(n):
    """An independent oracle for k: 0.2 × n rounded half up, in decimal arithmetic."""
    return int((Decimal(n) * Decimal("0.2")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@st.composite
def pools(draw, min_size=1, max_size=60):
    """Rows (client id, format, quantity, amount) for distinct clients over a few formats."""
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    return [(i, draw(FORMATS), draw(SMALL_QTY), draw(SMALL_AMOUNT)) for i in range(n)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=400, unique=True))
def test_band_counts_follow_the_rule_for_distinct_scores(quantities):
    n = len(quantities)
    k = band_size(n)
    assert k == (20 * n + 50) // 100 == round_half_up_fifth(n)
    # Distinct quantities and no amounts: distinct scores (the amount total is 0, its share 0).
    result = scale_codes([(i, "Z", q, 0) for i, q in enumerate(quantities)])
    codes = [cs.code for cs in result.codes.values()]
    assert codes.count(LARGE) == k
    assert codes.count(SMALL) == k
    assert codes.count(MEDIUM) == n - 2 * k
    # and they are the right clients: the k largest are 1, the k smallest are 3
    order = sorted(range(n), key=lambda i: -quantities[i])
    assert all(result.codes[i].code == LARGE for i in order[:k])
    assert all(result.codes[i].code == SMALL for i in order[n - k:])


@given(st.integers(min_value=0, max_value=100_000))
def test_band_size_is_round_half_up_of_a_fifth(n):
    assert band_size(n) == round_half_up_fifth(n)
    assert 2 * band_size(n) <= max(n, 1)  # the two ends never overlap


@settings(max_examples=300, deadline=None)
@given(pools())
def test_equal_scores_share_a_code_and_better_scores_never_get_worse_codes(rows):
    result = scale_codes(rows)
    fmt = {cid: f for cid, f, _q, _v in rows}
    items = list(result.codes.items())
    for a, sa_ in items:
        for b, sb in items:
            if fmt[a] != fmt[b]:
                continue
            if sa_.score == sb.score:
                assert (sa_.code, sa_.rank) == (sb.code, sb.rank)
            elif sa_.score > sb.score:
                assert sa_.code <= sb.code and sa_.rank < sb.rank


@settings(max_examples=200, deadline=None)
@given(pools(), pools(min_size=0))
def test_clients_of_another_format_never_change_a_formats_codes(rows, others):
    mine = [(("z", cid), "Z", q, v) for cid, _f, q, v in rows]
    noise = [(("o", cid), f, q, v) for cid, f, q, v in others if f != "Z"]
    alone = scale_codes(mine).codes
    together = scale_codes(mine + noise).codes
    assert {cid: together[cid] for cid in alone} == alone


@settings(max_examples=200, deadline=None)
@given(pools(), st.randoms(use_true_random=False))
def test_the_order_of_rows_and_split_purchases_do_not_matter(rows, rnd):
    expected = scale_codes(rows)
    split = []
    for cid, f, q, v in rows:  # the same purchases as one row per month
        q1 = rnd.randint(0, q)
        v1 = (v * rnd.choice([0, 1, 2])) / 2
        split += [(cid, f, q1, v1), (cid, f, q - q1, v - v1)]
    rnd.shuffle(split)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert scale_codes(shuffled) == expected
    assert scale_codes(split) == expected


@settings(deadline=None)
@given(pools())
def test_scores_are_the_exact_formula(rows):
    result = scale_codes(rows)
    for fmt in {f for _c, f, _q, _v in rows}:
        members = [(c, q, v) for c, f, q, v in rows if f == fmt]
        tq = sum(q for _c, q, _v in members)
        tv = sum(Fraction(v) for _c, _q, v in members)
        for c, q, v in members:
            assert result.codes[c].score == scale_score(q, v, tq, tv)
            assert result.codes[c].pool_size == len(members)
