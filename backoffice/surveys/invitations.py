"""Creating invitations in bulk (SPEC §7, §8).

Rows are inserted in batches with ``INSERT ... ON CONFLICT DO NOTHING``: the unique index on
(campaign, client) makes a re-run after a killed worker add only the missing invitations, never
a second one for a client. Each row gets a fresh single-use token; the expiry is the end of the
campaign's deadline day; phone invitations go round-robin to the active service-desk members.
"""
import datetime as dt
from typing import Iterable, Optional, Sequence

import sqlalchemy as sa

from backoffice.models import Staff, SurveyInvitation
from backoffice.models.choices import Position
from backoffice.models.surveys import new_token, now
from backoffice.rules.sampling import round_robin


def expiry(deadline: dt.date) -> dt.datetime:
    """Invitations stay usable through the whole deadline day."""
    return dt.datetime.combine(deadline, dt.time(23, 59, 59))


def service_desk_ids(session) -> list:
    """Active service-desk members (客服) in ascending id order: the phone round-robin."""
    return list(session.execute(
        sa.select(Staff.id)
        .where(Staff.position == Position.service_desk, Staff.active.is_(True))
        .order_by(Staff.id)
    ).scalars())


def invitation_rows(campaign, members: Sequence, start: int, desk_ids: Sequence, created: Optional[dt.datetime] = None):
    """Insertable dicts for ``members`` = [(client_id, stratum)], the ``start``-th onwards of the sample.

    The assignee of the i-th sampled client is ``desk_ids[i % len(desk_ids)]`` for phone campaigns,
    so a re-run computes the same assignment.
    """
    channel = getattr(campaign.channel, "value", campaign.channel) or "online"
    expires = expiry(campaign.deadline)
    created = created or now()
    assignees = round_robin(members, desk_ids, start) if channel == "phone" else [None] * len(members)
    return [
        {
            "campaign_id": campaign.id,
            "client_id": client_id,
            "token": new_token(),
            "channel": channel,
            "assignee_id": assignee,
            "stratum": stratum,
            "expires_at": expires,
            "created_at": created,
        }
        for (client_id, stratum), assignee in zip(members, assignees)
    ]


def insert_ignore(session, rows: Iterable[dict]) -> int:
    """Bulk insert; rows that would duplicate a (campaign, client) or a ticket are skipped.

    Returns the number of rows actually inserted.
    """
    rows = list(rows)
    if not rows:
        return 0
    table = SurveyInvitation.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the product runs on PostgreSQL and SQLite only
        raise RuntimeError(f"unsupported database {dialect}")
    result = session.execute(insert(table).on_conflict_do_nothing(), rows)
    return max(result.rowcount or 0, 0)
