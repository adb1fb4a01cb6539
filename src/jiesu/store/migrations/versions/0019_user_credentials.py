"""User management: each user's credentials version, raised when the password is changed or
reset and when the account is deactivated, so that bearer tokens and page sessions issued
before are refused (they carry the version they were issued with); when the password was last
set; and who last changed the account from the admin page or API, and when.

`updated_by` has no foreign key, like `events.actor_id`: adding one would make SQLite rebuild
`users`, which every appeal and event refers to, for a column that only records.

Revision ID: 0019_user_credentials
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_user_credentials"
down_revision = "0001"
branch_labels = ("user_credentials",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credentials_version", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("credentials_changed_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column(
            "updated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("credentials_changed_at")
        batch_op.drop_column("credentials_version")
