import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.rules.scale import (
    ClientScale,
    ScaleResult,
    band_size,
    scale_code,
    scale_codes,
    scale_score,
    scale_scores,
)

WORKED = [  # SPEC §3 / seed 004 §1.4 worked example, format Z
    ("A", "Z", 40, Decimal("2000")),
    ("B", "Z", 30, Decimal("4000")),
    ("C", "Z", 20, Decimal("2500")),
    ("D", "Z", 6, Decimal("1000")),
    ("E", "Z", 4, Decimal("500")),
]

FAST = settings(max_examples=200, deadline=None, database=None)  # no .hypothesis/ in the repo


def codes_of(result):
    return {cid: r.code for cid, r in result.codes.items()}


def band_counts(result):
    counts = Counter(r.code for r in result.codes.values())
    return counts[1], counts[2], counts[3]


# --- band size ---------------------------------------------------------------


@pytest.mark.parametrize(
    "n, k",
    [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1), (5, 1), (7, 1), (8, 2), (10, 2), (12, 2), (13, 3), (100, 20)],
)
def test_band_size(n, k):
    assert band_size(n) == k


def test_band_size_rejects_bad_input():
    with pytest.raises(ValueError):
        band_size(-1)
    with pytest.raises(TypeError):
        band_size(2.5)


def distinct_pool(n, fmt="Z"):
    # strictly decreasing scores: client i buys n - i of both quantity and amount
    return [(f"{fmt}{i}", fmt, n - i, n - i) for i in range(n)]


@pytest.mark.parametrize(
    "n, expected",
    [
        (1, (0, 1, 0)),
        (2, (0, 2, 0)),
        (3, (1, 1, 1)),
        (7, (1, 5, 1)),
        (8, (2, 4, 2)),
        (10, (2, 6, 2)),
        (100, (20, 60, 20)),
    ],
)
def test_band_counts_with_distinct_scores(n, expected):
    assert band_counts(scale_codes(distinct_pool(n))) == expected


def test_n10_ranks_to_codes():
    result = scale_codes(distinct_pool(10))
    by_rank = {r.rank: r.code for r in result.codes.values()}
    assert by_rank == {1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 3, 10: 3}


# --- worked example ----------------------------------------------------------


def test_worked_example_scores_are_exact():
    scores = scale_scores(WORKED)
    assert scores == {
        "A": Fraction("0.300"),
        "B": Fraction("0.350"),
        "C": Fraction("0.225"),
        "D": Fraction("0.080"),
        "E": Fraction("0.045"),
    }
    assert all(isinstance(s, Fraction) for s in scores.values())
    assert sum(scores.values()) == 1


def test_worked_example_codes_ranks_and_pool():
    result = scale_codes(WORKED)
    assert isinstance(result, ScaleResult)
    assert codes_of(result) == {"B": 1, "A": 2, "C": 2, "D": 2, "E": 3}
    assert {cid: r.rank for cid, r in result.codes.items()} == {"B": 1, "A": 2, "C": 3, "D": 4, "E": 5}
    assert {r.pool_size for r in result.codes.values()} == {5}
    assert result.codes["B"] == ClientScale(Fraction(7, 20), 1, 5, 1)
    assert result.missing_format == ()


def test_worked_example_unchanged_by_another_format():
    other = [("X1", "B", 10_000, Decimal("9999999")), ("X2", "B", 0, 0)]
    result = scale_codes(WORKED + other)
    baseline = scale_codes(WORKED)
    for cid in "ABCDE":
        assert result.codes[cid] == baseline.codes[cid]
    assert result.codes["X1"].pool_size == 2
    assert codes_of(result)["X1"] == codes_of(result)["X2"] == 2  # N = 2 -> all 2


def test_single_formula():
    assert scale_score(40, 2000, 100, 10000) == Fraction(3, 10)
    assert scale_score(5, 0, 10, 0) == Fraction(1, 4)  # zero total -> that share is 0
    assert scale_score(0, 0, 0, 0) == 0


# --- edge cases --------------------------------------------------------------


def test_empty_input():
    assert scale_codes([]) == ScaleResult(codes={}, missing_format=())
    assert scale_scores([]) == {}


def test_single_client_is_medium():
    assert codes_of(scale_codes([("only", "Z", 10, 100)])) == {"only": 2}


def test_all_equal_scores_share_a_code():
    # literal tie rule: the group straddles the top boundary, so it takes the better code 1
    rows = [(i, "Z", 5, 50) for i in range(6)]
    result = scale_codes(rows)
    assert set(codes_of(result).values()) == {1}
    assert {r.rank for r in result.codes.values()} == {1}
    # with N <= 2 there is no top band: all 2
    assert set(codes_of(scale_codes(rows[:2])).values()) == {2}


def test_zero_quantity_total_uses_amount_share_only():
    rows = [("a", "Z", 0, 300), ("b", "Z", 0, 100), ("c", "Z", 0, 100)]
    scores = scale_scores(rows)
    assert scores == {"a": Fraction(3, 10), "b": Fraction(1, 10), "c": Fraction(1, 10)}
    # b and c tie at the bottom boundary (positions 2 and 3, k = 1): better code 2
    assert codes_of(scale_codes(rows)) == {"a": 1, "b": 2, "c": 2}


def test_nobody_bought_anything():
    rows = [(i, "Z", 0, 0) for i in range(5)]
    result = scale_codes(rows)
    assert all(r.score == 0 and r.rank == 1 for r in result.codes.values())


def test_clients_without_purchases_rank_last():
    rows = [(f"c{i}", "Z", 10 - i, 100 - i) for i in range(8)]
    rows += [("none1", "Z", 0, 0), ("none2", "Z", None, None)]
    result = scale_codes(rows)
    assert result.codes["none1"].score == result.codes["none2"].score == 0
    assert result.codes["none1"].rank == result.codes["none2"].rank == 9
    assert result.codes["none1"].code == 3  # N = 10, k = 2: positions 9, 10 are the bottom band


def test_tie_straddling_bottom_boundary_takes_better_code():
    # N = 10, k = 2; positions 8, 9, 10 tied: the group starts at 8 <= N - k -> code 2
    rows = [(f"c{i}", "Z", 100 - i, 100 - i) for i in range(7)] + [(f"t{i}", "Z", 1, 1) for i in range(3)]
    result = scale_codes(rows)
    assert {result.codes[f"t{i}"].code for i in range(3)} == {2}
    assert {result.codes[f"t{i}"].rank for i in range(3)} == {8}
    assert band_counts(result) == (2, 8, 0)


def test_tie_straddling_top_boundary_takes_better_code():
    # N = 10, k = 2; positions 2 and 3 tied -> both 1; competition ranks 1, 2, 2, 4
    rows = [("top", "Z", 100, 100), ("t1", "Z", 50, 50), ("t2", "Z", 50, 50)] + [
        (f"c{i}", "Z", 10 - i, 10 - i) for i in range(7)
    ]
    result = scale_codes(rows)
    assert result.codes["t1"].code == result.codes["t2"].code == 1
    assert (result.codes["top"].rank, result.codes["t1"].rank, result.codes["c0"].rank) == (1, 2, 4)
    assert band_counts(result) == (3, 5, 2)


def test_tie_entirely_inside_bottom_band():
    rows = [(f"c{i}", "Z", 100 - i, 100 - i) for i in range(8)] + [("b1", "Z", 1, 1), ("b2", "Z", 1, 1)]
    result = scale_codes(rows)
    assert result.codes["b1"].code == result.codes["b2"].code == 3


def test_exact_ties_that_floats_would_miss():
    # 1/3 + 1/6 vs 1/2: equal exactly, and Decimal amounts with cents
    rows = [
        ("p", "Z", 1, Decimal("0.10")),
        ("q", "Z", 1, Decimal("0.20")),
        ("r", "Z", 1, Decimal("0.30")),
    ]
    scores = scale_scores(rows)
    assert scores["p"] + scores["q"] + scores["r"] == 1
    assert scores["r"] == Fraction(1, 3) / 2 + Fraction(1, 2) / 2


def test_several_rows_per_client_are_summed():
    monthly = [("A", "Z", 20, 1000), ("A", "Z", 20, Decimal("1000"))] + WORKED[1:]
    assert scale_codes(monthly) == scale_codes(WORKED)


def test_missing_format_is_reported_not_dropped():
    rows = WORKED + [("M1", None, 100, 100), ("M2", "", 5, 5), ("M1", None, 1, 1)]
    result = scale_codes(rows)
    assert result.missing_format == ("M1", "M2")
    assert "M1" not in result.codes and "M2" not in result.codes
    assert codes_of(result) == codes_of(scale_codes(WORKED))
    assert "M1" not in scale_scores(rows)


def test_conflicting_formats_rejected():
    with pytest.raises(ValueError):
        scale_codes([("A", "Z", 1, 1), ("A", "B", 1, 1)])
    with pytest.raises(ValueError):
        scale_codes([("A", "Z", 1, 1), ("A", None, 1, 1)])


@pytest.mark.parametrize("bad", [-1, Decimal("-0.01"), "x", float("nan"), Decimal("Infinity"), True])
def test_bad_numbers_rejected(bad):
    with pytest.raises((ValueError, TypeError)):
        scale_codes([("A", "Z", bad, 1)])


def test_malformed_row_rejected():
    with pytest.raises(ValueError):
        scale_codes([("A", "Z", 1)])


def test_scale_code_bounds():
    assert scale_code(1, 1) == 2
    with pytest.raises(ValueError):
        scale_code(0, 5)
    with pytest.raises(ValueError):
        scale_code(6, 5)


def test_pool_key_can_be_a_tuple():
    # e.g. a ranking pool per (county, format)
    rows = [(i, ("county1", "Z"), i + 1, i + 1) for i in range(5)]
    rows += [(10 + i, ("county2", "Z"), 1, 1) for i in range(5)]
    result = scale_codes(rows)
    assert band_counts(result) == (1 + 5, 3, 1)


# --- properties --------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=50)
formats = st.sampled_from(["Z", "B", "S"])


@st.composite
def pools(draw, fmt_strategy=formats, max_size=40):
    n = draw(st.integers(min_value=0, max_value=max_size))
    return [(i, draw(fmt_strategy), draw(amounts), draw(amounts)) for i in range(n)]


@FAST
@given(st.lists(st.integers(min_value=1, max_value=10**9), unique=True, max_size=120))
def test_property_band_counts_follow_rule_when_scores_distinct(values):
    rows = [(i, "Z", v, v) for i, v in enumerate(values)]
    result = scale_codes(rows)
    n = len(values)
    k = band_size(n)
    assert band_counts(result) == (k, n - 2 * k, k)
    assert sorted(r.rank for r in result.codes.values()) == list(range(1, n + 1))


@FAST
@given(pools())
def test_property_equal_scores_share_a_code_and_order_is_respected(rows):
    result = scale_codes(rows)
    by_format = {}
    for cid, fmt, _, _ in rows:
        by_format.setdefault(fmt, []).append(result.codes[cid])
    for members in by_format.values():
        n = len(members)
        k = band_size(n)
        for a in members:
            assert a.pool_size == n
            assert a.rank == 1 + sum(b.score > a.score for b in members)
            for b in members:
                if a.score == b.score:
                    assert a.code == b.code
                elif a.score > b.score:
                    assert a.code <= b.code
        counts = Counter(m.code for m in members)
        assert counts[1] >= k and counts[3] <= k  # ties only ever move clients to the better code


@FAST
@given(pools(fmt_strategy=st.just("Z")), pools(fmt_strategy=st.sampled_from(["B", "S"])))
def test_property_other_formats_never_change_a_format(z_rows, other_rows):
    other_rows = [(f"o{cid}", fmt, q, v) for cid, fmt, q, v in other_rows]
    alone = scale_codes(z_rows).codes
    mixed = scale_codes(z_rows + other_rows).codes
    assert {cid: mixed[cid] for cid in alone} == alone


@FAST
@given(pools(), st.randoms(use_true_random=False))
def test_property_input_order_does_not_matter(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert scale_codes(shuffled) == scale_codes(rows)


@FAST
@given(pools())
def test_property_scores_of_a_format_sum_to_one_when_both_totals_positive(rows):
    scores = scale_scores(rows)
    for fmt in {r[1] for r in rows}:
        members = [r for r in rows if r[1] == fmt]
        total = sum(scores[r[0]] for r in members)
        tq, tv = sum(r[2] for r in members), sum(r[3] for r in members)
        assert total == (Fraction(int(tq > 0)) + Fraction(int(tv > 0))) / 2


def test_large_pool_is_fast_enough():
    rnd = random.Random(4)
    rows = [
        (i, rnd.choice("ZBS"), rnd.randint(0, 5000), Decimal(rnd.randint(0, 10**7)) / 100)
        for i in range(20_000)
    ]
    result = scale_codes(rows)
    assert len(result.codes) == 20_000
