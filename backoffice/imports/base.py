"""What the import kinds share: column declarations, header aliases, cell messages, outcomes.

A ``Column`` is one column of an import file: the model field it fills, the translated header
label, whether the file must have it. The header of a file may use the field name ("amount")
or the label in any of the product's languages ("金额（元）", "金額（元）", "Amount (yuan)").
"""
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from backoffice.imports.reading import normalise_header

KINDS = ("clients", "purchases")

# Cell conversion problems (reading.CellError codes) -> message shown in the preview.
CELL_MESSAGES = {
    "month": _l("Not a month: write 2026-11, 2026/11, 2026-11-01 or 202611."),
    "date": _l("Not a date: write 2026-11-22 or 2026/11/22."),
    "number": _l("Not a number."),
    "integer": _l("Not a whole number."),
    "places": _l("At most two decimal places."),
    "bool": _l("Write 是 or 否 (yes or no)."),
    "required": _l("Required."),
    "required_new": _l("Required for a new record."),
}


@dataclass(frozen=True)
class Column:
    field: str
    label: object  # lazy translated header
    required: bool = False  # the file must have this column
    example: str = ""
    hint: object = ""  # lazy translated description of the accepted values
    aliases: tuple = ()  # more accepted header spellings (e.g. "client_code")


def header_aliases(columns):
    """normalised header -> field, for field names and labels in every configured language."""
    aliases = {}
    locales = list(current_app.config.get("LANGUAGES") or {"en": {}})
    for col in columns:
        names = {col.field, *col.aliases}
        for locale in locales:
            with force_locale(locale):
                names.add(str(col.label))
        for name in names:
            aliases.setdefault(normalise_header(name), col.field)
    return aliases


def choice_aliases(enum_class):
    """normalised text -> member: the code and the label in every configured language."""
    out = {}
    for member in enum_class:
        out[normalise_header(member.value)] = member
        for locale in current_app.config.get("LANGUAGES") or {"en": {}}:
            with force_locale(locale):
                out.setdefault(normalise_header(str(member.label)), member)
    return out


@dataclass
class RowResult:
    """What the import will do (or did) with one record row of the file."""

    row: int  # spreadsheet row number
    key: str  # client code, or "client code / month"
    action: str  # create / update / unchanged / reject
    errors: list = field(default_factory=list)  # [(field, message)]
    changes: dict = field(default_factory=dict)  # field -> (old text, new text)


ACTIONS = ("create", "update", "unchanged", "reject")


@dataclass
class ImportResult:
    kind: str
    mode: str
    total: int = 0
    counts: dict = field(default_factory=lambda: {a: 0 for a in ACTIONS})
    rows: list = field(default_factory=list)  # RowResult, capped per action (SHOWN_PER_ACTION)
    errors_total: int = 0
    committed: bool = False
    fmt: str = ""
    encoding: str = ""
    ignored_rows: int = 0
    columns: list = field(default_factory=list)  # fields present in the file

    def add(self, result, keep=True):
        self.counts[result.action] += 1
        self.errors_total += len(result.errors)
        if keep:
            self.rows.append(result)

    def count(self, action):
        """Count a row that is not kept for display (no RowResult built: large files)."""
        self.counts[action] += 1

    @property
    def rejected(self):
        return self.counts["reject"]

    def summary(self, max_errors=1000):
        """A JSON-able summary (the job run keeps it): counts and the first errors."""
        errors = [
            {"row": r.row, "key": r.key, "field": f, "message": str(m)}
            for r in self.rows if r.action == "reject" for f, m in r.errors
        ][:max_errors]
        return {
            "kind": self.kind, "mode": self.mode, "total": self.total, "counts": dict(self.counts),
            "committed": self.committed, "errors_total": self.errors_total, "errors": errors,
            "columns": list(self.columns), "format": self.fmt, "encoding": self.encoding,
        }


SHOWN_PER_ACTION = 1000  # rows of each action kept for the preview page (errors: all up to this)


class Keeper:
    """Decides which row results a preview keeps, so a huge file does not fill memory."""

    def __init__(self, limit=SHOWN_PER_ACTION):
        self.limit, self.kept = limit, {a: 0 for a in ACTIONS}

    def wants(self, action):
        return action != "unchanged" and self.kept[action] < self.limit

    def __call__(self, action):
        """Whether to keep this row (and count it as kept)."""
        if self.wants(action):
            self.kept[action] += 1
            return True
        return False


def display(value):
    """A value as a person reads it in the preview (codes as labels, dates ISO, money grouped)."""
    import datetime as dt
    from decimal import Decimal

    from backoffice.models.choices import Choice

    if value is None:
        return ""
    if isinstance(value, Choice):
        return str(value.label)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def length_limit(model, name) -> Optional[int]:
    col = model.__table__.columns.get(name)
    return getattr(col.type, "length", None) if col is not None else None
