"""Rectification (整改) deadlines are watched like appeal deadlines: the warning each open
rectification has reached (none / yellow / red, raised once each by the sweeper) and an index
on (status, due_at) so the sweeper reads only the open ones due soon.

Revision ID: 0017_rectification_warning
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_rectification_warning"
down_revision = "0001"
branch_labels = ("rectification_warning",)
depends_on = "0002_feedback"  # the rectifications table


def upgrade() -> None:
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warning", sa.String(length=8), nullable=False,
                                      server_default="none"))
        batch_op.create_index("ix_rectifications_status_due", ["status", "due_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.drop_index("ix_rectifications_status_due")
        batch_op.drop_column("warning")
