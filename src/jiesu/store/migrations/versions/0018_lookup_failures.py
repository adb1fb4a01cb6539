"""Wrong guesses at the public code + phone lookups are counted in the database, so that
every app process (`jiesu serve --workers N`) sees the same count; before, each process
counted its own in memory and the limit was N times higher.

Revision ID: 0018_lookup_failures
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_lookup_failures"
down_revision = "0001"
branch_labels = ("lookup_failures",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_failures")),
    )
    op.create_index("ix_lookup_failures_key_failed", "lookup_failures", ["key", "failed_at"],
                    unique=False)
    op.create_index("ix_lookup_failures_failed", "lookup_failures", ["failed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lookup_failures_failed", table_name="lookup_failures")
    op.drop_index("ix_lookup_failures_key_failed", table_name="lookup_failures")
    op.drop_table("lookup_failures")
