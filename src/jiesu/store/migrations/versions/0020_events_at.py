"""The auditor's page lists events newest first by time (id breaks ties) and pages through
them; an index on (at, id) lets both databases read a page from the end of the index instead
of sorting every event.

Revision ID: 0020_events_at
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

from alembic import op

revision = "0020_events_at"
down_revision = "0001"
branch_labels = ("events_at",)
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_at_id", "events", ["at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_at_id", table_name="events")
