"""A policy's matching pass can continue in the periodic jobs: `policies.matched_through`
holds the last enterprise id a pass reached (NULL when none is pending), so publishing to a
large registry does not hold one request for minutes.

Revision ID: 0013_policy_matching
Revises: 0009_enterprise
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_policy_matching"
down_revision = "0009_enterprise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matched_through", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_column("matched_through")
