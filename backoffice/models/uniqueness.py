"""The one uniqueness check (issue #10): forms, the REST API and imports ask the same function.

``unique_errors(model, values, item)`` answers, in the user's language, which unique column or
unique constraint the values would break, before the database would refuse them with an
IntegrityError (which it still does, as the last line of defence). ``unique_keys(model)`` is
the list of column groups it checks: an import keys its rows on one of them and checks the
others with ``unique_errors`` (``imports.checks``). Lives with the models, not the views, so
imports need no view module.
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.extensions import db
from backoffice.labels import LABELS


def item_values(item):
    """The record's attributes as a dict (columns and to-one relations)."""
    mapper = sa.inspect(type(item))
    values = {c.key: getattr(item, c.key) for c in mapper.column_attrs}
    values.update({r.key: getattr(item, r.key) for r in mapper.relationships if not r.uselist})
    return values


def _column_value(model, column, values):
    """The value ``values`` gives for a table column, following a to-one relation for FKs."""
    mapper = sa.inspect(model)
    key = None
    for attr in mapper.column_attrs:
        if attr.columns[0] is column and attr.key in values:
            if values[attr.key] is not None:
                return attr.key, values[attr.key]
            key = attr.key  # an FK the API has not filled yet: its relation may hold the row
    for rel in mapper.relationships:
        if not rel.uselist and column in rel.local_columns and rel.key in values:
            target = values[rel.key]
            return rel.key, (sa.inspect(target).identity[0] if target is not None and sa.inspect(target).identity else None)
    return key, None


def unique_keys(model):
    """Every unique column, and every unique constraint, of the model's table: column groups."""
    table = sa.inspect(model).local_table
    groups = [[c] for c in table.columns if c.unique and not c.primary_key]
    groups += [list(con.columns) for con in table.constraints if isinstance(con, sa.UniqueConstraint)]
    groups += [list(ix.columns) for ix in table.indexes  # unique indexes without a WHERE clause
               if ix.unique and not any(v.get("where") for v in ix.dialect_options.values())]
    return groups


def _label(key):
    """A column's label; a foreign key ("scheme_id") is named by its relation ("scheme"), issue #11
    ("已存在相同Scheme Id、排名的记录")."""
    if key in LABELS:
        return LABELS[key]
    if key.endswith("_id") and key[:-3] in LABELS:
        return LABELS[key[:-3]]
    return key


def unique_errors(model, values, item=None, skip=()):
    """Every unique column or unique constraint the values would break, as a field error.

    ``skip``: column-name groups not to ask about (an import that finds its rows by that key).
    """
    errors = {}
    table = sa.inspect(model).local_table
    pk = sa.inspect(item).identity[0] if item is not None and sa.inspect(item).identity else None
    for columns in unique_keys(model):
        if tuple(c.name for c in columns) in skip:
            continue
        pairs = [_column_value(model, c, values) for c in columns]
        if any(key is None or value is None for key, value in pairs):
            continue
        q = sa.select(sa.func.count()).select_from(table)
        for c, (_key, value) in zip(columns, pairs):
            q = q.where(c == value)
        if pk is not None:
            q = q.where(table.primary_key.columns.values()[0] != pk)
        if db.session.execute(q).scalar():
            field = pairs[-1][0]
            names = "、".join(str(_label(k)) for k, _v in pairs) if len(pairs) > 1 else None
            if names:
                errors[field] = _("A record with the same %(fields)s already exists.", fields=names)
            else:
                errors[field] = _("%(field)s %(value)s is already in use.",
                                  field=_label(field), value=values[field])
    return errors
