"""Sign-in and session hardening (issue #9), on an app with the limiter and CSRF switched on:
failed sign-ins throttled per user and per address (form and API), a signed-out cookie refused
when replayed, a malformed token answered with 401, security headers and cookie flags."""
import re

import pytest

from tests.conftest import PASSWORD
from tests.integration.test_csrf import csrf_token

ZH_TOO_MANY = "登录尝试次数过多"
EN_TOO_MANY = "Too many sign-in attempts."


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def secure_app(request, tmp_path_factory):
    from tests.conftest import world_app

    with world_app(
        request.param, tmp_path_factory, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
        LOGIN_FAILURE_LIMIT_USER="3 per 15 minutes", LOGIN_FAILURE_LIMIT_IP="6 per 15 minutes",
        AUTH_RATE_LIMIT="100 per 20 second",
    ) as app:
        yield app


@pytest.fixture
def limits_reset(secure_app):
    secure_app.appbuilder.sm.limiter.reset()
    yield secure_app
    secure_app.appbuilder.sm.limiter.reset()


def attempt(app, username, password, ip, lang=None):
    """One sign-in through the form (with its CSRF token) from address ``ip``: (client, response)."""
    client = app.test_client()
    env = {"REMOTE_ADDR": ip}
    if lang:
        client.get(f"/lang/{lang}", environ_base=env)
    token = csrf_token(client)
    r = client.post("/login/", data={"username": username, "password": password, "csrf_token": token},
                    environ_base=env)
    return client, r


def signed_in_ok(r):
    return r.status_code == 302 and "/login" not in r.headers["Location"]


def test_wrong_passwords_for_one_user_lock_that_user_even_with_the_right_password(limits_reset):
    app = limits_reset
    for i in range(3):  # from different addresses: the per-user limit, not the per-address one
        _c, r = attempt(app, "t_head1", "wrong", f"10.10.0.{i}")
        assert r.status_code == 302 and "/login" in r.headers["Location"], "a wrong password is refused"
    client, r = attempt(app, "t_head1", PASSWORD, "10.10.1.1")
    assert r.status_code == 429
    assert ZH_TOO_MANY in r.get_data(as_text=True)  # Simplified Chinese, the default (SPEC §10)
    assert client.get("/clientview/list/", environ_base={"REMOTE_ADDR": "10.10.1.1"}).status_code == 302
    _c, r = attempt(app, "T_HEAD1 ", PASSWORD, "10.10.1.2", lang="en")  # same user, other spelling
    assert r.status_code == 429 and EN_TOO_MANY in r.get_data(as_text=True)
    # Another user from the same address is not locked out.
    _c, r = attempt(app, "t_head2", PASSWORD, "10.10.1.1")
    assert signed_in_ok(r)


def test_wrong_passwords_from_one_address_lock_that_address(limits_reset):
    app = limits_reset
    for i in range(6):  # six different user names: the per-address limit
        _c, r = attempt(app, f"nobody{i}", "wrong", "10.20.0.1")
        assert r.status_code == 302
    _c, r = attempt(app, "t_desk", PASSWORD, "10.20.0.1")
    assert r.status_code == 429 and ZH_TOO_MANY in r.get_data(as_text=True)
    _c, r = attempt(app, "t_desk", PASSWORD, "10.20.0.2")
    assert signed_in_ok(r), "the same user from another address signs in"


def test_successful_sign_ins_are_not_counted_as_failures(limits_reset):
    app = limits_reset
    for _ in range(5):
        _c, r = attempt(app, "t_back1", PASSWORD, "10.30.0.1")
        assert signed_in_ok(r)


def test_api_login_is_throttled_per_user_too(limits_reset):
    app = limits_reset
    c = app.test_client()
    body = {"username": "t_viewer", "password": "wrong", "provider": "db", "refresh": False}
    codes = [c.post("/api/v1/security/login", json=body, environ_base={"REMOTE_ADDR": f"10.40.0.{i}"}).status_code
             for i in range(3)]
    assert codes == [401, 401, 401]
    r = c.post("/api/v1/security/login", json=dict(body, password=PASSWORD), environ_base={"REMOTE_ADDR": "10.40.1.1"})
    assert r.status_code == 429 and ZH_TOO_MANY in r.json["message"]
    assert "access_token" not in r.json


def test_a_cookie_replayed_after_sign_out_is_refused(secure_app):
    app = secure_app
    app.appbuilder.sm.limiter.reset()
    client, r = attempt(app, "t_cm1", PASSWORD, "10.50.0.1")
    assert signed_in_ok(r)
    cookie = client.get_cookie("session")
    assert client.get("/clientview/list/").status_code == 200
    client.get("/logout/")
    # An attacker (or a back button, a copied cookie) sends the old cookie again.
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
    r = thief.get("/clientview/list/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = thief.get("/api/v1/client/")
    assert r.status_code == 401
    # Signing in again gives a working session.
    client2, r = attempt(app, "t_cm1", PASSWORD, "10.50.0.1")
    assert signed_in_ok(r) and client2.get("/clientview/list/").status_code == 200


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(secure_app):
    from backoffice.extensions import db
    from flask_appbuilder.security.sqla.models import User
    import sqlalchemy as sa

    app = secure_app
    app.appbuilder.sm.limiter.reset()
    victim, r = attempt(app, "t_viewer", PASSWORD, "10.55.0.1")
    assert signed_in_ok(r) and victim.get("/clientview/list/").status_code == 200
    admin, r = attempt(app, "t_admin", PASSWORD, "10.55.0.2")
    with app.app_context():
        uid = db.session.execute(sa.select(User.id).where(User.username == "t_viewer")).scalar_one()
    token = csrf_token(admin, f"/resetpassword/form?pk={uid}")
    r = admin.post(f"/resetpassword/form?pk={uid}",
                   data={"password": PASSWORD, "conf_password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    r = victim.get("/clientview/list/")
    assert r.status_code == 302 and "/login" in r.headers["Location"], "the old session must be over"
    assert admin.get("/clientview/list/").status_code == 200, "the admin's own session goes on"


@pytest.mark.parametrize("token", ["garbage", "abc.def.ghi", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad"])
def test_a_malformed_token_answers_401(secure_app, token):
    r = secure_app.test_client().get("/api/v1/client/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json["message"] == "访问令牌无效，请重新登录以获取新令牌。"


def test_a_token_signed_with_another_key_answers_401(secure_app):
    import jwt

    forged = jwt.encode({"sub": "1", "type": "access", "fresh": False}, "not-our-key-" * 4, algorithm="HS256")
    r = secure_app.test_client().get("/api/v1/client/", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def _assert_security_headers(r):
    csp = r.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0], "no inline scripts without nonce"
    assert r.headers.get("X-Frame-Options") == "DENY"
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("Referrer-Policy") == "same-origin"
    return csp


def test_security_headers_on_a_page_and_an_api_response(secure_app):
    app = secure_app
    app.appbuilder.sm.limiter.reset()
    client, r = attempt(app, "t_admin", PASSWORD, "10.60.0.1")
    page = client.get("/clientview/list/")
    csp = _assert_security_headers(page)
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    inline = [s for s in scripts if "src=" not in s]
    assert inline and all(f'nonce="{nonce}"' in s for s in inline), "every inline script carries this page's nonce"
    _assert_security_headers(client.get("/api/v1/client/"))
    _assert_security_headers(app.test_client().get("/login/"))


def test_session_cookie_flags(secure_app):
    app = secure_app
    app.appbuilder.sm.limiter.reset()
    _client, r = attempt(app, "t_admin", PASSWORD, "10.70.0.1")
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development: plain http on localhost


def test_production_cookie_is_secure(tmp_path_factory):
    from tests.conftest import make_app

    app, drop = make_app("sqlite", tmp_path_factory, ENV_NAME="production", WTF_CSRF_ENABLED=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    r = app.test_client().get("/login/", base_url="https://backoffice.example")
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age" in r.headers.get("Strict-Transport-Security", "")


@pytest.fixture
def own_redis_db():
    """A Redis database of this test's own (the same reservation as tests/jobs/conftest.py)."""
    import os
    import time

    from redis import Redis

    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
    lock = Redis.from_url(f"{base}/0")
    token = f"{os.getpid()}-{time.time()}"
    for n in range(15, 0, -1):
        if lock.set(f"backoffice-test-db:{n}", token, nx=True, ex=3600):
            break
    else:
        pytest.fail("no free Redis database (1-15) for this test")
    conn = Redis.from_url(f"{base}/{n}")
    conn.flushdb()
    yield f"{base}/{n}", conn
    conn.flushdb()
    if lock.get(f"backoffice-test-db:{n}") == token.encode():
        lock.delete(f"backoffice-test-db:{n}")


def test_with_redis_the_counters_are_shared_by_every_web_process(tmp_path_factory, own_redis_db):
    """Two apps (two web processes) on one Redis: failures counted by one lock the user on both."""
    from tests.conftest import world_app

    url, conn = own_redis_db
    settings = dict(REDIS_URL=url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=True,
                    LOGIN_FAILURE_LIMIT_USER="2 per 15 minutes", LOGIN_FAILURE_LIMIT_IP="50 per 15 minutes")
    with world_app("sqlite", tmp_path_factory, **settings) as one, world_app("sqlite", tmp_path_factory, **settings) as two:
        assert one.config["RATELIMIT_STORAGE_URI"] == url
        for i in range(2):
            _c, r = attempt(one, "t_head2", "wrong", f"10.80.0.{i}")
            assert r.status_code == 302
        assert any(b"backoffice" in k for k in conn.keys("*")), f"the counters are in Redis: {conn.keys('*')}"
        _c, r = attempt(two, "t_head2", PASSWORD, "10.80.1.1")
        assert r.status_code == 429 and ZH_TOO_MANY in r.get_data(as_text=True)
