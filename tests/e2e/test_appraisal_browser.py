"""An appraisal sheet end to end in chromium (issue #14, SPEC §6): the department head scores a
sheet on one form and approves it; the staff member objects with a reason; the head revises and
finalises; the staff member sees the final pay, on a laptop (1366 px) and on a phone (390 px).
Simplified Chinese throughout, one look in English."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

PASSWORD = "Test-pass-2026"
MONTH = dt.date(2024, 9, 1)


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form[name=login] input[type=submit]")


def _action(page, base, pk, name):
    """Open the sheet, take the step by its button (a form post) and wait for the page that says
    what happened."""
    page.goto(f"{base}/appraisalsheetview/show/{pk}")
    button = page.locator(f'[id="btn-action-AppraisalSheetView.action-{name}"]')
    button.wait_for()
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation(wait_until="load"):
        button.click()
    page.locator(".alert-info, .alert-success").first.wait_for()


def _status(app, pk):
    from backoffice import models as m
    from backoffice.extensions import db

    with app.app_context():
        db.session.expire_all()
        s = db.session.get(m.AppraisalSheet, pk)
        return s.status.value, s.total_score, s.final_pay, s.objection


def test_head_scores_and_approves_staff_objects_head_revises_and_finalises(browser, live_server, e2e_app, artifacts):
    from backoffice import models as m
    from backoffice.cli import act_as_system
    from backoffice.extensions import db
    from backoffice.services.appraisals import prepare

    app = e2e_app
    with app.app_context():
        act_as_system()
        tpl = db.session.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == "SALES_M")).scalar_one()
        sheet = prepare(m.AppraisalSheet(template=tpl, staff_id=app.world["staff"]["t_cm1"], month=MONTH,
                                         pay_base=Decimal("3000")))
        db.session.add(sheet)
        db.session.commit()
        pk = sheet.id
        items = {sc.item.name: sc.item_id for sc in sheet.scores}

    head_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    head_ctx.set_default_timeout(15_000)
    head = head_ctx.new_page()
    try:
        _login(head, live_server, "t_head1")
        head.goto(f"{live_server}/appraisalsheetview/show/{pk}")
        with head.expect_navigation():
            head.click("a.sheet-score")
        # every item with its maximum, in the template's order
        rows = head.locator("table.score-items tbody tr")
        assert rows.count() == 3
        assert [rows.nth(i).locator("td").first.inner_text().strip() for i in range(3)] == ["业绩", "能力", "态度"]
        assert [rows.nth(i).locator("td.score-max").inner_text() for i in range(3)] == ["60", "20", "20"]
        for name, value in (("业绩", "52.8"), ("能力", "17.6"), ("态度", "17.6")):
            head.fill(f"#score_{items[name]}", value)
        head.select_option("#outcome", "exceeded")
        # the pay panel follows the typing (the server's preview, the one rule)
        head.locator(".score-preview [data-key=final_pay]").filter(has_text="¥2,772.00").wait_for()
        head.screenshot(path=str(artifacts / "appraisal_score_1366.png"), full_page=True)
        with head.expect_navigation():
            head.click("#score-form button[type=submit]")
        assert "¥2,772.00" in head.inner_text(".sheet-final-pay")
        assert "评分已保存" in head.content() or "已保存" in head.content()
        _action(head, live_server, pk, "sheet_submit")
        _action(head, live_server, pk, "sheet_approve")
        assert _status(app, pk)[0] == "approved", head.inner_text("body")[:1500]
        assert "已审批" in head.inner_text(".sheet-items .panel-heading")

        # the staff member, on a phone: sees the sheet and objects with a reason
        cm_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                     has_touch=True)
        cm_ctx.set_default_timeout(15_000)
        cm = cm_ctx.new_page()
        try:
            _login(cm, live_server, "t_cm1")
            cm.goto(f"{live_server}/appraisalsheetview/show/{pk}")
            assert cm.locator("a.sheet-score").count() == 0
            with cm.expect_navigation():
                cm.click("a.sheet-object")
            cm.fill("#reason", "态度分偏低，当月有两次客户表扬")
            with cm.expect_navigation():
                cm.click("#object-form button[type=submit]")
            assert "异议已记录" in cm.content() or "态度分偏低" in cm.content()
            status, _total, _pay, objection = _status(app, pk)
            assert status == "objected" and objection == "态度分偏低，当月有两次客户表扬"

            # the head sees the reason, revises the attitude score, re-approves and finalises
            head.goto(f"{live_server}/appraisalsheetview/show/{pk}")
            assert "态度分偏低" in head.inner_text(".sheet-objection")
            with head.expect_navigation():
                head.click("a.sheet-score")
            head.fill(f"#score_{items['态度']}", "19.6")
            with head.expect_navigation():
                head.click("#score-form button[type=submit]")
            _action(head, live_server, pk, "sheet_submit")
            _action(head, live_server, pk, "sheet_approve")
            _action(head, live_server, pk, "sheet_finalise")
            status, total, pay, _o = _status(app, pk)
            assert status == "final" and total == Decimal("90.00") and pay == Decimal("3150.00")  # 3000 × 100 % + 5 %

            # the staff member sees the final pay on the phone, without sideways scrolling
            cm.goto(f"{live_server}/appraisalsheetview/show/{pk}")
            assert "¥3,150.00" in cm.inner_text(".sheet-final-pay")
            assert "已定稿" in cm.inner_text(".sheet-items .panel-heading")
            assert cm.locator("a.sheet-object").count() == 0
            assert cm.evaluate("document.documentElement.scrollWidth") <= 390
            cm.screenshot(path=str(artifacts / "appraisal_sheet_390.png"), full_page=True)
            # and once in English
            cm.goto(f"{live_server}/lang/en")
            cm.goto(f"{live_server}/appraisalsheetview/show/{pk}")
            assert "Final pay" in cm.inner_text(".sheet-pay") and "¥3,150.00" in cm.inner_text(".sheet-final-pay")
            assert "2024-09" in cm.inner_text(".sheet-items .panel-heading")
            cm.screenshot(path=str(artifacts / "appraisal_sheet_390_en.png"), full_page=True)
        finally:
            cm_ctx.close()
    finally:
        head_ctx.close()
        with app.app_context():
            db.session.execute(sa.delete(m.AppraisalScore).where(m.AppraisalScore.sheet_id == pk))
            db.session.execute(sa.delete(m.AppraisalSheet).where(m.AppraisalSheet.id == pk))
            db.session.commit()
