"""Survey sampling rules (SPEC §7; seed 004 Art. 25, seed 002)."""
import math
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.rules import sampling as s


@pytest.mark.parametrize(
    "n, strata, expected",
    [
        (0, 0, 0),
        (1, 1, 1),  # ceil(0.05) = 1
        (19, 1, 1),
        (20, 1, 1),
        (21, 1, 2),  # ceil(1.05) = 2
        (100, 3, 5),
        (101, 3, 6),
        (1000, 4, 50),
        (1000, 60, 60),  # more strata than ceil(5 % × N): one per stratum
        (7, 7, 7),
    ],
)
def test_sample_size_spec_7(n, strata, expected):
    assert s.sample_size(n, Decimal("0.05"), strata) == expected


def test_sample_size_counts_up_from_zero():
    for n in range(0, 200):
        assert s.sample_size(n, "0.05", 1 if n else 0) == max(math.ceil(n * 5 / 100), 1 if n else 0)


def test_sample_size_rejects_bad_input():
    with pytest.raises(ValueError):
        s.sample_size(10, 0, 1)
    with pytest.raises(ValueError):
        s.sample_size(10, "1.5", 1)
    with pytest.raises(ValueError):
        s.sample_size(3, "0.05", 4)


def test_allocation_largest_remainder_worked_example():
    # 3 strata, 10 seats: 1 each, 7 left in proportion 50:30:20 -> 3.5, 2.1, 1.4 -> 3, 2, 1 + 1 to the .5
    alloc = s.allocate({"a": 50, "b": 30, "c": 20}, 10)
    assert dict(alloc) == {"a": 1 + 4, "b": 1 + 2, "c": 1 + 1}
    assert sum(alloc.values()) == 10


def test_allocation_never_exceeds_a_stratum():
    alloc = s.allocate({"big": 97, "one": 1, "two": 2}, 100)
    assert dict(alloc) == {"big": 97, "one": 1, "two": 2}
    alloc = s.allocate({"big": 10, "one": 1}, 10)
    assert alloc["one"] == 1 and alloc["big"] == 9


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.dictionaries(st.text("ABCDEFG", min_size=1, max_size=3), st.integers(0, 300), min_size=1, max_size=25),
    ratio=st.sampled_from(["0.01", "0.05", "0.1", "0.5", "1"]),
)
def test_allocation_sums_and_covers(sizes, ratio):
    non_empty = {k: v for k, v in sizes.items() if v}
    n = sum(non_empty.values())
    size = s.sample_size(n, ratio, len(non_empty))
    alloc = s.allocate(sizes, size)
    assert sum(alloc.values()) == size
    assert set(alloc) == set(non_empty)
    for k, seats in alloc.items():
        assert 1 <= seats <= non_empty[k]


@settings(max_examples=100, deadline=None)
@given(
    strata=st.lists(st.integers(1, 60), min_size=1, max_size=30),
    seed=st.integers(0, 2**62),
)
def test_every_present_stratum_is_sampled(strata, seed):
    members, next_id = {}, 1
    for i, size in enumerate(strata):
        members[f"Z|city_a|{i}"] = list(range(next_id, next_id + size))
        next_id += size
    members["Z|rural|empty"] = []
    chosen, summary = s.draw_sample(members, "0.05", seed)
    n = next_id - 1
    assert "Z|rural|empty" not in chosen
    assert all(len(chosen[k]) >= 1 for k in members if members[k])
    assert sum(len(v) for v in chosen.values()) == max(math.ceil(n * 0.05), len(strata))
    for k, ids in chosen.items():
        assert set(ids) <= set(members[k]) and len(set(ids)) == len(ids)
        assert summary[k] == (len(members[k]), len(ids))


def _population():
    return {f"{f}|{r}|{lv}": list(range(i * 1000, i * 1000 + 40 + 7 * i))
            for i, (f, r, lv) in enumerate((f, r, lv) for f in "ZB" for r in ("city_a", "town") for lv in "ABC")}


def test_same_seed_same_sample_other_seed_other_sample():
    pop = _population()
    a, _ = s.draw_sample(pop, "0.1", 12345)
    b, _ = s.draw_sample({k: list(reversed(v)) for k, v in pop.items()}, "0.1", 12345)  # input order irrelevant
    c, _ = s.draw_sample(pop, "0.1", 54321)
    assert a == b
    assert a != c
    assert [len(v) for v in a.values()] == [len(v) for v in c.values()]  # same allocation


def test_stratum_key_marks_missing_parts():
    assert s.stratum_key("Z", "city_a", "A") == "Z|city_a|A"
    assert s.stratum_key("Z", None, None) == "Z|-|-"


def test_top_purchasers_with_ties_at_rank_n():
    amounts = [(1, 500), (2, 400), (3, 300), (4, 300), (5, 300), (6, 100), (7, 0)]
    assert s.top_purchasers(amounts, 3) == [1, 2, 3, 4, 5]  # ties at rank 3 included
    assert s.top_purchasers(amounts, 2) == [1, 2]
    assert s.top_purchasers(amounts, 10) == [1, 2, 3, 4, 5, 6]  # no purchases: not a top purchaser
    with pytest.raises(ValueError):
        s.top_purchasers(amounts, 0)


def test_round_robin():
    assert s.round_robin(list("abcde"), [10, 20], 0) == [10, 20, 10, 20, 10]
    assert s.round_robin(list("ab"), [10, 20, 30], 2) == [30, 10]
    assert s.round_robin(list("ab"), [], 0) == [None, None]
    assert Counter(s.round_robin(range(9), [1, 2, 3])) == {1: 3, 2: 3, 3: 3}


@pytest.mark.parametrize("kind, period, start, end", [
    ("semiannual", "2026H1", "2026-01-01", "2026-07-01"),
    ("semiannual", "2026h2", "2026-07-01", "2027-01-01"),
    ("top_purchasers", "2026", "2026-01-01", "2027-01-01"),
    ("after_complaint", "2026", "2026-01-01", "2027-01-01"),
])
def test_campaign_periods(kind, period, start, end):
    a, b = s.parse_campaign_period(kind, period)
    assert (a.isoformat(), b.isoformat()) == (start, end)


@pytest.mark.parametrize("kind, period", [
    ("semiannual", "2026"), ("top_purchasers", "2026H1"), ("semiannual", "2026H3"), (None, "26"), (None, ""),
])
def test_bad_campaign_periods(kind, period):
    with pytest.raises(ValueError):
        s.parse_campaign_period(kind, period)


def test_targets_and_rates():
    assert s.campaign_target("semiannual", "supply") == Decimal("0.80")
    assert s.campaign_target("semiannual", "service") == Decimal("0.85")
    assert s.campaign_target("semiannual") == Decimal("0.85")
    assert s.campaign_target("top_purchasers", "supply") == Decimal("1")
    assert s.rate(2, 3) == Decimal("0.6667")
    assert s.rate(0, 0) is None
