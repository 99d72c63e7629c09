"""The job-run screen (SPEC §8, issue #3): runs listed with a progress bar and their state, a
recalculation launched from a form or the API, a queued run cancelled, the progress JSON polled by
the screen, and who may do what.

The app fixture is shared by the whole session: every run a test makes is deleted at its end
(``new_runs``), with whatever a real recalculation wrote (client tiers, history, client codes).
"""
import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from backoffice import models as m
from backoffice.extensions import db
from backoffice.models.choices import JobState

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADS_AND_ADMIN = ("t_admin", "t_head1")


# -- fixtures ------------------------------------------------------------------------------------
def user_id(app, username):
    with app.app_context():
        return app.appbuilder.sm.find_user(username=username).id


def scale_params(period):
    """The parameters of a business-scale run as the screen words them (issue #11)."""
    year, quarter = period.split("Q")
    return f"分级方案：经营规模 1/2/3；期间：{year}年第{quarter}季度"


def last_complete_quarter():
    from backoffice.rules.periods import previous_quarter

    return previous_quarter(dt.date.today()).label


def current_quarter():
    from backoffice.rules.periods import quarter_of

    return quarter_of(dt.date.today() + dt.timedelta(days=1)).label


@pytest.fixture
def new_runs(app):
    """Ids of the runs made during the test; everything they wrote is removed afterwards."""
    with app.app_context():
        start = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(m.JobRun.id), 0))).scalar()
        clients = {c.id: (c.scale, c.service_level, c.composite_code, c.key_account)
                   for c in db.session.execute(sa.select(m.Client)).scalars()}

    def ids():
        with app.app_context():
            return db.session.execute(sa.select(m.JobRun.id).where(m.JobRun.id > start).order_by(m.JobRun.id)).scalars().all()

    yield ids
    with app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()  # audit columns of the restored clients
        made = sa.select(m.JobRun.id).where(m.JobRun.id > start)
        db.session.execute(sa.delete(m.TierHistory).where(m.TierHistory.run_id.in_(made)))
        db.session.execute(sa.delete(m.ClientTier).where(m.ClientTier.run_id.in_(made)))
        db.session.execute(sa.delete(m.JobRun).where(m.JobRun.id > start))
        for client in db.session.execute(sa.select(m.Client)).scalars():
            if client.id in clients:
                client.scale, client.service_level, client.composite_code, client.key_account = clients[client.id]
        db.session.commit()


@pytest.fixture
def held(monkeypatch):
    """Launches are recorded but not started (as while every worker is busy): runs stay queued."""
    import backoffice.jobs.execute as execute

    monkeypatch.setattr(execute, "submit_in_process", lambda run_id: None)


@pytest.fixture
def synchronous(app):
    """Embedded mode (no REDIS_URL) running each job inline, so a launch returns a finished run."""
    before = app.config.get("JOBS_SYNCHRONOUS")
    app.config["JOBS_SYNCHRONOUS"] = True
    yield
    app.config["JOBS_SYNCHRONOUS"] = before


def make_run(app, username="t_head1", **values):
    """A job-run row written directly (the list and JSON tests need exact states and progress)."""
    values.setdefault("kind", "selftest.count")
    values.setdefault("queue", "default")
    values.setdefault("params", {"n": 10})
    values.setdefault("state", JobState.queued)
    values.setdefault("queued_at", dt.datetime(2026, 11, 2, 1, 0, 0))
    with app.app_context():
        run = m.JobRun(launched_by_id=user_id(app, username) if username else None, **values)
        db.session.add(run)
        db.session.commit()
        return run.id


def get_run(app, pk):
    with app.app_context():
        db.session.expire_all()
        run = db.session.get(m.JobRun, pk)
        if run is None:
            return None
        return {c.key: getattr(run, c.key) for c in sa.inspect(m.JobRun).column_attrs}


def zh(app, msgid, **kw):
    """A message as a Chinese user reads it (the pages default to zh), HTML-escaped like the page."""
    with app.test_request_context(), force_locale("zh"):
        return html.escape(gettext(msgid, **kw), quote=False)


def text_of(page):
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def field_errors(page):
    return [html.unescape(e).strip() for e in re.findall(r'class="help-block job-field-error">([^<]*)<', page)]


def require_recalc_kind(app):
    from backoffice.jobs.registry import load_all

    if "recalc.scale" not in load_all():
        pytest.fail("job kind recalc.scale (backoffice/jobs/kind_recalc.py) is not registered")


# -- the list and show pages ---------------------------------------------------------------------
def test_list_shows_progress_bar_state_and_readable_parameters(app, login, new_runs):
    running = make_run(
        app, kind="recalc.scale", queue="recalc", params={"scheme": "SCALE", "period": "2026Q3"},
        state=JobState.running, progress_done=3, progress_total=12,
        started_at=dt.datetime(2026, 11, 2, 1, 0, 5),
    )
    finished = make_run(
        app, state=JobState.finished, progress_done=10, progress_total=10,
        started_at=dt.datetime(2026, 11, 2, 1, 0, 0), ended_at=dt.datetime(2026, 11, 2, 1, 2, 5),
        summary={"counted": 10},
    )
    page = login("t_head1").get("/jobrunview/list/").get_data(as_text=True)
    row = re.search(rf'<tr class="job-run" data-run-id="{running}" data-run-state="running">(.*?)</tr>', page, re.S)
    assert row, "the running run has no row"
    cells = row.group(1)
    assert 'aria-valuenow="25"' in cells and "width: 25%" in cells and ">25%<" in cells
    assert "progress-bar-striped active" in cells  # it moves while the job works
    assert re.search(r'job-done">3<.*job-total">12<', cells, re.S)
    assert scale_params("2026Q3") in cells and "{" not in text_of(cells)  # parameters read as words
    assert "SCALE" not in text_of(cells)  # the scheme's name, not its code
    assert "label-primary" in cells and ">运行中<" in cells
    # 01:00:05 UTC is 09:00:05 in the company's time zone (Asia/Shanghai)
    assert "2026-11-02 09:00:05" in cells

    done = re.search(rf'data-run-id="{finished}" data-run-state="finished">(.*?)</tr>', page, re.S).group(1)
    assert "已完成" in done and "progress-bar-success" in done and 'aria-valuenow="100"' in done
    assert "计数项数：10" in done and "2:05" in done  # duration: 2 minutes 5 seconds
    assert "progress-bar-striped" not in done
    # the page polls the progress endpoint with the app's own script (no CDN)
    assert 'data-progress-url="/api/v1/job_run/progress"' in page
    assert re.search(r'<script src="/static/js/job_progress.js"', page)
    assert "cdn" not in page.lower()


def test_list_offers_launch_and_cancel_only_to_heads_and_admins(app, login, new_runs):
    make_run(app)
    for username in HEADS_AND_ADMIN:
        page = login(username).get("/jobrunview/list/").get_data(as_text=True)
        assert 'href="/jobrunview/launch"' in page, username
        assert "fa-ban" in page, username  # the cancel action
    for username in ("t_back1", "t_viewer"):
        page = login(username).get("/jobrunview/list/").get_data(as_text=True)
        assert 'href="/jobrunview/launch"' not in page, username
        assert "fa-ban" not in page, username


def test_show_page_reads_summary_as_a_table_and_error_as_text(app, login, new_runs):
    pk = make_run(
        app, kind="recalc.scale", queue="recalc", params={"scheme": "SCALE", "period": "2026Q3"},
        state=JobState.finished, progress_done=3, progress_total=3,
        started_at=dt.datetime(2026, 11, 2, 1, 0, 0), ended_at=dt.datetime(2026, 11, 2, 1, 0, 9),
        summary={"clients": 3, "changed": 2, "note": "ok"},
    )
    page = login("t_head1").get(f"/jobrunview/show/{pk}").get_data(as_text=True)
    table = re.search(r'<table class="table table-condensed table-striped job-summary".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td></tr>", table)
    assert [value for _label, value in rows] == ["3", "2", "ok"]
    assert rows[2][0] == "note"  # a key without a label is shown as it is
    assert '{"clients"' not in page and "&#34;clients&#34;" not in page  # no raw JSON
    assert "已完成" in page and scale_params("2026Q3") in page

    failed = make_run(app, state=JobState.failed, error="RuntimeError: selftest asked to fail_at 3",
                      started_at=dt.datetime(2026, 11, 2, 1, 0, 0), ended_at=dt.datetime(2026, 11, 2, 1, 0, 1))
    page = login("t_head1").get(f"/jobrunview/show/{failed}").get_data(as_text=True)
    assert re.search(r'<pre class="job-error">RuntimeError: selftest asked to fail_at 3</pre>', page)
    assert "失败" in page and "label-danger" in page


# -- the launch form -----------------------------------------------------------------------------
def test_launch_form_offers_active_schemes_with_format_and_default_period(app, login):
    page = login("t_head1").get("/jobrunview/launch").get_data(as_text=True)
    options = dict(re.findall(r'<option value="(\w+)" data-default="([^"]*)"', page))
    with app.app_context():
        active = set(db.session.execute(sa.select(m.TierScheme.code).where(m.TierScheme.active.is_(True))).scalars())
    assert set(options) == active
    assert options["SCALE"] == last_complete_quarter()
    assert options["ANNUAL"] == str(dt.date.today().year - 1)
    assert re.search(rf'id="period" name="period"[^>]*value="{last_complete_quarter()}"', page)  # SCALE first
    assert '<script src="/static/js/job_launch.js"' in page


@pytest.mark.parametrize("username", ["t_back1", "t_viewer", "t_cm1", "t_desk"])
def test_launch_form_is_refused_to_other_roles(app, login, new_runs, username):
    b = login(username)
    assert b.get("/jobrunview/launch").status_code == 403
    assert b.post("/jobrunview/launch", data={"scheme": "SCALE", "period": last_complete_quarter()}).status_code == 403
    assert new_runs() == []


@pytest.mark.parametrize("scheme, period, field, msgid, kw", [
    ("SCALE", "2026Q5", "period",
     "%(period)s is not a quarter: write it like 2026Q3 (a year, Q, then 1 to 4).", {"period": "2026Q5"}),
    ("SCALE", "2025", "period",
     "%(period)s is not a quarter: write it like 2026Q3 (a year, Q, then 1 to 4).", {"period": "2025"}),
    ("ANNUAL", "2026Q1", "period",
     "%(period)s is not a year: write a year with four digits, like 2025.", {"period": "2026Q1"}),
    ("NOPE", "2026Q3", "scheme", "There is no tier scheme %(code)s.", {"code": "NOPE"}),
])
def test_launch_form_refuses_bad_input_in_chinese_and_records_nothing(app, login, new_runs, held,
                                                                      scheme, period, field, msgid, kw):
    page = login("t_head1").post("/jobrunview/launch", data={"scheme": scheme, "period": period})
    assert page.status_code == 200  # the form again, not a redirect
    body = page.get_data(as_text=True)
    errors = field_errors(body)
    assert errors == [html.unescape(zh(app, msgid, **kw))]
    assert CJK.search(errors[0]), f"the refusal is not in Chinese: {errors[0]}"
    assert re.search(rf'form-group has-error">\s*<label class="col-sm-2 control-label" for="{field}"', body)
    assert new_runs() == []


def test_launch_form_refuses_a_period_that_has_not_ended(app, login, new_runs, held):
    quarter = current_quarter()
    body = login("t_head1").post("/jobrunview/launch", data={"scheme": "SCALE", "period": quarter}).get_data(as_text=True)
    errors = field_errors(body)
    assert len(errors) == 1 and quarter in errors[0] and CJK.search(errors[0]), errors
    assert new_runs() == []


def test_launch_form_records_the_run_and_refuses_the_same_while_queued(app, login, new_runs, held):
    require_recalc_kind(app)
    period = last_complete_quarter()
    b = login("t_head1")
    r = b.post("/jobrunview/launch", data={"scheme": "SCALE", "period": period})
    assert r.status_code == 302 and r.headers["Location"].endswith("/jobrunview/list/")
    [pk] = new_runs()
    run = get_run(app, pk)
    assert run["kind"] == "recalc.scale" and run["params"] == {"scheme": "SCALE", "period": period}
    assert run["state"] == JobState.queued and run["launched_by_id"] == user_id(app, "t_head1")
    assert run["dedupe_key"] == f"recalc:SCALE:{period}"
    page = b.get("/jobrunview/list/").get_data(as_text=True)
    assert f"#{pk}" in text_of(page) and "alert-success" in page  # the flash names the run
    assert re.search(rf'data-run-id="{pk}" data-run-state="queued"', page)

    # the same scheme and period again, while the first is queued: refused, nothing recorded
    body = b.post("/jobrunview/launch", data={"scheme": "SCALE", "period": period}).get_data(as_text=True)
    errors = field_errors(body)
    assert errors == [html.unescape(zh(app, "The same job is already %(state)s (run #%(id)s).", state="排队中", id=pk))]
    assert CJK.search(errors[0])
    assert new_runs() == [pk]


def test_launch_runs_the_recalculation_in_process(app, login, new_runs, synchronous):
    require_recalc_kind(app)
    r = login("t_head1").post("/jobrunview/launch", data={"scheme": "SCALE", "period": last_complete_quarter()},
                              follow_redirects=True)
    # The scale run, then the service-level run it launches for the same quarter (recalc engine).
    pk, follow_up = new_runs()
    run = get_run(app, pk)
    assert run["state"] == JobState.finished, run["error"]
    assert run["progress_total"] > 0 and run["progress_done"] == run["progress_total"]
    assert run["summary"]["service_level_run"] == follow_up
    assert get_run(app, follow_up)["state"] == JobState.finished
    page = r.get_data(as_text=True)
    assert zh(app, "Run #%(id)s (%(job)s %(params)s) is queued; without a job queue it runs inside this "
                   "application.", id=pk, job=_kind_label(app, "recalc.scale"),
              params=scale_params(last_complete_quarter())) in page
    assert re.search(rf'data-run-id="{pk}" data-run-state="finished"', page)


def _kind_label(app, kind):
    from backoffice.jobs.registry import load_all

    with app.test_request_context(), force_locale("zh"):
        return str(load_all()[kind].label)


def test_launch_with_redis_unreachable_records_the_run_as_queued_and_says_so(app, login, new_runs):
    require_recalc_kind(app)
    before = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.extensions.pop("backoffice_redis", None)
    try:
        r = login("t_head1").post("/jobrunview/launch", data={"scheme": "SCALE", "period": last_complete_quarter()},
                                  follow_redirects=True)
    finally:
        app.config["REDIS_URL"] = before
        app.extensions.pop("backoffice_redis", None)
    [pk] = new_runs()
    run = get_run(app, pk)
    assert run["state"] == JobState.queued and run["enqueued"] is False
    page = r.get_data(as_text=True)
    assert "alert-warning" in page
    assert zh(app, "Run #%(id)s (%(job)s %(params)s) is recorded as queued, but the job queue (Redis) cannot be "
                   "reached: it will start when the queue is back.", id=pk, job=_kind_label(app, "recalc.scale"),
              params=scale_params(last_complete_quarter())) in page


# -- cancel ---------------------------------------------------------------------------------------
def test_cancel_action_cancels_queued_runs_and_refuses_the_others(app, login, new_runs):
    queued = make_run(app)
    running = make_run(app, state=JobState.running, started_at=dt.datetime(2026, 11, 2, 1, 0, 0))
    r = login("t_head1").post("/jobrunview/action_post", data={"action": "cancel", "rowid": [queued, running]},
                              follow_redirects=True)
    page = r.get_data(as_text=True)
    assert get_run(app, queued)["state"] == JobState.cancelled and get_run(app, queued)["ended_at"] is not None
    assert get_run(app, running)["state"] == JobState.running
    assert zh(app, "Cancelled: %(ids)s.", ids=f"#{queued}") in page
    assert zh(app, "Run #%(id)s cannot be cancelled: it is %(state)s. Only a queued run can be cancelled.",
              id=running, state="运行中") in page


def test_cancel_is_refused_outside_scope_and_without_permission(app, login, new_runs):
    # t_head2 launched a non-recalculation run: t_head1 does not see it (scope), so cannot cancel it.
    other = make_run(app, username="t_head2")
    assert login("t_head1").post("/jobrunview/action_post", data={"action": "cancel", "rowid": [other]}).status_code == 404
    assert login("t_head1").get(f"/jobrunview/show/{other}").status_code == 404
    own = make_run(app, username="t_back1")
    r = login("t_back1").post("/jobrunview/action_post", data={"action": "cancel", "rowid": [own]})
    assert r.status_code in (302, 403)
    assert get_run(app, other)["state"] == JobState.queued and get_run(app, own)["state"] == JobState.queued


# -- scope -----------------------------------------------------------------------------------------
def test_recalculations_are_company_wide_other_runs_belong_to_their_launcher(app, login, new_runs):
    recalc = make_run(app, username="t_head2", kind="recalc.scale", queue="recalc",
                      params={"scheme": "SCALE", "period": "2026Q2"})
    private = make_run(app, username="t_head2")
    seen = {u: login(u).get("/jobrunview/list/").get_data(as_text=True) for u in ("t_admin", "t_head1", "t_head2", "t_viewer", "t_back1")}
    for username, page in seen.items():
        assert f'data-run-id="{recalc}"' in page, username
    for username in ("t_admin", "t_head2", "t_viewer"):
        assert f'data-run-id="{private}"' in seen[username], username
    for username in ("t_head1", "t_back1"):
        assert f'data-run-id="{private}"' not in seen[username], username


# -- the progress JSON -----------------------------------------------------------------------------
def test_progress_json_is_scoped(app, login, new_runs):
    running = make_run(app, kind="recalc.scale", queue="recalc", params={"scheme": "SCALE", "period": "2026Q2"},
                       state=JobState.running, progress_done=5, progress_total=20,
                       started_at=dt.datetime(2026, 11, 2, 1, 0, 0))
    private = make_run(app, username="t_head2")
    b = login("t_head1")
    r = b.get(f"/api/v1/job_run/progress?ids={running},{private},999999,abc")  # browser session
    assert r.status_code == 200
    runs = {run["id"]: run for run in r.json["runs"]}
    assert set(runs) == {running}  # t_head2's own run is not t_head1's to see
    run = runs[running]
    assert (run["state"], run["state_label"], run["done"], run["total"], run["percent"]) == ("running", "运行中", 5, 20, 25)
    assert run["active"] is True and run["params"] == scale_params("2026Q2") and run["started_at"] == "2026-11-02 09:00:00"
    assert {r["id"] for r in login("t_head2").api("get", f"/api/v1/job_run/progress?ids={running},{private}").json["runs"]} == {running, private}
    assert b.get("/api/v1/job_run/progress").json == {"runs": []}


@pytest.mark.parametrize("username", ["t_cm1", "t_desk"])
def test_progress_json_is_forbidden_to_roles_without_job_runs(app, login, new_runs, username):
    pk = make_run(app, kind="recalc.scale", queue="recalc", params={"scheme": "SCALE", "period": "2026Q2"})
    b = login(username)
    assert b.get(f"/api/v1/job_run/progress?ids={pk}").status_code == 403
    assert b.api("get", f"/api/v1/job_run/progress?ids={pk}").status_code == 403
    assert b.get("/jobrunview/list/").status_code == 403


def test_progress_json_follows_a_run_to_its_end(app, login, new_runs, synchronous):
    from backoffice.jobs import launch

    with app.test_request_context():
        from flask import g

        g.user = app.appbuilder.sm.find_user(username="t_head1")
        run = launch("selftest.count", {"n": 4}, user=g.user)
        pk = run.id
    body = login("t_head1").get(f"/api/v1/job_run/progress?ids={pk}").json
    [run] = body["runs"]
    assert (run["state"], run["state_label"], run["done"], run["total"], run["percent"], run["active"]) == (
        "finished", "已完成", 4, 4, 100, False)
    assert run["summary"] == [[zh(app, "Counted"), "4"]]


# -- the API for scripts ---------------------------------------------------------------------------
def test_api_launch_returns_201_with_the_run_and_422_with_a_field_error(app, login, new_runs, held):
    require_recalc_kind(app)
    b = login("t_head1")
    period = last_complete_quarter()
    r = b.api("post", "/api/v1/job_run/launch", json={"scheme": "SCALE", "period": period})
    assert r.status_code == 201, r.json
    [pk] = new_runs()
    assert r.json["id"] == pk and r.json["result"]["state"] == "queued" and r.json["result"]["params"] == scale_params(period)
    assert get_run(app, pk)["launched_by_id"] == user_id(app, "t_head1")

    r = b.api("post", "/api/v1/job_run/launch", json={"scheme": "SCALE", "period": period})
    assert r.status_code == 422 and list(r.json["message"]) == ["period"]
    r = b.api("post", "/api/v1/job_run/launch", json={"scheme": "SCALE", "period": "2026Q5"})
    assert r.status_code == 422 and CJK.search(r.json["message"]["period"][0])
    r = b.api("post", "/api/v1/job_run/launch", json={"scheme": "NOPE", "period": period})
    assert r.status_code == 422 and list(r.json["message"]) == ["scheme"]
    assert new_runs() == [pk]

    # cancel through the API: the queued run, then a second time (already cancelled: 409)
    r = b.api("post", f"/api/v1/job_run/{pk}/cancel")
    assert r.status_code == 200 and r.json["result"]["state"] == "cancelled"
    assert get_run(app, pk)["state"] == JobState.cancelled
    r = b.api("post", f"/api/v1/job_run/{pk}/cancel")
    assert r.status_code == 409 and CJK.search(r.json["message"])
    assert b.api("post", "/api/v1/job_run/999999/cancel").status_code == 404


@pytest.mark.parametrize("username", ["t_back1", "t_viewer", "t_cm1", "t_desk"])
def test_api_launch_and_cancel_are_forbidden_to_other_roles(app, login, new_runs, username):
    pk = make_run(app, kind="recalc.scale", queue="recalc", params={"scheme": "SCALE", "period": "2026Q2"})
    b = login(username)
    assert b.api("post", "/api/v1/job_run/launch", json={"scheme": "SCALE", "period": last_complete_quarter()}).status_code == 403
    assert b.api("post", f"/api/v1/job_run/{pk}/cancel").status_code == 403
    assert new_runs() == [pk] and get_run(app, pk)["state"] == JobState.queued
