"""appraisals: department monthly outcome, ranking columns on the sheet (issue #14, SPEC §6)

Revision ID: 0009_appraisals
Revises: 0008_sec_csrf
Create Date: 2026-12-01 10:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_appraisals'
down_revision = '0009_sla_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'department_month_outcome',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('result', sa.Enum('exceeded', 'met', 'missed', name='ck_dept_outcome_result',
                                    native_enum=False, create_constraint=True), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entered_by_id'], ['staff.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('department_id', 'month', name='uq_dept_month_outcome'),
    )
    with op.batch_alter_table('appraisal_sheet') as batch:
        batch.add_column(sa.Column('rank', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('ranked_of', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('last_three_months', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('appraisal_sheet') as batch:
        batch.drop_column('last_three_months')
        batch.drop_column('ranked_of')
        batch.drop_column('rank')
    op.drop_table('department_month_outcome')
