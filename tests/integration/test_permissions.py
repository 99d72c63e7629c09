"""Every role against every screen and API endpoint, with the status the policy of SPEC §1 expects.

The policy below is written out by hand, independently of backoffice/security/roles.py, so a
change to the role declarations that widens or narrows access fails here.
"""
import pytest

A, H, M, S, B, V = "t_admin", "t_head1", "t_cm1", "t_desk", "t_back1", "t_viewer"
EVERYONE = {A, H, M, S, B, V}
ROLES = sorted(EVERYONE)

# view route -> (read roles, add roles, edit roles, delete roles, sample row key in the world)
SCREENS = {
    "clientview": ({A, H, M, S, B, V}, {A, H}, {A, H, M}, {A, H}, ("clients", "W001")),
    "contactview": ({A, H, M, S, B, V}, {A, H, M}, {A, H, M}, {A, H, M}, ("contacts", "W001")),
    "purchaserecordview": ({A, H, M, B, V}, {A, H, B}, {A, H, B}, {A, H, B}, ("purchases", "W001")),
    "clienttierview": ({A, H, M, B, V}, {A, H}, {A, H}, {A, H}, None),
    "tierhistoryview": ({A, H, M, B, V}, set(), set(), set(), None),
    "ticketview": ({A, H, M, S, B, V}, {A, H, M, S}, {A, H, M, S}, {A, H}, ("tickets", "W001")),
    "ticketeventview": ({A, H, M, S, B, V}, set(), set(), set(), None),
    "visitlogview": ({A, H, M, B, V}, {A, H, M}, {A, H, M}, {A, H, M}, ("visits", "W001")),
    "visitplanview": ({A, H, M, B, V}, {A, H}, {A, H}, {A, H}, None),
    # issue #14: the service desk and back office read their own sheets (the sample is t_cm1's: 404)
    "appraisalsheetview": ({A, H, M, S, B, V}, {A, H}, {A, H}, {A, H}, ("sheets", "t_cm1")),
    "appraisaltemplateview": ({A, H, B, V}, {A}, {A}, {A}, None),
    "tierschemeview": ({A, H, M, B, V}, {A}, {A}, {A}, None),
    "businessformatview": ({A, H, M, S, B, V}, {A}, {A}, {A}, ("formats", "Z")),
    "departmentview": ({A, H, B, V}, {A}, {A}, {A}, ("departments", "D1")),
    "staffview": ({A, H, B, V}, {A}, {A}, {A}, ("staff", "t_cm1")),
    "jobrunview": ({A, H, B, V}, set(), set(), set(), None),
    "changelogview": ({A, H, V}, set(), set(), set(), None),
    # Surveys (SPEC §7): campaigns company-wide; questionnaires are admin data.
    "surveycampaignview": ({A, H, S, B, V}, {A, H}, {A, H}, {A, H}, None),
    "questionnaireview": ({A, H, S, B, V}, {A}, {A}, {A}, None),
    "surveyinvitationview": ({A, H, S, B, V}, set(), set(), set(), None),
    "surveyresultview": ({A, H, B, V}, set(), set(), set(), None),
    "surveyrectificationview": ({A, H, B, V}, {A, H}, {A, H}, {A, H}, None),
    # Survey answers (SPEC §7): read-only list; phone calls for the service desk and supervisors.
    "surveyanswerview": ({A, H, S, B, V}, set(), set(), set(), None),
    "phonesurveyview": ({A, H, S, V}, set(), set(), set(), None),
}

# API resource -> (read roles, post roles, put roles, delete roles, sample row)
APIS = {
    "client": ({A, H, M, S, B, V}, {A, H}, {A, H, M}, {A, H}, ("clients", "W001")),
    "contact": ({A, H, M, S, B, V}, {A, H, M}, {A, H, M}, {A, H, M}, ("contacts", "W001")),
    "purchase": ({A, H, M, B, V}, {A, H, B}, {A, H, B}, {A, H, B}, ("purchases", "W001")),
    "ticket": ({A, H, M, S, B, V}, {A, H, M, S}, {A, H, M, S}, {A, H}, ("tickets", "W001")),
    "visit": ({A, H, M, B, V}, {A, H, M}, {A, H, M}, {A, H, M}, ("visits", "W001")),
    "appraisal_sheet": ({A, H, M, S, B, V}, {A, H}, {A, H}, {A, H}, ("sheets", "t_cm1")),
    "business_format": ({A, H, M, S, B, V}, {A}, {A}, {A}, ("formats", "Z")),
    "staff": ({A, H, B, V}, {A}, {A}, {A}, ("staff", "t_cm1")),
    "department": ({A, H, B, V}, {A}, {A}, {A}, ("departments", "D1")),
    "tier_scheme": ({A, H, M, B, V}, {A}, {A}, {A}, None),
    "job_run": ({A, H, B, V}, set(), set(), set(), None),
    "change_log": ({A, H, V}, set(), set(), set(), None),  # read-only: no POST/PUT/DELETE route
    "survey_campaign": ({A, H, S, B, V}, {A, H}, {A, H}, {A, H}, None),
    "questionnaire": ({A, H, S, B, V}, {A}, {A}, {A}, None),
    "survey_result": ({A, H, B, V}, set(), set(), set(), None),
}


def expected(allowed, role):
    return 200 if role in allowed else 403


# Roles that may read a record type but not the sample row (outside their row scope: 404).
SAMPLE_OUT_OF_SCOPE = {"appraisalsheetview": {S, B}, "appraisal_sheet": {S, B}}


def expected_row(allowed, role, route):
    return 404 if role in SAMPLE_OUT_OF_SCOPE.get(route, ()) else expected(allowed, role)


@pytest.mark.parametrize("route", sorted(SCREENS))
def test_screen_matrix(app, login, world, route):
    read, add, edit, delete, sample = SCREENS[route]
    pk = world[sample[0]][sample[1]] if sample else None
    failures = []
    for role in ROLES:
        b = login(role)
        checks = [("list", f"/{route}/list/", expected(read, role))]
        if add or role == A:
            checks.append(("add", f"/{route}/add", expected(add, role)))
        if pk is not None:
            checks.append(("show", f"/{route}/show/{pk}", expected_row(read, role, route)))
            checks.append(("edit", f"/{route}/edit/{pk}", expected(edit, role)))
            if role not in delete:
                checks.append(("delete", f"/{route}/delete/{pk}", 403))
        for what, url, status in checks:
            got = (b.post(url) if what == "delete" else b.get(url)).status_code
            if got != status:
                failures.append(f"{role} {what} {url}: expected {status}, got {got}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("resource", sorted(APIS))
def test_api_matrix(app, login, world, resource):
    read, post, put, delete, sample = APIS[resource]
    pk = world[sample[0]][sample[1]] if sample else None
    failures = []
    for role in ROLES:
        b = login(role)
        base = f"/api/v1/{resource}/"
        got = b.api("get", base).status_code
        if got != expected(read, role):
            failures.append(f"{role} GET {base}: {got}")
        got = b.api("post", base, json={}).status_code
        refused = 405 if not post else 403  # read-only resources have no POST route at all
        if (role in post) != (got in (400, 422)) or (role not in post and got != refused):
            failures.append(f"{role} POST {base}: {got}")
        if pk is not None:
            got = b.api("get", f"{base}{pk}").status_code
            if got != expected_row(read, role, resource):
                failures.append(f"{role} GET {base}{pk}: {got}")
            got = b.api("put", f"{base}{pk}", json={"no_such_field": 1}).status_code
            if (role in put) != (got in (400, 422)) or (role not in put and got != 403):
                failures.append(f"{role} PUT {base}{pk}: {got}")
            if role not in delete:
                got = b.api("delete", f"{base}{pk}").status_code
                if got != 403:
                    failures.append(f"{role} DELETE {base}{pk}: {got}")
    assert not failures, "\n".join(failures)


# Job-run routes beyond CRUD (SPEC §8): (method, url, roles allowed, status when allowed).
# Launching and cancelling: DeptHead and Admin; the progress JSON: whoever may list runs.
JOB_ROUTES = [
    ("get", "/jobrunview/launch", {A, H}, 200),
    ("api-get", "/api/v1/job_run/progress?ids=1", {A, H, B, V}, 200),
    ("api-post", "/api/v1/job_run/launch", {A, H}, 422),  # empty body: a field error, nothing launched
    ("api-post", "/api/v1/job_run/999999/cancel", {A, H}, 404),
]


def test_job_run_routes_matrix(app, login):
    failures = []
    for role in ROLES:
        b = login(role)
        for method, url, allowed, status in JOB_ROUTES:
            if method == "get":
                got = b.get(url).status_code
            else:
                got = b.api(method.split("-")[1], url, **({"json": {}} if method == "api-post" else {})).status_code
            want = status if role in allowed else 403
            if got != want:
                failures.append(f"{role} {method} {url}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


# Import routes (SPEC §9): can_import on ClientView (DeptHead, Admin) and on PurchaseRecordView
# (DeptHead, BackOffice, Admin). An unknown upload id is 404 for those allowed, 403 for the rest.
IMPORT_ROUTES = [
    ("get", "/import/clients/", {A, H}, 200),
    ("get", "/import/clients/template.csv", {A, H}, 200),
    ("get", "/import/clients/preview/" + "0" * 64, {A, H}, 404),
    ("post", "/import/clients/confirm/" + "0" * 64, {A, H}, 404),
    ("get", "/import/clients/run/999999", {A, H}, 404),
    ("get", "/import/purchases/", {A, H, B}, 200),
    ("get", "/import/purchases/template.csv", {A, H, B}, 200),
    ("get", "/import/purchases/preview/" + "0" * 64, {A, H, B}, 404),
    ("post", "/import/purchases/confirm/" + "0" * 64, {A, H, B}, 404),
    ("post", "/import/purchases/", {A, H, B}, 400),  # no file: a message, nothing stored
]


def test_import_routes_matrix(app, login):
    failures = []
    for role in ROLES:
        b = login(role)
        for method, url, allowed, status in IMPORT_ROUTES:
            got = (b.post(url) if method == "post" else b.get(url)).status_code
            want = status if role in allowed else 403
            if got != want:
                failures.append(f"{role} {method} {url}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


# CSV export (SPEC §9): a permission of its own, for BackOffice, DeptHead, Viewer and Admin on the
# lists they read; never ClientManager or ServiceDesk.
EXPORT_SCREENS = {
    "clientview": {A, H, B, V}, "contactview": {A, H, B, V}, "purchaserecordview": {A, H, B, V},
    "clienttierview": {A, H, B, V}, "ticketview": {A, H, B, V}, "visitlogview": {A, H, B, V},
    "appraisalsheetview": {A, H, V}, "businessformatview": {A, H, B, V}, "staffview": {A, H, B, V},
    "departmentview": {A, H, B, V}, "jobrunview": {A, H, B, V}, "changelogview": {A, H, V},
}
EXPORT_APIS = {"client": {A, H, B, V}, "ticket": {A, H, B, V}, "appraisal_sheet": {A, H, V}, "change_log": {A, H, V}}


def test_export_matrix(app, login):
    failures = []
    for role in ROLES:
        b = login(role)
        for route, allowed in EXPORT_SCREENS.items():
            got = b.get(f"/{route}/export/").status_code
            if got != expected(allowed, role):
                failures.append(f"{role} /{route}/export/: {got}")
        for resource, allowed in EXPORT_APIS.items():
            got = b.api("get", f"/api/v1/{resource}/export.csv").status_code
            if got != expected(allowed, role):
                failures.append(f"{role} /api/v1/{resource}/export.csv: {got}")
    assert not failures, "\n".join(failures)


def test_print_matrix(app, login, world):
    """The A4 print page (seed 003) follows the show page: readers of the client, in scope."""
    w001, w002 = world["clients"]["W001"], world["clients"]["W002"]
    failures = []
    for role in ROLES:
        got = login(role).get(f"/clientview/print/{w001}").status_code
        if got != 200:
            failures.append(f"{role} print W001: {got}")
    for role, status in [(M, 404), (B, 404), (H, 404), (A, 200), (V, 200), (S, 200)]:
        got = login(role).get(f"/clientview/print/{w002}").status_code  # W002 is in D2
        if got != status:
            failures.append(f"{role} print W002: {got}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_and_api_says_401(app):
    c = app.test_client()
    r = c.get("/clientview/list/")
    assert r.status_code in (302, 401, 403)
    if r.status_code == 302:
        assert "/login" in r.headers["Location"]
    assert c.get("/api/v1/client/").status_code == 401


def test_openapi_spec_and_swagger_are_for_admins_only(app, login):
    assert login(A).get("/swagger/v1").status_code == 200
    assert login(A).get("/api/v1/_openapi").status_code == 200
    assert login(M).get("/swagger/v1").status_code == 403
