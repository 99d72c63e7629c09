"""change log: summary and details (exports, create/delete snapshots, bulk writes)

Revision ID: 0004_audit
Revises: 0002_job_heartbeat
Create Date: 2026-11-23 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_audit'
down_revision = '0002_job_heartbeat'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_column('details')
        batch_op.drop_column('summary')
