"""ticket number counter: one row per registration day (GD + yyyymmdd + daily sequence)

Revision ID: 0007_core
Revises: 0006_surveys
Create Date: 2026-11-23 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_core'
down_revision = '0006_surveys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_number_counter',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )


def downgrade():
    op.drop_table('ticket_number_counter')
