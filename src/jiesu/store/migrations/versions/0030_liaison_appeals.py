"""Indexes for a 精准帮扶 liaison's list of 涉企诉求: the enterprises a staff member looks after,
and an enterprise's appeals newest first.

Revision ID: 0030_liaison_appeals
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

from alembic import op

revision = "0030_liaison_appeals"
down_revision = "0001"
branch_labels = ("liaison_appeals",)
depends_on = "0009_enterprise"  # the enterprises table


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index("ix_appeals_enterprise_created", ["enterprise_code", "created_at"],
                              unique=False)
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprises_liaison_user_id"), ["liaison_user_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_liaison_user_id"))
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_enterprise_created")
