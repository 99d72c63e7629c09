"""Monthly ranking and the Last-place warning (SPEC §6): rules/appraisal_ranking.py."""
import datetime as dt
from decimal import Decimal

from backoffice.rules.appraisal_ranking import competition_ranks, flagged, last_keys, previous_month

AUG, SEP, OCT = dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranks = competition_ranks({"a": Decimal("90"), "b": Decimal("90"), "c": Decimal("80"), "d": None})
    assert ranks == {"a": 1, "b": 1, "c": 3}


def test_tied_last_are_all_last_and_a_single_or_all_tied_group_has_no_last():
    assert last_keys(competition_ranks({"a": 90, "b": 70, "c": 70})) == {"b", "c"}
    assert last_keys(competition_ranks({"a": 90})) == set()
    assert last_keys(competition_ranks({"a": 80, "b": 80})) == set()


def test_last_in_aug_sep_oct_is_flagged():
    history = {AUG: {"x"}, SEP: {"x", "y"}, OCT: {"x"}}
    assert flagged(history, OCT) == {"x"}


def test_last_in_aug_and_oct_only_is_not_flagged():
    assert flagged({AUG: {"x"}, SEP: {"y"}, OCT: {"x"}}, OCT) == set()
    assert flagged({AUG: {"x"}, OCT: {"x"}}, OCT) == set()  # no ranking in September breaks it too


def test_previous_month_crosses_the_year():
    assert previous_month(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)
