"""Read queries of 好差评: rating and rectification counts per unit, and the feedback lists."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from jiesu.store.feedback_tables import RatingAppealRow, RatingRow, RectificationRow
from jiesu.store.kpi_queries import Window, subtree_units
from jiesu.store.tables import UnitRow


def _rated_in(w: Window) -> tuple[ColumnElement[bool], ...]:
    """Ratings made in the window and not excluded (被剔除的评价不计)."""
    return (RatingRow.created_at >= w.start, RatingRow.created_at < w.end,
            RatingRow.excluded.is_(False))


def unit_rating_counts(session: Session, w: Window) -> list[tuple[int, int, int, int]]:
    """(unit id, ratings, good, bad) of each unit's own ratings made in the window."""
    rows = session.execute(
        select(RatingRow.unit_id, func.count(),
               func.sum(case((RatingRow.stars >= 3, 1), else_=0)),
               func.sum(case((RatingRow.stars <= 2, 1), else_=0)))
        .where(*_rated_in(w)).group_by(RatingRow.unit_id))
    return [(uid, int(n), int(good or 0), int(bad or 0)) for uid, n, good, bad in rows]


def unit_rectification_counts(session: Session, w: Window
                              ) -> list[tuple[int, int, int, int, int]]:
    """(unit id, rectifications, rectified, followed up, satisfied) of each unit's own
    rectifications (not cancelled) of ratings made in the window."""
    done = RectificationRow.status.in_(("reported", "verified", "published"))
    rows = session.execute(
        select(RectificationRow.unit_id, func.count(),
               func.sum(case((done, 1), else_=0)),
               func.sum(case((RectificationRow.satisfied.is_not(None), 1), else_=0)),
               func.sum(case((RectificationRow.satisfied.is_(True), 1), else_=0)))
        .join(RatingRow, RatingRow.id == RectificationRow.rating_id)
        .where(*_rated_in(w), RectificationRow.status != "cancelled")
        .group_by(RectificationRow.unit_id))
    return [(uid, int(n), int(rectified or 0), int(followed or 0), int(satisfied or 0))
            for uid, n, rectified, followed, satisfied in rows]


def published_rectifications(session: Session, limit: int
                             ) -> list[tuple[RectificationRow, int, str]]:
    """(rectification, stars of its rating, unit name) of published results, newest first."""
    rows = session.execute(
        select(RectificationRow, RatingRow.stars, UnitRow.name)
        .join(RatingRow, RatingRow.id == RectificationRow.rating_id)
        .join(UnitRow, UnitRow.id == RectificationRow.unit_id)
        .where(RectificationRow.status == "published")
        .order_by(RectificationRow.published_at.desc()).limit(limit)).all()
    return [(r, stars, name) for r, stars, name in rows]


def ratings(session: Session, *, unit_id: int | None, bad_only: bool,
            limit: int) -> list[RatingRow]:
    """Ratings, newest first: of a unit's subtree, only bad ones (≤ 2 stars) if asked."""
    stmt = select(RatingRow).order_by(RatingRow.created_at.desc()).limit(limit)
    if unit_id is not None:
        stmt = stmt.where(RatingRow.unit_id.in_(subtree_units(session, unit_id)))
    if bad_only:
        stmt = stmt.where(RatingRow.stars <= 2)
    return list(session.scalars(stmt).all())


def rectifications(session: Session, *, unit_id: int | None, status: str | None,
                   limit: int) -> list[RectificationRow]:
    """Rectifications by due date: of a unit's subtree, in one status if given."""
    stmt = (select(RectificationRow).order_by(RectificationRow.due_at)
            .limit(limit))
    if unit_id is not None:
        stmt = stmt.where(RectificationRow.unit_id.in_(subtree_units(session, unit_id)))
    if status:
        stmt = stmt.where(RectificationRow.status == status)
    return list(session.scalars(stmt).all())


def rating_appeals(session: Session, *, status: str | None,
                   limit: int) -> list[RatingAppealRow]:
    """Appeals against ratings (评价申诉), oldest request first, in one status if given."""
    stmt = select(RatingAppealRow).order_by(RatingAppealRow.requested_at).limit(limit)
    if status:
        stmt = stmt.where(RatingAppealRow.status == status)
    return list(session.scalars(stmt).all())
