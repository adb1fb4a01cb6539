"""The dispatcher's tabs (退单申请, 延期申请) and the supervisor's (红色预警, 黄色预警) show how
many appeals wait in each. Counting pending requests and warnings over the open appeals had no
index (a scan of every appeal); a partial index of the open appeals that have a pending request
or a warning holds only those few, with the columns that tell the tabs apart, so each count is
an index-only scan of a small index on PostgreSQL and an index scan on SQLite.

Revision ID: 0023_waiting_counts
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_waiting_counts"
down_revision = "0001"
branch_labels = ("waiting_counts",)
depends_on = None

FLAGGED = sa.text(
    "status IN ('registered', 'dispatched', 'in_progress', 'replied')"
    " AND (return_pending OR extension_pending_days IS NOT NULL"
    " OR sign_warning <> 'none' OR handle_warning <> 'none' OR followup_warning <> 'none')")


def upgrade() -> None:
    op.create_index("ix_appeals_open_flagged", "appeals",
                    ["status", "return_pending", "extension_pending_days", "sign_warning",
                     "handle_warning", "followup_warning"], unique=False,
                    postgresql_where=FLAGGED, sqlite_where=FLAGGED)


def downgrade() -> None:
    op.drop_index("ix_appeals_open_flagged", table_name="appeals")
