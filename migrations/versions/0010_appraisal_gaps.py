"""appraisal pay bands and department adjustments as data, seeded as SPEC §6 (issue #14)

Revision ID: 0010_appraisal_gaps
Revises: 0010_sla_scan
Create Date: 2026-12-01 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_appraisal_gaps'
down_revision = '0010_sla_scan'
branch_labels = None
depends_on = None


def upgrade():
    bands = op.create_table(
        'appraisal_pay_band',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lower_bound', sa.Numeric(5, 2), nullable=False),
        sa.Column('upper_bound', sa.Numeric(5, 2), nullable=False),
        sa.Column('factor', sa.Numeric(6, 4), nullable=True),
        sa.Column('score_as_percentage', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint('lower_bound >= 0 AND upper_bound <= 100 AND lower_bound < upper_bound',
                           name='ck_pay_band_bounds'),
        sa.CheckConstraint('score_as_percentage OR (factor IS NOT NULL AND factor >= 0)', name='ck_pay_band_factor'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('lower_bound', name='uq_pay_band_lower'),
    )
    rates = op.create_table(
        'appraisal_department_adjustment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('result', sa.Enum('exceeded', 'met', 'missed', name='ck_department_adjustment_code',
                                    native_enum=False, create_constraint=True, length=8), nullable=False),
        sa.Column('rate', sa.Numeric(5, 4), nullable=False),
        sa.CheckConstraint('rate >= -1 AND rate <= 1', name='ck_department_adjustment_rate'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('result', name='uq_department_adjustment_result'),
    )
    # SPEC §6 / seed 001 L512–L518: the seeded bands (half-open [decision]) and ±5 %.
    op.bulk_insert(bands, [
        {'lower_bound': 95, 'upper_bound': 100, 'factor': 1.05, 'score_as_percentage': False},
        {'lower_bound': 90, 'upper_bound': 95, 'factor': 1.00, 'score_as_percentage': False},
        {'lower_bound': 60, 'upper_bound': 90, 'factor': None, 'score_as_percentage': True},
        {'lower_bound': 0, 'upper_bound': 60, 'factor': 0, 'score_as_percentage': False},
    ])
    op.bulk_insert(rates, [
        {'result': 'exceeded', 'rate': 0.05}, {'result': 'met', 'rate': 0}, {'result': 'missed', 'rate': -0.05},
    ])


def downgrade():
    op.drop_table('appraisal_department_adjustment')
    op.drop_table('appraisal_pay_band')
