"""Creating invitations in bulk (SPEC §7, §8).

Rows are inserted in batches with ``INSERT ... ON CONFLICT DO NOTHING``: the unique index on
(campaign, client) makes a re-run after a killed worker add only the missing invitations, never
a second one for a client. Each row gets a fresh single-use token; the expiry is the end of the
campaign's deadline day; phone invitations go round-robin to the active service-desk members.
"""
import datetime as dt
from typing import Iterable, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
    campaign_id = campaign.id
    return [
        {
            "campaign_id": campaign_id,
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

    Returns the number of rows actually inserted. On PostgreSQL the batch goes as one
    ``INSERT ... SELECT FROM unnest(<one array per column>)`` (a column equal over the batch is
    one value): a short statement whatever the
    batch size (a multi-row VALUES list costs more to build and parse than to write) whose
    rowcount is exact. On SQLite an executemany, whose rowcount sums the inserted rows.
    """
    rows = list(rows)
    if not rows:
        return 0
    table = SurveyInvitation.__table__
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        columns = list(rows[0])
        params, select, arrays = {}, [], []
        for c in columns:
            sql_type = table.c[c].type.compile(dialect=dialect)
            values = [r[c] for r in rows]
            if all(v == values[0] for v in values):  # the same for the whole batch: one value
                params[c] = values[0]
                select.append(f"CAST(:{c} AS {sql_type})")
            else:
                params[c] = values
                arrays.append(f"CAST(:{c} AS {sql_type}[])")
                select.append(f"u.c{len(arrays)}")
        names = ", ".join(f"c{i + 1}" for i in range(len(arrays)))
        source = f" FROM unnest({', '.join(arrays)}) AS u({names})" if arrays else ""
        statement = sa.text(
            f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(select)}{source} "
            "ON CONFLICT DO NOTHING"
        )
        return session.execute(statement, params).rowcount
    if dialect.name == "sqlite":
        return max(session.execute(sqlite_insert(table).on_conflict_do_nothing(), rows).rowcount or 0, 0)
    raise RuntimeError(f"unsupported database {dialect.name}")  # pragma: no cover - PostgreSQL and SQLite only
