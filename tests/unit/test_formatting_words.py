"""Months, periods and scores as a person reads them (backoffice/formatting.py, issue #11).
Outside a request flask_babel answers in English (the msgids); the Chinese forms are checked
through the screens (tests/integration/test_job_words.py, test_display.py)."""
import datetime as dt
from decimal import Decimal

import backoffice.models  # noqa: F401,I001  (the app imports formatting through the models)
from backoffice.formatting import month, money, period, score


def test_month_without_its_day():
    assert month(dt.date(2026, 10, 1)) == "2026-10"
    assert month(None) == ""


def test_periods():
    assert period("2026Q3") == "Q3 2026"
    assert period("2026H2") == "Second half of 2026"
    assert period("2026") == "Year 2026"
    assert period("2026-10") == "2026-10"
    assert period("whatever") == "whatever"


def test_scores_round_to_four_decimals():
    assert score("0.104448768638") == "0.1044"
    assert score("12") == "12"
    assert score("1234.56789") == "1,234.5679"
    assert score("n/a") == "n/a"
    assert score(None) == ""


def test_money():
    assert money(Decimal("1234.5")) == "¥1,234.50"
