"""Survey jobs on the ``surveys`` queue (SPEC §7, §8).

surveys.sample     {"campaign": id[, "batch_size": n, "pause": seconds]}
    Stores a random seed on the campaign (once), draws the sample (stored in sample_summary
    before any invitation is written), then inserts the invitations in batches with
    ON CONFLICT DO NOTHING, committing and reporting progress after each batch. A re-run, or a
    run after a killed worker, reuses the stored seed and sample and only adds what is missing:
    exactly one invitation per sampled client.
surveys.aggregate  {"campaign": id}
    Recomputes the campaign's survey_result rows with GROUP BY queries and replaces them in one
    transaction (backoffice.surveys.aggregate).
"""
import time

from flask_babel import lazy_gettext as _l

from backoffice.services import surveys as campaign_commands
from backoffice.extensions import db
from backoffice.jobs.registry import job
from backoffice.models import SurveyCampaign
from backoffice.rules.sampling import new_seed
from backoffice.surveys import invitations as inv
from backoffice.surveys import sampling
from backoffice.surveys.aggregate import recompute

DEFAULT_BATCH = 2000


def _campaign(ctx):
    campaign = db.session.get(SurveyCampaign, int(ctx.params["campaign"]))
    if campaign is None:
        raise LookupError(f"survey campaign {ctx.params['campaign']} does not exist")
    return campaign


@job("surveys.sample", queue="surveys", timeout=3600, label=_l("Survey sampling and invitations"))
def sample(ctx):
    campaign = _campaign(ctx)
    batch = max(1, int(ctx.params.get("batch_size", DEFAULT_BATCH)))
    pause = float(ctx.params.get("pause", 0))  # lets tests watch (and interrupt) the batches

    # 1. The seed and the sample are fixed once and committed before any invitation exists.
    members = sampling.stored_members(campaign.sample_summary)
    if members is None:
        if campaign.seed is None:
            campaign.seed = new_seed()
        members, summary = sampling.choose(db.session, campaign, campaign.seed)
        campaign.sample_summary = summary
    campaign_commands.mark(campaign, "launch")  # draft -> sampling (rules/campaign_states.py)
    campaign_id = campaign.id
    db.session.commit()

    # 2. Invitations in batches, each committed: progress shows per batch.
    total = len(members)
    ctx.progress(0, total)
    desk = inv.service_desk_ids(db.session)
    inserted = 0
    for start in range(0, total, batch):
        chunk = members[start:start + batch]
        inserted += inv.insert_ignore(db.session, inv.invitation_rows(campaign, chunk, start, desk))
        db.session.commit()
        ctx.progress(start + len(chunk), total)
        if pause:
            time.sleep(pause)

    campaign = db.session.get(SurveyCampaign, campaign_id)
    campaign_commands.mark(campaign, "opened")  # -> open, once the invitations are written
    db.session.commit()
    return {
        "campaign": campaign_id,
        "seed": campaign.seed,
        "sampled": total,
        "inserted": inserted,
        "strata": len((campaign.sample_summary or {}).get("strata", {})),
    }


@job("surveys.aggregate", queue="surveys", timeout=3600, label=_l("Survey results"))
def aggregate(ctx):
    campaign = _campaign(ctx)
    ctx.progress(0, 1)
    summary = recompute(db.session, campaign, run_id=ctx.run_id)
    ctx.progress(1, 1)
    return summary
