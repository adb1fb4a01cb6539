"""Read queries of 好差评: rating and rectification counts per unit, the feedback lists, and
the paged lists of the 差评整改 and 整改公示 pages."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, case, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from jiesu.store.feedback_tables import (
    RatingAppealRow,
    RatingRow,
    RectificationRow,
    ServiceItemRow,
)
from jiesu.store.kpi_queries import Window, subtree_units
from jiesu.store.tables import AppealRow, UnitRow
from jiesu.store.web_queries import public_clause


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


# --- the pages of 整改 / 好差评 (paged lists with what each line shows) ----------------------


@dataclass(frozen=True)
class RectificationLine:
    """A rectification with the rating behind it, its unit and its appeal (staff pages)."""

    id: int
    status: str
    due_at: datetime
    rounds: int
    report: str | None
    reported_at: datetime | None
    satisfied: bool | None
    followed_up_at: datetime | None
    published_at: datetime | None
    cancelled_reason: str | None
    unit_id: int
    unit: str
    rating_id: int
    stars: int
    comment: str | None
    rated_at: datetime
    appeal_id: int | None
    appeal_code: str | None
    appeal_title: str | None
    rating_appeal_pending: bool = False  # a 申诉 against the rating waits for review


@dataclass(frozen=True)
class BadRatingLine:
    """A bad rating of a unit with its appeal and the latest 申诉 against it, if any."""

    id: int
    stars: int
    comment: str | None
    rated_at: datetime
    excluded: bool
    excluded_reason: str | None
    unit_id: int
    unit: str
    appeal_id: int | None
    appeal_code: str | None
    appeal_title: str | None
    rating_appeal_status: str | None
    rating_appeal_reason: str | None
    decision_reason: str | None
    rectification_status: str | None = None  # published: no 申诉 any more


@dataclass(frozen=True)
class RatingAppealLine:
    """A unit's 申诉 with the rating it is against."""

    id: int
    status: str
    reason: str
    requested_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    unit: str
    rating_id: int
    stars: int
    comment: str | None
    rated_at: datetime
    excluded: bool
    appeal_id: int | None
    appeal_code: str | None
    appeal_title: str | None


@dataclass(frozen=True)
class PublishedLine:
    """A published rectification with what its appeal may show (redacted by the page)."""

    id: int
    published_at: datetime
    report: str | None
    satisfied: bool | None
    rounds: int
    unit: str
    stars: int
    service_item: str | None
    appeal_code: str | None
    title: str | None
    content: str | None
    requester_name: str | None


_Row = TypeVarTuple("_Row")  # the column types of a select, kept through paging


def _count(session: Session, stmt: Select[*_Row], key: Any) -> int:
    counted = select(func.count()).select_from(
        stmt.with_only_columns(key).order_by(None).subquery())
    return int(session.scalar(counted) or 0)


def _paged(stmt: Select[*_Row], page: int, per_page: int) -> Select[*_Row]:
    return stmt.limit(per_page).offset((page - 1) * per_page)


def _appeal_text() -> ColumnElement[str]:
    """What a list says the rating is about: the appeal's title, or the start of its text when
    it has none (a call the operator registered without a title showed nothing); for a rated
    service item (no appeal) the item's name, the window the unit must put right. The query
    joins ServiceItemRow (outer) on the rating."""
    return func.coalesce(func.nullif(AppealRow.title, ""), func.substr(AppealRow.content, 1, 80),
                         ServiceItemRow.name)


def _in_unit(column: Any, session: Session, unit_id: int | None) -> ColumnElement[bool]:
    return column.in_(subtree_units(session, unit_id)) if unit_id is not None else true()


def rectification_page(session: Session, *, unit_id: int | None, statuses: Sequence[str],
                       page: int, per_page: int) -> tuple[list[RectificationLine], int]:
    """Rectifications of a unit subtree (all units: None) in `statuses` (all: empty): open
    ones first, then by deadline; published ones only (已公示): newest publication first. One
    page and the total."""
    stmt = (select(RectificationRow, RatingRow.stars, RatingRow.comment, RatingRow.created_at,
                   UnitRow.name, AppealRow.code, _appeal_text())
            .join(RatingRow, RatingRow.id == RectificationRow.rating_id)
            .join(UnitRow, UnitRow.id == RectificationRow.unit_id)
            .outerjoin(AppealRow, AppealRow.id == RectificationRow.appeal_id)
            .outerjoin(ServiceItemRow, ServiceItemRow.id == RatingRow.service_item_id)
            .where(_in_unit(RectificationRow.unit_id, session, unit_id)))
    if statuses:
        stmt = stmt.where(RectificationRow.status.in_(statuses))
    total = _count(session, stmt, RectificationRow.id)
    if statuses and set(statuses) == {"published"}:  # a record of what was done: latest first
        order: tuple[Any, ...] = (RectificationRow.published_at.desc(),
                                  RectificationRow.id.desc())
    else:  # work to do: the open ones, the earliest deadline first
        order = (case((RectificationRow.status == "open", 0), else_=1), RectificationRow.due_at,
                 RectificationRow.id)
    rows = session.execute(_paged(stmt.order_by(*order), page, per_page)).all()
    pending = pending_rating_appeals(session, [r.rating_id for r, *_ in rows])
    return [RectificationLine(
        r.id, r.status, r.due_at, r.rounds, r.report, r.reported_at, r.satisfied,
        r.followed_up_at, r.published_at, r.cancelled_reason, r.unit_id, unit, r.rating_id,
        stars, comment, rated_at, r.appeal_id, code, title, r.rating_id in pending)
        for r, stars, comment, rated_at, unit, code, title in rows], total


def pending_rating_appeals(session: Session, rating_ids: list[int]) -> set[int]:
    """Those of the ratings with a 申诉 waiting for review."""
    if not rating_ids:
        return set()
    return set(session.scalars(select(RatingAppealRow.rating_id).where(
        RatingAppealRow.rating_id.in_(rating_ids), RatingAppealRow.status == "pending")))


def rectification_counts(session: Session, unit_id: int | None) -> dict[str, int]:
    """How many rectifications of a unit subtree (all units: None) are in each status."""
    rows = session.execute(
        select(RectificationRow.status, func.count())
        .where(_in_unit(RectificationRow.unit_id, session, unit_id))
        .group_by(RectificationRow.status))
    return {status: int(n) for status, n in rows}


def _latest_rating_appeals(session: Session,
                           rating_ids: list[int]) -> dict[int, RatingAppealRow]:
    if not rating_ids:
        return {}
    rows = session.scalars(select(RatingAppealRow).where(
        RatingAppealRow.rating_id.in_(rating_ids)).order_by(RatingAppealRow.id))
    return {row.rating_id: row for row in rows}  # the later overwrites the earlier


def bad_rating_page(session: Session, *, unit_id: int | None, page: int,
                    per_page: int) -> tuple[list[BadRatingLine], int]:
    """Bad ratings (差评, ≤ 2 stars) of a unit subtree, newest first; one page and the total."""
    stmt = (select(RatingRow, UnitRow.name, AppealRow.code, _appeal_text(),
                   RectificationRow.status)
            .join(UnitRow, UnitRow.id == RatingRow.unit_id)
            .outerjoin(AppealRow, AppealRow.id == RatingRow.appeal_id)
            .outerjoin(ServiceItemRow, ServiceItemRow.id == RatingRow.service_item_id)
            .outerjoin(RectificationRow, RectificationRow.rating_id == RatingRow.id)
            .where(RatingRow.stars <= 2, _in_unit(RatingRow.unit_id, session, unit_id)))
    total = _count(session, stmt, RatingRow.id)
    rows = session.execute(_paged(stmt.order_by(RatingRow.created_at.desc(),
                                                RatingRow.id.desc()), page, per_page)).all()
    appeals = _latest_rating_appeals(session, [r.id for r, *_ in rows])
    lines = []
    for r, unit, code, title, rect_status in rows:
        ra = appeals.get(r.id)
        lines.append(BadRatingLine(
            r.id, r.stars, r.comment, r.created_at, r.excluded, r.excluded_reason, r.unit_id,
            unit, r.appeal_id, code, title, ra.status if ra else None,
            ra.reason if ra else None, ra.decision_reason if ra else None, rect_status))
    return lines, total


def rating_appeal_page(session: Session, *, status: str | None, unit_id: int | None,
                       page: int, per_page: int) -> tuple[list[RatingAppealLine], int]:
    """Units' 申诉 with their ratings, oldest request first; one page and the total."""
    stmt = (select(RatingAppealRow, UnitRow.name, RatingRow, AppealRow.code, _appeal_text())
            .join(RatingRow, RatingRow.id == RatingAppealRow.rating_id)
            .join(UnitRow, UnitRow.id == RatingAppealRow.unit_id)
            .outerjoin(AppealRow, AppealRow.id == RatingRow.appeal_id)
            .outerjoin(ServiceItemRow, ServiceItemRow.id == RatingRow.service_item_id)
            .where(_in_unit(RatingAppealRow.unit_id, session, unit_id)))
    if status:
        stmt = stmt.where(RatingAppealRow.status == status)
    total = _count(session, stmt, RatingAppealRow.id)
    rows = session.execute(_paged(stmt.order_by(RatingAppealRow.requested_at,
                                                RatingAppealRow.id), page, per_page)).all()
    return [RatingAppealLine(
        a.id, a.status, a.reason, a.requested_at, a.decided_at, a.decision_reason, unit,
        r.id, r.stars, r.comment, r.created_at, r.excluded, r.appeal_id, code, title)
        for a, unit, r, code, title in rows], total


def published_page(session: Session, *, page: int, per_page: int,
                   published: Collection[str], appeal_id: int | None = None
                   ) -> tuple[list[PublishedLine], int]:
    """Published rectifications, newest first, leaving out those of appeals the board does not
    show (reports, confidential appeals, not yet published: `web_queries.public_clause`) and
    those whose rating was excluded on 申诉 after publication (excluded ratings count nowhere);
    `appeal_id`: only that appeal's (its page on the board)."""
    stmt = (select(RectificationRow, RatingRow.stars, UnitRow.name, ServiceItemRow.name,
                   AppealRow.code, AppealRow.title, AppealRow.content, AppealRow.requester_name)
            .join(RatingRow, RatingRow.id == RectificationRow.rating_id)
            .join(UnitRow, UnitRow.id == RectificationRow.unit_id)
            .outerjoin(ServiceItemRow, ServiceItemRow.id == RatingRow.service_item_id)
            .outerjoin(AppealRow, AppealRow.id == RectificationRow.appeal_id)
            .where(RectificationRow.status == "published", RatingRow.excluded.is_(False),
                   or_(RectificationRow.appeal_id.is_(None), public_clause(published))))
    if appeal_id is not None:
        stmt = stmt.where(RectificationRow.appeal_id == appeal_id)
    total = _count(session, stmt, RectificationRow.id)
    rows = session.execute(_paged(stmt.order_by(RectificationRow.published_at.desc(),
                                                RectificationRow.id.desc()),
                                  page, per_page)).all()
    return [PublishedLine(r.id, r.published_at or r.created_at, r.report, r.satisfied,
                          r.rounds, unit, stars, item, code, title, content, name)
            for r, stars, unit, item, code, title, content, name in rows], total


# --- the service items (服务事项) of the admin page, with their rating figures ---------------


@dataclass(frozen=True)
class ServiceItemLine:
    """A service item with its unit and the figures of its ratings (all time, excluded ones
    left out as everywhere): how many, how many bad (1–2 stars) and their average."""

    id: int
    code: str
    name: str
    active: bool
    unit_id: int
    unit_code: str
    unit: str
    ratings: int
    bad: int
    average: float | None


def service_item_page(session: Session, *, unit_id: int | None, page: int, per_page: int
                      ) -> tuple[list[ServiceItemLine], int]:
    """Service items of a unit subtree (all units: None), active or not, active first and then
    by code; one page and the total. A stopped item's ratings still count here, as they do in
    the unit's statistics."""
    figures = (select(RatingRow.service_item_id.label("item_id"), func.count().label("n"),
                      func.sum(case((RatingRow.stars <= 2, 1), else_=0)).label("bad"),
                      func.avg(RatingRow.stars).label("average"))
               .where(RatingRow.service_item_id.is_not(None), RatingRow.excluded.is_(False))
               .group_by(RatingRow.service_item_id).subquery())
    stmt = (select(ServiceItemRow, UnitRow.code, UnitRow.name, figures.c.n, figures.c.bad,
                   figures.c.average)
            .join(UnitRow, UnitRow.id == ServiceItemRow.unit_id)
            .outerjoin(figures, figures.c.item_id == ServiceItemRow.id)
            .where(_in_unit(ServiceItemRow.unit_id, session, unit_id)))
    total = _count(session, stmt, ServiceItemRow.id)
    rows = session.execute(_paged(stmt.order_by(ServiceItemRow.active.desc(),
                                                ServiceItemRow.code), page, per_page)).all()
    return [ServiceItemLine(item.id, item.code, item.name, item.active, item.unit_id,
                            unit_code, unit, int(n or 0), int(bad or 0),
                            None if average is None else float(average))
            for item, unit_code, unit, n, bad, average in rows], total
