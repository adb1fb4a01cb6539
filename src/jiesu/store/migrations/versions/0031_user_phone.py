"""A staff user's mobile phone (手机号), optional: where a 精准帮扶 liaison is texted about
their enterprises' 涉企诉求. Users that exist have none until an administrator sets it.

Revision ID: 0031_user_phone
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_user_phone"
down_revision = "0001"
branch_labels = ("user_phone",)
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone")
