"""Indexes for a grid worker's page (我的网格): the worker's own reports newest first, and the
appeals located in an area since a moment (also what appeals-per-resident counts read).

Revision ID: 0016_grid_reports
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

from alembic import op

revision = "0016_grid_reports"
down_revision = "0001"
branch_labels = ("grid_reports",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index("ix_appeals_registered_by_created", ["registered_by", "created_at"],
                              unique=False)
        batch_op.create_index("ix_appeals_area_created", ["area_unit_id", "created_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_area_created")
        batch_op.drop_index("ix_appeals_registered_by_created")
