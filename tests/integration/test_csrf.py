"""CSRF over every mutating route (issue #9), generated from ``app.url_map``.

A route added tomorrow is covered without anyone listing it: every rule that accepts POST, PUT,
PATCH or DELETE is sent that method by a signed-in Admin *without* the token and must be refused
(400, in the user's language) with the database unchanged; every rule whose path names a
mutation (delete, action, recompute, ...) is also sent a GET, which must change nothing either.
URL arguments are real keys of the ``tests/world.py`` rows, so a GET delete would really delete.
Then positive controls prove the same requests do work with the token.
"""
import re

import pytest
import sqlalchemy as sa

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Path words of routes that change something; a GET of them must not (FAB: delete, action).
MUTATION_WORDS = ("delete", "action", "recompute", "cancel", "launch", "confirm", "enter", "upload", "muldelete")
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EXPIRED = "This form has expired or did not come from this site."
REFUSALS = (EXPIRED, "This page has expired.")  # the screens' refusal; the public survey page's own


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def csrf_app(request, tmp_path_factory):
    from tests.conftest import world_app

    from tests.integration.test_survey_public import make_campaign

    with world_app(request.param, tmp_path_factory, WTF_CSRF_ENABLED=True, BABEL_DEFAULT_LOCALE="en") as app:
        with app.app_context():
            make_campaign(app.world)  # invitations, so /survey/<token> is tried with a real token
        yield app


def csrf_token(client, url="/login/"):
    html = client.get(url).get_data(as_text=True)
    m = TOKEN_RE.search(html)
    assert m, f"no CSRF token on {url}"
    return m.group(1)


def signed_in(app, username="t_admin"):
    from tests.conftest import PASSWORD

    client = app.test_client()
    token = csrf_token(client)
    r = client.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and "/login" not in r.headers["Location"], "sign-in failed"
    return client


def fingerprint(app):
    """Every row of every table, so any change anywhere is seen."""
    from backoffice.extensions import db
    from flask_appbuilder.models.sqla import Model

    out = {}
    with app.app_context():
        for table in Model.metadata.sorted_tables:
            rows = db.session.execute(sa.select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
        db.session.rollback()
    return out


def changed_tables(before, after):
    return sorted(t for t in before if before[t] != after.get(t))


def _first_pk(app, model):
    from backoffice.extensions import db

    with app.app_context():
        pk = sa.inspect(model).primary_key[0]
        return db.session.execute(sa.select(pk).order_by(pk).limit(1)).scalar()


def _survey_token(app):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        return db.session.execute(sa.select(m.SurveyInvitation.token).limit(1)).scalar()


def url_arguments(app, rule):
    """Real values for the rule's arguments: a row of the view's model, one of its actions."""
    views = {type(v).__name__: v for v in app.appbuilder.baseviews}
    view = views.get(rule.endpoint.split(".")[0])
    model = getattr(getattr(view, "datamodel", None), "obj", None)
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        if name in ("pk", "id", "run_id") and model is not None:
            values[name] = _first_pk(app, model) or 1
        elif name == "name" and getattr(view, "actions", None):
            values[name] = sorted(view.actions)[0]
        elif name == "token":
            values[name] = _survey_token(app)
        elif name == "locale":
            values[name] = "en"
        elif converter == "IntegerConverter":
            values[name] = 1
        else:
            values[name] = "x1"
    return values


def mutating_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        methods = sorted((rule.methods or set()) & MUTATING)
        get_mutation = "GET" in rule.methods and any(w in rule.rule.lower() for w in MUTATION_WORDS)
        if methods or get_mutation:
            yield rule, methods, get_mutation


def test_every_mutating_route_refuses_a_request_without_the_token(csrf_app):
    app = csrf_app
    client = signed_in(app)
    tried, refused, get_tried, changes, wrong = 0, 0, 0, [], []
    before = fingerprint(app)
    for rule, methods, get_mutation in mutating_rules(app):
        with app.test_request_context():
            from flask import url_for

            extra = {"lang": "en"} if rule.endpoint.startswith("survey_public.") else {}
            url = url_for(rule.endpoint, **url_arguments(app, rule), **extra)
        for method in methods:
            tried += 1
            try:
                r = client.open(url, method=method, data={"name": "x", "rowid": "1", "action": "x"})
            except Exception as exc:  # TESTING propagates a view's crash: the token gate let it through
                wrong.append(f"{method} {url} -> {type(exc).__name__}")
                continue
            body = r.get_data(as_text=True)
            if r.status_code in (400, 403) and any(text in body for text in REFUSALS):
                refused += 1
            else:
                wrong.append(f"{method} {url} -> {r.status_code}")
            after = fingerprint(app)
            if after != before:
                changes.append(f"{method} {url}: {changed_tables(before, after)}")
                before = after
        if get_mutation:
            get_tried += 1
            client.get(url)
            after = fingerprint(app)
            if after != before:
                changes.append(f"GET {url}: {changed_tables(before, after)}")
                before = after
    print(f"\n[{app.backend}] mutating requests without a token: {tried}, refused: {refused}; "
          f"GET of mutation paths: {get_tried}; requests that changed rows: {len(changes)}")
    assert tried >= 100, "the url map should hold well over a hundred mutating routes"
    assert get_tried >= 20
    assert not wrong, wrong
    assert not changes, changes


def test_fab_delete_and_action_by_get_change_nothing_but_post_with_token_works(csrf_app):
    from backoffice import models as m
    from backoffice.extensions import db

    app = csrf_app
    world = app.world
    client = signed_in(app)
    with app.app_context():
        contact_id = world["contacts"]["W001"]
        assert db.session.get(m.Contact, contact_id) is not None
    # The probe's attack: a foreign page sets location.href to the delete URL.
    r = client.get(f"/contactview/delete/{contact_id}")
    assert r.status_code in (302, 405)
    with app.app_context():
        assert db.session.get(m.Contact, contact_id) is not None, "GET deleted the row"
    # The same delete from our own page (a POST form with the token) does delete.
    token = csrf_token(client, "/contactview/list/")
    r = client.post(f"/contactview/delete/{contact_id}", data={"csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(m.Contact, contact_id) is None, "POST with the token did not delete"


def test_api_with_the_session_alone_needs_the_token_header_but_jwt_does_not(csrf_app):
    from backoffice import models as m
    from backoffice.extensions import db
    from tests.conftest import PASSWORD

    app = csrf_app
    client = signed_in(app)
    with app.app_context():
        contact_id = world_contact = app.world["contacts"]["W002"]
        assert db.session.get(m.Contact, world_contact) is not None
    # A foreign page can make the browser send the cookie, not a header: refused, in words.
    r = client.delete(f"/api/v1/contact/{contact_id}")
    assert r.status_code == 400 and EXPIRED in r.json["message"]
    with app.app_context():
        assert db.session.get(m.Contact, contact_id) is not None
    # Reading with the session stays allowed (the job screens poll their progress that way).
    assert client.get(f"/api/v1/contact/{contact_id}").status_code == 200
    # Our own page's script sends the token in X-CSRFToken: allowed.
    token = csrf_token(client, "/contactview/list/")
    r = client.put(f"/api/v1/contact/{contact_id}", json={"phone": "13900000001"}, headers={"X-CSRFToken": token})
    assert r.status_code == 200, r.data
    # A script with a JWT (no cookie) needs no CSRF token.
    jwt = app.test_client().post("/api/v1/security/login", json={
        "username": "t_admin", "password": PASSWORD, "provider": "db", "refresh": False}).json["access_token"]
    r = app.test_client().put(f"/api/v1/contact/{contact_id}", json={"phone": "13900000002"},
                              headers={"Authorization": f"Bearer {jwt}"})
    assert r.status_code == 200, r.data
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(m.Contact, contact_id).phone == "13900000002"


def test_refusal_is_in_the_users_language(csrf_app):
    app = csrf_app
    client = signed_in(app)
    client.get("/lang/zh")
    r = client.post("/contactview/add", data={"name": "x"})
    assert r.status_code == 400
    assert "表单已过期" in r.get_data(as_text=True)
