"""Survey campaign commands (SPEC §7): launch the sampling, launch the aggregation, close."""
from flask_babel import gettext as _

from backoffice.models.choices import CampaignState
from backoffice.rules.campaign_states import CAMPAIGN
from backoffice.rules.lifecycle import TransitionError

from . import lifecycle
from .actors import current_user, role_names
from .errors import CommandError

MACHINE = CAMPAIGN


def allowed_events(campaign):
    events = lifecycle.allowed_events(campaign, MACHINE, state_attr="state")
    if lifecycle.value(campaign.kind) == "after_complaint" and "launch" in events:
        events.remove("launch")
    return [e for e in events if e != "opened"]  # taken by the sampling job, not by a person


def launch_campaign(campaign, user=None):
    """Start the sampling job of a draft campaign (or re-run one interrupted while sampling).

    Returns the run; raises CommandError (translated) when the campaign cannot be launched. The
    job itself moves the campaign draft → sampling → open (backoffice/jobs/kind_surveys.py).
    """
    from backoffice.jobs import JobRefused, launch  # jobs import this module (the sampling job's steps)

    user = user if user is not None else current_user()
    kind = lifecycle.value(campaign.kind)
    state = lifecycle.value(campaign.state)
    if kind == "after_complaint":
        raise CommandError(_("An after-complaint campaign needs no launch: closed complaints invite their clients."))
    try:
        CAMPAIGN.check(state, "launch", role_names(user))
    except TransitionError as exc:
        if exc.reason == "role":
            raise CommandError(_("Your role does not allow \"%(event)s\".", event=_("Launch"))) from None
        raise CommandError(_("Campaign %(name)s is %(state)s: it was launched already.",
                             name=campaign.name, state=str(campaign.state))) from None
    try:
        return launch("surveys.sample", {"campaign": campaign.id}, user=user,
                      dedupe_key=f"surveys:sample:{campaign.id}")
    except JobRefused as exc:
        raise CommandError(str(exc)) from None


def mark(campaign, event):
    """The sampling job's own steps (launch: draft → sampling; opened: → open), checked against the
    machine's states only: the job was authorised when it was launched. Idempotent: a step
    already taken (a job run again after a crash, SPEC §8) changes nothing."""
    state = lifecycle.value(campaign.state)
    target = CAMPAIGN.transition(event).target
    if state == target:
        return False
    try:
        CAMPAIGN.check(state, event)
    except TransitionError:
        return False
    campaign.state = CampaignState(target)
    return True


def launch_aggregation(campaign, user=None):
    """Recompute the campaign's figures (the ``surveys.aggregate`` job)."""
    from backoffice.jobs import JobRefused, launch

    user = user if user is not None else current_user()
    try:
        return launch("surveys.aggregate", {"campaign": campaign.id}, user=user,
                      dedupe_key=f"surveys:aggregate:{campaign.id}")
    except JobRefused as exc:
        raise CommandError(str(exc)) from None


def close(campaign, commit=True):
    """An open campaign stops taking answers (SPEC §7: each campaign ends with a report)."""
    return lifecycle.apply(campaign, MACHINE, "close", state_attr="state", commit=commit)
