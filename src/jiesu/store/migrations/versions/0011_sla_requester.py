"""SLA policies may name the requester type, so 涉企诉求 (appeals from enterprises) can have
their own, shorter limits (DESIGN §8).

Revision ID: 0011_sla_requester
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_sla_requester"
down_revision = "0001"
branch_labels = ("sla_requester",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requester", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_column("requester")
