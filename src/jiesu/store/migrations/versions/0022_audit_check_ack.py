"""A broken audit check stays an alarm until an auditor or administrator acknowledges it with
a note on what was found and done (who, when, the note): restoring the edited rows so that the
next check is whole no longer makes the alarm disappear.

Revision ID: 0022_audit_check_ack
Revises: 0021_audit_checks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_audit_check_ack"
down_revision = "0021_audit_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column(
            "acknowledged_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True))
        batch_op.add_column(sa.Column("acknowledgement", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_checks", schema=None) as batch_op:
        batch_op.drop_column("acknowledgement")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")
