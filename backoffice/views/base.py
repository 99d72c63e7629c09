"""What every generated screen and API of ours shares.

- Row scope: ``ScopeFilter`` in ``base_filters`` (list/show/edit/delete/related views/API), a
  second check in actions (FAB actions skip ``base_filters``, FAB-RQ-NOTES fact 2), scoped
  choices in relation selects, and a refusal of relations that point outside the scope.
- Coded values: a translated select for every ``Choice`` column on forms and search.
- Business rules: ``Model.business_errors`` runs on the form (errors shown on the fields) and
  on the API (HTTP 422 with field errors); nothing is written when it finds any.
- Input the database would refuse (NUL, lengths, int ranges, decimals, codes, impossible keys,
  malformed list/Rison arguments) is refused first: ``views/input_checks.py`` (issue #9).
"""
import sqlalchemy as sa
from flask import abort, flash, has_request_context, request, session
from flask_appbuilder import ModelRestApi, ModelView, expose
from flask_appbuilder.hooks import before_request
from flask_babel import gettext as _
from flask_appbuilder.validators import Unique
from wtforms import BooleanField, SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Optional

from backoffice.collation import with_pinyin_order
from backoffice.extensions import db
from backoffice.models.choices import Choice
from backoffice.models.uniqueness import item_values, unique_errors  # noqa: F401  (moved there, issue #10)
from backoffice.views.amount_fields import amount_field, use_amount_parser
from backoffice.views.api_fields import ScopedSchemaConverter
from backoffice.views.cards import card_list_widget
from backoffice.views.export import ApiExportMixin, ExportMixin
from backoffice.views.formatting import formatters_for
from backoffice.views.history import HistoryMixin
from backoffice.views import input_checks
from backoffice.views.labels import LABELS
from backoffice.views.list_count import with_capped_count
from backoffice.views.lookup import lookup_fields
from backoffice.security.scope import SCOPED, ScopeFilter, in_scope, may_link, outside_scope_message  # noqa: F401
from backoffice.services import CommandError
from backoffice.views.versioning import check_form_version, check_put_version, version_field


def _choice_columns(model):
    out = {}
    for col in sa.inspect(model).columns:
        enum_class = getattr(col.type, "enum_class", None)
        if enum_class is not None and issubclass(enum_class, Choice):
            out[col.key] = (enum_class, col.nullable)
    return out


def _relations(model):
    return {rel.key: rel for rel in sa.inspect(model).relationships if not rel.uselist}


def _stored_link(model, rel, item):
    """The key ``item``'s relation ``rel`` holds in the database (not what a request wrote onto it)."""
    if item is None or sa.inspect(item).identity is None or len(rel.local_columns) != 1:
        return None
    (column,) = rel.local_columns
    return db.session.execute(sa.select(column).where(model.id == sa.inspect(item).identity[0])).scalar()


def relation_scope_errors(model, values, item=None):
    """A relation pointing at a row outside the user's scope is refused like a wrong value, unless
    the record already pointed there (a department head saving the handling result of a ticket
    whose receiver is the service desk, issue #12), or the link is one 统一受理 opens company-wide
    (``security.scope.may_link``)."""
    errors = {}
    for key, rel in _relations(model).items():
        target = values.get(key)
        if target is None or rel.mapper.class_ not in SCOPED or may_link(model, key, target):
            continue
        identity = sa.inspect(target).identity
        if identity is not None and _stored_link(model, rel, item) == identity[0]:
            continue
        errors[key] = outside_scope_message()
    return errors


def all_errors(model, values, item=None):
    # The API has already copied the values onto a row that may sit in the session (a
    # relation's backref puts it there): checking must not flush it.
    with db.session.no_autoflush:
        # Values the columns cannot hold (NUL, length, int range, decimals, codes) or related rows
        # that do not exist: the rules below would compare them or the database would refuse them.
        errors = input_checks.column_errors(model, values)
        errors.update(input_checks.missing_related_errors(model, values))
        if errors:
            return input_checks.prefer_rule_messages(model, values, errors, item)
        errors = unique_errors(model, values, item)
        errors.update(relation_scope_errors(model, values, item))
        errors.update(model.business_errors(values, item))
    return errors


def _relaxed(unbound):
    """FAB's generated field, minus its Unique validator (``unique_errors`` speaks for it) and,
    for a checkbox, minus "required" (an unticked box sends nothing: that means False)."""
    if not isinstance(unbound, UnboundField):
        return unbound
    validators = list(unbound.kwargs.get("validators") or [])
    kept = [v for v in validators if not isinstance(v, Unique)]
    if issubclass(unbound.field_class, BooleanField):
        kept = [v for v in kept if not isinstance(v, (InputRequired, DataRequired))]
    if len(kept) == len(validators):
        return unbound
    kwargs = dict(unbound.kwargs, validators=kept)
    field = UnboundField(unbound.field_class, *unbound.args, name=unbound.name, **kwargs)
    field.creation_counter = unbound.creation_counter  # keep the form's field order
    return field


# FAB's QuerySelectField has an empty blank text and wtforms >= 3.2 prints an option's value when
# its label is empty, so every optional relation select showed "__None". A dash reads as "none".
BLANK_TEXT = "—"


def with_blank_text(form_class):
    """``form_class`` with a visible blank option on every relation select (FAB's QuerySelectField)."""
    from flask_appbuilder.fields import QuerySelectField, QuerySelectMultipleField

    for name, value in list(vars(form_class).items()):
        if (isinstance(value, UnboundField) and issubclass(value.field_class, (QuerySelectField, QuerySelectMultipleField))
                and not value.kwargs.get("blank_text")):
            field = UnboundField(value.field_class, *value.args, name=value.name,
                                 **dict(value.kwargs, blank_text=BLANK_TEXT))
            field.creation_counter = value.creation_counter
            setattr(form_class, name, field)
    return form_class


class BusinessRuleError(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _scoped_query_rel_fields(model):
    """Relation selects list only rows in the user's scope."""
    return {
        key: [["id", ScopeFilter, None]]
        for key, rel in _relations(model).items()
        if rel.mapper.class_ in SCOPED
    }


class ScopedModelView(ExportMixin, HistoryMixin, ModelView):  # CSV export, History tab (SPEC §9, §2)
    page_size = 25

    def _delete(self, pk):
        # FAB records the delete in the page history only when it succeeds, so a delete refused
        # by pre_delete (a tier in use, a campaign of another department) went back two pages,
        # past the list, to wherever the user had been before it. Back to the list instead.
        before = len(session.get("page_history", []))
        super()._delete(pk)
        if len(session.get("page_history", [])) == before:
            self.update_redirect()
    label_columns = LABELS
    mobile_columns = None  # the columns a phone's card shows; default the first 3 (views/cards.py)

    def __init__(self, **kwargs):
        model = self.datamodel.obj
        if model in SCOPED:
            self.base_filters = list(self.base_filters or []) + [["id", ScopeFilter, None]]
        self.formatters_columns = {**formatters_for(model), **(self.formatters_columns or {})}
        self._add_choice_fields(model)
        self._add_lookup_fields(model)  # client / staff pickers search as you type (views/lookup.py)
        self.datamodel = with_pinyin_order(self.datamodel)  # client names by pinyin (backoffice/collation.py)
        # Screens count up to LIST_COUNT_CAP, then say "more than ..." (views/list_count.py, issue #16)
        self.datamodel = with_capped_count(self.datamodel)
        rel = _scoped_query_rel_fields(model)
        self.add_form_query_rel_fields = {**rel, **(self.add_form_query_rel_fields or {})}
        self.edit_form_query_rel_fields = {**rel, **(self.edit_form_query_rel_fields or {})}
        self.search_form_query_rel_fields = {**rel, **(self.search_form_query_rel_fields or {})}
        super().__init__(**kwargs)
        input_checks.guard_datamodel(self.datamodel)  # a key beyond int4 is a 404, not a DataError
        self.list_widget = card_list_widget(self)  # key columns marked for phones (issue #11)
        self.search_form = with_blank_text(self.search_form)
        self.add_form = self._with_business_rules(self.add_form)
        self.edit_form = self._with_business_rules(self.edit_form)
        version_field(model, self.edit_form)  # a stale save is refused (views/versioning.py)

    def _init_titles(self):
        # "List Visit Log" -> the menu label, translated per request (views/titles.py, issue #11)
        super()._init_titles()
        from backoffice.views.titles import install_titles

        install_titles(self)

    # -- coded values -------------------------------------------------------------------------
    def _add_choice_fields(self, model):
        add = dict(self.add_form_extra_fields or {})
        edit = dict(self.edit_form_extra_fields or {})
        search = dict(self.search_form_extra_fields or {})
        labels = self.label_columns or {}
        for key, (enum_class, nullable) in _choice_columns(model).items():
            label = labels.get(key, key)

            def make(enum_class=enum_class, nullable=nullable, label=label, search=False):
                def choices():
                    opts = enum_class.choices()
                    return ([("", "")] + opts) if (nullable or search) else opts

                return SelectField(
                    label,
                    choices=choices,
                    render_kw={"class": "form-control"},
                    coerce=lambda v, e=enum_class: e.coerce(v),
                    validators=[Optional()] if (nullable or search) else [InputRequired()],
                )

            add.setdefault(key, make())
            edit.setdefault(key, make())
            search.setdefault(key, make(search=True))
        self.add_form_extra_fields = add
        self.edit_form_extra_fields = edit
        self.search_form_extra_fields = search

    def _add_lookup_fields(self, model):
        fields = lookup_fields(model, self.label_columns or {}, type(self).__name__)
        self.add_form_extra_fields = {**fields, **(self.add_form_extra_fields or {})}
        self.edit_form_extra_fields = {**fields, **(self.edit_form_extra_fields or {})}

    # -- business rules on forms --------------------------------------------------------------
    def _with_business_rules(self, form_class):
        view = self
        model = self.datamodel.obj

        relaxed = {
            # amounts read by the one parser (views/amount_fields.py, issue #11)
            name: amount_field(_relaxed(value), model, name)
            for name, value in vars(form_class).items() if isinstance(value, UnboundField)
        }

        class BusinessRulesForm(form_class):
            def validate(self, extra_validators=None):
                valid = super().validate(extra_validators=extra_validators)
                # NUL bytes, lengths, ranges: on every field at once, whatever else is missing
                if not input_checks.add_column_errors(self, model) or not valid:
                    input_checks.escape_field_errors(self)
                    return False
                pk = getattr(self, "_id", None)
                item = view.datamodel.get(pk) if pk is not None else None
                if item is not None and not check_form_version(item, self):
                    return False
                values = item_values(item) if item is not None else {}
                values.update({k: v for k, v in self.data.items() if k != "csrf_token"})
                errors = all_errors(model, values, item)
                for field, message in errors.items():
                    target = self._fields.get(field)
                    if target is not None:
                        target.errors = list(target.errors) + [message]
                    else:
                        flash(message, "danger")
                input_checks.escape_field_errors(self)
                return not errors

        for name, value in relaxed.items():
            setattr(BusinessRulesForm, name, value)
        BusinessRulesForm.__name__ = form_class.__name__
        return with_blank_text(BusinessRulesForm)

    # -- actions and extra pages: FAB loads action rows without base_filters; every route of
    # ours that takes a pk loads it through here, so the scope is checked in one place --------
    def _scoped_get(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    # Malformed _flt_/page_/psize_/_oc_/_od_ arguments: 400 before FAB parses them (issue #9).
    @before_request
    def _refuse_malformed_list_args(self):
        message = input_checks.list_args_message(self)
        if message:
            abort(400, description=message)

    # FAB registers routes only for methods carrying @expose: an override must repeat it.
    # POST only (issue #9): an action changes records, so a link or a GET never runs it.
    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        if name not in self.actions:  # FAB answers an unknown action with a 500
            abort(404, description=_("No such action."))
        self._scoped_get(self._deserialize_pk_if_composite(pk))
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        if request.form.get("action") not in self.actions:
            abort(404, description=_("No such action."))
        for pk in request.form.getlist("rowid"):
            self._scoped_get(self._deserialize_pk_if_composite(pk))
        return super().action_post()

    # -- related views only for users allowed to list them (FAB #2376) -----------------------
    @property
    def _related_views(self):
        views = self.__dict__.get("_all_related_views") or []
        if not has_request_context():
            return views
        sm = self.appbuilder.sm
        return [v for v in views if sm.has_access("can_list", v.class_permission_name)]

    @_related_views.setter
    def _related_views(self, value):
        self.__dict__["_all_related_views"] = value

    def get_init_inner_views(self):
        return self.__dict__.setdefault("_all_related_views", [])


class ScopedApi(ApiExportMixin, ModelRestApi):  # export.csv for scripts (SPEC §9)
    allow_browser_login = True
    page_size = 25
    label_columns = LABELS
    # Nested records show what the role may read of them (views/api_fields.py, issue #9).
    model2schemaconverter = ScopedSchemaConverter

    def __init__(self):
        model = self.datamodel.obj
        if model in SCOPED:
            self.base_filters = list(self.base_filters or []) + [["id", ScopeFilter, None]]
        self.datamodel = with_pinyin_order(self.datamodel)  # client names by pinyin (backoffice/collation.py)
        rel = _scoped_query_rel_fields(model)
        self.add_query_rel_fields = {**rel, **(self.add_query_rel_fields or {})}
        self.edit_query_rel_fields = {**rel, **(self.edit_query_rel_fields or {})}
        if "version" in model.__table__.c and self.show_columns and "version" not in self.show_columns:
            self.show_columns = list(self.show_columns) + ["version"]  # what a PUT sends back
        super().__init__()
        input_checks.guard_datamodel(self.datamodel)  # a key beyond int4 is a 404, not a DataError

    # Malformed Rison q (400) and related ids that cannot exist (422), before FAB reads them.
    @before_request
    def _refuse_malformed_input(self):
        message = input_checks.rison_message(self)
        if message:
            return self.response_400(message=message)
        if request.method in ("POST", "PUT"):
            payload = request.get_json(silent=True)
            if payload is not None and not isinstance(payload, dict):
                return self.response_400(message=_("The request body must be a JSON object."))
            # The record's own fields only on FAB's create and update: a command endpoint's body
            # (a transition, a sheet's scores) is its command's to check.
            own = (request.endpoint or "").rsplit(".", 1)[-1] in ("post", "put")
            errors = input_checks.payload_errors(self.datamodel.obj, payload) if own else {}
            if errors:
                return self.response_422(message={k: [v] for k, v in errors.items()})
        return None

    def response_500(self, message=None):
        # FAB's @safe calls this inside its except block: a refused statement is a 4xx (views/errors.py)
        from backoffice.views.errors import api_answer

        return api_answer(self) or super().response_500(message=message)

    def response_400(self, message=None):
        from backoffice.views.api_messages import translated_400

        return super().response_400(message=translated_400(message) if message else _("The request is not valid."))

    def response_404(self):
        return self.response(404, message=_("Not found."))

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        # FAB translates the empty string for a field without a label or description, and
        # gettext("") is the catalogue's header ("Project-Id-Version: ...").
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        if not self.label_columns.get(field.name):
            info["label"] = ""
        return info

    def _check(self, item, editing):
        # The schema has already written the request onto ``item``: reading its relations must
        # not autoflush it (a CHECK would fail before the rules could answer).
        with db.session.no_autoflush:
            values = item_values(item)
        errors = all_errors(self.datamodel.obj, values, item if editing else None)
        if errors:
            raise BusinessRuleError(errors)

    def pre_add(self, item):
        self._check(item, editing=False)

    def pre_update(self, item):
        self._check(item, editing=True)

    def _init_model_schemas(self):
        super()._init_model_schemas()
        # FAB's Enum fields refuse null even for a nullable column, so a PUT (which FAB merges
        # with the stored row) fails on any record with an empty optional choice: allow it.
        table = sa.inspect(self.datamodel.obj).local_table
        for schema in (self.add_model_schema, self.edit_model_schema):
            use_amount_parser(schema, self.datamodel.obj)  # "600,000" as on forms (issue #11)
            for name, field in (getattr(schema, "fields", None) or {}).items():
                column = table.columns.get(name)
                if column is not None and column.nullable:
                    field.allow_none = True
        # FAB names a nested schema "<Api>.<method>.<Model>", so two relations to one model
        # (tier / override_tier, receiver / responsible_staff) collide in the OpenAPI spec and
        # apispec warns "Multiple schemas resolved to the name ...". Name them by relation.
        for schema in (self.list_model_schema, self.show_model_schema):
            for name, field in (getattr(schema, "fields", None) or {}).items():
                nested = getattr(field, "nested", None)
                meta = getattr(type(nested), "Meta", None) if nested is not None else None
                parent = getattr(meta, "parent_schema_name", None)
                if parent and not parent.endswith(f".{name}"):
                    meta.parent_schema_name = f"{parent}.{name}"

    def response_422(self, message=None):
        # marshmallow's English field errors in the user's language (views/api_messages.py)
        from backoffice.views.api_messages import translated_errors

        payload = request.get_json(silent=True) if has_request_context() else None
        return super().response_422(message=translated_errors(self.datamodel.obj, message, payload))

    def _answer_rule_errors(self, call):
        try:
            return call()
        except BusinessRuleError as e:
            db.session.rollback()
            return self.response_422(message={k: [v] for k, v in e.errors.items()})
        except CommandError as e:  # a command refused in pre_add / pre_update (backoffice/services)
            db.session.rollback()
            return self.response(e.status, message=e.as_api_message())

    def post_headless(self):
        return self._answer_rule_errors(super().post_headless)

    def delete_headless(self, pk):
        # a delete refused before it is written (e.g. a tier still in use, models/tiers.py)
        return self._answer_rule_errors(lambda: super(ScopedApi, self).delete_headless(pk))

    def put_headless(self, pk):
        stale = check_put_version(self, pk)  # 409 when the body's version is not the stored one
        if stale is not None:
            return stale
        return self._answer_rule_errors(lambda: super(ScopedApi, self).put_headless(pk))
