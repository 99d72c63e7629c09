"""KPI arithmetic (backoffice/rules/kpi.py): seed 004 worked example 12-13, zero denominators."""
import datetime as dt
from decimal import Decimal

from backoffice.rules import kpi


def test_seed_004_example_12_callback_rate_and_outcome_satisfaction():
    # 100 closed complaints, 94 called back -> 94 % fails (>= 95 %); 95 passes.
    assert kpi.rate(94, 100) == Decimal("0.94") and kpi.meets(kpi.rate(94, 100), kpi.CALLBACK_TARGET) is False
    assert kpi.meets(kpi.rate(95, 100), kpi.CALLBACK_TARGET) is True
    # Of 95 callbacks, 80 satisfied -> 84.2 % fails (>= 85 %); 81 -> 85.3 % passes.
    assert kpi.percent(kpi.rate(80, 95)) == "84.2" and kpi.meets(kpi.rate(80, 95), kpi.OUTCOME_TARGET) is False
    assert kpi.percent(kpi.rate(81, 95)) == "85.3" and kpi.meets(kpi.rate(81, 95), kpi.OUTCOME_TARGET) is True


def test_seed_004_example_13_supply_threshold_inclusive():
    assert kpi.meets(Decimal("0.799"), kpi.SUPPLY_TARGET) is False
    assert kpi.meets(Decimal("0.800"), kpi.SUPPLY_TARGET) is True


def test_zero_denominators_give_no_data_never_an_error():
    assert kpi.rate(0, 0) is None and kpi.rate(5, 0) is None and kpi.rate(None, 3) is None
    assert kpi.meets(None, kpi.CALLBACK_TARGET) is None
    assert kpi.percent(None) is None
    f = kpi.figures(kpi.Counts())
    assert (f.callback_rate, f.outcome_satisfaction, f.on_time_rate, f.visit_coverage) == (None, None, None, None)
    assert (f.callback_ok, f.outcome_ok, f.coverage_ok) == (None, None, None)
    assert kpi.mix({}, kpi.SERVICE_LEVELS) == [("A", 0, None), ("B", 0, None), ("C", 0, None)]


def test_figures_from_counts():
    c = kpi.Counts(complaints_closed=20, complaints_called_back=19, callbacks=19, callbacks_satisfied=17,
                   fed_back_with_deadline=10, fed_back_on_time=9, clients_owned=40, clients_visited=40)
    f = kpi.figures(c)
    assert f.callback_rate == Decimal("0.95") and f.callback_ok is True
    assert f.outcome_satisfaction == Decimal("0.8947") and f.outcome_ok is True
    assert f.on_time_rate == Decimal("0.9")
    assert f.visit_coverage == Decimal("1") and f.coverage_ok is True


def test_counts_of_a_subtree_add_up_including_the_mixes():
    a = kpi.Counts(tickets_registered=2, service_level={"A": 1, "none": 1}, by_type={"complaint": 2})
    b = kpi.Counts(tickets_registered=3, service_level={"A": 2, "C": 1})
    t = kpi.total([a, b])
    assert t.tickets_registered == 5 and t.service_level == {"A": 3, "C": 1, "none": 1}
    assert t.by_type == {"complaint": 2}
    assert kpi.mix(t.service_level, kpi.SERVICE_LEVELS) == [
        ("A", 3, Decimal("0.6")), ("B", 0, Decimal("0")), ("C", 1, Decimal("0.2")), ("none", 1, Decimal("0.2"))]


def test_months():
    assert kpi.parse_month("2026-10") == dt.date(2026, 10, 1)
    assert kpi.parse_month("2026-13") is None and kpi.parse_month("x") is None and kpi.parse_month(None) is None
    months = kpi.previous_months(dt.date(2026, 3, 15), 12)
    assert months[0] == dt.date(2025, 4, 1) and months[-1] == dt.date(2026, 3, 1) and len(months) == 12
    assert kpi.next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)


def test_satisfied_means_satisfied_or_basically_satisfied():
    assert set(kpi.SATISFIED_RESULTS) == {"satisfied", "basically"}
