"""SLA core: the working-day calendar table, SLA policies, deadlines stamped on tickets (issue #12)

Revision ID: 0009_sla_core
Revises: 0008_sec_csrf
Create Date: 2026-12-01 10:32:42.722901

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_sla_core'
down_revision = '0008_sec_csrf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=False),
    sa.Column('changed_by_fk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day')
    )
    op.create_table('sla_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('ticket_type', sa.Enum('complaint', 'report', 'inquiry', 'opinion', 'suggestion', 'service_request', name='ck_sla_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('complaint_class', sa.Enum('own_service', 'product', 'external', name='ck_sla_class', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('severity', sa.Enum('normal', 'major', name='ck_sla_severity', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('first_response_unit', sa.Enum('working_days', 'same_day', 'hours', name='ck_sla_first_unit', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('first_response_amount', sa.Integer(), nullable=False),
    sa.Column('resolution_unit', sa.Enum('working_days', 'same_day', 'hours', name='ck_sla_res_unit', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('resolution_amount', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=False),
    sa.Column('changed_by_fk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_response_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sla_policy_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key('fk_ticket_sla_policy', 'sla_policy', ['sla_policy_id'], ['id'])



def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ticket_sla_policy', type_='foreignkey')
        batch_op.drop_column('due_provisional')
        batch_op.drop_column('sla_policy_id')
        batch_op.drop_column('first_response_due_at')

    op.drop_table('sla_policy')
    op.drop_table('calendar_day')
