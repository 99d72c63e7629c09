"""The change log (变更日志, SPEC §2): every create, update and delete of a business record, with
who, when, and each changed field's old and new value.

Written from SQLAlchemy session events, so forms, the REST API, imports and jobs are all covered
by the same code:

- ``before_flush`` notes the old values of the records about to be updated (reading them from
  the database when the session no longer holds them, e.g. after a commit expired the row);
- ``after_flush`` writes one ``change_log`` row per changed field (a create or a delete gets one
  row with the record's values in ``details``), through the flush's own connection, so the
  log commits or rolls back with the change itself.

The author is ``g.user``: the signed-in user in a request, the ``system`` user in jobs
(``backoffice.security.system_user.act_as_system``). The listeners are installed by
``backoffice.listeners.install`` (from ``create_app``); importing this module changes nothing.
Times are business wall-clock times (``backoffice.clock``, README "How times are stored"). Bulk SQL statements (``UPDATE ... WHERE``) bypass the ORM
and its events; a job that runs one reports it with ``log_bulk_change``.
"""
import datetime as dt
import decimal
import enum
import json

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from backoffice.clock import business_stamp
from backoffice.extensions import db
from backoffice.models.audit import (  # noqa: F401  (display helpers, kept importable from here)
    RECORD_LABELS,
    ChangeLog,
    display_value,
    field_label,
    model_for,
    record_label,
)

# Records whose history is itself the record (or bookkeeping that changes every few seconds).
NOT_AUDITED = {"change_log", "job_run", "tier_history", "ticket_event"}
# Stamped on every write by AuditMixin: the log row's own who/when says the same.
NOT_FIELDS = {"created_on", "changed_on", "created_by_fk", "changed_by_fk"}
# Credentials are never copied into the log (issue #9: the survey link answers as the client).
SECRET_FIELDS = {("survey_invitation", "token")}

_OLD = "_audit_old_values"


def current_user_id():
    """The author of a change: g.user in a request or a job, None outside any app context."""
    if not has_app_context():
        return None
    uid = getattr(getattr(g, "user", None), "id", None)
    return uid if isinstance(uid, int) else None


def is_audited(obj):
    table = getattr(type(obj), "__tablename__", None)
    return table is not None and table not in NOT_AUDITED and hasattr(type(obj), "__mapper__")


def as_text(value):
    """A stored value as the text kept in ``old_value`` / ``new_value`` (codes, ISO dates,
    plain decimals, true/false); ``display_value`` turns it into what a screen shows."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, decimal.Decimal, int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _json_value(value):
    text = as_text(value)
    return value if isinstance(value, (int, float, str)) and not isinstance(value, (bool, enum.Enum)) else text


def _fk_relations(mapper):
    """FK column key -> the many-to-one relationship it belongs to (the field a person knows)."""
    out = {}
    for rel in mapper.relationships:
        if rel.uselist or rel.direction.name != "MANYTOONE" or len(rel.local_columns) != 1:
            continue
        (col,) = rel.local_columns
        for attr in mapper.column_attrs:
            if attr.columns[0] is col:
                out[attr.key] = rel
    return out


def _label(session, rel, pk):
    """The related record as its screens show it (``repr``), without autoflushing mid-flush."""
    if pk is None:
        return None
    target = rel.mapper.class_
    key = rel.mapper.identity_key_from_primary_key([pk])
    obj = session.identity_map.get(key)
    if obj is None:
        with session.no_autoflush:
            obj = session.get(target, pk)
    return repr(obj) if obj is not None else f"#{pk}"


def _columns(mapper):
    table = mapper.local_table.name
    return [a for a in mapper.column_attrs if a.key not in NOT_FIELDS and (table, a.key) not in SECRET_FIELDS]


def _record_values(obj):
    mapper = sa.inspect(type(obj))
    return {a.key: _json_value(getattr(obj, a.key)) for a in _columns(mapper) if a.key != "id"}


def _pk(obj):
    # Read from the instance: a row inserted by this flush has its id but no identity key yet.
    values = sa.inspect(type(obj)).primary_key_from_instance(obj)
    return values[0] if values else None


def _note_old_values(session, flush_context, instances):
    """Old values of every record about to be updated, while the database still holds them."""
    old_by_state = session.info.setdefault(_OLD, {})
    for obj in session.dirty:
        if not is_audited(obj):
            continue
        state = sa.inspect(obj)
        if state.key is None or state in old_by_state:
            continue
        mapper = state.mapper
        old, unknown = {}, []
        for attr in _columns(mapper):
            hist = state.attrs[attr.key].history
            if hist.deleted:
                old[attr.key] = hist.deleted[0]
            elif hist.added:
                unknown.append(attr)  # set without loading the old value first (row was expired)
            elif attr.key in state.dict:
                old[attr.key] = state.dict[attr.key]  # loaded and unchanged (FKs: synced only in flush)
            else:
                unknown.append(attr)
        if unknown:
            table = mapper.local_table
            row = session.connection().execute(
                sa.select(*[a.columns[0] for a in unknown]).where(table.c.id == state.key[1][0])
            ).first()
            if row is not None:
                for attr, value in zip(unknown, row):
                    old[attr.key] = value
        old_by_state[state] = old


def _write_change_log(session, flush_context):
    old_by_state = session.info.get(_OLD, {})
    user_id, now = current_user_id(), business_stamp()
    rows = []

    def row(action, obj, **kw):
        return dict(
            at=now, user_id=user_id, action=action, table_name=type(obj).__tablename__,
            record_id=_pk(obj), field=kw.get("field"), old_value=kw.get("old"), new_value=kw.get("new"),
            summary=kw.get("summary"), details=kw.get("details"),
        )

    for obj in session.new:
        if is_audited(obj):
            rows.append(row("create", obj, summary=_short(repr(obj)), details={"values": _record_values(obj)}))
    for obj in session.dirty:
        if not is_audited(obj):
            continue
        state = sa.inspect(obj)
        old = old_by_state.get(state, {})
        fk_rels = _fk_relations(state.mapper)
        for attr in _columns(state.mapper):
            hist = state.attrs[attr.key].history
            if not hist.added and not hist.deleted:
                continue
            before = old.get(attr.key, hist.deleted[0] if hist.deleted else None)
            after = hist.added[0] if hist.added else None
            if as_text(before) == as_text(after):
                continue
            rel = fk_rels.get(attr.key)
            if rel is not None:
                rows.append(row(
                    "update", obj, field=rel.key, old=_label(session, rel, before), new=_label(session, rel, after),
                    details={"old_id": before, "new_id": after},
                ))
            else:
                rows.append(row("update", obj, field=attr.key, old=as_text(before), new=as_text(after)))
    for obj in session.deleted:
        if is_audited(obj):
            rows.append(row("delete", obj, summary=_short(repr(obj)), details={"values": _record_values(obj)}))
    if rows:
        session.connection().execute(sa.insert(ChangeLog.__table__), rows)


def _forget_old_values(session, flush_context):
    session.info.pop(_OLD, None)


def _forget_on_rollback(session):
    session.info.pop(_OLD, None)


def _short(text, limit=200):
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def log_entry(action, table_name, *, record_id=None, summary=None, details=None, session=None):
    """Add one change-log row outside the flush events (exports, bulk writes)."""
    session = session or db.session
    entry = ChangeLog(
        at=business_stamp(), user_id=current_user_id(), action=action, table_name=table_name,
        record_id=record_id, summary=_short(summary) if summary else None, details=details,
    )
    session.add(entry)
    return entry


def log_bulk_change(table, action, count, details=None, session=None):
    """One summary row for a bulk SQL write (``UPDATE ... WHERE``), which fires no ORM event.

    ``table``: a table name or model class; ``action``: "create", "update" or "delete";
    ``count``: rows written; ``details``: JSON-able facts (the job run, the period, the rule).
    Call it in the job's transaction, before its commit, so both land or neither does.
    """
    if action not in ("create", "update", "delete"):
        raise ValueError(f"unknown change-log action {action!r}")
    name = getattr(table, "__tablename__", table)
    return log_entry(
        action, name, summary=_short(f"{count} rows ({action}, bulk)"),
        details={"bulk": True, "count": int(count), **(details or {})}, session=session,
    )


def history_of(table_name, record_id):
    """The change-log rows of one record, newest first (the History tab)."""
    try:
        record_id = int(record_id)  # the show route hands the key over as text
    except (TypeError, ValueError):
        return []
    rows = db.session.execute(
        sa.select(ChangeLog)
        .where(ChangeLog.table_name == table_name, ChangeLog.record_id == record_id)
        .order_by(ChangeLog.at.desc(), ChangeLog.id.desc())
    ).scalars().all()
    # SQLite may hand a deleted record's id to a new one: what precedes the newest "create"
    # belongs to the earlier record.
    for i, row in enumerate(rows):
        if row.action == "create":
            return rows[: i + 1]
    return rows


# The session events, in the order they must run within a flush (listeners.install says why).
LISTENERS = (
    ("before_flush", _note_old_values),
    ("after_flush", _write_change_log),
    ("after_flush_postexec", _forget_old_values),
    ("after_rollback", _forget_on_rollback),
)


def install():
    """Listen on every Session; idempotent (tests build many apps in one process)."""
    for name, fn in LISTENERS:
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
