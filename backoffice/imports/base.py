"""What the import kinds share: column declarations, header aliases, cell messages, outcomes.

A ``Column`` is one column of an import file: the model field it fills, the translated header
label, whether the file must have it. The header of a file may use the field name ("amount")
or the label in any of the product's languages ("金额（元）", "金額（元）", "Amount (yuan)").
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from flask import current_app, g
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from backoffice.extensions import db
from backoffice.imports.reading import normalise_header
from backoffice.models.choices import Choice

KINDS = ("clients", "purchases")
MODES = ("all_or_nothing", "valid_rows", "dry_run")
CHUNK_ROWS = 20000

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


def run_import(kind, mode, user, read, make_planner, make_writer, *, progress=None, chunk_rows=CHUNK_ROWS,
               before_commit=None):
    """The one chunk and transaction loop of every import: clients, purchases, survey answers.

    SPEC §9: every row is checked, the errors shown by row and column, and the writes commit
    all or nothing (``all_or_nothing``), or the valid rows (``valid_rows``); ``dry_run`` checks
    only. Everything is written in one transaction, committed at the end or rolled back: a
    reader never sees half an import, and a job killed mid-way leaves nothing (SPEC §8).

    - ``read()`` -> the file as a ``reading.Table`` (raises ``ImportFileError``);
    - ``make_planner(table, user)`` -> a planner whose ``check(frame, result, keeper)`` records
      each row's outcome and returns the chunk's writes (or nothing, if it keeps them itself);
    - ``make_writer(planner, user)`` -> made only when writing, before the first chunk; gets
      ``stage(work)`` after each chunk (not once a row failed an all-or-nothing import) and
      ``finish()`` at the end;
    - ``before_commit(result)``: last writes of the same transaction (the change log).

    ``progress(done, total)`` is called after every chunk. Returns the ``ImportResult``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown import mode {mode!r}")
    user = user if user is not None else getattr(g, "user", None)
    table = read()
    planner = make_planner(table, user)
    result = ImportResult(
        kind=kind, mode=mode, total=len(table), fmt=table.fmt, encoding=table.encoding,
        ignored_rows=table.ignored_rows, columns=list(table.frame.columns),
    )
    keeper = Keeper()
    total = len(table)
    try:
        writer = make_writer(planner, user) if mode != "dry_run" else None
        for start in range(0, total, chunk_rows):
            work = planner.check(table.frame.iloc[start:start + chunk_rows], result, keeper)
            # All or nothing: once a row failed nothing will be written, so stop staging.
            if writer is not None and work and not (mode == "all_or_nothing" and result.rejected):
                writer.stage(work)
            if progress:
                progress(min(start + chunk_rows, total), total)
        if writer is None or (mode == "all_or_nothing" and result.rejected):
            db.session.rollback()
            return result
        writer.finish()
        if before_commit is not None:
            before_commit(result)
        db.session.commit()
        result.committed = True
        return result
    except BaseException:
        db.session.rollback()
        raise
