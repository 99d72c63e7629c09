"""A client manager's day on a phone (SPEC §5, issue #13): a 390×844 viewport opens 今日拜访,
picks the first stop, ticks two services, saves the visit (the location comes from the
browser's geolocation, granted to the page) and finds the stop logged and the plan item done.
The page must not scroll sideways."""
import datetime as dt
from urllib.parse import urlparse

import sqlalchemy as sa

PASSWORD = "Test-pass-2026"
SERVICES = ("烟柜整理", "卷烟摆放")


def test_a_client_manager_logs_a_visit_from_todays_route_on_a_phone(browser, live_server, e2e_app, artifacts):
    from backoffice import models as m
    from backoffice.clock import business_today
    from backoffice.extensions import db
    from backoffice.rules import visit_frequency as freq
    from backoffice.services.visits import generate_plans

    world = e2e_app.world
    month = freq.month_start(business_today())
    with e2e_app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()
        client = db.session.get(m.Client, world["clients"]["W001"])
        client.service_level, client.area, client.route = "A", "东片", "一线"
        db.session.commit()
        generate_plans(month, [world["staff"]["t_cm1"]], check=False)

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, geolocation={"latitude": 34.7466, "longitude": 113.6253},
                                  permissions=["geolocation"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(f"{live_server}/login/")
        page.fill("#username", "t_cm1")
        page.fill("#password", PASSWORD)
        page.click("form[name=login] input[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server}/visits/today")
        stop = page.locator(".visit-stop[data-client=W001] a")
        assert stop.is_visible()
        box = stop.bounding_box()
        assert box["height"] >= 44 and box["width"] <= 390  # a large target that fits the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts / "visit_route_390.png"), full_page=True)

        stop.click()
        page.wait_for_load_state()
        assert urlparse(page.url).path.startswith("/visits/log/")
        # The location arrives asynchronously (visit_route.js); poll it (wait_for_function would
        # evaluate a string, which the CSP forbids).
        for _ in range(50):
            if page.evaluate("document.querySelector('input[name=latitude]').value"):
                break
            page.wait_for_timeout(100)
        assert page.locator("#visit-location").inner_text() == "已记录位置"
        for service in SERVICES:
            page.locator(f"input[name=services][value='{service}']").check()
        page.fill("#findings", "烟柜缺货")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("#visit-submit")
        page.wait_for_load_state()
        assert urlparse(page.url).path == "/visits/today"
        assert page.locator(".visit-done-item[data-client=W001]").is_visible()
        assert page.locator(".visit-stop[data-client=W001]").count() == 0  # ticked off the route
        page.screenshot(path=str(artifacts / "visit_route_done_390.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors

        with e2e_app.app_context():
            visit = db.session.execute(sa.select(m.VisitLog).where(m.VisitLog.client_id == world["clients"]["W001"])
                                       .order_by(m.VisitLog.id.desc())).scalars().first()
            assert visit.services_done.splitlines() == list(SERVICES)
            assert abs(visit.latitude - 34.7466) < 1e-4 and abs(visit.longitude - 113.6253) < 1e-4
            assert visit.visited_at <= dt.datetime.now() + dt.timedelta(days=1)
            item = db.session.execute(sa.select(m.VisitPlanItem).where(m.VisitPlanItem.visit_id == visit.id)).scalar_one()
            assert item.done and item.client_id == world["clients"]["W001"]
            plan_id = item.plan_id

        # The plan page shows the item done.
        page.goto(f"{live_server}/visits/plan/{plan_id}")
        row = page.locator(f"#visit-plan-items tr[data-client=W001][data-done=yes]")
        assert row.count() == 1
    finally:
        context.close()
