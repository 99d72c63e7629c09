"""Issue #9, every field: a NUL byte, a 10 kB string and an unknown code on every add form and
every API ``POST``/``PUT`` field of ours get a refusal next to that field, in Chinese, and
nothing is written. The fields are read from the screens and from the OpenAPI document, so a
new screen or field is covered without touching this file."""
import re

import pytest
import sqlalchemy as sa

from backoffice.extensions import db
from tests.integration.test_bad_input import field_errors
from tests.integration.test_bad_input_http import TALLY, counted, report_tally, snapshot  # noqa: F401

CHINESE = re.compile(r"[\u4e00-\u9fff]")
NUL = "\x00"
LONG = "x" * 10000
UNKNOWN_CODE = "zz-unknown"


def _column(model, name):
    mapper = sa.inspect(model)
    return mapper.column_attrs[name].columns[0] if name in mapper.column_attrs else None


def _is_choice(column):
    return getattr(column.type, "enum_class", None) is not None


def _bad_values(column):
    """(label, value) pairs that the column cannot hold."""
    if column is None:
        return []
    if _is_choice(column):
        return [("unknown code", UNKNOWN_CODE), ("NUL", NUL)]
    if isinstance(column.type, sa.String):
        bad = [("NUL", NUL)]
        if getattr(column.type, "length", None):
            bad.append(("10 kB", LONG))
        return bad
    return []


def add_forms(app):
    """(route, model, add columns) of every screen of ours with an add form. A list, not a
    generator: an app context held open across requests would be shared by them."""
    from backoffice.views.base import ScopedModelView

    return [(view.route_base, view.datamodel.obj, list(view.add_columns)) for view in app.appbuilder.baseviews
            if isinstance(view, ScopedModelView) and "can_add" in (view.base_permissions or ["can_add"])]


def test_every_add_form_field(app, login):
    b = counted(login("t_admin"))
    before = snapshot(app)
    tried = checked = 0
    for route, model, columns in add_forms(app):
        if b.get(f"{route}/add").status_code != 200:
            continue
        for name in columns:
            for label, value in _bad_values(_column(model, name)):
                r = b.post(f"{route}/add", data={name: value})
                tried += 1
                assert r.status_code == 200, (route, name, label, r.status_code)  # the form again
                html = r.get_data(as_text=True)
                if f'id="{name}"' not in html:
                    continue  # a field this form renders under another name
                errors = field_errors(html, name)
                assert errors and all(CHINESE.search(e) for e in errors), (route, name, label, errors)
                if label == "NUL":
                    assert "不能包含空字符（NUL）。" in errors or _is_choice(_column(model, name)), (route, name, errors)
                checked += 1
    assert tried > 50 and checked > 40, (tried, checked)
    assert snapshot(app) == before


def api_fields(app, spec):
    out = []
    with app.app_context():
        for api in app.appbuilder.baseviews:
            name = getattr(api, "resource_name", None)
            path = f"/api/v1/{name}/"
            if not name or "post" not in spec["paths"].get(path, {}):
                continue
            ref = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            props = spec["components"]["schemas"][ref.rsplit("/", 1)[1]].get("properties", {})
            model = api.datamodel.obj
            first = db.session.scalar(sa.select(sa.inspect(model).primary_key[0]).limit(1))
            out.append((name, model, list(props), first))
    return out


def test_every_api_field(app, login):
    b = counted(login("t_admin"))
    spec = b.api("get", "/api/v1/_openapi").json
    before = snapshot(app)
    tried = 0
    for resource, model, props, first in api_fields(app, spec):
        for name in props:
            for label, value in _bad_values(_column(model, name)):
                targets = [("post", f"/api/v1/{resource}/")]
                if first is not None:
                    targets.append(("put", f"/api/v1/{resource}/{first}"))
                for method, url in targets:
                    r = b.api(method, url, json={name: value})
                    tried += 1
                    assert r.status_code in (400, 422), (method, url, name, label, r.status_code, r.data[:200])
                    message = r.json["message"]
                    if r.status_code == 422 and isinstance(message, dict):
                        assert name in message, (method, url, name, label, message)
                        assert all(CHINESE.search(m) for m in message[name]), (url, name, message[name])
                    else:  # 400 (e.g. FAB: "no fields to update")
                        assert method == "put" and isinstance(message, str), (method, url, name, message)
    assert tried > 100, tried
    assert snapshot(app) == before
