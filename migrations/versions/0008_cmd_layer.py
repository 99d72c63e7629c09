"""row versions for optimistic locking; approval time of appraisal sheets (issue #10)

Revision ID: 0008_cmd_layer
Revises: 0007_core
Create Date: 2026-12-01 09:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_cmd_layer'
down_revision = '0008_sec_scope'
branch_labels = None
depends_on = None

VERSIONED = ("client", "contact", "ticket", "visit_log", "visit_plan", "appraisal_sheet", "survey_campaign")


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))
    with op.batch_alter_table('appraisal_sheet') as batch:
        batch.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('appraisal_sheet') as batch:
        batch.drop_column('approved_at')
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('version')
