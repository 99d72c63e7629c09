"""monthly KPI snapshots per department (issue #15: the home page reads them, not the big tables)

Revision ID: 0010_kpi_home
Revises: 0010_tickets_flow
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_kpi_home'
down_revision = '0010_tickets_flow'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kpi_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('department_id', 'month', name='uq_kpi_snapshot_dept_month'),
    )
    with op.batch_alter_table('kpi_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_snapshot_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_snapshot_month'), ['month'], unique=False)
    # the home tiles' overdue / due-today counts read only the tickets awaiting feedback
    awaiting = sa.text("status NOT IN ('fed_back', 'called_back', 'closed')")
    op.create_index('ix_ticket_awaiting_due', 'ticket', ['due_at'], unique=False,
                    postgresql_where=awaiting, sqlite_where=awaiting)


def downgrade():
    op.drop_index('ix_ticket_awaiting_due', table_name='ticket')
    with op.batch_alter_table('kpi_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_snapshot_month'))
        batch_op.drop_index(batch_op.f('ix_kpi_snapshot_department_id'))
    op.drop_table('kpi_snapshot')
