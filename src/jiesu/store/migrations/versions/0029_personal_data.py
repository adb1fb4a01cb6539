"""Erasing a requester's personal data once the city's retention period is over (个人信息保存
期限, JIESU_PERSONAL_DATA_DAYS): `appeals.personal_data_erased_at` records when it was done
(once per appeal; the staff page says so), a partial index holds the ended appeals not yet
erased by end time, so the periodic job finds the due ones without reading the erased ones (at
1,000,000 appeals, nearly all of them), and a partial index of the service-item ratings that
still keep a phone number does the same for those.

Revision ID: 0029_personal_data
Revises: 0001 (a branch of its own, like the other features; after 0002, which made ratings)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_personal_data"
down_revision = "0001"
branch_labels = ("personal_data",)
depends_on = "0002_feedback"  # the ratings table

# as jiesu.store.tables.NOT_ERASED_ENDED_SQL and feedback_tables.ITEM_RATER_SQL write them
NOT_ERASED_ENDED = sa.text("personal_data_erased_at IS NULL"
                           " AND status IN ('closed', 'rejected', 'merged')")
ITEM_RATER = sa.text("appeal_id IS NULL AND rater_phone IS NOT NULL")


def upgrade() -> None:
    op.add_column("appeals", sa.Column("personal_data_erased_at", sa.DateTime(timezone=True),
                                       nullable=True))
    op.create_index("ix_appeals_erasure_due", "appeals", ["closed_at", "id"], unique=False,
                    postgresql_where=NOT_ERASED_ENDED, sqlite_where=NOT_ERASED_ENDED)
    op.create_index("ix_ratings_item_rater_created", "ratings", ["created_at"], unique=False,
                    postgresql_where=ITEM_RATER, sqlite_where=ITEM_RATER)


def downgrade() -> None:
    op.drop_index("ix_ratings_item_rater_created", table_name="ratings")
    op.drop_index("ix_appeals_erasure_due", table_name="appeals")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("personal_data_erased_at")
