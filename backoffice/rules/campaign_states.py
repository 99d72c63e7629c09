"""Survey campaign life cycle (SPEC §7; models/choices.py CampaignState).

draft → sampling (launched: the sampling job runs) → open (the job drew the sample and wrote
the invitations) → closed. A launch may be repeated while sampling (a run interrupted mid-way
is launched again; the job is idempotent, SPEC §8). ``opened`` is taken by the sampling job
(as the system user); department heads launch and close.
"""
from .lifecycle import Machine, transition

LAUNCHERS = {"DeptHead"}

CAMPAIGN = Machine(
    name="survey_campaign",
    states=("draft", "sampling", "open", "closed"),
    initial="draft",
    transitions=(
        transition("launch", {"draft", "sampling"}, "sampling", LAUNCHERS),
        transition("opened", {"draft", "sampling"}, "open", set()),
        transition("close", {"open"}, "closed", LAUNCHERS),
    ),
)
