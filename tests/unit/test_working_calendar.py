"""SPEC §4 deadlines on the Chinese working-day calendar (backoffice/rules/working_calendar.py).

The 2026 vectors use the State Council's arrangement as ``chinese_calendar`` ships it:
Spring Festival 02-15..02-23 off with make-up Saturdays 02-14 and 02-28; Mid-Autumn 09-25..09-27;
National Day 10-01..10-07 with make-up days Sunday 09-20 and Saturday 10-10.
"""
import datetime as dt

import chinese_calendar
import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.rules.working_calendar import (
    CalendarError,
    WorkingCalendar,
    deadline,
    provisional_days,
)


def official_days():
    days = {}
    for day in chinese_calendar.holidays:
        if day.weekday() < 5:
            days[day] = False
    for day in chinese_calendar.workdays:
        if day.weekday() >= 5:
            days[day] = True
    return days


def calendar_2026_2027():
    days = official_days()
    days.update({d: w for d, (w, _name) in provisional_days(2027, holidays.China(years=2027)).items()})
    return WorkingCalendar(days=days, unconfirmed_years=frozenset({2027}))


CAL = calendar_2026_2027()


def at(text):
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    "registered, unit, amount, due",
    [
        # Across a weekend: Friday -> Monday close of business.
        ("2026-11-27 10:00", "working_days", 1, "2026-11-30 17:30"),
        # Mid-Autumn Festival on Friday 09-25.
        ("2026-09-24 10:00", "working_days", 1, "2026-09-28 17:30"),
        # National Day 10-01..10-07.
        ("2026-09-30 10:00", "working_days", 1, "2026-10-08 17:30"),
        # The make-up Saturday 10-10 is a working day.
        ("2026-10-09 10:00", "working_days", 1, "2026-10-10 17:30"),
        # Spring Festival: make-up Saturday 02-14, then nine days off.
        ("2026-02-13 10:00", "working_days", 1, "2026-02-14 17:30"),
        ("2026-02-13 10:00", "working_days", 2, "2026-02-24 17:30"),
        # Registered on a holiday: the first working day after it.
        ("2026-02-16 11:00", "working_days", 1, "2026-02-24 17:30"),
        # Registered on a Sunday: Monday.
        ("2026-11-29 11:00", "working_days", 1, "2026-11-30 17:30"),
        # Seed 002: a quality complaint's solution within 3 working days.
        ("2026-11-30 09:00", "working_days", 3, "2026-12-03 17:30"),
        # Seed 003 alternative policy: reply within 7 working days: 09-30, 10-08, 10-09, 10-10 (make-up), 10-12..10-14.
        ("2026-09-29 10:00", "working_days", 7, "2026-10-14 17:30"),
        # The same day (seed 002), at the edges of business hours.
        ("2026-11-30 08:59", "same_day", 0, "2026-11-30 17:30"),
        ("2026-11-30 09:00", "same_day", 0, "2026-11-30 17:30"),
        ("2026-11-30 17:29", "same_day", 0, "2026-11-30 17:30"),
        ("2026-11-30 17:30", "same_day", 0, "2026-12-01 17:30"),
        ("2026-11-30 17:31", "same_day", 0, "2026-12-01 17:30"),
        ("2026-10-01 10:00", "same_day", 0, "2026-10-08 17:30"),
        ("2026-10-10 08:00", "same_day", 0, "2026-10-10 17:30"),
        # Clock hours ignore the calendar (seed 000: a reply within 24 hours).
        ("2026-09-30 10:00", "hours", 24, "2026-10-01 10:00"),
        ("2026-11-30 17:31", "hours", 24, "2026-12-01 17:31"),
    ],
)
def test_deadline_vectors(registered, unit, amount, due):
    result = deadline(at(registered), unit, amount, CAL)
    assert result.due_at == at(due)
    assert result.confirmed


def test_working_day_edges_do_not_depend_on_the_hour():
    # "Within N working days" counts from the registration day, whatever the hour (SPEC §4).
    for hour in ("08:59", "09:00", "17:29", "17:30", "17:31"):
        assert deadline(at(f"2026-11-30 {hour}"), "working_days", 1, CAL).due_at == at("2026-12-01 17:30")


def test_2027_is_provisional_but_computed():
    # 1 January 2027 is a statutory holiday every year: a bare Mon-Fri fallback would miss it.
    result = deadline(at("2026-12-31 10:00"), "working_days", 1, CAL)
    assert result.due_at == at("2027-01-04 17:30")
    assert not result.confirmed
    assert deadline(at("2027-02-04 10:00"), "working_days", 1, CAL).due_at == at("2027-02-11 17:30")


def test_provisional_days_add_no_weekend_rows_and_no_make_up_days():
    rows = provisional_days(2027, holidays.China(years=2027))
    assert dt.date(2027, 1, 1) in rows and rows[dt.date(2027, 1, 1)][0] is False
    assert all(day.weekday() < 5 for day in rows)
    assert all(working is False for working, _name in rows.values())


def test_configurable_business_hours():
    cal = WorkingCalendar(days=CAL.days, opens=dt.time(8, 30), closes=dt.time(18, 0))
    assert deadline(at("2026-11-30 17:45"), "same_day", 0, cal).due_at == at("2026-11-30 18:00")
    with pytest.raises(CalendarError):
        WorkingCalendar(opens=dt.time(18, 0), closes=dt.time(9, 0))


@pytest.mark.parametrize("unit, amount", [("working_days", 0), ("working_days", -1), ("hours", 0), ("weeks", 1)])
def test_bad_policies_are_refused(unit, amount):
    with pytest.raises(CalendarError):
        deadline(at("2026-11-30 10:00"), unit, amount, CAL)


def test_a_calendar_without_working_days_is_an_error_not_a_loop():
    start = dt.date(2026, 1, 1)
    closed = WorkingCalendar(days={start + dt.timedelta(days=i): False for i in range(800)})
    with pytest.raises(CalendarError):
        deadline(at("2026-01-01 10:00"), "working_days", 1, closed)


registrations = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 11, 30))
policies = st.one_of(
    st.tuples(st.just("working_days"), st.integers(1, 10)),
    st.tuples(st.just("same_day"), st.just(0)),
    st.tuples(st.just("hours"), st.integers(1, 72)),
)


@settings(max_examples=200, deadline=None)
@given(registrations, policies)
def test_a_deadline_is_never_earlier_than_registration(registered, policy):
    assert deadline(registered, *policy, CAL).due_at > registered


@settings(max_examples=200, deadline=None)
@given(registrations, policies, st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
def test_adding_a_holiday_never_makes_a_deadline_earlier(registered, policy, holiday):
    more = WorkingCalendar(days={**CAL.days, holiday: False}, unconfirmed_years=CAL.unconfirmed_years)
    assert deadline(registered, *policy, more).due_at >= deadline(registered, *policy, CAL).due_at


# -- extensions for the SLA core (issue #12): policy choice, years without rows, term checks ----

from backoffice.rules.working_calendar import PolicyTerms, match_policy, ticket_deadlines, validate_terms  # noqa: E402

POLICIES = [
    PolicyTerms(1, "complaint", None, None, "working_days", 1, "working_days", 1),
    PolicyTerms(2, "complaint", "product", None, "same_day", 1, "working_days", 3),
    PolicyTerms(3, "complaint", "product", "major", "hours", 4, "working_days", 1),
    PolicyTerms(4, "inquiry", None, None, "hours", 24, "hours", 24),
]


@pytest.mark.parametrize("ttype, cls, severity, expected", [
    ("complaint", "own_service", "normal", 1),
    ("complaint", "product", "normal", 2),   # the class is more specific than "any"
    ("complaint", "product", "major", 3),    # class and severity both given
    ("inquiry", None, "major", 4),
    ("suggestion", None, "normal", None),    # no policy: no deadline
])
def test_the_most_specific_policy_applies(ttype, cls, severity, expected):
    found = match_policy(POLICIES, ttype, cls, severity)
    assert (found.id if found else None) == expected
    # the order rows come back in does not matter
    assert match_policy(list(reversed(POLICIES)), ttype, cls, severity) == found


def test_ticket_deadlines_gives_both_terms_from_the_policy():
    # A quality complaint on a holiday (National Day): reported the next working day, solved 3 days on.
    result = ticket_deadlines(POLICIES, CAL, "complaint", "product", "normal", at("2026-10-03 11:00"))
    assert result.policy.id == 2
    assert result.first_response.due_at == at("2026-10-08 17:30")
    assert result.resolution.due_at == at("2026-10-10 17:30")  # 10-08, 10-09, make-up Saturday 10-10
    assert result.confirmed


def test_a_registration_at_the_year_end_warns_for_2027():
    result = ticket_deadlines(POLICIES, CAL, "complaint", "own_service", "normal", at("2026-12-31 16:00"))
    assert result.resolution.due_at == at("2027-01-04 17:30")  # 1 January 2027 is a holiday
    assert not result.confirmed


def test_a_year_without_rows_is_not_confirmed_when_the_known_years_are_given():
    cal = WorkingCalendar(days={dt.date(2026, 10, 1): False}, confirmed_years=frozenset({2026}))
    assert cal.is_confirmed(dt.date(2026, 5, 1))
    assert not cal.is_confirmed(dt.date(2030, 5, 1))
    assert WorkingCalendar().is_confirmed(dt.date(2030, 5, 1))  # no known years given: as before


@pytest.mark.parametrize("unit, amount, problem", [
    ("working_days", 1, None), ("hours", 24, None), ("same_day", 1, None),
    ("working_days", 0, "amount"), ("hours", -3, "amount"), ("same_day", 0, "amount"),
    ("working_days", 1.5, "amount"), ("working_days", None, "amount"), ("weeks", 1, "unit"),
])
def test_policy_terms_are_checked(unit, amount, problem):
    assert validate_terms(unit, amount) == problem
