"""The public survey page's rate limits on Flask-Limiter (SPEC §7), per address and per token,
and their fallback to counting in this process when Redis does not answer (issue #9: the old
hand-written limiter let everything through then)."""
import socket

import pytest

from tests.integration.test_survey_public import drop_campaign, make_campaign

ZH_WAIT = "请稍等一分钟后再试。"
LIMITS = {"RATELIMIT_ENABLED": True, "SURVEY_RATE_LIMIT": "3 per minute", "SURVEY_TOKEN_RATE_LIMIT": "4 per minute"}


def closed_port():
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["memory", "redis-down"])
def limited_app(request, tmp_path_factory):
    from tests.conftest import world_app

    overrides = dict(LIMITS)
    if request.param == "redis-down":
        overrides["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}/0"
    with world_app("sqlite", tmp_path_factory, **overrides) as app:
        app.storage_kind = request.param
        yield app


@pytest.fixture
def tokens(limited_app):
    app = limited_app
    with app.app_context():
        if app.storage_kind == "memory":  # (resetting an unreachable Redis would only fail)
            app.appbuilder.sm.limiter.reset()
        cid, tokens, _ids = make_campaign(app.world)
    yield tokens
    with app.app_context():
        drop_campaign(cid)


def test_limits_per_address_and_per_token(limited_app, tokens):
    app = limited_app
    c = app.test_client()
    ip = {"REMOTE_ADDR": "10.1.1.1"}
    got = [c.get(f"/survey/guess-{i}?lang=en", environ_base=ip).status_code for i in range(4)]
    assert got == [404, 404, 404, 429], app.storage_kind
    limited = c.get(f"/survey/{tokens['W001']}?lang=en", environ_base=ip)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    body = limited.get_data(as_text=True)
    assert 'data-kind="limited"' in body
    # Per token: many addresses hammering one token are stopped too.
    token = tokens["W002"]
    codes = [c.get(f"/survey/{token}", environ_base={"REMOTE_ADDR": f"10.2.0.{i}"}).status_code for i in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    # Another address and another token are not affected.
    assert c.get(f"/survey/{tokens['W003']}", environ_base={"REMOTE_ADDR": "10.3.0.1"}).status_code == 200


def test_redis_down_falls_back_to_counting_in_memory(limited_app, tokens):
    app = limited_app
    if app.storage_kind != "redis-down":
        pytest.skip("the fallback is what the redis-down app is for")
    limiter = app.appbuilder.sm.limiter
    c = app.test_client()
    ip = {"REMOTE_ADDR": "10.9.9.9"}
    codes = [c.get(f"/survey/{tokens['W001']}?lang=zh", environ_base=ip).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429], "with Redis down the page must stay up AND limited"
    assert limiter._storage_dead, "Flask-Limiter should have switched to its in-memory fallback"
    refused = c.get(f"/survey/{tokens['W001']}?lang=zh", environ_base=ip)
    assert refused.status_code == 429 and 'data-kind="limited"' in refused.get_data(as_text=True)
    assert ZH_WAIT in refused.get_data(as_text=True)
