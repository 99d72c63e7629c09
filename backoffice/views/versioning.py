"""Optimistic locking on forms and the API (issue #10: "two people saving the same client or
ticket form both get 'saved' and the first change is silently reverted").

The edit form of a ``Versioned`` record carries the version it was rendered with in a hidden
field; ``check_form_version`` refuses the save when the stored version moved on, naming who
changed the record and when (backoffice/services/versions.py). A PUT may send ``"version"``
in its body: a stale one gets 409 with the same message. Between the check and the write,
the row is re-read with ``SELECT ... FOR UPDATE`` when its version is compared, so a concurrent
save waits for the first one's commit and then finds the version moved on (and SQLAlchemy's
``version_id_col``, ``UPDATE ... WHERE version = :seen``, backs it).
"""
from flask import flash, request
from wtforms import IntegerField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from backoffice.extensions import db
from backoffice.services import CommandError
from backoffice.services.versions import check_version, is_versioned


class VersionField(IntegerField):
    """Rendered from the record, read back on save, never written onto it (the ORM counts)."""

    widget = HiddenInput()

    def populate_obj(self, obj, name):
        pass


def lock_fresh(item):
    """Re-read the row and lock it until this request's commit (see the module docstring)."""
    db.session.refresh(item, with_for_update=True)


def version_field(model, form_class):
    if is_versioned(model):
        form_class.version = VersionField(validators=[Optional()])


def check_form_version(item, form):
    field = form._fields.get("version")
    if field is None:
        return True
    if field.data is not None:
        lock_fresh(item)
    try:
        check_version(item, field.data)
    except CommandError as exc:
        flash(exc.message, "danger")
        field.data = item.version  # a reload of the page shows the other person's change
        return False
    return True


def check_put_version(api, pk):
    """None, or the 409 answer when the PUT's ``version`` is stale (the key is then consumed)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "version" not in body or not is_versioned(api.datamodel.obj):
        return None
    seen = body.pop("version")  # not a field of the edit schema
    item = api.datamodel.get(pk, api._base_filters)
    if item is None:
        return None  # FAB answers 404
    lock_fresh(item)
    try:
        check_version(item, seen)
    except CommandError as exc:
        return api.response(exc.status, message=exc.message)
    return None
