"""visit plan steps (who, when, note), plan items linked to the visit that did them, unique items

Revision ID: 0009_visits
Revises: 0008_sec_csrf
Create Date: 2026-12-01 10:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_visits'
down_revision = '0009_appraisals'
branch_labels = None
depends_on = None


def _entitlement_lists():
    # The seeded "3+3" lists (seed 004 §2.3), one service per line.
    from backoffice.rules.service_level import ENTITLEMENTS

    return {k: "\n".join(s for group in v.values() for s in group) for k, v in ENTITLEMENTS.items()}


def upgrade():
    # The seed joined the sub-tier names instead of the services ("daily\nfeatured\nextended"):
    # put the services in the service-level tiers that still hold exactly that.
    tier = sa.table('tier', sa.column('code', sa.String), sa.column('entitlements', sa.Text))
    for code, text in _entitlement_lists().items():
        op.execute(tier.update().where(tier.c.code == code,
                                       tier.c.entitlements == 'daily\nfeatured\nextended').values(entitlements=text))
    op.create_table(
        'visit_plan_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=30), nullable=False),
        sa.Column('from_state', sa.String(length=30), nullable=True),
        sa.Column('to_state', sa.String(length=30), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['visit_plan.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_visit_plan_event_plan_id', 'visit_plan_event', ['plan_id'])
    with op.batch_alter_table('visit_plan_item') as batch:
        batch.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_visit_plan_item_visit_id_visit_log', 'visit_log', ['visit_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_unique_constraint('uq_visit_plan_item', ['plan_id', 'client_id', 'due_on', 'carried_over'])


def downgrade():
    with op.batch_alter_table('visit_plan_item') as batch:
        batch.drop_constraint('uq_visit_plan_item', type_='unique')
        batch.drop_constraint('fk_visit_plan_item_visit_id_visit_log', type_='foreignkey')
        batch.drop_column('visit_id')
    op.drop_index('ix_visit_plan_event_plan_id', table_name='visit_plan_event')
    op.drop_table('visit_plan_event')
