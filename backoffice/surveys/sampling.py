"""Choosing who a campaign invites (SPEC §7), reading the database once per campaign.

The pure rules (sample size, allocation, draw, top-N with ties) are in
``backoffice.rules.sampling``; this module feeds them the active clients and stores what was
chosen on the campaign (seed and ``sample_summary``) so the sample is reproducible and auditable.
"""
import sqlalchemy as sa

from backoffice.models import BusinessFormat, Client, Department, PurchaseRecord
from backoffice.models.choices import ClientStatus
from backoffice.rules import sampling as rules


def _kind(campaign):
    return getattr(campaign.kind, "value", campaign.kind)


def department_subtree_ids(session, root_id):
    """The department and every department below it (read with the job's own session)."""
    children = {}
    for did, parent in session.execute(sa.select(Department.id, Department.parent_id)):
        children.setdefault(parent, []).append(did)
    found, todo = set(), [root_id]
    while todo:
        d = todo.pop()
        if d not in found:
            found.add(d)
            todo.extend(children.get(d, []))
    return found


def population_clause(session, campaign):
    """SPEC §7: a department's campaign samples that department's subtree only; a company-wide
    one (no department) the whole company."""
    if campaign is None or campaign.department_id is None:
        return sa.true()
    return Client.department_id.in_(sorted(department_subtree_ids(session, campaign.department_id)))


def strata_of_active_clients(session, campaign=None) -> dict:
    """{stratum key: [client ids]} of the active clients of the campaign's population
    (business format × region × service level)."""
    # The codes as plain strings (no enum conversion per row) and one key per distinct
    # combination: this reads every active client, a million of them at full size.
    q = (
        sa.select(
            Client.id, BusinessFormat.code, sa.type_coerce(Client.region_class, sa.String),
            sa.type_coerce(Client.service_level, sa.String),
        )
        .join(BusinessFormat, BusinessFormat.id == Client.business_format_id)
        .where(Client.status == ClientStatus.active, population_clause(session, campaign))
    )
    strata, keys = {}, {}
    for cid, fmt, region, level in session.execute(q):
        combo = (fmt, region, level)
        key = keys.get(combo)
        if key is None:
            key = keys[combo] = rules.stratum_key(fmt, region, level)
            strata[key] = []
        strata[key].append(cid)
    return strata


def semiannual_sample(session, campaign, seed):
    """[(client_id, stratum)] in ascending client id order, and the summary to store."""
    strata = strata_of_active_clients(session, campaign)
    chosen, alloc = rules.draw_sample(strata, campaign.sample_ratio, seed)
    members = sorted((cid, key) for key, ids in chosen.items() for cid in ids)
    summary = {
        "kind": "semiannual",
        "seed": seed,
        "ratio": str(campaign.sample_ratio),
        "population": sum(len(v) for v in strata.values()),
        "size": len(members),
        "strata": {key: {"population": pop, "sampled": n} for key, (pop, n) in alloc.items()},
        "members": {key: ids for key, ids in chosen.items()},
    }
    return members, summary


def top_purchasers_sample(session, campaign):
    """The campaign year's top-N active purchasers, ties at rank N included (seed 002)."""
    start, end = rules.parse_campaign_period("top_purchasers", campaign.period)
    total = sa.func.sum(PurchaseRecord.amount).label("total")
    per_client = (
        sa.select(PurchaseRecord.client_id.label("client_id"), total)
        .join(Client, Client.id == PurchaseRecord.client_id)
        .where(PurchaseRecord.month >= start, PurchaseRecord.month < end, Client.status == ClientStatus.active,
               population_clause(session, campaign))
        .group_by(PurchaseRecord.client_id)
        .having(sa.func.sum(PurchaseRecord.amount) > 0)
        .subquery()
    )
    # The N-th highest total, found by the database; everyone at or above it qualifies.
    threshold = session.execute(
        sa.select(per_client.c.total).order_by(per_client.c.total.desc()).offset(campaign.top_n - 1).limit(1)
    ).scalar()
    q = sa.select(per_client.c.client_id, per_client.c.total)
    if threshold is not None:
        q = q.where(per_client.c.total >= threshold)
    rows = session.execute(q).all()
    ids = rules.top_purchasers(rows, campaign.top_n)
    amounts = {cid: amount for cid, amount in rows}
    members = sorted((cid, None) for cid in ids)
    summary = {
        "kind": "top_purchasers",
        "period": campaign.period,
        "top_n": campaign.top_n,
        "size": len(members),
        "threshold": str(threshold) if threshold is not None else None,
        "amounts": {str(cid): str(amounts[cid]) for cid in ids},
        "members": {"-": sorted(ids)},
    }
    return members, summary


def choose(session, campaign, seed):
    """Sample of ``campaign`` (empty for after-complaint campaigns: their tickets invite)."""
    kind = _kind(campaign)
    if kind == "semiannual":
        return semiannual_sample(session, campaign, seed)
    if kind == "top_purchasers":
        return top_purchasers_sample(session, campaign)
    return [], {"kind": kind, "size": 0}


def stored_members(summary):
    """The sample a campaign already stored, as [(client_id, stratum)], or None if none yet."""
    if not summary or "members" not in summary:
        return None
    return sorted(
        (int(cid), None if key == "-" and summary.get("kind") != "semiannual" else key)
        for key, ids in summary["members"].items()
        for cid in ids
    )
