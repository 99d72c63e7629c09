"""user session epoch: signing out refuses every cookie issued before (issue #9)

Revision ID: 0008_sec_csrf
Revises: 0007_core
Create Date: 2026-12-01 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_sec_csrf'
down_revision = '0008_cmd_layer'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session_epoch',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('epoch', sa.Integer(), nullable=False),
        sa.Column('changed_on', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )


def downgrade():
    op.drop_table('user_session_epoch')
