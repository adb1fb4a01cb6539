"""An index for deleting the sent messages of the notification outbox by age
(JIESU_NOTIFY_KEEP_DAYS), so the periodic purge does not scan the whole table.

Revision ID: 0014_notify_purge
Revises: 0010_notify
"""

from __future__ import annotations

from alembic import op

revision = "0014_notify_purge"
down_revision = "0010_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_status_sent", ["status", "sent_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_status_sent")
