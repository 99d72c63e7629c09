"""The department head's notifications in a real browser (issue #12): the unread count in the
menu bar (beside the menu button on a phone), the "my notifications" page in zh and en at
1366 px and 390 px, marking one read, and the overdue ticket list with its deadline badges."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

PASSWORD = "Test-pass-2026"
WORDS = {"zh": ("我的通知", "标为已读", "已超时"), "en": ("My notifications", "Mark read", "Overdue")}


@pytest.fixture(scope="module")
def overdue(e2e_app):
    """Two tickets of W003 (t_head1's department) past their deadlines, escalated by the scan."""
    from backoffice import models as m
    from backoffice.clock import business_now
    from backoffice.extensions import db
    from backoffice.services.sla_scan import escalate_overdue

    now = business_now()
    with e2e_app.app_context():
        from backoffice.cli import act_as_system

        act_as_system()
        made = [m.Ticket(client_id=e2e_app.world["clients"]["W003"], type="complaint", complaint_class="own_service",
                         channel="phone", subject="超时未办", registered_at=now - dt.timedelta(days=3),
                         first_response_due_at=now - dt.timedelta(days=2, hours=h),
                         due_at=now - dt.timedelta(days=1, hours=h)) for h in (1, 2)]
        db.session.add_all(made)
        db.session.commit()
        escalate_overdue(now)
        ids = [t.id for t in made]
        numbers = [t.number for t in made]
    yield numbers
    with e2e_app.app_context():
        db.session.execute(sa.delete(m.Notification).where(m.Notification.ticket_id.in_(ids)))
        db.session.execute(sa.delete(m.Ticket).where(m.Ticket.id.in_(ids)))
        db.session.commit()


def _sign_in(page, live_server, lang):
    page.goto(f"{live_server}/login/")
    page.fill("#username", "t_head1")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form[name=login] input[type=submit]")
    page.goto(f"{live_server}/lang/{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1366, 390])
def test_badge_and_notifications_page(browser, live_server, overdue, artifacts, lang, width):
    phone = width == 390
    context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-GB",
                                  viewport={"width": width, "height": 844 if phone else 900},
                                  is_mobile=phone, has_touch=phone)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        _sign_in(page, live_server, lang)
        page.goto(f"{live_server}/ticketview/list/")
        bell = page.locator("#bell-phone" if phone else "#bell")
        assert bell.is_visible()
        count = int(bell.locator(".bo-unread-count").inner_text())
        assert count >= 4  # two tickets, two missed deadlines each
        title, mark, overdue_word = WORDS[lang]
        with page.expect_navigation():
            bell.click()
        assert page.locator("h1").inner_text().startswith(title)
        items = page.locator(".bo-notification.is-unread")
        assert items.count() == count
        text = page.locator("#notifications").inner_text()
        assert all(n in text for n in overdue)
        if lang == "zh":
            assert not re.search(r"[A-Za-z]{4,}", text.replace("GD", "")), text  # no English on a Chinese page
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts / f"notifications_{lang}_{width}.png"), full_page=True)
        # the link leads to the ticket; the overdue filter shows it with its red badge
        page.goto(f"{live_server}/ticketview/list/?_flt_4_due_at=1")
        badges = page.locator(".bo-deadline-overdue")
        assert badges.count() >= 2 and badges.first.inner_text() == overdue_word
        page.screenshot(path=str(artifacts / f"tickets_overdue_{lang}_{width}.png"), full_page=not phone)
    finally:
        context.close()


def test_marking_one_read_lowers_the_count(browser, live_server, overdue):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        _sign_in(page, live_server, "zh")
        page.goto(f"{live_server}/notifications/")
        before = int(page.locator("#bell .bo-unread-count").inner_text())
        with page.expect_navigation():
            page.locator(".bo-notification.is-unread .bo-notification-read button").first.click()
        after = page.locator("#bell .bo-unread-count")
        assert (int(after.inner_text()) if after.count() else 0) == before - 1
        assert page.locator(".bo-notification.is-read").count() == 1
        with page.expect_navigation():
            page.click("#mark-all-read")
        assert page.locator("#bell .bo-unread-count").count() == 0
        assert page.locator(".bo-notification.is-unread").count() == 0
    finally:
        context.close()
