"""Resident figures of a unit's area: households (户数) and resident population (常住人口),
for 万人诉求比 (appeals per 10,000 residents). Both nullable: most units (departments, public
enterprises) have none, and an area without its own figure takes the sum of its children's.

Revision ID: 0015_unit_population
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_unit_population"
down_revision = "0001"
branch_labels = ("unit_population",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("households", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("population", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("population")
        batch_op.drop_column("households")
