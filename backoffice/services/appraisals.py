"""Appraisal sheet commands (SPEC §6, seed 001): prepare, submit, approve, object, finalise."""
from flask_babel import gettext as _

from backoffice.clock import business_now
from backoffice.models import AppraisalScore
from backoffice.rules.sheet_states import OBJECTION_WORKING_DAYS, SHEET, objection_deadline

from . import lifecycle
from .actors import acting_staff, is_admin, is_workday
from .errors import CommandError

MACHINE = SHEET


def prepare(sheet):
    """A new sheet starts with one zero score per template item; the evaluator is whoever creates
    it; the pay base defaults to the staff member's, unless one was given (0.00 included: the
    former falsy check replaced an explicit 0 by the staff member's base)."""
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
    """SPEC §6: an approved or final sheet is not changed any more (an objection reopens it)."""
    if lifecycle.value(sheet.status) not in EDITABLE and not is_admin():
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
        last = objection_deadline(sheet.approved_at.date(), is_workday)
        if business_now().date() > last:
            return _("The objection window (%(n)s working days after approval) ended on %(day)s.",
                     n=OBJECTION_WORKING_DAYS, day=f"{last:%Y-%m-%d}")
    return None


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

    def effects(t):
        sheet.objection_at = business_now()
        if reason and reason.strip():
            sheet.objection = reason.strip()

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
