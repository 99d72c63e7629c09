"""The spellings and ranges behind "code starts with" (backoffice/code_search.py)."""
from backoffice.code_search import MAX_LETTERS, prefix_range, spellings


def test_every_case_spelling_of_the_letters_and_none_for_digits():
    assert spellings("L00") == ["L00", "l00"]
    assert spellings("410") == ["410"]
    assert spellings("aB1") == ["AB1", "Ab1", "aB1", "ab1"]
    assert spellings("客户1") == ["客户1"]  # Han characters have no case


def test_too_many_letters_keeps_the_ilike_alone():
    assert spellings("A" * MAX_LETTERS) is not None
    assert spellings("A" * (MAX_LETTERS + 1)) is None


def test_the_range_holds_exactly_the_codes_beginning_with_the_prefix():
    low, high = prefix_range("L00")
    assert (low, high) == ("L00", "L01")
    codes = ["L0", "L00", "L000001", "L00ZZZ", "L01", "L010", "l00", "M"]
    assert [c for c in codes if low <= c < high] == [c for c in codes if c.startswith("L00")]
    assert prefix_range("A9") == ("A9", "A:")
