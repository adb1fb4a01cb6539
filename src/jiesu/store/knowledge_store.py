"""Store side of the knowledge base (知识库): every query `services/knowledge.py` needs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from jiesu.store.knowledge_tables import KnowledgeArticleRow
from jiesu.store.tables import CategoryRow, UnitRow

A = KnowledgeArticleRow


def article(session: Session, article_id: int, *, lock: bool = False
            ) -> KnowledgeArticleRow | None:
    if not 0 < article_id < 2**62:  # no such id; PostgreSQL would refuse the number
        return None
    stmt = select(A).where(A.id == article_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def add(session: Session, row: KnowledgeArticleRow) -> None:
    session.add(row)
    session.flush()


def flush(session: Session) -> None:
    session.flush()


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def articles(session: Session, *, statuses: list[str] | None = None, q: str = "",
             owner_path: str | None = None, review_before: date | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[KnowledgeArticleRow], int]:
    """A page of articles, newest change first, and how many match in all. `q` is part of the
    title; `owner_path` keeps those owned in that unit subtree; `review_before` keeps the
    published ones whose review date is before it (待复核)."""
    conds: list[Any] = []
    if statuses is not None:
        conds.append(A.status.in_(statuses))
    if q:
        conds.append(or_(A.title.like(_like(q), escape="\\")))
    if review_before is not None:
        conds += [A.review_by.is_not(None), A.review_by < review_before]
    stmt = select(A)
    count = select(func.count()).select_from(A)
    if owner_path is not None:
        stmt = stmt.join(UnitRow, UnitRow.id == A.owner_unit_id)
        count = count.join(UnitRow, UnitRow.id == A.owner_unit_id)
        conds.append(UnitRow.path.startswith(owner_path))
    if conds:
        stmt, count = stmt.where(*conds), count.where(*conds)
    total = session.scalar(count) or 0
    rows = session.scalars(stmt.order_by(A.updated_at.desc(), A.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), int(total)


def published(session: Session) -> list[tuple[int, str, str, list[str], int]]:
    """(id, title, answer, keywords, owner unit id) of every published article: what the
    search index is built from."""
    return [(r.id, r.title, r.answer, list(r.keywords or []), r.owner_unit_id)
            for r in session.execute(
                select(A.id, A.title, A.answer, A.keywords, A.owner_unit_id)
                .where(A.status == "published").order_by(A.id))]


def stamp(session: Session) -> tuple[int, datetime | None]:
    """How many articles there are and the latest change: a cheap test whether the articles
    changed since an index was built (use counts do not change `updated_at`)."""
    n, latest = session.execute(select(func.count(), func.max(A.updated_at))).one()
    return int(n or 0), latest


def count_use(session: Session, article_id: int) -> bool:
    """One more use of a published article (an UPDATE, so concurrent uses all count)."""
    if not 0 < article_id < 2**62:
        return False
    result = session.execute(
        update(A).where(A.id == article_id, A.status == "published")
        .values(use_count=A.use_count + 1).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))






def unit_exists(session: Session, unit_id: int) -> bool:
    return session.scalar(select(UnitRow.id).where(UnitRow.id == unit_id)) is not None


def category_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {code: name for code, name in session.execute(
        select(CategoryRow.code, CategoryRow.full_name).where(CategoryRow.code.in_(codes)))}
