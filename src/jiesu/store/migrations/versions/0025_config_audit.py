"""The configuration-change log (配置变更记录) in the audit check and the anchors: the check
records how many of its entries it verified (`audit_checks.config_changes`), and each periodic
anchor keeps the chain's head at that moment (`event_anchors.config_seq`, `config_head`,
covered by its digest), so that rewriting the whole configuration history is caught like
rewriting an appeal's. Both are empty on rows written before.

Revision ID: 0025_config_audit
Revises: 0001 (a branch of its own, like the other features; after 0021, which made
audit_checks)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_config_audit"
down_revision = "0001"
branch_labels = ("config_audit",)
depends_on = "0021_audit_checks"  # the audit_checks table


def upgrade() -> None:
    with op.batch_alter_table("audit_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config_changes", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("event_anchors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("config_head", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_anchors", schema=None) as batch_op:
        batch_op.drop_column("config_head")
        batch_op.drop_column("config_seq")
    with op.batch_alter_table("audit_checks", schema=None) as batch_op:
        batch_op.drop_column("config_changes")
