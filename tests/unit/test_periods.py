import datetime as dt

import pytest

from backoffice.rules.periods import (
    PeriodError,
    Quarter,
    Year,
    is_future,
    parse_period,
    parse_quarter,
    parse_year,
    previous_quarter,
    previous_year,
    quarter_of,
)

D = dt.date


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2026Q1", D(2026, 1, 1), D(2026, 4, 1)),
        ("2026Q2", D(2026, 4, 1), D(2026, 7, 1)),
        ("2026Q3", D(2026, 7, 1), D(2026, 10, 1)),
        ("2026Q4", D(2026, 10, 1), D(2027, 1, 1)),
        (" 2026q3 ", D(2026, 7, 1), D(2026, 10, 1)),
    ],
)
def test_parse_quarter(text, start, end):
    quarter = parse_quarter(text)
    assert (quarter.start, quarter.end) == (start, end)
    assert str(quarter) == text.strip().upper()


def test_parse_quarter_accepts_full_width_input():
    assert parse_quarter("２０２６Ｑ３") == Quarter(2026, 3)


@pytest.mark.parametrize(
    "text", ["2026Q5", "2026Q0", "26Q1", "2026-3", "2026", "Q3", "2026Q", "2026Q33", "", "2026Q١", "1899Q4"]
)
def test_parse_quarter_rejects(text):
    with pytest.raises(PeriodError) as info:
        parse_quarter(text)
    assert isinstance(info.value, ValueError)
    assert str(info.value).endswith(".")


def test_parse_quarter_rejects_non_text():
    with pytest.raises(PeriodError):
        parse_quarter(20263)


def test_parse_year():
    year = parse_year("2026")
    assert year == Year(2026)
    assert (year.start, year.end) == (D(2026, 1, 1), D(2027, 1, 1))
    assert str(year) == "2026"


@pytest.mark.parametrize("text", ["26", "20261", "2026Q1", "year", "", "-2026", "9999"])
def test_parse_year_rejects(text):
    with pytest.raises(PeriodError):
        parse_year(text)


def test_parse_period_dispatches():
    assert parse_period("2026Q3") == Quarter(2026, 3)
    assert parse_period("2026") == Year(2026)
    with pytest.raises(PeriodError):
        parse_period("2026-07")


def test_quarter_constructor_validates():
    with pytest.raises(PeriodError):
        Quarter(2026, 5)


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 1, 1), Quarter(2025, 4)),  # across the year boundary
        (D(2026, 3, 31), Quarter(2025, 4)),
        (D(2026, 4, 1), Quarter(2026, 1)),
        (D(2026, 11, 22), Quarter(2026, 3)),
        (D(2026, 12, 31), Quarter(2026, 3)),
    ],
)
def test_previous_quarter(day, expected):
    assert previous_quarter(day) == expected
    assert not previous_quarter(day).contains(day)
    assert quarter_of(day).contains(day)


def test_previous_year():
    assert previous_year(D(2027, 1, 1)) == Year(2026)
    assert previous_year(D(2026, 12, 31)) == Year(2025)


def test_is_future_running_quarter_is_not_complete():
    q3 = Quarter(2026, 3)
    assert is_future(q3, D(2026, 7, 1))  # first day
    assert is_future(q3, D(2026, 9, 30))  # last day: not ended yet
    assert not is_future(q3, D(2026, 10, 1))  # ended
    assert is_future(Quarter(2027, 1), D(2026, 11, 22))  # yet to start
    assert not is_future(previous_quarter(D(2026, 11, 22)), D(2026, 11, 22))


def test_is_future_year_and_datetime():
    assert is_future(Year(2026), dt.datetime(2026, 12, 31, 23, 59))
    assert not is_future(Year(2026), D(2027, 1, 1))
    assert not is_future(previous_year(D(2027, 1, 1)), D(2027, 1, 1))


def test_periods_are_ordered_and_hashable():
    assert Quarter(2025, 4) < Quarter(2026, 1)
    assert len({parse_quarter("2026Q1"), Quarter(2026, 1)}) == 1
