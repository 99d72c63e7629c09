"""no foreign keys to tier, tier_scheme and job_run on the rows a recalculation writes (issue #16)

Revision ID: 0012_recalc_keys
Revises: 0011_pinyin_index
Create Date: 2026-12-01 17:00:00

PostgreSQL checks every foreign key of every inserted row, one index look-up and row lock each.
A scale run and its service-level run insert two million client_tier and tier_history rows at a
million clients, and the keys to the handful of tier, scheme and run rows were the larger part
of their cost over the bare SQL (measured in bench/recalc.py: README "Recalculation"). The key
to the client (ON DELETE CASCADE) and the override's keys (what a person picks) stay; deleting
a tier or scheme still referred to is refused by ``models/tiers.py`` (RECALC_REFERENCES).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_recalc_keys'
down_revision = '0011_pinyin_index'
branch_labels = None
depends_on = None

DROPPED = {
    "client_tier": (("scheme_id", "tier_scheme"), ("computed_tier_id", "tier"), ("tier_id", "tier"), ("run_id", "job_run")),
    "tier_history": (("scheme_id", "tier_scheme"), ("old_tier_id", "tier"), ("new_tier_id", "tier"), ("run_id", "job_run")),
}
# SQLite's keys have no names: batch mode names them by this convention while it copies the table
CONVENTION = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, keys in DROPPED.items():
        if postgresql:
            for column, _referred in keys:
                op.drop_constraint(f"{table}_{column}_fkey", table, type_="foreignkey")
        else:
            with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
                for column, referred in keys:
                    batch.drop_constraint(f"fk_{table}_{column}_{referred}", type_="foreignkey")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, keys in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column, referred in keys:
                batch.create_foreign_key(f"{table}_{column}_fkey" if postgresql else f"fk_{table}_{column}_{referred}",
                                         referred, [column], ["id"])
