"""What a record nested in a REST response may show (SPEC §1: the scope applies to the REST API).

FAB nests the whole related record when an API lists a relation by name (``owner``: every
column of the staff row, pay included), and a client may ask for any listed column with
``q=(columns:!(...))``. Both paths build their schema with ``ScopedSchemaConverter`` (set on
``ScopedApi``), which:

- never nests a sensitive field (``NEVER_NESTED``: pay, a staff member's phone and employee
  number, an invitation token, anything of the login but its name): they are read on the
  record's own API, by the roles allowed to, or not at all;
- at dump time reduces a nested record to its id and display name (``display_columns``) when
  the user may not GET that record type on its own API, or the record lies outside the user's
  row scope (``backoffice.security.scope.in_scope``): a service-desk member reading a client sees
  the name of its manager, not the manager's staff record.
"""
import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_appbuilder.api.convert import Model2SchemaConverter, TreeNode
from flask_appbuilder.security.sqla.models import User
from marshmallow import fields

from backoffice import models as m
from backoffice.security.complainant import redact
from backoffice.security.scope import in_scope

# Fields a nested record never shows, whoever asks (issue #9: "never pay, never another
# department's staff details"; the survey token is a credential, SPEC §7).
NEVER_NESTED = {
    m.Staff: {"pay_base", "phone", "employee_no"},
    m.AppraisalSheet: {"pay_base", "pay_factor", "final_pay"},
    m.SurveyInvitation: {"token"},
}
# Records whose nested form is their display name only (the login: password hash, e-mail, ...).
DISPLAY_ONLY = {User}
DISPLAY_NAMES = ("code", "name", "number", "username")


def display_columns(model):
    """The id and the columns that name a record of ``model`` to a person."""
    keys = set(sa.inspect(model).columns.keys())
    return ["id"] + [k for k in DISPLAY_NAMES if k in keys]


def nestable_columns(model):
    """The columns FAB may nest for a relation listed by name (its own fields, no foreign keys,
    nothing sensitive)."""
    if model in DISPLAY_ONLY:
        return display_columns(model)
    hidden = NEVER_NESTED.get(model, set())
    return [
        attr.key for attr in sa.inspect(model).column_attrs
        if attr.key not in hidden and not any(col.foreign_keys for col in attr.columns)
    ]


def allowed_nested(model, requested):
    """``requested`` (dotted children of a relation; empty = FAB's "all") minus what never nests."""
    if not requested:
        return nestable_columns(model)
    allowed = set(nestable_columns(model)) | set(display_columns(model))
    kept = [c for c in requested if c in allowed]
    return kept or ["id"]


def _api_permission_name(model):
    """The permission view name of the REST API serving ``model`` (None when there is none)."""
    cache = g.setdefault("_api_for_model", {})
    if model not in cache:
        from flask_appbuilder import ModelRestApi

        cache[model] = next(
            (v.class_permission_name for v in current_app.appbuilder.baseviews
             if isinstance(v, ModelRestApi) and getattr(getattr(v, "datamodel", None), "obj", None) is model),
            None,
        )
    return cache[model]


def may_read_whole(model, obj):
    """Whether the current user may see more of ``obj`` than its name: GET on the record type's
    own API, and the row inside their scope (asked once per record and request)."""
    if not has_request_context() or getattr(g, "user", None) is None or model in DISPLAY_ONLY:
        return False
    readable = g.setdefault("_nested_can_get", {})
    if model not in readable:
        name = _api_permission_name(model)
        readable[model] = name is not None and current_app.appbuilder.sm.has_access("can_get", name)
    if not readable[model]:
        return False
    cache = g.setdefault("_nested_in_scope", {})
    key = (model, sa.inspect(obj).identity)
    if key not in cache:
        cache[key] = in_scope(obj)
    return cache[key]


class ScopedNested(fields.Nested):
    """A nested record cut down to its display name for a user who may not read it whole."""

    def __init__(self, nested, *, target, **kwargs):
        super().__init__(nested, **kwargs)
        self.target = target
        self.display = set(display_columns(target))

    def _restrict(self, obj, data):
        data = redact(self.target, obj, data)  # a complaint's complainant (security/complainant.py)
        if data is None or obj is None or may_read_whole(self.target, obj):
            return data
        return {k: v for k, v in data.items() if k in self.display}

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        data = super()._serialize(nested_obj, attr, obj, **kwargs)
        if data is None:
            return data
        if self.many:
            return [self._restrict(o, d) for o, d in zip(nested_obj, data)]
        return self._restrict(nested_obj, data)


class ScopedSchemaConverter(Model2SchemaConverter):
    """FAB's converter, with nested relations limited as this module's docstring says. It serves
    the API's list and show schemas and the schemas FAB builds for ``q=(columns:...)``."""

    def _column2relation(self, datamodel, column, nested=False, parent_schema_name=None):
        if not nested:
            return super()._column2relation(datamodel, column, nested=nested, parent_schema_name=parent_schema_name)
        target = datamodel.get_related_model(column.name)
        column.children = [TreeNode(c) for c in allowed_nested(target, [c.name for c in column.children])]
        field = super()._column2relation(datamodel, column, nested=True, parent_schema_name=parent_schema_name)
        restricted = ScopedNested(field.nested, target=target, many=field.many, required=field.required)
        restricted.unique = getattr(field, "unique", False)
        return restricted
