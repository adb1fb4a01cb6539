"""Read queries for training the category classifier on the city's own history (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiesu.store.tables import AppealRow, CategoryRow


@dataclass(frozen=True, slots=True)
class CategoryNode:
    """One taxonomy entry, enough to find the ancestor at a given level."""

    id: int
    code: str
    full_name: str
    level: int
    parent_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class ClosedAppeal:
    """A closed appeal's text and its final category code (what the dispatcher settled on)."""

    id: int
    title: str
    content: str
    category: str


def category_tree(session: Session) -> list[CategoryNode]:
    return [CategoryNode(*row) for row in session.execute(
        select(CategoryRow.id, CategoryRow.code, CategoryRow.full_name, CategoryRow.level,
               CategoryRow.parent_id, CategoryRow.active))]


def closed_appeals(session: Session, *, since: datetime | None = None,
                   limit: int | None = None, batch: int = 5000) -> Iterator[list[ClosedAppeal]]:
    """Closed appeals that have a category, newest first, in keyset pages of `batch` rows.

    Only the four columns training needs are read, one page per query, so memory stays flat
    in the query however large the table; `since` compares with `closed_at`.
    """
    stmt = select(AppealRow.id, AppealRow.title, AppealRow.content, AppealRow.category).where(
        AppealRow.status == "closed", AppealRow.category.is_not(None))
    if since is not None:
        stmt = stmt.where(AppealRow.closed_at >= since)
    last: int | None = None
    left = limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        page_stmt = stmt if last is None else stmt.where(AppealRow.id < last)
        page = [ClosedAppeal(i, t or "", c or "", cat or "") for i, t, c, cat in
                session.execute(page_stmt.order_by(AppealRow.id.desc()).limit(size))]
        if not page:
            return
        yield page
        last = page[-1].id
        if left is not None:
            left -= len(page)
        if len(page) < size:
            return
