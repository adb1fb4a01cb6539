"""Mainland landlines given with the country code stored as dialled at home, as
jiesu.domain.appeal.normalize_phone stores them since 2026-11-29.

Before, "+86 10 6555 1234" was stored as "+861065551234" (and the rating of its appeal's
requester as "861065551234") while "010-6555 1234" was "01065551234": the lookups by phone,
which compare with "=" in SQL (the operator's list of a caller's earlier appeals, the API's
filter, who rated an appeal already), took them for two phones. Like 0032 did for mobiles,
the stored numbers are rewritten once: a landline after +86/0086 (area code 10, 2X or 3XX-9XX,
a local number of 7-8 digits, an extension as typed) gets its 0 ("01065551234"), a 400/800
service number after it is its ten digits; anything else keeps its form. The appeals', the
enterprises', the users' and the units' (duty phone) numbers are rewritten, and an appeal's
ratings whose rater is its requester's number in digits ("861065551234") follow the appeal's,
unless the same rater rated the appeal again under the new form (uq_ratings_appeal_rater: the
double rating this fixes; that rating keeps its stored form). A service item's rater is kept:
its digits ("861065551234") cannot be told from a local number beginning with 86 with an
extension, and they only count within the day. Rows are walked in pages of 5,000 by id, only
those that begin with +86 or 0086, so a second run finds nothing to do; the rule is copied
here, not imported, so this migration keeps doing what it did when the function changes.

Revision ID: 0037_phone_landline
Revises: 0001 (a branch of its own, like the other features)
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0037_phone_landline"
down_revision = "0001"
branch_labels = ("phone_landline",)
# the ratings, the enterprises and the users' phone column; after 0032, whose rule this
# extends (either order gives the same numbers)
depends_on = ("0002_feedback", "0009_enterprise", "0031_user_phone", "0032_phone_national")

_PAGE = 5000
_SEP = r"[\s\-–—()./·]"
_SEPARATORS = re.compile(_SEP)
_INTERNATIONAL_MOBILE = re.compile(r"(?:\+|00)86(1[3-9]\d{9})")
_BARE_86_MOBILE = re.compile(rf"{_SEP}*86{_SEP}*(1[3-9]\d){_SEP}?(\d{{4}}){_SEP}?(\d{{4}}){_SEP}*")
_EXTENSION = r"(?:(?:转|分机|ext|x|#|,)?\d{1,6})?"
_INTERNATIONAL_LANDLINE = re.compile(
    rf"(?:\+|00)86(?:([48]00\d{{7}}{_EXTENSION})"
    rf"|0?((?![48]00)(?:10|2\d|[3-9]\d\d)\d{{7,8}}{_EXTENSION}))", re.IGNORECASE)


def _normalize(phone: str) -> str:
    typed = unicodedata.normalize("NFKC", phone)
    bare = _BARE_86_MOBILE.fullmatch(typed)
    if bare:
        return "".join(bare.groups())
    stripped = _SEPARATORS.sub("", typed)
    international = _INTERNATIONAL_MOBILE.fullmatch(stripped)
    if international:
        return international.group(1)
    landline = _INTERNATIONAL_LANDLINE.fullmatch(stripped)
    if landline:
        service, area_code_on = landline.groups()
        return service if service is not None else "0" + area_code_on
    return stripped


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if "0" <= ch <= "9")


_RATINGS = sa.table("ratings", sa.column("id", sa.BigInteger),
                    sa.column("appeal_id", sa.BigInteger), sa.column("rater_phone", sa.String))


def _rewrite(table: str, column: str, *, ratings: bool = False) -> None:
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.BigInteger), sa.column(column, sa.String))
    update = (t.update().where(t.c.id == sa.bindparam("row_id"))
              .values({column: sa.bindparam("phone")}))
    country_code = sa.or_(t.c[column].like("+86%"), t.c[column].like("0086%"))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(t.c.id, t.c[column]).where(t.c.id > last, country_code)
            .order_by(t.c.id).limit(_PAGE)).all()
        if not rows:
            break
        changed = [(i, p, _normalize(p)) for i, p in rows if _normalize(p) != p]
        if changed:
            if ratings:
                _follow_ratings(bind, changed)
            bind.execute(update, [{"row_id": i, "phone": new} for i, _, new in changed])
        last = rows[-1][0]


def _follow_ratings(bind: sa.Connection, changed: list[tuple[int, str, str]]) -> None:
    """The appeals' ratings by their requester (the number's digits) take the new digits,
    unless the appeal has a rating under those already."""
    moved = [{"appeal": i, "old": _digits(old), "new": _digits(new)} for i, old, new in changed
             if _digits(old) != _digits(new)]
    if not moved:
        return
    other = _RATINGS.alias("other")
    taken = sa.exists().where(other.c.appeal_id == sa.bindparam("appeal"),
                              other.c.rater_phone == sa.bindparam("new"))
    bind.execute(
        _RATINGS.update().where(_RATINGS.c.appeal_id == sa.bindparam("appeal"),
                                _RATINGS.c.rater_phone == sa.bindparam("old"), ~taken)
        .values(rater_phone=sa.bindparam("new")), moved)


def upgrade() -> None:
    _rewrite("appeals", "requester_phone", ratings=True)
    _rewrite("enterprises", "contact_phone")
    _rewrite("users", "phone")
    _rewrite("units", "contact_phone")


def downgrade() -> None:
    """Nothing to undo: the +86 form is not kept, and the national form works with older
    code."""
