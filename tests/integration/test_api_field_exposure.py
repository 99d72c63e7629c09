"""No REST response carries a field the role may not read (SPEC §1, issue #9).

For every role of ``tests/world.py`` and every model API the app registers (discovered from the
appbuilder, not listed by hand), the list, a show of a row in scope, ``_info`` and
``q=(columns:!(...))`` selections of each relation and of sensitive dotted columns are fetched;
the JSON is walked at any depth. A violation is:

- a sensitive field nested under another record (pay, a staff member's phone or employee
  number, an invitation token, a password): never, whoever asks;
- a nested record of a type the role cannot GET on its own API showing more than its id and
  display name (code / name / number / username);
- a nested record the role's own API listing of that type does not hold (outside the scope)
  showing more than its id and display name.

What the role may read is learnt by asking the API itself (its status and its listing), so the
test does not reuse the mechanism it checks.
"""
import prison
import pytest
import sqlalchemy as sa
from flask_appbuilder import ModelRestApi

from tests.world import USERS

DISPLAY = {"id", "code", "name", "number", "username"}
# field -> record types it must never be nested from (None: any type)
NEVER_NESTED = {
    "pay_base": None, "final_pay": None, "employee_no": None, "password": None, "token": None,
    "phone": {"Staff"},
}
SENSITIVE_GUESSES = ("pay_base", "phone", "employee_no", "token", "password", "final_pay")


def model_apis(app):
    return sorted(
        (v for v in app.appbuilder.baseviews
         if isinstance(v, ModelRestApi) and getattr(v, "resource_name", None) and hasattr(v, "datamodel")),
        key=lambda v: v.resource_name,
    )


def relations(model):
    return {r.key: r.mapper.class_ for r in sa.inspect(model).relationships}


class Probe:
    def __init__(self, app, browser, apis):
        self.app, self.b, self.apis = app, browser, apis
        self.responses = 0
        self.violations = []
        self._readable = {}  # model -> set of ids the role's own API lists, or None (no access)

    def get(self, url):
        r = self.b.get(url)
        self.responses += 1
        assert r.status_code < 500, f"{self.b.username} {url}: {r.status_code}"
        return r

    def readable(self, model):
        """The ids of ``model`` the role's own API lists (None: no API or no access)."""
        if model not in self._readable:
            api = next((a for a in self.apis if a.datamodel.obj is model), None)
            ids = None
            if api is not None:
                r = self.b.get(f"/api/v1/{api.resource_name}/?q={prison.dumps({'page_size': 500, 'columns': ['id']})}")
                if r.status_code == 200:
                    ids = set(r.json.get("ids") or [])
            self._readable[model] = ids
        return self._readable[model]

    def walk(self, model, row, where):
        if not isinstance(row, dict):
            return
        rels = relations(model)
        for key, value in row.items():
            if key not in rels:
                continue
            target = rels[key]
            for nested in value if isinstance(value, list) else [value]:
                if not isinstance(nested, dict):
                    continue
                self.check_nested(target, nested, f"{where}.{key}")
                self.walk(target, nested, f"{where}.{key}")

    def check_nested(self, target, nested, where):
        keys = set(nested)
        for field, types in NEVER_NESTED.items():
            if field in keys and (types is None or target.__name__ in types):
                self.violations.append(f"{self.b.username} {where}: nested {target.__name__}.{field}")
        extra = keys - DISPLAY
        if not extra:
            return
        ids = self.readable(target)
        if ids is None:
            self.violations.append(
                f"{self.b.username} {where}: {target.__name__} fields {sorted(extra)} (no read on {target.__name__})")
        elif nested.get("id") is not None and nested["id"] not in ids:
            self.violations.append(
                f"{self.b.username} {where}: {target.__name__} #{nested['id']} outside the scope shows {sorted(extra)}")

    def result_rows(self, r):
        res = r.json.get("result")
        return res if isinstance(res, list) else [res] if isinstance(res, dict) else []

    def run(self, api):
        model, base = api.datamodel.obj, f"/api/v1/{api.resource_name}/"
        r = self.get(base)
        if r.status_code != 200:
            return
        for row in self.result_rows(r):
            self.walk(model, row, f"{api.resource_name}[]")
        ids = r.json.get("ids") or []
        info = self.get(f"{base}_info")
        if info.status_code == 200:
            text = info.get_data(as_text=True)
            own = set(sa.inspect(model).columns.keys())  # the record's own fields, for who may edit it
            for field in ("pay_base", "employee_no", "password", "token"):
                if f'"{field}"' in text and field not in own:
                    self.violations.append(f"{self.b.username} {base}_info: mentions {field}")
        rels = relations(model)
        selections = []
        for name in set(api.list_columns or []) | set(api.show_columns or []):
            root = name.split(".")[0]
            if root in rels:
                selections.append([root])
                selections += [[f"{root}.{f}"] for f in SENSITIVE_GUESSES]
        selections.append([f"{k}.{f}" for k in rels for f in SENSITIVE_GUESSES])
        for cols in selections:
            q = prison.dumps({"columns": cols})
            r = self.get(f"{base}?q={q}")
            if r.status_code == 200:
                for row in self.result_rows(r):
                    self.walk(model, row, f"{api.resource_name}[]{cols}")
        if ids:
            pk = ids[0]
            r = self.get(f"{base}{pk}")
            if r.status_code == 200:
                self.walk(model, r.json["result"], f"{api.resource_name}/{pk}")
            for cols in selections:
                r = self.get(f"{base}{pk}?q={prison.dumps({'columns': cols})}")
                if r.status_code == 200:
                    self.walk(model, r.json["result"], f"{api.resource_name}/{pk}{cols}")


# PostgreSQL only: what is nested comes from the API schemas and views/api_fields.py, the same on
# both databases; the row scope under it is checked on both by test_route_matrix.py and
# test_scope.py. On both, this probe alone took six of the suite's minutes.
@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_no_api_response_nests_a_field_the_role_may_not_read(app, login, world, capsys):
    apis = model_apis(app)
    assert len(apis) >= 20, [a.resource_name for a in apis]  # discovery found the app's APIs
    total, violations = 0, []
    for username, *_rest in USERS:
        probe = Probe(app, login(username), apis)
        for api in apis:
            probe.run(api)
        total += probe.responses
        violations += probe.violations
    with capsys.disabled():
        print(f"\n[field exposure {app.backend}] responses checked: {total}, violations: {len(violations)}")
    assert total > 500
    assert not violations, "\n".join(violations[:40]) + f"\n... {len(violations)} in all"


def test_service_desk_sees_no_staff_pay_in_client_or_ticket(app, login, world):
    """The probe of issue #9: the client and ticket embedded the whole staff record."""
    desk = login("t_desk")
    assert desk.get(f"/api/v1/staff/{world['staff']['t_cm1']}").status_code == 403
    client = desk.get(f"/api/v1/client/{world['clients']['W001']}").json["result"]
    assert client["owner"] == {"id": world["staff"]["t_cm1"], "name": "员工4"}
    response = desk.get(f"/api/v1/ticket/{world['tickets']['W001']}")
    ticket, body = response.json["result"], response.get_data(as_text=True)
    assert "pay_base" not in body and "employee_no" not in body and "T006" not in body
    assert ticket["receiver"] == {"id": world["staff"]["t_desk"]}
    q = prison.dumps({"columns": ["owner", "owner.pay_base", "code"]})
    r = desk.get(f"/api/v1/client/{world['clients']['W001']}?q={q}")
    assert r.status_code == 200 and "pay_base" not in r.get_data(as_text=True)
    assert r.json["result"]["owner"] == {"id": world["staff"]["t_cm1"], "name": "员工4"}


def test_a_head_reads_more_of_own_staff_but_never_pay(app, login, world):
    head = login("t_head1")
    owner = head.get(f"/api/v1/client/{world['clients']['W001']}").json["result"]["owner"]
    assert owner["name"] == "员工4" and owner["position"] == "client_manager" and owner["active"] is True
    assert not {"pay_base", "phone", "employee_no"} & set(owner)
