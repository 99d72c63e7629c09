"""Real-browser fixtures: the app served by werkzeug on a free port, Debian's chromium via Playwright.

The app is built like the integration tests' (``make_app`` on a fresh SQLite database, the
``build_world`` company), with CSRF protection switched on as in production. Nothing is fetched
from the internet: Playwright drives the system chromium (``/usr/bin/chromium``), never a
downloaded browser.
"""
import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def chromium_missing_reason():
    """Why the e2e tests are skipped, or None. In CI a missing browser is a failure, not a skip."""
    if os.path.exists(CHROMIUM) or os.environ.get("CI"):
        return None
    return f"{CHROMIUM} not installed (apt-get install chromium); set CI=1 to make this a failure"


def pytest_collection_modifyitems(config, items):
    reason = chromium_missing_reason()
    if reason is None:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def e2e_app(tmp_path_factory):
    import sqlalchemy as sa

    from backoffice import models as m
    from backoffice.extensions import db
    from tests.conftest import world_app

    with world_app("sqlite", tmp_path_factory, WTF_CSRF_ENABLED=True) as app:
        with app.app_context():
            from backoffice.cli import act_as_system

            act_as_system()  # audit columns
            # A format-B client inside t_head1's scope (department D1), so filtering by business
            # format visibly removes a row the department head could otherwise see.
            s = db.session
            fmt_b = s.execute(sa.select(m.BusinessFormat).where(m.BusinessFormat.code == "B")).scalar_one()
            d1 = s.get(m.Department, app.world["departments"]["D1"])
            other = m.Client(
                code="W004", name="测试客户W004", department=d1, business_format=fmt_b,
                market_type="C", region_class="city_a", status="active",
            )
            s.add(other)
            s.commit()
            app.world["clients"]["W004"] = other.id
        yield app


@pytest.fixture(scope="session")
def live_server(e2e_app):
    """Base URL of the app served in a background thread on a free port."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in failure reports
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
