"""A complaint through central intake in a real browser (issue #12, SPEC §4).

The service desk (t_desk, department D1) registers a complaint for W002, a client of department
D2, picking the client in the search-as-you-type picker, and assigns it to D2 and its client
manager t_cm2. D2's head sees it in the ticket list with its deadline; t_cm2 starts it with a
note and feeds the result back with the handling result; the desk calls back "not satisfied"
with a new request, and the ticket is open again (处理中), the callback in the client's archive.
At 1366 px in Chinese, one look on a 390 px phone, and one check in English. Screenshots go to
tests/e2e/artifacts/.
"""
import re

import sqlalchemy as sa

from tests.e2e.conftest import CHROMIUM  # noqa: F401  (the browser the fixtures drive)

PASSWORD = "Test-pass-2026"
SUBJECT = "端到端统一受理投诉"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _context(browser, base, username, viewport=DESKTOP, locale="zh-CN"):
    context = browser.new_context(viewport=viewport, locale=locale, is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form[name=login] input[type=submit]")
    assert "/login" not in page.url, f"login as {username} failed"
    return context, page


def _pick(page, select, value, search):
    """Choose ``value`` in a select2 box (an AJAX picker searched with ``search``, as a user types)."""
    container = select.locator("xpath=following-sibling::span[contains(@class, 'select2-container')][1]")
    container.locator(".select2-selection").click()
    if "ajax-lookup" in (select.get_attribute("class") or ""):
        page.locator(".select2-container--open .select2-search__field").fill(search)
    option = page.locator(".select2-container--open .select2-results__option").filter(has_text=search)
    option.first.click()
    assert select.input_value() == str(value), f"select2 did not pick {search!r}"


def _shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / name), full_page=True)


def test_a_complaint_routed_by_the_desk_is_handled_called_back_and_reopened(browser, live_server, e2e_app, artifacts):
    from backoffice import models as m
    from backoffice.extensions import db

    w = e2e_app.world
    base = live_server

    # 1. the service desk registers the complaint for another department's client and assigns it
    ctx, page = _context(browser, base, "t_desk")
    page.goto(f"{base}/ticketview/add")
    client = page.locator("select[name=client]")
    assert client.input_value() == "__None"  # no default client (issue #12)
    _pick(page, client, w["clients"]["W002"], "W002")
    page.select_option("select[name=type]", "complaint")
    page.select_option("select[name=complaint_class]", "own_service")
    page.select_option("select[name=channel]", "hotline")
    page.fill("input[name=subject]", SUBJECT)
    page.fill("input[name=complainant_name]", "周先生")
    page.fill("input[name=complainant_phone]", "13911112222")
    _pick(page, page.locator("select[name=responsible_department]"), w["departments"]["D2"], "郊县营销部")
    _pick(page, page.locator("select[name=responsible_staff]"), w["staff"]["t_cm2"], "员工5")
    _shot(page, artifacts, "ticket_01_desk_registers.png")
    with page.expect_navigation():
        page.locator("#model_form button[type=submit]").click()
    with e2e_app.app_context():
        ticket = db.session.execute(sa.select(m.Ticket).where(m.Ticket.subject == SUBJECT)).scalar_one()
        pk, number, due = ticket.id, ticket.number, ticket.due_at
        assert (ticket.client_id, ticket.responsible_staff_id, ticket.receiver_id) == (
            w["clients"]["W002"], w["staff"]["t_cm2"], w["staff"]["t_desk"])
    assert due is not None
    ctx.close()

    # 2. the client's department head sees it with its deadline
    ctx, page = _context(browser, base, "t_head2")
    page.goto(f"{base}/ticketview/list/")
    row = page.locator("table tbody tr").filter(has_text=number)
    assert row.count() == 1
    assert f"{due:%Y-%m-%d}" in row.inner_text()
    _shot(page, artifacts, "ticket_02_head_sees_it_with_deadline.png")
    ctx.close()

    # 3. the responsible person starts it with a note and feeds the result back
    ctx, page = _context(browser, base, "t_cm2")
    page.goto(f"{base}/ticketview/show/{pk}")
    page.fill("#transition-note", "已电话联系周先生，明天上门")
    with page.expect_navigation():
        page.locator("button.ticket-action[data-event=start]").click()
    assert page.locator("button.ticket-action[data-event=feed_back]").count() == 1
    page.fill("#resolution", "已上门致歉并调整送货时间")
    page.fill("#transition-note", "结果已告知客户")
    _shot(page, artifacts, "ticket_03_manager_feeds_back.png")
    with page.expect_navigation():
        page.locator("button.ticket-action[data-event=feed_back]").click()
    assert "已反馈" in page.locator("body").inner_text()
    assert page.locator("form.ticket-callback").count() == 0  # callbacks are the desk's
    ctx.close()

    # 4. the desk calls back: not satisfied, with a new request -> open again
    ctx, page = _context(browser, base, "t_desk")
    page.goto(f"{base}/ticketview/show/{pk}")
    form = page.locator("form.ticket-callback")
    form.locator("input[name=result][value=unsatisfied]").check()
    form.locator("textarea[name=new_requests]").fill("希望每周送货两次")
    form.locator("textarea[name=note]").fill("客户对处理速度不满意")
    _shot(page, artifacts, "ticket_04_desk_calls_back.png")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    body = page.locator("body").inner_text()
    assert "处理中" in body and "回访已记入客户" in body
    _shot(page, artifacts, "ticket_05_reopened.png")
    with e2e_app.app_context():
        t = db.session.get(m.Ticket, pk)
        assert t.status.value == "in_progress" and t.callback_result.value == "unsatisfied"
        rec = db.session.execute(sa.select(m.CallbackRecord).where(m.CallbackRecord.ticket_id == pk)).scalar_one()
        assert (rec.client_id, rec.new_requests) == (w["clients"]["W002"], "希望每周送货两次")
    # one check in English: the workflow panel and its buttons are English
    page.goto(f"{base}/lang/en")
    page.goto(f"{base}/ticketview/show/{pk}")
    english = page.locator(".ticket-workflow").inner_text()
    assert "Handling" in english and "Result fed back" in english and not re.search(r"[\u4e00-\u9fff]", english)
    _shot(page, artifacts, "ticket_06_english.png")
    ctx.close()

    # 5. one look on a phone: the head reads the reopened ticket and its callback in the archive
    ctx, page = _context(browser, base, "t_head2", viewport=PHONE)
    page.goto(f"{base}/ticketview/show/{pk}")
    assert "处理中" in page.locator("body").inner_text()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the ticket page is {width} px wide on a 390 px phone"
    _shot(page, artifacts, "ticket_07_phone.png")
    page.goto(f"{base}/clientview/show/{w['clients']['W002']}")
    assert "希望每周送货两次" in page.content()
    ctx.close()
