"""The audit check records how many configuration-change entries (配置变更记录) it verified:
`audit_checks.config_changes`, empty for the checks recorded before it was counted.

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


def downgrade() -> None:
    with op.batch_alter_table("audit_checks", schema=None) as batch_op:
        batch_op.drop_column("config_changes")
