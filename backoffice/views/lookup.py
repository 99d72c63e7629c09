"""Search-as-you-type pickers for relations to large tables (issue #11: the client and staff
selects were plain drop-downs listing every row and opening on the first one).

The mechanism, generic so any form can use it:

- ``LOOKUPS``: one ``LookupSource`` per target model (client, staff): which columns a search
  matches, how a row is named, the order (client names by pinyin, ``backoffice.collation``).
- ``LookupView``: ``GET /lookup/client?q=...&page=1`` and ``GET /lookup/staff?q=...``, JSON in
  select2's format ``{"results": [{"id", "text"}], "pagination": {"more"}}``. Rows are limited
  by the user's row scope (``security.scope.scope_clause``); a user answers only if they may
  list the target (``can_list`` on its view) or add / edit a record on a form that picks one
  (``LookupField`` registers its view). Anyone else gets 403; an anonymous caller 401.
- ``LookupField``: a form field showing a ``<select class="ajax-lookup">`` with only the current
  value (or none: an add form never starts on an arbitrary row); ``static/js/lookup_select.js``
  turns it into a select2 box that asks the endpoint. The posted id is loaded by primary key;
  whether it is in the user's scope is judged by ``views/base.relation_scope_errors`` like any
  relation.
- ``lookup_fields(model, labels, view_name)``: the LookupFields for a model's relations to the
  targets in ``LOOKUPS``; ``ScopedModelView`` adds them to its add and edit forms, so every form
  (clients' owner, contacts' and purchases' client, tickets, visits, appraisals) gets them.
"""
import sqlalchemy as sa
from flask import abort, jsonify, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import Field, ValidationError
from wtforms.widgets import html_params

from backoffice import models as m
from backoffice.collation import pinyin_sorted
from backoffice.extensions import db
from backoffice.security.scope import scope_clause

PAGE_SIZE = 20
MAX_QUERY = 50
BLANK_VALUE = "__None"  # FAB's blank option value, which the forms already understand


class LookupSource:
    def __init__(self, name, model, search, list_view, order, text=str, where=None, scoped=True):
        self.name, self.model, self.search, self.list_view = name, model, search, list_view
        self.order, self.text = order, text
        self.where, self.scoped = where, scoped  # a fixed condition; whether the row scope limits it
        self.form_views = set()  # views whose forms pick this model (LookupField registers them)

    def query(self, q, page):
        model = self.model
        stmt = sa.select(model)
        clause = scope_clause(model) if self.scoped else None
        if clause is not None:
            stmt = stmt.where(clause)
        if self.where is not None:
            stmt = stmt.where(self.where)
        words = (q or "").strip()[:MAX_QUERY].split()
        for word in words:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(sa.or_(*[getattr(model, c).ilike(pattern, escape="\\") for c in self.search]))
        order = [pinyin_sorted(getattr(model, c), db.session) for c in self.order] + [model.id]
        rows = db.session.execute(
            stmt.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        ).scalars().all()
        return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

    def may_use(self, sm):
        if self.list_view and sm.has_access("can_list", self.list_view):
            return True
        return any(sm.has_access(perm, view) for view in self.form_views for perm in ("can_add", "can_edit"))


def _client_text(client):
    return f"{client.code} {client.name}"


LOOKUPS = {
    # SPEC §2: a client is found by its code, its name or its phone number.
    "client": LookupSource("client", m.Client, ("code", "name", "phone"), "ClientView", ("name",), _client_text),
    # Staff by name only: the employee number and phone are not shown to every role (views/api_fields.py).
    "staff": LookupSource("staff", m.Staff, ("name",), "StaffView", ("name",)),
    # 统一受理 (SPEC §4): a ticket's responsible person (and the staff member a complaint is about)
    # is any active staff member of the company; names only, answered to who may add or edit a
    # ticket (views/tickets.py registers TicketView). list_view None: listing staff is not enough.
    "assignee": LookupSource("assignee", m.Staff, ("name",), None, ("name",), where=m.Staff.active.is_(True),
                             scoped=False),
}
BY_MODEL = {source.model: source for source in LOOKUPS.values() if source.scoped}  # the default picker of a model


class LookupView(BaseView):
    """The JSON behind the search-as-you-type pickers (see the module's docstring)."""

    route_base = "/lookup"
    default_view = "client"

    def _answer(self, name):
        if not current_user.is_authenticated:
            abort(401)
        source = LOOKUPS[name]
        if not source.may_use(self.appbuilder.sm):
            abort(403)
        try:
            page = max(1, min(int(request.args.get("page", 1)), 10_000))
        except ValueError:
            page = 1
        rows, more = source.query(request.args.get("q"), page)
        return jsonify(results=[{"id": r.id, "text": source.text(r)} for r in rows], pagination={"more": more})

    @expose("/client")
    def client(self):
        return self._answer("client")

    @expose("/staff")
    def staff(self):
        return self._answer("staff")

    @expose("/assignee")
    def assignee(self):
        return self._answer("assignee")


class LookupWidget:
    """``<select class="ajax-lookup form-control" data-lookup-url=...>`` with the current value only."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        classes = " ".join(c for c in (kwargs.pop("class", ""), kwargs.pop("class_", ""), "ajax-lookup form-control") if c)
        attrs = {
            "id": kwargs["id"], "name": field.name, "class": classes,
            "data-lookup-url": url_for(f"LookupView.{field.source.name}"),
            "data-placeholder": _("Type a code, a name or a phone number to search")
            if field.source.name == "client" else _("Type a name to search"),
            "data-allow-clear": "false" if field.required else "true",
            "data-no-results": _("No matches"), "data-searching": _("Searching…"),
        }
        html = [f"<select {html_params(**attrs)}>"]
        # blank first, selected on an add form: the picker never starts on an arbitrary row
        html.append(f'<option{" selected" if field.data is None else ""} value="{BLANK_VALUE}">—</option>')
        if field.data is not None:
            html.append(f'<option selected value="{field.data.id}">{escape(field.source.text(field.data))}</option>')
        html.append("</select>")
        # The script that makes it searchable, once per page (the browser loads a src once);
        # deferred so that it runs after FAB's jQuery and select2 at the end of the page.
        html.append(f'<script src="{escape(url_for("static", filename="js/lookup_select.js"))}" defer '
                    f'nonce="{escape(getattr(request, "csp_nonce", "") or "")}"></script>')
        return Markup("".join(html))


class LookupField(Field):
    """A relation to a large table, picked by searching (``LookupView``); data is the record."""

    widget = LookupWidget()

    def __init__(self, label=None, validators=None, source=None, required=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.source = source
        self.required = required
        if required:
            self.flags.required = True

    def pre_validate(self, form):
        # Here rather than DataRequired, which would replace "Not a valid choice." by "required".
        if self.required and self.data is None and not self.process_errors:
            raise ValidationError(self.gettext("This field is required."))

    def _value(self):
        return "" if self.data is None else str(self.data.id)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if raw in ("", BLANK_VALUE):
            self.data = None
            return
        try:
            pk = int(raw)
        except ValueError:
            self.data = None
            raise ValueError(_("Not a valid choice.")) from None
        self.data = db.session.get(self.source.model, pk)
        if self.data is None:
            raise ValueError(_("Not a valid choice."))

    def populate_obj(self, obj, name):
        setattr(obj, name, self.data)


def lookup_fields(model, labels, view_name):
    """LookupFields for the to-one relations of ``model`` to a model in ``LOOKUPS``."""
    out = {}
    mapper = sa.inspect(model)
    for rel in mapper.relationships:
        source = BY_MODEL.get(rel.mapper.class_)
        if source is None or rel.uselist or rel.direction.name != "MANYTOONE":
            continue
        nullable = all(col.nullable for col in rel.local_columns)
        source.form_views.add(view_name)
        out[rel.key] = LookupField(labels.get(rel.key, rel.key), source=source, required=not nullable)
    return out

