"""Phone numbers as jiesu.domain.appeal.normalize_phone stores them since 2026-11-27.

Before, a number was stored as typed, so "１３８ ０００１－３８００" (a Chinese input method's
full-width digits) or "138-0001-3800" was not found by the operator's lookup of the caller's
earlier appeals. Rows are rewritten in pages of 5,000 by id; the rule is copied here, not
imported, so that this migration keeps doing what it did when the function changes.

Revision ID: 0008_phone_digits
Revises: 0007_inbox
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008_phone_digits"
down_revision = "0007_inbox"
branch_labels = None
depends_on = None

_SEPARATORS = re.compile(r"[\s\-–—()./·]")
_PAGE = 5000


def _normalize(phone: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", phone))


def upgrade() -> None:
    bind = op.get_bind()
    appeals = sa.table("appeals", sa.column("id", sa.BigInteger),
                       sa.column("requester_phone", sa.String))
    update = (appeals.update().where(appeals.c.id == sa.bindparam("row_id"))
              .values(requester_phone=sa.bindparam("phone")))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(appeals.c.id, appeals.c.requester_phone)
            .where(appeals.c.id > last, appeals.c.requester_phone.is_not(None))
            .order_by(appeals.c.id).limit(_PAGE)).all()
        if not rows:
            break
        changed = [{"row_id": i, "phone": _normalize(p) or None} for i, p in rows
                   if _normalize(p) != p]
        if changed:
            bind.execute(update, changed)
        last = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo: the typed form is not kept, and the digits work with older code."""
