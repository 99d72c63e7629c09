"""Production serving (issue #16): the secret key is required, a request over the time limit is
answered 503 in the user's language, and a client that leaves mid-export frees its cursor.

The last two need PostgreSQL (``statement_timeout``, ``pg_stat_activity``); the disconnect runs
through gunicorn itself, started with ``gunicorn.conf.py`` as ``make serve`` does.
"""
import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import sqlalchemy as sa

from backoffice.extensions import db
from tests.conftest import PASSWORD, Browser, world_app

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 0.3  # seconds: REQUEST_TIME_LIMIT of this module's app
EXPORT_CLIENTS = 40000  # ~4 MB of CSV: more than the sockets' buffers hold


# -- the secret key ---------------------------------------------------------------------------
@pytest.mark.parametrize("key", [None, "", "short-key"])
def test_production_refuses_a_missing_or_short_secret_key(monkeypatch, key):
    import config

    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config._secret_key("production")


def test_gunicorn_stops_before_forking_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["BACKOFFICE_ENV"] = "production"
    out = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--check-config"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "refusing to start: SECRET_KEY must be set" in out.stderr


def test_a_long_enough_secret_key_is_accepted(monkeypatch):
    import config

    monkeypatch.setenv("SECRET_KEY", "k" * config.MIN_SECRET_KEY_LENGTH)
    assert config._secret_key("production") == "k" * config.MIN_SECRET_KEY_LENGTH


# -- the time limit (PostgreSQL) ----------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_app(tmp_path_factory):
    with world_app("postgresql", tmp_path_factory, REQUEST_TIME_LIMIT=LIMIT) as app:
        # A page that is slow the way a runaway report would be: one statement past the limit.
        def slow_page():
            db.session.execute(sa.text("SELECT pg_sleep(5)"))
            return "done"

        app.add_url_rule("/test-only/slow", "test_only_slow", slow_page)
        yield app


def test_a_statement_over_the_time_limit_is_answered_503_in_the_users_language(pg_app):
    browser = Browser(pg_app, "t_admin")
    browser.get("/lang/en")
    t0 = time.perf_counter()
    r = browser.get("/test-only/slow")
    assert time.perf_counter() - t0 < 4  # cancelled by the database, not waited out
    assert r.status_code == 503
    assert r.headers["Retry-After"]
    assert "took too long" in r.get_data(as_text=True)
    browser.get("/lang/zh")
    r = browser.get("/test-only/slow")
    assert r.status_code == 503
    assert "此请求耗时过长" in r.get_data(as_text=True)
    # the worker's connection is usable again: the next request is served
    assert browser.get("/clientview/list/").status_code == 200


def test_the_api_answers_503_json_over_the_time_limit(pg_app, monkeypatch):
    api = next(v for v in pg_app.appbuilder.baseviews if type(v).__name__ == "ClientApi")
    original = api.datamodel.query

    def slow_query(*args, **kwargs):
        db.session.execute(sa.text("SELECT pg_sleep(5)"))
        return original(*args, **kwargs)

    monkeypatch.setattr(api.datamodel, "query", slow_query)
    browser = Browser(pg_app, "t_admin")
    browser.get("/lang/en")
    r = browser.get("/api/v1/client/")
    assert r.status_code == 503
    assert "took too long" in r.get_json()["message"]


def test_only_requests_carry_the_limit(pg_app):
    with pg_app.app_context():  # a job, the CLI: no request
        assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
        db.session.rollback()
    with pg_app.test_request_context():
        assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == f"{int(LIMIT * 1000)}ms"
        db.session.rollback()
    with pg_app.app_context():  # and the same pooled connection is unlimited again outside
        assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
        db.session.rollback()


# -- a client that disconnects mid-export (PostgreSQL, gunicorn) ----------------------------------
def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_backends(pg_app):
    """Sessions of the web server on the test database other than ours: (state, query)."""
    with pg_app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT state, query FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).all()
        db.session.rollback()
    return rows


@pytest.fixture(scope="module")
def gunicorn_server(pg_app):
    with pg_app.app_context():
        dept, owner, user = db.session.execute(sa.text(
            "SELECT department_id, id, user_id FROM staff WHERE employee_no = 'T001'")).one()
        db.session.execute(sa.text("""
            INSERT INTO client (code, name, status, owner_id, department_id, market_type, business_format_id,
                                key_account, development_potential, version, created_on, changed_on,
                                created_by_fk, changed_by_fk)
            SELECT 'DC' || lpad(g::text, 6, '0'), '断开测试客户' || g, 'active', :o, :d, 'C',
                   (SELECT min(id) FROM business_format), false, false, 1, now(), now(), :u, :u
            FROM generate_series(1, :n) g"""), {"n": EXPORT_CLIENTS, "o": owner, "d": dept, "u": user})
        db.session.commit()
        url = pg_app.config["SQLALCHEMY_DATABASE_URI"]
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="t" * 40, BACKOFFICE_ENV="development",
               RATELIMIT_ENABLED="0", BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", GUNICORN_ACCESS_LOG="",
               BACKOFFICE_INSTANCE=os.environ.get("BACKOFFICE_INSTANCE", "/tmp/backoffice-test"))
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/login/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _sign_in(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    r = conn.getresponse()
    page = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": "t_admin", "password": PASSWORD, "csrf_token": token})
    conn.request("POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = conn.getresponse()
    r.read()
    assert r.status == 302
    return r.getheader("Set-Cookie").split(";", 1)[0]


def test_a_client_that_disconnects_mid_export_frees_its_cursor(pg_app, gunicorn_server):
    cookie = _sign_in(gunicorn_server)
    sock = socket.create_connection(("127.0.0.1", gunicorn_server))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET /clientview/export/?_flt_0_status=active HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Cookie: {cookie}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 200")
    # The export is under way: its cursor is open on the server (a FETCH, or between two).
    deadline = time.monotonic() + 10
    while not any("FETCH" in q or "DECLARE" in q for _s, q in _server_backends(pg_app)):
        assert time.monotonic() < deadline, "no export cursor seen"
        time.sleep(0.05)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
    sock.close()
    deadline = time.monotonic() + 10
    while True:
        busy = [(s, q) for s, q in _server_backends(pg_app) if s != "idle"]
        if not busy:
            break
        assert time.monotonic() < deadline, f"the export's session lingers: {busy}"
        time.sleep(0.1)
    # it really was cut short (not finished into the socket buffers): the change log says so
    with pg_app.app_context():
        details = db.session.execute(sa.text(
            "SELECT details FROM change_log WHERE action = 'export' ORDER BY id DESC LIMIT 1")).scalar()
        db.session.rollback()
    assert details["complete"] is False and details["rows"] < EXPORT_CLIENTS
    # and the server serves the next export to its end
    conn = http.client.HTTPConnection("127.0.0.1", gunicorn_server, timeout=60)
    conn.request("GET", "/clientview/export/?_flt_0_code=DC000001", headers={"Cookie": cookie})
    r = conn.getresponse()
    assert r.status == 200 and "DC000001" in r.read().decode("utf-8-sig")


# -- the list's count at a million clients (views/list_count.py) ----------------------------------
def test_the_list_counts_up_to_the_cap_then_says_more_than(pg_app):
    from backoffice.views.list_count import CountAtLeast

    browser = Browser(pg_app, "t_admin")
    browser.get("/lang/en")
    with pg_app.app_context():
        total = db.session.execute(sa.text("SELECT count(*) FROM client")).scalar()
    assert total > 3
    pg_app.config["LIST_COUNT_CAP"] = 3
    try:
        page = browser.get("/clientview/list/").get_data(as_text=True)
        assert "more than 3" in page
        browser.get("/lang/zh")
        assert "超过 3" in browser.get("/clientview/list/").get_data(as_text=True)
        # the API keeps FAB's exact count (scripts page by it)
        assert browser.get("/api/v1/client/").get_json()["count"] == total
        pg_app.config["LIST_COUNT_CAP"] = total  # at or under the cap: exact
        page = browser.get("/clientview/list/").get_data(as_text=True)
        assert "超过" not in page and re.search(rf"\b{total}\b", page)
    finally:
        pg_app.config["LIST_COUNT_CAP"] = 2000
    count = CountAtLeast(4, 3)
    assert count == 4 and count / 2 == 2  # pages are computed on the value
