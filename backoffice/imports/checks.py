"""The form's generic checks (``views.base.all_errors``), answered for a whole file at once.

``all_errors`` asks the database once per row: is the unique key taken, is each linked record
in the user's scope. An import of a million rows cannot ask a million times, so the same
checks run here in bulk, with the same mechanism and the same messages:

- uniqueness: the import finds existing rows *by their unique key* (one query per chunk of
  keys) and updates them, so the database key is never taken twice; a key given twice in the
  file is the only way to break it, and ``duplicate_key_error`` says so. Any other unique key
  of the table is asked of ``models.uniqueness.unique_errors``, the forms' own check
  (``other_unique_keys``; none today: the client code and (client, month) are the only ones);
- scope: ``security.scope.scope_clause`` (the one row-scope mechanism) selects, in one query
  per chunk, which of the referenced records the user may touch.

The record type's own rules (``business_errors``) still run row by row: they are the model's.
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.extensions import db
from backoffice.models.uniqueness import unique_errors, unique_keys
from backoffice.security.scope import SCOPED, scope_clause

CHUNK = 5000  # keys per IN (...) query: well inside SQLite's and PostgreSQL's parameter limits


def chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def in_scope_ids(model, ids, user=None):
    """The subset of ``ids`` (primary keys of ``model``) the user's row scope reaches."""
    ids = {i for i in ids if i is not None}
    if not ids or model not in SCOPED:
        return ids
    clause = scope_clause(model, user)
    if clause is None:
        return ids
    found = set()
    for part in chunks(ids):
        found.update(db.session.execute(sa.select(model.id).where(model.id.in_(part), clause)).scalars())
    return found


def duplicate_key_error(first_row):
    return _("The same record is already given in row %(row)s of this file.", row=first_row)


def other_unique_keys(model, key):
    """The unique keys of ``model`` (``unique_keys``) besides ``key``, the column names an import
    finds its rows by: those must be checked row by row with ``unique_errors``."""
    return [group for group in unique_keys(model) if tuple(c.name for c in group) != tuple(key)]


def unique_errors_beyond_key(model, key, values, item):
    """The forms' uniqueness check, skipping the key the import matched the row on."""
    return unique_errors(model, values, item, skip={tuple(key)})
