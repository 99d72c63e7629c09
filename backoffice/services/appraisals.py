"""Appraisal sheet commands (SPEC §6, seed 001): prepare, score, submit, approve, object, finalise."""
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import AppraisalScore, AppraisalSheet, DepartmentMonthOutcome
from backoffice.models.choices import TargetResult
from backoffice.rules.objection_window import OBJECTION_WORKING_DAYS, objection_deadline
from backoffice.rules.sheet_states import SHEET
from backoffice.security.scope import in_scope

from . import lifecycle
from .actors import acting_staff, is_admin, is_head_of
from .calendar import working_calendar  # the admin-edited holiday table (SPEC §4, services/calendar.py)
from .errors import CommandError

MACHINE = SHEET


def prepare(sheet):
    """A new sheet starts with one zero score per template item; the evaluator is whoever creates
    it; the pay base defaults to the staff member's, unless one was given (0.00 included: the
    former falsy check replaced an explicit 0 by the staff member's base)."""
    if sheet.template is not None and sheet.template.total_points != 100:
        raise CommandError(_("The items of template %(t)s sum to %(n)s points, not 100: fix the template first.",
                             t=str(sheet.template), n=sheet.template.total_points), field="template")
    if sheet.month is not None:
        sheet.month = sheet.month.replace(day=1)
    if sheet.template is not None and not sheet.scores:
        for item in sheet.template.items:
            sheet.scores.append(AppraisalScore(item=item, max_points=item.max_points, score=0))
    if sheet.evaluator is None and sheet.evaluator_id is None:
        sheet.evaluator = acting_staff()
    if sheet.staff is not None and sheet.pay_base is None:
        sheet.pay_base = sheet.staff.pay_base
    return sheet


EDITABLE = {"draft", "submitted", "objected"}


def check_editable(sheet):
    """SPEC §6: an approved sheet is not changed any more (an objection reopens it); a final
    sheet is not changed by anyone, the administrator included."""
    status = lifecycle.value(sheet.status)
    if status == "final" or (status not in EDITABLE and not is_admin()):
        raise CommandError(_("Sheet %(sheet)s is %(status)s: it can no longer be changed.",
                             sheet=str(sheet), status=str(sheet.status)))


def allowed_events(sheet):
    events = lifecycle.allowed_events(sheet, MACHINE)
    if "object" in events and objection_refusal(sheet) is not None:
        events.remove("object")
    return events


def objection_refusal(sheet):
    """Why an objection is not possible now (once, within the window), or None."""
    if sheet.objection_at is not None:
        return _("An objection is possible once; it was raised on %(day)s.", day=f"{sheet.objection_at:%Y-%m-%d}")
    if sheet.approved_at is not None:
        last = objection_deadline(sheet.approved_at.date(), working_calendar())
        if business_now().date() > last:
            return _("The objection window (%(n)s working days after approval) ended on %(day)s.",
                     n=OBJECTION_WORKING_DAYS, day=f"{last:%Y-%m-%d}")
    return None


def objection_deadline_of(sheet):
    """The last day of the sheet's objection window (SPEC §6), or None before approval."""
    if sheet.approved_at is None:
        return None
    return objection_deadline(sheet.approved_at.date(), working_calendar())


def submit(sheet, commit=True):
    return lifecycle.apply(sheet, MACHINE, "submit", commit=commit)


def approve(sheet, commit=True):
    def effects(t):
        sheet.approved_at = business_now()

    return lifecycle.apply(sheet, MACHINE, "approve", effects=effects, commit=commit)


def object_to(sheet, reason=None, commit=True):
    """异议: the appraised staff member, once, within the window; the sheet goes back for review."""
    lifecycle.check(sheet, MACHINE, "object")
    refusal = objection_refusal(sheet)
    if refusal is not None:
        raise CommandError(refusal, field="event")
    reason = (reason or "").strip()
    if not reason:
        raise CommandError(_("Give the reason for your objection."), field="note")

    def effects(t):
        sheet.objection_at = business_now()
        sheet.objection = reason

    return lifecycle.apply(sheet, MACHINE, "object", effects=effects, commit=commit)


def finalise(sheet, commit=True):
    return lifecycle.apply(sheet, MACHINE, "finalise", commit=commit)


COMMANDS = {"submit": submit, "approve": approve, "object": object_to, "finalise": finalise}


def transition(sheet, event, note=None, commit=True):
    if event not in COMMANDS:
        raise CommandError(_("Unknown action %(event)s.", event=event), field="event")
    if event == "object":
        return object_to(sheet, note, commit=commit)
    return COMMANDS[event](sheet, commit=commit)


# -- scoring on one form (SPEC §6) ------------------------------------------------------------
def may_score(sheet):
    """The evaluator or the head of the appraised person's department (never the person themself)."""
    me = acting_staff()
    if is_admin():
        return True
    if me is None or me.id == sheet.staff_id:
        return False
    return me.id == sheet.evaluator_id or is_head_of(sheet.staff_id)


def department_outcome(sheet):
    """The department's recorded result for the sheet's month (SPEC §6 adjustment), or None."""
    if sheet.staff is None or sheet.month is None:
        return None
    return db.session.execute(sa.select(DepartmentMonthOutcome).where(
        DepartmentMonthOutcome.department_id == sheet.staff.department_id,
        DepartmentMonthOutcome.month == sheet.month.replace(day=1))).scalar_one_or_none()


def _parse_score(raw, score):
    label = score.item.name if score.item is not None else "?"
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise CommandError(_("%(item)s: enter a number.", item=label), field=f"score_{score.item_id}") from None
    if not value.is_finite():
        raise CommandError(_("%(item)s: enter a number.", item=label), field=f"score_{score.item_id}")
    if value < 0:
        raise CommandError(_("%(item)s: a score cannot be below 0.", item=label), field=f"score_{score.item_id}")
    if value > score.max_points:
        raise CommandError(_("%(item)s: the score cannot exceed the item's maximum of %(max)s.",
                             item=label, max=score.max_points), field=f"score_{score.item_id}")
    return value.quantize(Decimal("0.01"))


def save_scores(sheet, scores, outcome=None, comments=None, commit=True):
    """Write all item scores of a sheet at once (``{item_id: score}``), and the department's monthly
    outcome when given; every value is checked first, so a refusal changes nothing. Total, pay
    factor and final pay follow (models/appraisals.py ``update_derived``, rules/appraisal_pay.py)."""
    if not in_scope(sheet):
        raise CommandError(_("Record not found."), status=404)
    check_editable(sheet)
    if not may_score(sheet):
        raise CommandError(_("Only the evaluator or the head of %(who)s's department may score this sheet.",
                             who=str(sheet.staff)))
    by_item = {s.item_id: s for s in sheet.scores}
    unknown = [k for k in scores if _int(k) not in by_item]
    if unknown:
        raise CommandError(_("These items are not on the sheet: %(items)s.", items=", ".join(map(str, unknown))))
    values = {_int(k): _parse_score(v, by_item[_int(k)]) for k, v in scores.items()}
    result = None
    recorded = department_outcome(sheet)
    if outcome not in (None, ""):
        result = parse_outcome(outcome)
        if recorded is not None and recorded.result == result:
            result = None  # the form always sends the recorded result: unchanged, nothing to check
        elif sheet.staff is not None:
            check_outcome(sheet.staff.department_id, sheet.month, result)
    for item_id, value in values.items():
        by_item[item_id].score = value
    if result is not None:
        apply_outcome(sheet.staff.department_id, sheet.month, result)
    elif recorded is not None:
        result = recorded.result
    if result is not None:
        sheet.target_result = result
    if comments is not None:
        sheet.comments = comments.strip() or None
    sheet.update_derived(db.session)
    db.session.flush()
    if commit:
        db.session.commit()
    return sheet


# -- the department's monthly outcome (SPEC §6 adjustment), entered by its head ----------------
OUTCOME_RECOMPUTED = ("draft", "submitted", "objected", "approved")


def parse_outcome(outcome):
    try:
        return TargetResult(getattr(outcome, "value", outcome))
    except ValueError:
        raise CommandError(_("Unknown department result %(v)s.", v=outcome), field="outcome") from None


def heads_department(department_id, user=None):
    """The administrator, the department's recorded head, or a DeptHead whose department subtree
    holds it (SPEC §1 row scope; seed 001 L9–L14: the head owns the appraisal of the department)."""
    from backoffice.models import Department
    from backoffice.security.scope import department_subtree

    from .actors import role_names

    if is_admin(user):
        return True
    me = acting_staff(user)
    dept = db.session.get(Department, department_id) if department_id is not None else None
    if me is None or dept is None:
        return False
    if dept.head_id == me.id:
        return True
    return "DeptHead" in role_names(user) and dept.id in department_subtree(me.department_id)


def _month_sheets(department_id, month):
    from backoffice.models import Staff

    return sa.select(AppraisalSheet).join(Staff, Staff.id == AppraisalSheet.staff_id).where(
        Staff.department_id == department_id, AppraisalSheet.month == month.replace(day=1))


def check_outcome(department_id, month, result=None):
    """Refuse an outcome the user may not enter, or one for a month whose sheets are final:
    a final sheet's pay is never changed (SPEC §6 "then 已定稿"), and recomputing only the other
    sheets would pay one department's staff by two different results [decision]."""
    if month is None or department_id is None:
        raise CommandError(_("Give the department and the month."), field="month")
    if not heads_department(department_id):
        raise CommandError(_("Only the head of the department enters its monthly result."), field="department")
    final = db.session.execute(_month_sheets(department_id, month).where(
        AppraisalSheet.status == "final").limit(1)).scalars().first()
    if final is not None:
        raise CommandError(_("The sheets of %(month)s are final (%(sheet)s): the department's result can no longer "
                             "be changed.", month=f"{month:%Y-%m}", sheet=str(final)), field="result")


def apply_outcome(department_id, month, result, row=None):
    """Record the result and recompute the month's sheets of the department that are not final
    (through the ORM: the change log records each new pay). No commit."""
    month = month.replace(day=1)
    result = parse_outcome(result)
    if row is None:
        row = db.session.execute(sa.select(DepartmentMonthOutcome).where(
            DepartmentMonthOutcome.department_id == department_id,
            DepartmentMonthOutcome.month == month)).scalar_one_or_none()
    if row is None:
        row = DepartmentMonthOutcome(department_id=department_id, month=month)
        db.session.add(row)
    row.result = result
    me = acting_staff()
    row.entered_by_id = me.id if me is not None else None
    changed = 0
    with db.session.no_autoflush:
        for sheet in db.session.execute(_month_sheets(department_id, month)).scalars():
            if lifecycle.value(sheet.status) not in OUTCOME_RECOMPUTED:
                continue
            before = sheet.final_pay
            sheet.target_result = result
            sheet.update_derived(db.session)
            changed += before != sheet.final_pay
    return changed


def set_department_outcome(department_id, month, result, commit=True):
    """The head's entry of the department's monthly result (screen and API)."""
    result = parse_outcome(result)
    check_outcome(department_id, month, result)
    changed = apply_outcome(department_id, month, result)
    db.session.flush()
    if commit:
        db.session.commit()
    return changed


def outcome_record_checks(row, previous=None):
    """For the outcome screen and API (FAB's add/edit): the new values and, when the row moved
    to another department or month, the old ones must both be allowed; then the sheets follow."""
    if row.month is not None:
        row.month = row.month.replace(day=1)
    row.result = parse_outcome(row.result or "met")
    # the form sets the relationship, the API may set either
    department_id = row.department.id if row.department is not None else row.department_id
    check_outcome(department_id, row.month, row.result)
    if previous is not None and previous[:2] != (department_id, row.month):
        check_outcome(previous[0], previous[1])
    apply_outcome(department_id, row.month, row.result, row=row)


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return v


# -- monthly ranking (SPEC §6; rules/appraisal_ranking.py) --------------------------------------
def _month_groups(month):
    """{(department_id, template_id): {sheet: total}} for the sheets of ``month`` with a total."""
    from backoffice.models import AppraisalSheet, Staff

    rows = db.session.execute(
        sa.select(AppraisalSheet, Staff.department_id).join(Staff, Staff.id == AppraisalSheet.staff_id)
        .where(AppraisalSheet.month == month, AppraisalSheet.total_score.is_not(None))).all()
    groups = {}
    for sheet, dept in rows:
        groups.setdefault((dept, sheet.template_id), {})[sheet] = sheet.total_score
    return groups


def rank_month(month, progress=None):
    """Rank every department and template of ``month``; flag whoever is last in it and the two
    months before (末位淘汰 warning). Writes rank, ranked_of and last_three_months; returns a summary."""
    from backoffice.rules.appraisal_ranking import STREAK_MONTHS, competition_ranks, flagged, last_keys, previous_month

    month = month.replace(day=1)
    months = [month]
    for _ in range(STREAK_MONTHS - 1):
        months.append(previous_month(months[-1]))
    history = {m: _month_groups(m) for m in months}
    ranked = flagged_count = 0
    current = history[month]
    for n, (key, totals) in enumerate(current.items(), 1):
        ranks = competition_ranks(totals)
        last_by_month = {}
        for m in months:
            by_staff = {sh.staff_id: t for sh, t in history[m].get(key, {}).items()}
            last_by_month[m] = last_keys(competition_ranks(by_staff))
        warned = flagged(last_by_month, month)
        for sheet, rank in ranks.items():
            sheet.rank, sheet.ranked_of = rank, len(ranks)
            sheet.last_three_months = sheet.staff_id in warned
            ranked += 1
            flagged_count += sheet.last_three_months
        if progress is not None:
            progress(n, len(current))
    db.session.commit()
    return {"month": f"{month:%Y-%m}", "groups": len(current), "ranked": ranked, "flagged": flagged_count}


RANKING_KIND = "appraisal.ranking"


def ranking_dedupe_key(period):
    return f"appraisal-ranking:{period}"


def launch_ranking(month, user):
    """Launch the ranking of ``month`` on the ``recalc`` queue (on demand; the schedule does the same)."""
    from backoffice.jobs import JobRefused, launch  # imported when used: jobs may call services

    period = f"{month:%Y-%m}"
    try:
        return launch(RANKING_KIND, {"period": period}, user=user, dedupe_key=ranking_dedupe_key(period))
    except JobRefused as exc:
        raise CommandError(str(exc), status=409) from None
