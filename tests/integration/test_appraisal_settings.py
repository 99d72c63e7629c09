"""Issue #14 gaps (SPEC §6): pay bands and department adjustments as admin data, the department's
monthly outcome screen, every staff member's own sheet, the objection window on a fixed clock and
calendar, and bad input refused alike through screen and API (translated, nothing changed)."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db
from backoffice.rules.working_calendar import WorkingCalendar

MONTH = dt.date(2024, 7, 1)
SEEDED = [("95", "100", "105", False), ("90", "95", "100", False), ("60", "90", "", True), ("0", "60", "0", False)]


def _make_sheet(app, username, month=MONTH, scores=(52.8, 17.6, 17.6), status="draft", template="SALES_M"):
    from backoffice.cli import act_as_system
    from backoffice.services.appraisals import prepare

    with app.app_context():
        act_as_system()
        tpl = db.session.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == template)).scalar_one()
        s = prepare(m.AppraisalSheet(template=tpl, staff_id=app.world["staff"][username], month=month,
                                     pay_base=Decimal("3000"), status=status))
        for sc, value in zip(sorted(s.scores, key=lambda x: x.item.sort_order), scores):
            sc.score = Decimal(str(value))
        db.session.add(s)
        db.session.commit()
        return s.id


def _cleanup(app, month=MONTH):
    with app.app_context():
        ids = sa.select(m.AppraisalSheet.id).where(m.AppraisalSheet.month == month)
        db.session.execute(sa.delete(m.AppraisalScore).where(m.AppraisalScore.sheet_id.in_(ids)))
        db.session.execute(sa.delete(m.AppraisalSheet).where(m.AppraisalSheet.month == month))
        db.session.execute(sa.delete(m.DepartmentMonthOutcome).where(m.DepartmentMonthOutcome.month == month))
        db.session.commit()


@pytest.fixture
def month_clean(app):
    _cleanup(app)
    yield
    _cleanup(app)


def _sheet(app, pk):
    with app.app_context():
        s = db.session.get(m.AppraisalSheet, pk)
        return {"status": s.status.value, "total": s.total_score, "final": s.final_pay, "factor": s.pay_factor,
                "target": s.target_result.value}


def _bands(app):
    with app.app_context():
        return [(b.lower_bound, b.upper_bound, b.factor, b.score_as_percentage) for b in db.session.execute(
            sa.select(m.AppraisalPayBand).order_by(m.AppraisalPayBand.lower_bound)).scalars()]


def _form(rows, rates=("5", "0", "-5")):
    data = {"band_count": str(len(rows))}
    for n, (lo, hi, factor, pct) in enumerate(rows, 1):
        data.update({f"band_{n}_lower": lo, f"band_{n}_upper": hi, f"band_{n}_factor": factor})
        if pct:
            data[f"band_{n}_pct"] = "1"
    data.update({"rate_exceeded": rates[0], "rate_met": rates[1], "rate_missed": rates[2]})
    return data


# -- pay bands and adjustments ----------------------------------------------------------------
def test_the_seeded_bands_and_rates_are_the_specs(app):
    with app.app_context():
        from backoffice.services.appraisal_settings import current_settings

        bands, rates = current_settings()
    assert {(b.lower, b.upper, b.as_percentage) for b in bands} == {
        (Decimal(95), Decimal(100), False), (Decimal(90), Decimal(95), False), (Decimal(60), Decimal(90), True),
        (Decimal(0), Decimal(60), False)}
    assert rates == {"exceeded": Decimal("0.05"), "met": Decimal("0"), "missed": Decimal("-0.05")}


@pytest.mark.parametrize("rows, message_zh, message_en", [
    ([("95", "100", "105", False), ("90", "94", "100", False), ("60", "90", "", True), ("0", "60", "0", False)],
     "空档", "gap from 94 to 95"),
    ([("95", "100", "105", False), ("85", "95", "100", False), ("60", "90", "", True), ("0", "60", "0", False)],
     "重叠", "overlap from 85 to 90"),
    ([("95", "100", "105", False), ("90", "95", "100", False), ("60", "90", "", True)], "0 分", "start at 0"),
    ([("95", "100", "", False)] + SEEDED[1:], "绩效系数", "needs a pay factor"),
    ([("95", "100", "abc", False)] + SEEDED[1:], "请输入数字", "enter a number"),
])
def test_bands_with_gaps_or_overlaps_are_refused_on_screen_and_api(app, login, rows, message_zh, message_en):
    before = _bands(app)
    admin = login("t_admin")
    r = admin.post("/appraisalpaybandview/settings", data=_form(rows))
    assert r.status_code == 200 and message_zh in r.get_data(as_text=True)
    r = admin.post("/appraisalpaybandview/settings?_l_=en", data=_form(rows))
    assert message_en in r.get_data(as_text=True)
    body = {"bands": [{"lower": lo, "upper": hi, "factor": f, "score_as_percentage": p} for lo, hi, f, p in rows],
            "adjustments": {"exceeded": "5", "met": "0", "missed": "-5"}}
    r = admin.api("post", "/api/v1/appraisal_pay_band/settings?_l_=en", json=body)
    assert r.status_code == 422 and message_en in str(r.json["message"])
    assert _bands(app) == before


def test_bad_rates_and_other_roles_are_refused(app, login):
    before = _bands(app)
    admin = login("t_admin")
    r = admin.post("/appraisalpaybandview/settings?_l_=en", data=_form(SEEDED, rates=("150", "0", "-5")))
    assert "between -100 % and +100 %" in r.get_data(as_text=True)
    r = login("t_head1").post("/appraisalpaybandview/settings", data=_form(SEEDED, rates=("10", "0", "-10")))
    assert r.status_code in (302, 403)
    r = login("t_head1").api("post", "/api/v1/appraisal_pay_band/settings",
                             json={"bands": [], "adjustments": {}})
    assert r.status_code in (401, 403)
    r = admin.api("post", "/api/v1/appraisal_pay_band/settings", json={"bands": "x"})
    assert r.status_code == 400
    assert _bands(app) == before


def test_new_bands_and_rates_recompute_open_sheets_only(app, login, month_clean):
    open_pk = _make_sheet(app, "t_cm1")  # 88 points, base 3000
    final_pk = _make_sheet(app, "t_cm2", status="final")
    with app.app_context():  # final sheets keep their pay; the make-sheet fixture computed both
        assert _sheet(app, open_pk)["final"] == Decimal("2640.00")
    admin = login("t_admin")
    # [decision] 85–95 pays 100 %: an admin's own banding; "met" now pays +2 %
    rows = [("95", "100", "105", False), ("85", "95", "100", False), ("60", "85", "", True), ("0", "60", "0", False)]
    try:
        r = admin.post("/appraisalpaybandview/settings?_l_=en", data=_form(rows, rates=("5", "2", "-5")),
                       follow_redirects=True)
        assert "were saved" in r.get_data(as_text=True)
        got = _sheet(app, open_pk)
        assert got["factor"] == Decimal("1.0000") and got["final"] == Decimal("3060.00")  # 3000 + 2 %
        assert _sheet(app, final_pk)["final"] == Decimal("2640.00")
        with app.app_context():  # the recomputed pay is in the change log
            logged = db.session.execute(sa.select(m.ChangeLog).where(
                m.ChangeLog.table_name == "appraisal_sheet", m.ChangeLog.record_id == open_pk,
                m.ChangeLog.field == "final_pay")).scalars().all()
            assert any(e.new_value == "3060.00" for e in logged), [(e.old_value, e.new_value) for e in logged]
        page = login("t_head1").get(f"/appraisalsheetview/show/{open_pk}?_l_=en").get_data(as_text=True)
        assert "85–94.99 points: 100%" in page
        shown = admin.get("/appraisalpaybandview/settings").get_data(as_text=True)
        assert 'value="85"' in shown
    finally:
        body = {"bands": [{"lower": lo, "upper": hi, "factor": f, "score_as_percentage": p} for lo, hi, f, p in SEEDED],
                "adjustments": {"exceeded": "5", "met": "0", "missed": "-5"}}
        r = admin.api("post", "/api/v1/appraisal_pay_band/settings", json=body)
        assert r.status_code == 200, r.json
    assert _sheet(app, open_pk)["final"] == Decimal("2640.00")


def test_a_template_not_summing_to_100_is_refused_through_the_api(app, login):
    with app.app_context():
        tpl = db.session.execute(sa.select(m.AppraisalTemplate).where(m.AppraisalTemplate.code == "SALES_M")).scalar_one()
        item = next(i for i in tpl.items if i.name == "能力")
        pk, tpl_id = item.id, tpl.id
    admin = login("t_admin")
    r = admin.post("/appraisalitemview/add?_l_=en", data={"template": tpl_id, "sort_order": 4, "name": "加分",
                                                             "max_points": 5, "description": ""})
    assert "must sum to 100" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(m.AppraisalItem, pk).max_points == 20
        assert len(db.session.get(m.AppraisalTemplate, tpl_id).items) == 3


# -- the department's monthly outcome -------------------------------------------------------
def test_the_head_enters_the_outcome_and_the_months_sheets_follow(app, login, month_clean, world):
    pk = _make_sheet(app, "t_cm1")  # D1A, 88 points
    head = login("t_head1")
    r = head.post("/departmentmonthoutcomeview/add?_l_=en", data={
        "department": world["departments"]["D1A"], "month": "2024-07-15", "result": "exceeded"}, follow_redirects=True)
    assert r.status_code == 200
    got = _sheet(app, pk)
    assert got["target"] == "exceeded" and got["final"] == Decimal("2772.00")  # SPEC §6 vector
    with app.app_context():
        row = db.session.execute(sa.select(m.DepartmentMonthOutcome).where(
            m.DepartmentMonthOutcome.month == MONTH)).scalar_one()
        assert row.department_id == world["departments"]["D1A"] and row.entered_by_id == world["staff"]["t_head1"]
        outcome_pk = row.id
    page = head.get("/departmentmonthoutcomeview/list/").get_data(as_text=True)
    assert "2024-07" in page and "2024-07-01" not in page
    # the API changes it the same way
    r = head.api("put", f"/api/v1/department_month_outcome/{outcome_pk}", json={"result": "missed"})
    assert r.status_code == 200, r.json
    assert _sheet(app, pk)["final"] == Decimal("2508.00")  # 2640 − 132
    # another department's head cannot see or change it
    other = login("t_head2")
    assert other.get(f"/departmentmonthoutcomeview/show/{outcome_pk}").status_code == 404
    r = other.api("put", f"/api/v1/department_month_outcome/{outcome_pk}", json={"result": "exceeded"})
    assert r.status_code == 404
    r = other.post("/departmentmonthoutcomeview/add?_l_=en", data={
        "department": world["departments"]["D1A"], "month": "2024-07-01", "result": "exceeded"})
    assert _sheet(app, pk)["final"] == Decimal("2508.00")
    # a client manager has no such screen
    assert login("t_cm1").get("/departmentmonthoutcomeview/list/").status_code in (302, 403)


def test_the_outcome_is_refused_once_a_sheet_of_the_month_is_final(app, login, month_clean, world):
    pk = _make_sheet(app, "t_cm1", status="final")
    head = login("t_head1")
    r = head.post("/departmentmonthoutcomeview/add?_l_=en", data={
        "department": world["departments"]["D1A"], "month": "2024-07-01", "result": "exceeded"}, follow_redirects=True)
    assert "can no longer be changed" in r.get_data(as_text=True)
    r = head.api("post", "/api/v1/department_month_outcome/", json={
        "department": world["departments"]["D1A"], "month": "2024-07-01", "result": "exceeded"})
    assert r.status_code == 422 and "最终" not in str(r.json) and r.json["message"]
    with app.app_context():
        assert db.session.execute(sa.select(m.DepartmentMonthOutcome).where(
            m.DepartmentMonthOutcome.month == MONTH)).first() is None
    assert _sheet(app, pk)["target"] == "met"


# -- who sees which sheet (SPEC §1 one scope, issue #14) -------------------------------------
@pytest.mark.parametrize("username", ["t_desk", "t_back1"])
def test_service_desk_and_back_office_see_their_own_sheet_only_and_may_object(app, login, month_clean, username):
    own = _make_sheet(app, username, template="CLERK_M", scores=(18, 27, 36, 9), status="approved")
    colleague = _make_sheet(app, "t_cm1")
    from backoffice.clock import business_now

    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        db.session.get(m.AppraisalSheet, own).approved_at = business_now()  # the window is open
        db.session.commit()
    me = login(username)
    listing = me.get("/appraisalsheetview/list/?_l_=en").get_data(as_text=True)
    assert f"/appraisalsheetview/show/{own}" in listing and f"/appraisalsheetview/show/{colleague}" not in listing
    assert me.get(f"/appraisalsheetview/show/{colleague}").status_code == 404
    assert me.api("get", f"/api/v1/appraisal_sheet/{colleague}").status_code == 404
    page = me.get(f"/appraisalsheetview/show/{own}?_l_=en").get_data(as_text=True)
    assert "sheet-object" in page and "sheet-score" not in page and "¥3,000.00" in page
    # read-only: no edit, no scoring
    assert me.post(f"/appraisalsheetview/scores/{own}", data={}).status_code in (302, 403)
    r = me.post(f"/appraisalsheetview/object/{own}?_l_=en", data={"reason": "工作量统计漏了两天"}, follow_redirects=True)
    assert "Your objection was recorded" in r.get_data(as_text=True)
    assert _sheet(app, own)["status"] == "objected"


# -- the objection window on a fixed clock and calendar (never today's date) ------------------
# National Day 2026 as published: 1–7 October off, Saturday 10 October a 调休 working day.
NATIONAL_DAY = WorkingCalendar(days={**{dt.date(2026, 10, d): False for d in range(1, 8)},
                                     dt.date(2026, 10, 10): True})
APPROVED = dt.datetime(2026, 9, 29, 16, 0)  # Tuesday before the holiday
# working days after: 30 Sep (1), 8 Oct (2), 9 Oct (3), Sat 10 Oct (4), 12 Oct (5), 13 Oct (6)


@pytest.mark.parametrize("today, accepted", [(dt.datetime(2026, 10, 12, 17, 0), True),
                                             (dt.datetime(2026, 10, 13, 9, 0), False)])
def test_objection_on_working_day_five_accepted_six_refused_across_a_holiday(app, login, month_clean, monkeypatch,
                                                                             today, accepted):
    from backoffice.services import appraisals as commands

    monkeypatch.setattr(commands, "business_now", lambda: today)
    monkeypatch.setattr(commands, "working_calendar", lambda: NATIONAL_DAY)
    from backoffice.cli import act_as_system

    pk = _make_sheet(app, "t_cm1", status="approved")
    with app.app_context():
        act_as_system()
        db.session.get(m.AppraisalSheet, pk).approved_at = APPROVED
        db.session.commit()
    cm = login("t_cm1")
    r = cm.api("post", f"/api/v1/appraisal_sheet/{pk}/transition?_l_=en", json={"event": "object", "note": "异议"})
    assert (r.status_code == 200) is accepted, r.json
    assert _sheet(app, pk)["status"] == ("objected" if accepted else "approved")
    if not accepted:
        assert "ended on 2026-10-12" in str(r.json["message"])
        r = cm.post(f"/appraisalsheetview/object/{pk}", data={"reason": "异议"})  # the screen, in Chinese
        assert "2026-10-12" in r.get_data(as_text=True) and "异议期" in r.get_data(as_text=True)
        assert _sheet(app, pk)["status"] == "approved"


# -- bad input through the API as on the screens -----------------------------------------------
def test_bad_input_through_the_api_is_refused_in_the_users_language(app, login, month_clean):
    pk = _make_sheet(app, "t_cm1")
    head = login("t_head1")
    with app.app_context():
        items = {sc.item.name: sc.item_id for sc in db.session.get(m.AppraisalSheet, pk).scores}
    for value in ("61", "-0.5", "1e400", "NaN"):
        r = head.api("post", f"/api/v1/appraisal_sheet/{pk}/scores?_l_=en", json={"scores": {str(items["业绩"]): value}})
        assert r.status_code == 422, (value, r.json)
    r = head.api("post", f"/api/v1/appraisal_sheet/{pk}/scores", json={"scores": {"999999": "1"}})
    assert r.status_code == 422
    r = head.api("post", f"/api/v1/appraisal_sheet/{pk}/scores", json={"scores": [1]})
    assert r.status_code == 400
    r = head.api("post", f"/api/v1/appraisal_sheet/{pk}/scores", json={"scores": {}, "outcome": "great"})
    assert r.status_code == 422 and "great" in str(r.json["message"])
    assert _sheet(app, pk)["total"] == Decimal("88.00")
    # an objection by someone else than the appraised person is refused
    url = f"/api/v1/appraisal_sheet/{pk}/transition?_l_=en"
    head.api("post", url, json={"event": "submit"})
    head.api("post", url, json={"event": "approve"})
    r = login("t_cm2").api("post", url, json={"event": "object", "note": "x"})
    assert r.status_code == 404
    r = head.api("post", url, json={"event": "object", "note": "x"})
    assert r.status_code == 422
    # a final sheet: nothing changes through the API either
    head.api("post", url, json={"event": "finalise"})
    r = head.api("post", f"/api/v1/appraisal_sheet/{pk}/scores?_l_=en", json={"scores": {str(items["业绩"]): "60"}})
    assert r.status_code == 422 and "can no longer be changed" in str(r.json["message"])
    r = head.api("post", url, json={"event": "submit"})
    assert r.status_code == 422
    assert _sheet(app, pk)["status"] == "final" and _sheet(app, pk)["total"] == Decimal("88.00")


# -- client ratings from the surveys beside the sheet (SPEC §6 evidence) ------------------------
def test_client_ratings_of_the_staff_member_show_on_their_sheet(app, login, world):
    from backoffice.cli import act_as_system

    pk = world["sheets"]["t_cm1"]
    with app.app_context():
        act_as_system()
        q = db.session.execute(sa.select(m.Questionnaire)).scalars().first()
        c = m.SurveyCampaign(name="2026年下半年满意度抽样", kind="semiannual", period="2026H2", questionnaire=q,
                             deadline=dt.date(2026, 11, 30))
        db.session.add(c)
        db.session.flush()
        for staff in ("t_cm1", "t_cm2"):
            db.session.add(m.SurveyResult(campaign=c, grouping="staff", key=str(world["staff"][staff]),
                                          label=staff, answers=20, satisfied=17 if staff == "t_cm1" else 5,
                                          satisfaction_rate=Decimal("0.85") if staff == "t_cm1" else Decimal("0.25"),
                                          target=Decimal("0.85")))
        db.session.commit()
        cid = c.id
    try:
        page = login("t_head1").get(f"/appraisalsheetview/show/{pk}?_l_=en").get_data(as_text=True)
        part = page[page.index("sheet-ratings"):]
        part = part[:part.index("</table>")]
        assert "2026年下半年满意度抽样" in part and "85.0 %" in part and "25.0 %" not in part, part
        assert "2026H2" not in part
        own = login("t_cm1").get(f"/appraisalsheetview/show/{pk}").get_data(as_text=True)
        assert "85.0 %" in own[own.index("sheet-ratings"):] and "2026年下半年" in own
        printed = login("t_head1").get(f"/appraisalsheetview/print/{pk}").get_data(as_text=True)
        assert "2026-10" in printed and "2026-10-01" not in printed
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.SurveyResult).where(m.SurveyResult.campaign_id == cid))
            db.session.execute(sa.delete(m.SurveyCampaign).where(m.SurveyCampaign.id == cid))
            db.session.commit()
