"""Every run of the audit check (审计链校验) is recorded: when it started and finished, who
ran it (the periodic jobs or `jiesu audit verify`), how many events, appeals and anchors it
walked, and whether the chains were whole or where the first break is. The auditor's page,
the administrators' warning and `GET /api/v1/audit/checks` read it.

Revision ID: 0021_audit_checks
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_audit_checks"
down_revision = "0001"
branch_labels = ("audit_checks",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runner", sa.String(length=16), nullable=False),
        sa.Column("process", sa.String(length=128), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("appeals", sa.BigInteger(), nullable=False),
        sa.Column("anchors", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("broken_event_id", sa.BigInteger(), nullable=True),
        sa.Column("broken_appeal_id", sa.BigInteger(), nullable=True),
        sa.Column("broken_seq", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checks")),
    )


def downgrade() -> None:
    op.drop_table("audit_checks")
