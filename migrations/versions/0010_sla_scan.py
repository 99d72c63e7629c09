"""in-app notifications: overdue tickets escalated to the department head (issue #12)

Revision ID: 0010_sla_scan
Revises: 0009_visits
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_sla_scan'
down_revision = '0009_visits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['recipient_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'kind', 'recipient_id', name='uq_notification_ticket_kind_recipient'),
    )
    op.create_index('ix_notification_recipient_unread', 'notification', ['recipient_id', 'read_at'])


def downgrade():
    op.drop_index('ix_notification_recipient_unread', table_name='notification')
    op.drop_table('notification')
