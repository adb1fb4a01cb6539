"""What administrators change (units, users, deadline rules, the calendar, the taxonomy, intake
rules, KPI weights …) is recorded in a log of its own (配置变更记录), hash-chained like the
appeal events and verified by the audit check; `config_chain` holds the chain's head.

Revision ID: 0024_config_events
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_config_events"
down_revision = "0001"
branch_labels = ("config_events",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "config_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", _ID, nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_events")),
        sa.UniqueConstraint("seq", name="uq_config_events_seq"),
    )
    op.create_index("ix_config_events_at_id", "config_events", ["at", "id"], unique=False)
    op.create_table(
        "config_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_chain")),
    )


def downgrade() -> None:
    op.drop_table("config_chain")
    op.drop_index("ix_config_events_at_id", table_name="config_events")
    op.drop_table("config_events")
