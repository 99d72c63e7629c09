"""Visit commands (SPEC §5): the visiting staff member by default; the monthly plan's life cycle."""
from flask_babel import gettext as _

from backoffice.rules.visit_plan_states import EDITABLE, VISIT_PLAN

from . import lifecycle
from .actors import acting_staff, is_admin
from .errors import CommandError

MACHINE = VISIT_PLAN


def default_staff(visit):
    if visit.staff_id is None and visit.staff is None:
        visit.staff = acting_staff()
    return visit


def allowed_events(plan):
    return lifecycle.allowed_events(plan, MACHINE, state_attr="state")


def transition(plan, event, note=None, commit=True):
    return lifecycle.apply(plan, MACHINE, event, state_attr="state", commit=commit)


def check_editable(plan):
    """SPEC §5: a plan is edited while planned or after a rejection (计划驳回: editable again)."""
    state = lifecycle.value(plan.state)
    if state is not None and state not in EDITABLE and not is_admin():
        raise CommandError(_("A visit plan can be changed only while planned or after a rejection."))
