"""A bounded, seeded fuzz of the REST API from its own OpenAPI document (issue #9: never a 5xx).

Hypothesis draws an operation of ``/api/v1/_openapi`` (FAB_API_SWAGGER_UI is on) and fills it
with values of the declared types and with the inputs that broke the API before: keys beyond
int4, NUL bytes, 10 kB strings, unknown codes, related ids that do not exist, numbers beyond
the column, malformed Rison ``q`` (bad paging, filters on unknown values). Every answer must be
below 500. The seed is fixed, so a run is repeatable; ``FUZZ_EXAMPLES`` sets its length
(``make fuzz`` runs a long one). The run has an app and a database of its own, so what it
writes does not touch the other tests. It prints "fuzzed requests / 5xx".
"""
import os
import re

import prison
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD, world_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
# Launching jobs runs them in-process (no Redis here): a recalculation is not what this is about.
SKIP = re.compile(r"^/api/v1/(security|menu|_openapi|job_run/launch|job_run/.*/cancel)")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(request, tmp_path_factory):
    with world_app(request.param, tmp_path_factory) as app:
        yield app


def _resolve(spec, schema):
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 10:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"].get(name, {})
        seen += 1
    return schema or {}


def operations(spec):
    ops = []
    for path, methods in sorted(spec["paths"].items()):
        if SKIP.match(path):
            continue
        for method, op in sorted(methods.items()):
            if method not in ("get", "post", "put", "delete"):
                continue
            body = None
            content = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            if content:
                body = _resolve(spec, content.get("schema"))
            ops.append((path, method, body))
    return ops


BAD_TEXT = st.sampled_from(["a\x00b", "\x00", "x" * 10000, "长" * 5000, "<script>", "%s%d%%", "'; --", " ", ""])
KEYS = st.one_of(
    st.integers(min_value=-3, max_value=12),
    st.sampled_from([2 ** 31 - 1, 2 ** 31, 9999999999, -(2 ** 31) - 1, 2 ** 63, 10 ** 20]),
)
ANY_SCALAR = st.one_of(
    st.none(), st.booleans(), KEYS, st.integers(), st.floats(allow_nan=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=9).map(str), st.text(max_size=20), BAD_TEXT,
    st.sampled_from(["2026-10-01", "2026-13-45", "2026-10-01 10:00:00", "active", "C", "Q", "1.123456789", "1e400"]),
)


def value_for(spec, schema):
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    choices = []
    if "enum" in schema:
        choices.append(st.sampled_from(schema["enum"]))
    if kind == "integer":
        choices.append(KEYS)
    elif kind == "number":
        choices.append(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                 st.decimals(allow_nan=False, allow_infinity=False).map(str)))
    elif kind == "string":
        fmt = schema.get("format")
        if fmt in ("date", "date-time"):
            choices.append(st.sampled_from(["2026-10-01", "2026-10-01T10:00:00", "2026-02-30", "0000-01-01"]))
        choices.append(st.text(max_size=int(schema.get("maxLength") or 30) + 5))
        choices.append(BAD_TEXT)
    elif kind == "boolean":
        choices.append(st.booleans())
    elif kind == "array":
        choices.append(st.lists(KEYS, max_size=3))
    choices.append(ANY_SCALAR)  # a wrong type now and then
    return st.one_of(*choices)


def body_for(spec, schema):
    props = (schema or {}).get("properties") or {}
    if not props:
        return st.one_of(st.none(), st.dictionaries(st.text(max_size=8), ANY_SCALAR, max_size=3))
    fields = {name: value_for(spec, sub) for name, sub in props.items()}
    return st.fixed_dictionaries({}, optional=fields).flatmap(
        lambda d: st.one_of(st.just(d), st.just([d]), st.just(dict(d, unknown_field=1))) if d else st.just(d))


def filters_for(columns):
    one = st.fixed_dictionaries({
        "col": st.sampled_from(columns or ["id"]),
        "opr": st.sampled_from(["eq", "neq", "sw", "ct", "gt", "lt", "rel_o_m", "in", "nope"]),
        "value": ANY_SCALAR.filter(lambda v: not isinstance(v, float)),
    })
    return st.lists(one, max_size=2)


def rison_q(columns):
    args = st.fixed_dictionaries({}, optional={
        "page": KEYS, "page_size": st.one_of(KEYS, st.sampled_from([0, 1, 25, 100, 101, 1000, 1001])),
        "filters": filters_for(columns), "order_column": st.sampled_from((columns or ["id"]) + ["nope", "<script>"]),
        "order_direction": st.sampled_from(["asc", "desc", "up"]), "columns": st.lists(st.sampled_from(columns or ["id"]), max_size=2),
    })

    def encode(d):
        try:
            return prison.dumps(d)
        except Exception:
            return "()"

    return st.one_of(args.map(encode), st.sampled_from(["((((", "(page:", "!(1,2)", "(filters:oops)", "x" * 300]))


def test_api_fuzz_no_5xx(fuzz_app, capsys):
    app = fuzz_app
    client = app.test_client()
    r = client.post("/api/v1/security/login", json={"username": "t_admin", "password": PASSWORD, "provider": "db"})
    headers = {"Authorization": f"Bearer {r.json['access_token']}"}
    spec = client.get("/api/v1/_openapi", headers=headers).json
    ops = operations(spec)
    assert len(ops) > 100, len(ops)  # the document lists every resource
    search = {}
    for path, method, _body in ops:
        resource = path.split("/")[3]
        search.setdefault(resource, [])
    with app.app_context():
        for api in app.appbuilder.baseviews:
            name = getattr(api, "resource_name", None)
            if name in search:
                search[name] = list(getattr(api, "search_columns", None) or [])
    tally = {"requests": 0, "5xx": []}

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one_request(data):
        path, method, body_schema = data.draw(st.sampled_from(ops), label="operation")
        url = path
        if "{pk}" in url:
            url = url.replace("{pk}", str(data.draw(KEYS, label="pk")))
        query = {}
        if method == "get" and data.draw(st.booleans(), label="with q"):
            query["q"] = data.draw(rison_q(search.get(path.split("/")[3], [])), label="q")
        kwargs = {"headers": headers, "query_string": query}
        if method in ("post", "put"):
            kwargs["json"] = data.draw(body_for(spec, body_schema), label="body")
        response = getattr(client, method)(url, **kwargs)
        tally["requests"] += 1
        if response.status_code >= 500:
            tally["5xx"].append((method.upper(), url, query, kwargs.get("json"), response.status_code,
                                 response.get_data(as_text=True)[:200]))

    one_request()
    with capsys.disabled():
        print(f"\n[{app.backend}] fuzzed requests / 5xx: {tally['requests']} / {len(tally['5xx'])}")
        for case in tally["5xx"][:10]:
            print("  5xx:", repr(case)[:400])
    assert tally["requests"] >= EXAMPLES * 0.9
    assert not tally["5xx"], tally["5xx"][:5]
