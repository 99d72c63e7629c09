"""Appraisal sheets end to end (issue #14, SPEC §6): the score form, the workflow by role on
screens and API, the objection with its reason and its window, refusals, print, export, ranking."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


@pytest.fixture
def sheet(app, world):
    """A fresh SALES_M sheet (业绩 60 + 能力 20 + 态度 20) of t_cm1 in a month of its own."""
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        tpl = db.session.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == "SALES_M")).scalar_one()
        s = m.AppraisalSheet(template=tpl, staff_id=world["staff"]["t_cm1"], month=dt.date(2024, 5, 1),
                             pay_base=Decimal("3000"))
        from backoffice.services.appraisals import prepare

        prepare(s)
        db.session.add(s)
        db.session.commit()
        pk = s.id
    yield pk
    with app.app_context():
        db.session.execute(sa.delete(m.DepartmentMonthOutcome).where(m.DepartmentMonthOutcome.month == dt.date(2024, 5, 1)))
        db.session.execute(sa.delete(m.AppraisalScore).where(m.AppraisalScore.sheet_id == pk))
        db.session.execute(sa.delete(m.AppraisalSheet).where(m.AppraisalSheet.id == pk))
        db.session.commit()


def _load(app, pk):
    with app.app_context():
        s = db.session.get(m.AppraisalSheet, pk)
        scores = {sc.item.name: sc.score for sc in s.scores}
        return {"status": s.status.value, "total": s.total_score, "final": s.final_pay, "scores": scores,
                "objection": s.objection, "target": s.target_result.value}


def _items(app, pk):
    with app.app_context():
        s = db.session.get(m.AppraisalSheet, pk)
        return {sc.item.name: sc.item_id for sc in s.scores}


def _form(app, pk, **by_name):
    items = _items(app, pk)
    return {f"score_{items[name]}": v for name, v in by_name.items()}


def test_the_score_form_shows_each_item_with_its_maximum_in_order(app, login, sheet):
    page = login("t_head1").get(f"/appraisalsheetview/scores/{sheet}?_l_=en").get_data(as_text=True)
    assert page.index("业绩") < page.index("能力") < page.index("态度")
    assert 'max="60"' in page and 'max="20"' in page and "0 to 60 points" in page
    assert 'name="csrf_token"' in page and "js/appraisal_score.js" in page and "onclick" not in page


def test_head_scores_the_sheet_on_one_form_and_the_pay_follows(app, login, sheet):
    head = login("t_head1")
    data = _form(app, sheet, 业绩="52.8", 能力="17.6", 态度="17.6")
    data["outcome"] = "exceeded"
    r = head.post(f"/appraisalsheetview/scores/{sheet}?_l_=en", data=data, follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "The scores were saved" in text and "¥2,772.00" in text  # SPEC §6 vector: 88, 3000, exceeded
    got = _load(app, sheet)
    assert got["total"] == Decimal("88.00") and got["final"] == Decimal("2772.00") and got["target"] == "exceeded"
    with app.app_context():  # the department's monthly result is recorded once, for the department
        row = db.session.execute(sa.select(m.DepartmentMonthOutcome).where(
            m.DepartmentMonthOutcome.month == dt.date(2024, 5, 1))).scalar_one()
        assert row.result.value == "exceeded"
    # the preview (the JS's source) answers by the same rule without saving
    pv = head.get(f"/appraisalsheetview/scores/{sheet}/preview?_l_=en&" + "&".join(
        f"{k}={v}" for k, v in _form(app, sheet, 业绩="60", 能力="20", 态度="16").items()) + "&outcome=met").json
    assert pv["total"] == "96.00" and pv["final_pay"] == "¥3,150.00"
    assert _load(app, sheet)["total"] == Decimal("88.00")
    # the sheet page shows the items, maxima, scores and the pay
    page = head.get(f"/appraisalsheetview/show/{sheet}?_l_=en").get_data(as_text=True)
    assert "sheet-items" in page and "52.80" in page and "¥2,772.00" in page and "2024-05" in page


@pytest.mark.parametrize("value, message", [("60.01", "maximum of 60"),
                                            ("-1", "cannot be below 0"), ("abc", "enter a number")])
def test_a_score_out_of_range_is_refused_and_nothing_changes(app, login, sheet, value, message):
    head = login("t_head1")
    r = head.post(f"/appraisalsheetview/scores/{sheet}?_l_=en", data=_form(app, sheet, 业绩=value, 能力="10", 态度="10"))
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert _load(app, sheet)["scores"] == {"业绩": Decimal("0.00"), "能力": Decimal("0.00"), "态度": Decimal("0.00")}
    # the same through the API, in the default language (Simplified Chinese) when none is asked
    items = _items(app, sheet)
    r = head.api("post", f"/api/v1/appraisal_sheet/{sheet}/scores", json={"scores": {str(items["业绩"]): value}})
    assert r.status_code == 422 and "业绩" in str(r.json["message"])
    assert _load(app, sheet)["total"] == Decimal("0")


def test_the_appraised_person_cannot_score_their_own_sheet(app, login, sheet):
    r = login("t_cm1").post(f"/appraisalsheetview/scores/{sheet}", data=_form(app, sheet, 业绩="60"))
    assert r.status_code in (302, 403)  # no edit permission at all
    assert _load(app, sheet)["total"] == Decimal("0")


def test_workflow_by_role_on_screens_with_objection_and_revision(app, login, sheet):
    head, cm, head2 = login("t_head1"), login("t_cm1"), login("t_head2")
    head.post(f"/appraisalsheetview/scores/{sheet}", data=_form(app, sheet, 业绩="50", 能力="15", 态度="15"))
    # only the allowed steps are offered: a draft shows "submit", not approve/finalise
    page = head.get(f"/appraisalsheetview/show/{sheet}?_l_=en").get_data(as_text=True)
    assert "sheet_submit" in page and "sheet_approve" not in page and "sheet_finalise" not in page
    r = head.post(f"/appraisalsheetview/action/sheet_submit/{sheet}?_l_=en", follow_redirects=True)
    assert "The sheet was submitted for approval." in r.get_data(as_text=True)
    head2.post(f"/appraisalsheetview/action/sheet_approve/{sheet}")  # not their department
    assert _load(app, sheet)["status"] == "submitted"
    cm.post(f"/appraisalsheetview/action/sheet_approve/{sheet}")  # not their role
    assert _load(app, sheet)["status"] == "submitted"
    r = head.post(f"/appraisalsheetview/action/sheet_approve/{sheet}?_l_=en", follow_redirects=True)
    assert "The sheet was approved" in r.get_data(as_text=True)
    # the staff member sees their sheet and the objection form; an empty reason is refused
    page = cm.get(f"/appraisalsheetview/show/{sheet}?_l_=en").get_data(as_text=True)
    assert "sheet-object" in page and "sheet-score" not in page and "sheet_finalise" not in page
    r = cm.post(f"/appraisalsheetview/object/{sheet}?_l_=en", data={"reason": "  "})
    assert "Give the reason for your objection." in r.get_data(as_text=True)
    assert _load(app, sheet)["status"] == "approved"
    r = cm.post(f"/appraisalsheetview/object/{sheet}?_l_=en", data={"reason": "态度分偏低"}, follow_redirects=True)
    assert "Your objection was recorded" in r.get_data(as_text=True)
    assert _load(app, sheet)["status"] == "objected" and _load(app, sheet)["objection"] == "态度分偏低"
    page = head.get(f"/appraisalsheetview/show/{sheet}?_l_=en").get_data(as_text=True)
    assert "态度分偏低" in page and "sheet-score" in page  # the head sees the reason and may revise
    head.post(f"/appraisalsheetview/scores/{sheet}", data=_form(app, sheet, 业绩="50", 能力="15", 态度="18"))
    assert _load(app, sheet)["total"] == Decimal("83.00")
    with app.app_context():  # the revision is in the change log
        entries = db.session.execute(sa.select(m.ChangeLog).where(
            m.ChangeLog.table_name == "appraisal_score", m.ChangeLog.field == "score")).scalars().all()
        assert any((e.old_value, e.new_value) == ("15.00", "18.00") for e in entries), \
            [(e.old_value, e.new_value) for e in entries]
    head.post(f"/appraisalsheetview/action/sheet_submit/{sheet}")
    head.post(f"/appraisalsheetview/action/sheet_approve/{sheet}")
    # a second objection is refused
    r = cm.post(f"/appraisalsheetview/object/{sheet}?_l_=en", data={"reason": "again"})
    assert "An objection is possible once" in r.get_data(as_text=True)
    r = head.post(f"/appraisalsheetview/action/sheet_finalise/{sheet}?_l_=en", follow_redirects=True)
    assert "The sheet is final" in r.get_data(as_text=True)
    final = _load(app, sheet)
    assert final["status"] == "final" and final["final"] == Decimal("2490.00")
    # the staff member sees the final pay
    assert "¥2,490.00" in cm.get(f"/appraisalsheetview/show/{sheet}").get_data(as_text=True)
    # nothing can be edited any more, by screen or API, the administrator included
    r = login("t_admin").post(f"/appraisalsheetview/scores/{sheet}?_l_=en", data=_form(app, sheet, 业绩="60"))
    assert "can no longer be changed" in r.get_data(as_text=True)
    r = head.api("put", f"/api/v1/appraisal_sheet/{sheet}?_l_=en", json={"pay_base": "1.00"})
    assert r.status_code == 422
    assert _load(app, sheet) == final


def test_workflow_through_the_api_with_the_objection_reason(app, login, sheet):
    head, cm = login("t_head1"), login("t_cm1")
    url = f"/api/v1/appraisal_sheet/{sheet}/transition?_l_=en"
    items = _items(app, sheet)
    r = head.api("post", f"/api/v1/appraisal_sheet/{sheet}/scores", json={"scores": {str(items["业绩"]): "60", str(items["能力"]): "20", str(items["态度"]): "16"}, "outcome": "met"})
    assert r.status_code == 200 and r.json["final_pay"] == "3150.00"  # SPEC §6 derived vector
    assert head.api("post", url, json={"event": "submit"}).json["allowed"] == ["approve"]
    assert head.api("post", url, json={"event": "approve"}).status_code == 200
    r = cm.api("post", url, json={"event": "object"})
    assert r.status_code == 422 and "reason" in str(r.json["message"])
    assert cm.api("post", url, json={"event": "object", "note": "业绩统计有误"}).status_code == 200
    assert _load(app, sheet)["objection"] == "业绩统计有误"


def test_approving_ones_own_sheet_is_refused(app, login, world):
    from backoffice.cli import act_as_system
    from backoffice.services.appraisals import prepare

    with app.app_context():
        act_as_system()
        tpl = db.session.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == "SALES_M")).scalar_one()
        s = prepare(m.AppraisalSheet(template=tpl, staff_id=world["staff"]["t_head1"], month=dt.date(2024, 6, 1),
                                     pay_base=Decimal("3000"), status="submitted"))
        db.session.add(s)
        db.session.commit()
        pk = s.id
    try:
        r = login("t_head1").api("post", f"/api/v1/appraisal_sheet/{pk}/transition?_l_=en", json={"event": "approve"})
        assert r.status_code == 422 and "head" in str(r.json["message"])
        assert _load(app, pk)["status"] == "submitted"
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.AppraisalScore).where(m.AppraisalScore.sheet_id == pk))
            db.session.execute(sa.delete(m.AppraisalSheet).where(m.AppraisalSheet.id == pk))
            db.session.commit()


# The objection window on working days 5 and 6, across a holiday, on a fixed clock and calendar:
# test_appraisal_settings.py (it never depends on today's date).


def test_a_template_whose_items_would_not_sum_to_100_is_refused(app, login):
    with app.app_context():
        item = db.session.execute(sa.select(m.AppraisalItem).join(m.AppraisalTemplate)
                                  .where(m.AppraisalTemplate.code == "SALES_M", m.AppraisalItem.name == "能力")).scalar_one()
        pk, tpl = item.id, item.template_id
    admin = login("t_admin")
    r = admin.post(f"/appraisalitemview/edit/{pk}?_l_=en", data={
        "template": tpl, "sort_order": 2, "name": "能力", "max_points": 30, "description": ""})
    assert "must sum to 100" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(m.AppraisalItem, pk).max_points == 20


def test_print_page_and_month_in_list_and_export(app, login, world):
    head = login("t_head1")
    pk = world["sheets"]["t_cm1"]
    page = head.get(f"/appraisalsheetview/print/{pk}?_l_=en").get_data(as_text=True)
    assert "size: A4" in page and "业绩" in page and "Department head" in page and "2026-10" in page
    assert "2026-10-01" not in head.get("/appraisalsheetview/list/").get_data(as_text=True)
    csv = head.get("/appraisalsheetview/export/").get_data(as_text=True)
    assert "2026-10" in csv and "2026-10-01" not in csv


def test_ranking_job_ranks_per_department_and_flags_three_months_last(app, login, world):
    """One job test: the ranking runs as a job (in-process here) and writes ranks and the flag."""
    from backoffice.cli import act_as_system
    from backoffice.services.appraisals import prepare

    months = [dt.date(2023, 8, 1), dt.date(2023, 9, 1), dt.date(2023, 10, 1)]
    made = []
    with app.app_context():
        act_as_system()
        tpl = db.session.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == "SALES_M")).scalar_one()
        # t_cm1 (D1A) and t_back1, t_desk (D1) are not one department: rank t_cm1 against a colleague in D1A
        colleague = m.Staff(name="同组员工", employee_no="T900", department_id=world["departments"]["D1A"],
                            position="client_manager", pay_base=Decimal("3000"))
        db.session.add(colleague)
        db.session.flush()
        for month in months:
            for staff_id, total in ((world["staff"]["t_cm1"], 70), (colleague.id, 90)):
                s = prepare(m.AppraisalSheet(template=tpl, staff_id=staff_id, month=month, pay_base=Decimal("3000")))
                s.scores[0].score = Decimal(total - 40)
                s.scores[1].score = Decimal(20)
                s.scores[2].score = Decimal(20)
                db.session.add(s)
                made.append(s)
        db.session.commit()
        ids = [s.id for s in made]
        colleague_id = colleague.id
    app.config["JOBS_SYNCHRONOUS"] = True
    try:
        r = login("t_head1").api("post", "/api/v1/appraisal_sheet/ranking", json={"month": "2023-10"})
        assert r.status_code == 200, r.json
        with app.app_context():
            run = db.session.get(m.JobRun, r.json["run"])
            assert run.queue == "recalc" and run.state.value == "finished", run.error
            rows = {(s.staff_id, s.month): s for s in db.session.execute(
                sa.select(m.AppraisalSheet).where(m.AppraisalSheet.id.in_(ids))).scalars()}
            mine = rows[(world["staff"]["t_cm1"], months[2])]
            theirs = rows[(colleague_id, months[2])]
            assert (mine.rank, mine.ranked_of, mine.last_three_months) == (2, 2, True)
            assert (theirs.rank, theirs.last_three_months) == (1, False)
        page = login("t_head1").get(f"/appraisalsheetview/show/{ids[4]}?_l_=en").get_data(as_text=True)
        assert "ranked last in the department for three consecutive months" in page
    finally:
        app.config["JOBS_SYNCHRONOUS"] = False
        with app.app_context():
            db.session.execute(sa.delete(m.AppraisalScore).where(m.AppraisalScore.sheet_id.in_(ids)))
            db.session.execute(sa.delete(m.AppraisalSheet).where(m.AppraisalSheet.id.in_(ids)))
            db.session.execute(sa.delete(m.Staff).where(m.Staff.id == colleague_id))
            db.session.commit()
