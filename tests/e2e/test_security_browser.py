"""CSRF, CSP and cookies in a real browser (issue #9).

- Our own buttons still work under CSRF and the CSP: a ticket moved by the show page's action
  button (FAB posts a hidden form with the token), and no page logs a CSP violation.
- A foreign site cannot act for a signed-in user: the probe's ``location.href = .../delete/<pk>``
  and an auto-submitted cross-site form both leave the row where it was.
"""
import sqlalchemy as sa

PASSWORD = "Test-pass-2026"


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[name=login] input[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url


def csp_violations(page):
    seen = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def test_action_button_works_and_pages_break_no_csp_rule(page, live_server, e2e_app):
    from backoffice import models as m
    from backoffice.extensions import db

    app = e2e_app
    violations = csp_violations(page)
    login(page, live_server, "t_admin")
    ticket_id = app.world["tickets"]["W001"]
    with app.app_context():
        ticket = db.session.get(m.Ticket, ticket_id)
        assert str(getattr(ticket.status, "value", ticket.status)) == "registered"
    for path in ("/clientview/list/", f"/clientview/show/{app.world['clients']['W001']}", "/ticketview/list/",
                 "/jobrunview/list/", "/swagger/v1"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/ticketview/show/{ticket_id}")
    # The ticket page's workflow panel (a note and the allowed actions) posts a form: wait for the
    # navigation it starts, not for the page already loaded.
    with page.expect_navigation():
        page.locator("button.ticket-action[data-event=start]").click()
    page.wait_for_load_state()
    with app.app_context():
        db.session.expire_all()
        ticket = db.session.get(m.Ticket, ticket_id)
        assert str(getattr(ticket.status, "value", ticket.status)) == "in_progress", "the action button must work"
    assert violations == [], violations


def test_a_foreign_page_cannot_delete_for_a_signed_in_user(browser, live_server, e2e_app, tmp_path):
    from backoffice import models as m
    from backoffice.extensions import db

    app = e2e_app
    contact_id = app.world["contacts"]["W002"]
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        login(page, live_server, "t_admin")
        # 127.0.0.1 and localhost are different sites for the browser: the attacker's page.
        foreign = live_server.replace("127.0.0.1", "localhost")
        assert foreign != live_server
        evil = page.context.new_page()
        # 1. The probe's attack: navigate to the delete URL (a GET).
        evil.goto(f"{live_server}/contactview/delete/{contact_id}")
        evil.wait_for_load_state()
        # 2. A cross-site form post, from a page of another origin.
        attacker = page.context.new_page()
        attacker.route(f"{foreign}/evil", lambda route: route.fulfill(
            status=200, content_type="text/html",
            body=f'<form id="f" method="POST" action="{live_server}/contactview/delete/{contact_id}"></form>'
                 '<script>document.getElementById("f").submit()</script>'))
        attacker.goto(f"{foreign}/evil")
        attacker.wait_for_load_state()
        with app.app_context():
            db.session.expire_all()
            assert db.session.execute(sa.select(m.Contact.id).where(m.Contact.id == contact_id)).scalar() == contact_id
    finally:
        context.close()
