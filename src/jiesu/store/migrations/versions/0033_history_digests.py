"""Imported history's deadline digests made durable, and every import given its time.

1. `history_digests`: the digest of warnings of imported history (one text per duty phone and
   import) is recorded in the transaction of the warnings and queued from there, instead of
   being held in the sweeping process's memory until its last batch had committed (a process
   that died in between lost it).
2. Appeals imported before 2026-11-29 have the import marker (`extra.import`, with the mapping
   and the source id) but not the import's time (`extra.import.at`), so their warnings of long
   before the import texted one by one. The time is filled in from the appeal's `import` event
   (written by the same transaction as the appeal); failing that, from the appeal's last
   update. Rows are rewritten in pages of 5,000 by id; the rule is written out here, not
   imported, so that this migration keeps doing what it did when the code changes.

Revision ID: 0033_history_digests
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0033_history_digests"
down_revision = "0001"
branch_labels = ("history_digests",)
depends_on = None

_PAGE = 5000


def upgrade() -> None:
    op.create_table(
        "history_digests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("import_at", sa.String(length=40), nullable=False),
        sa.Column("sign_yellow", sa.Integer(), nullable=False),
        sa.Column("sign_red", sa.Integer(), nullable=False),
        sa.Column("handle_yellow", sa.Integer(), nullable=False),
        sa.Column("handle_red", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_digests")),
        sa.UniqueConstraint("recipient", "import_at",
                            name="uq_history_digests_recipient_import"),
    )
    _fill_import_times()


def _iso(value: datetime) -> str:
    """As the import writes it: aware UTC (SQLite hands back naive UTC)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat()


def _fill_import_times() -> None:
    bind = op.get_bind()
    appeals = sa.table("appeals", sa.column("id", sa.BigInteger),
                       sa.column("source_ref", sa.String), sa.column("extra", sa.JSON),
                       sa.column("updated_at", sa.DateTime(timezone=True)))
    events = sa.table("events", sa.column("appeal_id", sa.BigInteger),
                      sa.column("type", sa.String), sa.column("at", sa.DateTime(timezone=True)))
    imported = (sa.select(sa.func.min(events.c.at)).where(events.c.appeal_id == appeals.c.id,
                                                          events.c.type == "import")
                .scalar_subquery())
    update = (appeals.update().where(appeals.c.id == sa.bindparam("row_id"))
              .values(extra=sa.bindparam("new_extra", type_=sa.JSON)))
    last = 0
    while True:
        # every import stores the source's id in source_ref (an appeal registered here may
        # have one too: the marker below tells them apart)
        rows = bind.execute(
            sa.select(appeals.c.id, appeals.c.extra, imported, appeals.c.updated_at)
            .where(appeals.c.id > last, appeals.c.source_ref.is_not(None))
            .order_by(appeals.c.id).limit(_PAGE)).all()
        if not rows:
            break
        changed: list[dict[str, Any]] = []
        for row_id, extra, at, updated_at in rows:
            marker = extra.get("import") if isinstance(extra, dict) else None
            if not isinstance(marker, dict) or isinstance(marker.get("at"), str):
                continue
            when = at if at is not None else updated_at
            changed.append({"row_id": row_id, "new_extra": {
                **extra, "import": {**marker, "at": _iso(when)}}})
        if changed:
            bind.execute(update, changed)
        last = rows[-1][0]


def downgrade() -> None:
    """The import times stay: older code reads them as the import wrote them."""
    op.drop_table("history_digests")
