"""The time of the last follow-up call that reached nobody (未联系上), so that the next one is
refused until `followup_retry_minutes` have passed: three attempts within one minute closed an
appeal as unreachable. Appeals already waiting have none and are not held back.

Revision ID: 0036_followup_spacing
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036_followup_spacing"
down_revision = "0001"
branch_labels = ("followup_spacing",)
depends_on = None


def upgrade() -> None:
    op.add_column("appeals", sa.Column("followup_last_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("followup_last_attempt_at")
