"""The ticket list's deadline filters and badge (issue #12, SPEC §4). Presentation only: what is
overdue, due today or this week is ``rules/sla_overdue.py``, in SQL ``services/sla_scan.py``
(the same clauses the escalation scan uses).

Filters. FAB's own URL filters on the ``due_at`` column, after its four date-time filters
(equal, greater, smaller, not equal), so a link can say it in FAB's ``_flt_<index>_<column>``
form (the value is ignored; FAB's search widget lists them under the deadline column too)::

    /ticketview/list/?_flt_4_due_at=1    overdue: a deadline still awaited has passed
    /ticketview/list/?_flt_5_due_at=1    due today: not overdue, due before the end of the business day
    /ticketview/list/?_flt_6_due_at=1    due this week: not overdue, due before the end of its week

"Today" is the business day on the working-day calendar (today, or on a day off the next
working day), in the business time zone. ``deadline_list_url("overdue")`` builds the link (for
the home pages), so nobody has to remember the indexes.

Badge. The ``deadline`` column (list, phone card, record page) shows the earliest deadline still
awaited as red "overdue", amber "due today" or green "on time", with the provisional calendar's
⚠ when the deadline rests on a year whose official arrangement is not confirmed. It is computed
by ``DeadlineInterface`` (FAB's SQLAInterface, telling each row its deadline state) from one
reading of the clock and the calendar per page.
"""
from dataclasses import dataclass
from typing import Optional

from flask import url_for
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from backoffice.rules import sla_overdue as rules
from backoffice.services.sla_scan import deadline_bounds, due_before_clause, overdue_clause

DEADLINE_COLUMN = "deadline"  # the badge's column name (not a table column)
FILTER_COLUMN = "due_at"
DEADLINE_LABEL = _l("Deadline status")


class FilterOverdue(BaseFilter):
    name = _l("Overdue")
    arg_name = "deadline_overdue"

    def apply(self, query, value):
        now, _day_end, _week_end = deadline_bounds()
        return query.filter(overdue_clause(now))


class FilterDueToday(BaseFilter):
    name = _l("Due today")
    arg_name = "deadline_today"

    def apply(self, query, value):
        now, day_end, _week_end = deadline_bounds()
        return query.filter(due_before_clause(now, day_end))


class FilterDueThisWeek(BaseFilter):
    name = _l("Due this week")
    arg_name = "deadline_week"

    def apply(self, query, value):
        now, _day_end, week_end = deadline_bounds()
        return query.filter(due_before_clause(now, week_end))


DEADLINE_FILTERS = {rules.OVERDUE: FilterOverdue, rules.TODAY: FilterDueToday, rules.WEEK: FilterDueThisWeek}


class DeadlineFilterConverter(SQLAFilterConverter):
    """FAB's filters for each column, plus the three deadline filters on ``due_at``."""

    def convert(self, col_name):
        filters = super().convert(col_name) or []
        if col_name == FILTER_COLUMN:
            filters = filters + [cls(col_name, self.datamodel) for cls in DEADLINE_FILTERS.values()]
        return filters


def filter_index(which):
    """The ``_flt_<index>_due_at`` index of a deadline filter (after FAB's date-time filters)."""
    for test, classes in SQLAFilterConverter.conversion_table:
        if test == "is_datetime":
            return len(classes) + list(DEADLINE_FILTERS).index(which)
    raise LookupError("FAB has no date-time filters")


def deadline_list_url(which, endpoint="TicketView.list"):
    """The ticket list filtered to ``which`` (overdue / today / week), e.g. for a home page's link."""
    return url_for(endpoint, **{f"_flt_{filter_index(which)}_{FILTER_COLUMN}": "1"})


@dataclass(frozen=True)
class DeadlineState:
    band: Optional[str]  # rules.sla_overdue band, None when nothing is awaited
    provisional: bool

    LABELS = {rules.OVERDUE: _l("Overdue"), rules.TODAY: _l("Due today"), rules.WEEK: _l("On time"),
              rules.LATER: _l("On time")}

    def __str__(self):
        return str(self.LABELS[self.band]) if self.band else ""


def deadline_state(ticket, now, day_end, week_end):
    return DeadlineState(
        rules.band(ticket.status, ticket.first_response_due_at, ticket.due_at, now, day_end, week_end),
        bool(ticket.due_provisional),
    )


def deadline_badge(state):
    """The badge of one ticket (``formatters_columns["deadline"]``)."""
    if not isinstance(state, DeadlineState) or state.band is None:
        return ""
    css = {rules.OVERDUE: "overdue", rules.TODAY: "today"}.get(state.band, "ok")
    html = f'<span class="bo-deadline bo-deadline-{css}" data-deadline="{state.band}">{escape(str(state))}</span>'
    if state.provisional:
        warning = _("Deadline counted on a provisional calendar: the official holiday arrangement is not confirmed yet.")
        html += f'<span class="bo-deadline-warn" title="{escape(warning)}">{escape(_("⚠ not confirmed"))}</span>'
    return Markup(html)


class DeadlineInterface(SQLAInterface):
    """FAB's interface for tickets, with the deadline filters and the ``deadline`` column."""

    filter_converter_class = DeadlineFilterConverter

    def get_values(self, lst, list_columns):
        if DEADLINE_COLUMN not in list_columns:
            yield from super().get_values(lst, list_columns)
            return
        items = list(lst)
        bounds = deadline_bounds()
        others = [c for c in list_columns if c != DEADLINE_COLUMN]
        for item, row in zip(items, super().get_values(items, others)):
            row[DEADLINE_COLUMN] = deadline_state(item, *bounds)
            yield row

    def get_values_item(self, item, show_columns):
        values = super().get_values_item(item, [c for c in show_columns if c != DEADLINE_COLUMN])
        if DEADLINE_COLUMN in show_columns:
            values.insert(show_columns.index(DEADLINE_COLUMN), deadline_state(item, *deadline_bounds()))
        return values


class DeadlineExportMixin:
    """The CSV export leaves the badge out: it is the screen's reading of 办结时限 and the clock at
    that moment (both exported as columns); as a column of its own it would also force the export
    off its streamed SELECT onto ORM rows (views/export.py ``_plan``)."""

    def export_query(self):
        export, filters = super().export_query()
        export.columns = [c for c in export.columns if c != DEADLINE_COLUMN]
        return export, filters
