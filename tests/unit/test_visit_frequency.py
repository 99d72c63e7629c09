"""Rule vectors for visit frequency and compliance (SPEC §5; backoffice/rules/visit_frequency.py)."""
import datetime as dt
from fractions import Fraction

from backoffice.rules import visit_frequency as f

D = dt.date
FEB_2027 = D(2027, 2, 1)  # 28 days, starts on a Monday: four whole weeks inside the month
DEC_2026 = D(2026, 12, 1)  # Tuesday 1 December; Thursday 31 December


def days(month, *numbers):
    return [D(month.year, month.month, n) for n in numbers]


def test_weeks_of_a_month_are_those_holding_its_thursday():
    weeks = f.weeks_of_month(DEC_2026)
    assert [w.start for w in weeks] == [D(2026, 11, 30), D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21),
                                        D(2026, 12, 28)]
    assert weeks[-1].end == D(2027, 1, 3)
    # November 2026 starts on a Sunday: the week of 26 October (Thursday 29 Oct) is October's.
    nov = f.weeks_of_month(D(2026, 11, 1))
    assert nov[0].start == D(2026, 11, 2) and nov[-1].start == D(2026, 11, 23)
    # Every week belongs to exactly one month: November's last week ends the day before December's first.
    assert nov[-1].end + dt.timedelta(days=1) == weeks[0].start


def test_a_week_straddling_the_boundary_counts_its_days_in_the_other_month():
    # A visit on Monday 30 November satisfies December's first week.
    visits = [D(2026, 11, 30), D(2026, 12, 8), D(2026, 12, 15), D(2026, 12, 22), D(2026, 12, 29)]
    assert f.meets_frequency(7, DEC_2026, visits)
    # ... and not November's: the week of 30 Nov is December's, November's last is 23–29 Nov.
    nov = f.missed_periods(7, D(2026, 11, 1), [D(2026, 11, 30)])
    assert [p.start for p in nov] == [D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16), D(2026, 11, 23)]
    # A visit on 3 January 2027 still counts for December's last week (28 Dec – 3 Jan).
    assert not f.missed_periods(7, DEC_2026, visits[:-1] + [D(2027, 1, 3)])


def test_a_client_visited_only_in_weeks_1_and_3_is_not_compliant():
    visits = days(FEB_2027, 2, 16)  # weeks of 1 and 15 February
    assert not f.meets_frequency(7, FEB_2027, visits)
    assert [p.start for p in f.missed_periods(7, FEB_2027, visits)] == [D(2027, 2, 8), D(2027, 2, 22)]
    assert f.meets_frequency(7, FEB_2027, days(FEB_2027, 2, 9, 16, 23))


def test_c_client_days_3_and_17_of_a_28_day_month_is_compliant():
    assert f.meets_frequency(14, FEB_2027, days(FEB_2027, 3, 17))


def test_c_client_days_1_and_14_only_is_not_compliant():
    assert not f.meets_frequency(14, FEB_2027, days(FEB_2027, 1, 14))
    assert f.missed_periods(14, FEB_2027, days(FEB_2027, 1, 14)) == [f.Period(D(2027, 2, 15), D(2027, 2, 28))]


def test_two_week_blocks_of_a_31_day_month():
    assert f.blocks_of_month(DEC_2026) == [f.Period(D(2026, 12, 1), D(2026, 12, 14)),
                                           f.Period(D(2026, 12, 15), D(2026, 12, 31))]
    assert f.meets_frequency(14, DEC_2026, days(DEC_2026, 14, 31))


def test_no_interval_needs_one_visit_in_the_month():
    assert f.meets_frequency(None, FEB_2027, days(FEB_2027, 28))
    assert not f.meets_frequency(None, FEB_2027, [D(2027, 3, 1)])


def test_coverage_99_of_100_fails_the_target():
    rate = f.coverage(99, 100)
    assert rate == Fraction(99, 100) and f.percent(rate) == "99.0"
    assert not f.meets_coverage(rate)
    assert f.meets_coverage(f.coverage(100, 100))
    assert f.coverage(0, 0) is None and not f.meets_coverage(None)


def test_distinct_clients_target_is_20():
    assert not f.meets_distinct_target(19) and f.meets_distinct_target(20)
    c = f.Compliance(owned=30, visited=30, below_frequency=0, distinct_visited=19, planned=10, done=9)
    assert c.coverage_ok and not c.distinct_ok


def test_due_dates_start_inside_the_month():
    assert f.due_dates(7, DEC_2026) == [D(2026, 12, 1), D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21),
                                        D(2026, 12, 28)]
    assert f.due_dates(14, DEC_2026) == [D(2026, 12, 1), D(2026, 12, 15)]
    assert f.due_dates(None, DEC_2026) == [D(2026, 12, 1)]


def test_counted_periods_agree_with_the_day_rule():
    for visits in (days(FEB_2027, 2, 16), days(FEB_2027, 2, 9, 16, 23), []):
        counted = len({i for i, p in enumerate(f.weeks_of_month(FEB_2027)) for d in visits if p.holds(d)})
        assert f.meets_period_count(len(f.weeks_of_month(FEB_2027)), counted) == f.meets_frequency(7, FEB_2027, visits)
