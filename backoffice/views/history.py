"""The History (历史) tab on every record's show page: its change-log entries, newest first (SPEC §2).

Shown to users who may read the change log (``can_list`` on ``ChangeLogView``: Admin, DeptHead,
Viewer) and only on a record they can open: FAB's show page answers 404 outside the user's
scope before this tab is built.
"""
from flask_babel import gettext as _

from backoffice.audit import display_value, history_of
from backoffice.models.audit import ACTION_LABELS, HIDDEN_FIELDS
from backoffice.formatting import person
from backoffice.security.complainant import hidden_record_fields
from backoffice.models.audit import field_text, snapshot_values
from backoffice.views.formatting import date_time
from backoffice.views.labels import LABELS

HISTORY_LIMIT = 500


def history_entries(table_name, record_id, labels=None):
    """The rows of the History tab as plain, translated values."""
    labels = {**LABELS, **(labels or {})}
    hidden = hidden_record_fields(table_name, record_id)  # no retaliation (SPEC §4, security/complainant.py)
    out = []
    for entry in history_of(table_name, record_id)[:HISTORY_LIMIT]:
        if entry.field in HIDDEN_FIELDS or entry.field in hidden:
            continue
        values = []
        if entry.action in ("create", "delete") and entry.details:
            # FK ids as the records' names, labels for every field (issue #11)
            snapshot = {k: v for k, v in (entry.details.get("values") or {}).items() if k not in hidden}
            values = snapshot_values(table_name, snapshot, labels)
        out.append({
            "at": date_time(entry.at),
            "user": person(entry.user) if entry.user else _("(unknown)"),
            "action": str(ACTION_LABELS.get(entry.action, entry.action)),
            "field": field_text(table_name, entry.field, labels),
            "old": display_value(table_name, entry.field, entry.old_value),
            "new": display_value(table_name, entry.field, entry.new_value),
            "values": values,
        })
    return out


class HistoryMixin:
    """Mixed into ``ScopedModelView``: adds the History tab to the show page."""

    show_template = "history/show.html"

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs and self._may_read_history():
            table = getattr(self.datamodel.obj, "__tablename__", None)
            if table:
                kwargs.setdefault("history", history_entries(table, kwargs["pk"], self.label_columns))
        return super().render_template(template, **kwargs)

    def _may_read_history(self):
        return self.appbuilder.sm.has_access("can_list", "ChangeLogView")
