"""The role home pages in a real browser (issue #15): per role at 1366 px, the client manager's on a
390 px phone; numbers, labels in the user's language (zh and en), a chart drawn on a canvas, no
CSP violation. Screenshots go to tests/e2e/artifacts/home_*.png."""
import pytest

PASSWORD = "Test-pass-2026"
PAINTED = """(sel) => { const c = document.querySelector(sel); if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }"""


@pytest.fixture(scope="module")
def snapshot(e2e_app):
    from backoffice.cli import act_as_system
    from backoffice.services import kpi

    with e2e_app.app_context():
        act_as_system()
        for month in kpi.rules.previous_months(kpi.current_month(), 3):
            kpi.write_snapshots(month)


def sign_in(page, live_server, username, lang=None):
    page.goto(f"{live_server}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form[name=login] input[type=submit]")
    if lang:
        page.goto(f"{live_server}/lang/{lang}")
    page.goto(f"{live_server}/")
    page.wait_for_load_state("networkidle")


ROLES = [
    # user, role section, a tile, its label in Chinese, in English
    ("t_head1", "DeptHead", "overdue", "超期工单", "Overdue tickets"),
    ("t_desk", "ServiceDesk", "registered_today", "今日登记的工单", "Tickets registered today"),
    ("t_back1", "BackOffice", "imports_week", "近 7 天导入", "Imports in the last 7 days"),
    ("t_admin", "Admin", "runs_failed", "近一天失败的任务", "Job runs failed in the last day"),
    ("t_cm1", "ClientManager", "route", "今日待拜访客户", "Clients to visit today"),
]


@pytest.mark.parametrize("username,role,tile,zh,en", ROLES, ids=[r[0] for r in ROLES])
def test_home_page_per_role_on_a_desktop(browser, live_server, snapshot, artifacts, username, role, tile, zh, en):
    for lang, label in (("zh", zh), ("en", en)):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        violations = []
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        try:
            sign_in(page, live_server, username, None if lang == "zh" else lang)
            section = page.locator(f"section[data-role={role}]")
            assert section.is_visible()
            box = section.locator(f"[data-tile={tile}]")
            assert box.locator(".home-tile-label").inner_text().strip() == label
            assert box.locator(".home-tile-number").inner_text().strip().isdigit()
            if role == "DeptHead":
                # the month against target as a table, and the charts drawn by ECharts
                assert page.locator("#kpi-figures tr[data-figure=callback_rate] th").inner_text() == (
                    "回访率" if lang == "zh" else "Callback rate")
                assert page.locator("#chart-trend canvas").count() == 1
                assert page.evaluate(PAINTED, "#chart-trend canvas") > 500
                assert page.evaluate(PAINTED, "#chart-mix canvas") > 500
            page.screenshot(path=str(artifacts / f"home_{username}_{lang}_1366.png"), full_page=True)
            assert violations == [], violations
        finally:
            context.close()


def test_client_manager_home_on_a_phone(browser, live_server, snapshot, artifacts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        sign_in(page, live_server, "t_cm1")
        tile = page.locator("[data-tile=own_open]")
        assert tile.locator(".home-tile-label").inner_text().strip() == "我的客户的未关闭工单"
        count = int(tile.locator(".home-tile-number").inner_text())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts / "home_t_cm1_zh_390.png"), full_page=True)
        with page.expect_navigation():
            tile.locator("a").click()
        assert "/ticketview/list/" in page.url
        assert page.locator("td.bo-col-crud").count() == count  # the list behind the number
        assert violations == [], violations
    finally:
        context.close()


def test_kpi_page_draws_its_charts(page, live_server, snapshot, artifacts):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, live_server, "t_head1")
    page.goto(f"{live_server}/kpi/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#kpi-figures tr[data-figure=outcome_satisfaction] td.kpi-value").is_visible()
    assert page.evaluate(PAINTED, "#chart-by-type canvas") > 100
    page.screenshot(path=str(artifacts / "kpi_t_head1_zh_1366.png"), full_page=True)
    assert violations == [], violations
