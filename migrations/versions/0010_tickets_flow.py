"""callback records (回访记录) in the client archive, one per callback of a ticket (issue #12)

Revision ID: 0010_tickets_flow
Revises: 0010_appraisal_gaps
Create Date: 2026-12-01 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_tickets_flow'
down_revision = '0010_appraisal_gaps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'callback_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('result', sa.Enum('satisfied', 'basically', 'unsatisfied', name='ck_callback_record_result',
                                    native_enum=False, create_constraint=True, length=11), nullable=False),
        sa.Column('new_requests', sa.Text(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['client.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_callback_record_client_at', 'callback_record', ['client_id', 'at'])
    op.create_index('ix_callback_record_ticket_id', 'callback_record', ['ticket_id'])


def downgrade():
    op.drop_index('ix_callback_record_ticket_id', table_name='callback_record')
    op.drop_index('ix_callback_record_client_at', table_name='callback_record')
    op.drop_table('callback_record')
