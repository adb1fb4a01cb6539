"""Mainland mobiles stored as their bare 11 digits, as jiesu.domain.appeal.normalize_phone
stores them since 2026-11-29.

Before, "+86 138 0001 3800" was stored as "+8613800013800" (and a rating's rater as
"8613800013800"), which the lookups by phone compare with "=" in SQL: the operator's list of
a caller's earlier appeals, the API's filter, who rated an appeal already, and the once a day
per phone limit on rating a service item all took it for another phone than "13800013800".
Rewriting the stored numbers once keeps those lookups a plain indexed "=". Landlines and
other countries' numbers are left as they are. Rows are rewritten in pages of 5,000 by id;
the rule is copied here, not imported, so this migration keeps doing what it did when the
function changes. A rating that would collide with the same rater's other rating of the same
appeal (uq_ratings_appeal_rater: the double rating this fixes) keeps its stored form.

Revision ID: 0032_phone_national
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0032_phone_national"
down_revision = "0001"
branch_labels = ("phone_national",)
# the ratings, the enterprises and the users' phone column (not 0008: this rule drops the
# separators too, so either may run first)
depends_on = ("0002_feedback", "0009_enterprise", "0031_user_phone")

_PAGE = 5000
_SEP = r"[\s\-–—()./·]"
_SEPARATORS = re.compile(_SEP)
_INTERNATIONAL_MOBILE = re.compile(r"(?:\+|00)86(1[3-9]\d{9})")
_BARE_86_MOBILE = re.compile(rf"{_SEP}*86{_SEP}*(1[3-9]\d){_SEP}?(\d{{4}}){_SEP}?(\d{{4}}){_SEP}*")


def _normalize(phone: str) -> str:
    typed = unicodedata.normalize("NFKC", phone)
    bare = _BARE_86_MOBILE.fullmatch(typed)
    if bare:
        return "".join(bare.groups())
    stripped = _SEPARATORS.sub("", typed)
    international = _INTERNATIONAL_MOBILE.fullmatch(stripped)
    return international.group(1) if international else stripped


def _rewrite(table: str, column: str, *, unique_with: str | None = None) -> None:
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.BigInteger), sa.column(column, sa.String),
                 *([sa.column(unique_with, sa.BigInteger)] if unique_with else []))
    update = (t.update().where(t.c.id == sa.bindparam("row_id"))
              .values({column: sa.bindparam("phone")}))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(t.c.id, t.c[column]).where(t.c.id > last, t.c[column].is_not(None))
            .order_by(t.c.id).limit(_PAGE)).all()
        if not rows:
            break
        changed = [{"row_id": i, "phone": _normalize(p) or None} for i, p in rows
                   if _normalize(p) != p]
        if unique_with is not None:
            changed = [c for c in changed if not _taken(bind, t, column, unique_with, c)]
        if changed:
            bind.execute(update, changed)
        last = rows[-1][0]


def _taken(bind: sa.Connection, t: sa.TableClause, column: str, unique_with: str,
           change: dict[str, object]) -> bool:
    """Whether another row of the same `unique_with` already holds the new phone."""
    owner = sa.select(t.c[unique_with]).where(t.c.id == change["row_id"]).scalar_subquery()
    return bind.execute(sa.select(t.c.id).where(
        t.c[unique_with] == owner, t.c[column] == change["phone"]).limit(1)).first() is not None


def upgrade() -> None:
    _rewrite("appeals", "requester_phone")
    _rewrite("ratings", "rater_phone", unique_with="appeal_id")
    _rewrite("enterprises", "contact_phone")
    _rewrite("users", "phone")


def downgrade() -> None:
    """Nothing to undo: the +86 form is not kept, and the bare digits work with older code."""
