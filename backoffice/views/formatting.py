"""Re-export: display formatting lives in ``backoffice.formatting`` so the change log needs no view (issue #10)."""
from backoffice.formatting import (  # noqa: F401
    blank_if_none, choice_label, column_formatter, date, date_time, formatters_for, money, number, percent, plain,
    yes_no,
)
