"""Hotspot warnings (热点预警) sent: the periodic jobs text a hotspot's warning once it has
enough different requesters (JIESU_HOTSPOT_ALERT_PEOPLE), and record it here so that each
hotspot is texted once however often the clustering is recomputed.

Revision ID: 0028_hotspot_alerts
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_hotspot_alerts"
down_revision = "0001"
branch_labels = ("hotspot_alerts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotspot_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("requesters", sa.Integer(), nullable=False),
        sa.Column("appeals", sa.Integer(), nullable=False),
        sa.Column("appeal_ids", sa.JSON(), nullable=False),
        sa.Column("texted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_unit_id"], ["units.id"],
                                name=op.f("fk_hotspot_alerts_area_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_alerts")),
    )
    op.create_index("ix_hotspot_alerts_created_at", "hotspot_alerts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_hotspot_alerts_created_at", table_name="hotspot_alerts")
    op.drop_table("hotspot_alerts")
