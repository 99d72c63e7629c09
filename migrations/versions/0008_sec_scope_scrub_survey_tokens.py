"""change log: remove survey invitation tokens copied into it before issue #9

The token of a survey invitation is a credential (whoever holds it answers as the client,
SPEC §7); the change log no longer records it (backoffice/audit.py SECRET_FIELDS), and this
removes the copies earlier creates and deletes left in ``details``. No schema change.

Revision ID: 0008_sec_scope
Revises: 0007_core
Create Date: 2026-12-01 10:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_sec_scope'
down_revision = '0007_core'
branch_labels = None
depends_on = None

change_log = sa.table(
    'change_log',
    sa.column('id', sa.Integer), sa.column('table_name', sa.String), sa.column('field', sa.String),
    sa.column('old_value', sa.Text), sa.column('new_value', sa.Text), sa.column('details', sa.JSON),
)


def upgrade():
    bind = op.get_bind()
    bind.execute(
        change_log.update()
        .where(change_log.c.table_name == 'survey_invitation', change_log.c.field == 'token')
        .values(old_value=None, new_value=None)
    )
    rows = bind.execute(
        sa.select(change_log.c.id, change_log.c.details)
        .where(change_log.c.table_name == 'survey_invitation', change_log.c.details.is_not(None))
    ).all()
    for row_id, details in rows:
        if isinstance(details, str):  # a driver that hands JSON back as text
            details = json.loads(details)
        if isinstance(details, dict) and 'token' in details:
            details = {k: v for k, v in details.items() if k != 'token'}
            bind.execute(change_log.update().where(change_log.c.id == row_id).values(details=details))


def downgrade():
    pass  # the tokens are gone for good, as they should be
