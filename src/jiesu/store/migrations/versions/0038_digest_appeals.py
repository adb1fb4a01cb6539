"""How many appeals a pending digest of imported history's warnings is of.

The digest texted "导入的历史诉求中有 1 件签收已超期、1 件办理已超期" for one appeal late on
both clocks: 件 counts appeals, and the digest kept only its warnings by clock and level. The
sweep now counts the appeals too (`history_digests.appeals`) and the text says 有 1 件已超期
（签收 1、办理 1）. A digest pending when this runs (recorded, not yet queued: a sweep that died
in between) has no count, NULL, and keeps none when more is added to it: its text counts the
warnings (条预警) instead.

Revision ID: 0038_digest_appeals
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038_digest_appeals"
down_revision = "0001"
branch_labels = ("digest_appeals",)
depends_on = ("0033_history_digests",)


def upgrade() -> None:
    op.add_column("history_digests", sa.Column("appeals", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("history_digests") as batch:
        batch.drop_column("appeals")
