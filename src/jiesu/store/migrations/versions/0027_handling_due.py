"""The supervisor's tabs show how many appeals are overdue (超期诉求: in handling, past their
handling deadline) and the 超期诉求 tab lists them, earliest deadline first. With no index on
the deadline of the appeals in handling, PostgreSQL counted them by walking a whole unit index
(about 100 ms at 1,000,000 appeals, on every view of every tab, bench/pages.py); a partial
index of the appeals in handling by deadline makes the count a short index-only range scan and
the list its first entries.

Revision ID: 0027_handling_due
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_handling_due"
down_revision = "0001"
branch_labels = ("handling_due",)
depends_on = None

HANDLING = sa.text("status IN ('dispatched', 'in_progress')")


def upgrade() -> None:
    op.create_index("ix_appeals_handling_due", "appeals", ["handle_due_at", "id"], unique=False,
                    postgresql_where=HANDLING, sqlite_where=HANDLING)


def downgrade() -> None:
    op.drop_index("ix_appeals_handling_due", table_name="appeals")
