"""Store side of follow-up, 好差评 ratings, rating appeals, rectifications and service items.

The queries `services/feedback.py` needs: the follow-up queue, survey tokens, who has rated
an appeal already, closed appeals awaiting a default rating and the service item catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from jiesu.store.feedback_tables import (
    RatingAppealRow,
    RatingRow,
    RectificationRow,
    ServiceItemRow,
    SurveyTokenRow,
)
from jiesu.store.tables import AppealRow, UnitRow


@dataclass(frozen=True)
class AwaitingFollowUp:
    """A replied appeal waiting for its follow-up (回访)."""

    appeal_id: int
    code: str | None
    title: str
    lead_unit_id: int | None
    replied_at: datetime | None
    followup_due_at: datetime | None
    followup_attempts: int
    followup_last_attempt_at: datetime | None
    requester_phone: str | None


def awaiting_followup(session: Session, *, late_before: datetime | None = None,
                      limit: int = 200, offset: int = 0
                      ) -> tuple[list[AwaitingFollowUp], int]:
    """A page of replied appeals by follow-up deadline, and how many there are in all.

    With `late_before`, only those whose follow-up deadline is before it."""
    cond: Any = AppealRow.status == "replied"
    if late_before is not None:
        cond = and_(cond, AppealRow.followup_due_at < late_before)
    total = session.scalar(select(func.count()).select_from(AppealRow).where(cond))
    rows = session.execute(
        select(AppealRow.id, AppealRow.code, AppealRow.title, AppealRow.lead_unit_id,
               AppealRow.replied_at, AppealRow.followup_due_at, AppealRow.followup_attempts,
               AppealRow.followup_last_attempt_at, AppealRow.requester_phone)
        .where(cond).order_by(AppealRow.followup_due_at, AppealRow.id)
        .limit(limit).offset(offset)).all()
    return [AwaitingFollowUp(*r) for r in rows], int(total or 0)


def survey_token(session: Session, token_hash: str, *,
                 lock: bool = False) -> SurveyTokenRow | None:
    """The survey token with this hash; `lock` takes a row lock (FOR UPDATE) for answering."""
    stmt = select(SurveyTokenRow).where(SurveyTokenRow.token_hash == token_hash)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def appeal_rating_id(session: Session, appeal_id: int | None, rater_phone: str) -> int | None:
    """The id of the rating this rater (phone digits) gave the appeal, if any."""
    return session.scalar(select(RatingRow.id).where(
        RatingRow.appeal_id == appeal_id, RatingRow.rater_phone == rater_phone))


def appeals_awaiting_default_rating(session: Session, *, closed_by: datetime,
                                    closed_after: datetime, limit: int) -> list[int]:
    """Ids of closed appeals (closed in (closed_after, closed_by]) with a lead unit and a
    requester phone that no rater has rated, oldest id first."""
    rated = exists().where(and_(RatingRow.appeal_id == AppealRow.id,
                                RatingRow.rater_phone.is_not(None)))
    return list(session.scalars(
        select(AppealRow.id).where(
            AppealRow.status == "closed", AppealRow.closed_at <= closed_by,
            AppealRow.closed_at > closed_after,
            AppealRow.lead_unit_id.is_not(None), AppealRow.requester_phone.is_not(None),
            ~rated)
        .order_by(AppealRow.id).limit(limit)))


def rating_appeal_status(session: Session, rating_id: int) -> str | None:
    """The status of the latest 申诉 against the rating, if it has one."""
    return session.scalar(select(RatingAppealRow.status)
                          .where(RatingAppealRow.rating_id == rating_id)
                          .order_by(RatingAppealRow.id.desc()).limit(1))


def decide_rating_appeal(session: Session, rating_appeal_id: int, *, status: str,
                         reason: str | None, decided_at: datetime,
                         decided_by: int | None) -> bool:
    """Record the decision of a 申诉 that is still pending, in one conditional UPDATE: False
    when it is not pending any more (another reviewer decided it since it was read). Under
    PostgreSQL's READ COMMITTED the second of two such UPDATEs waits for the first and then
    finds the row no longer pending. The caller holds the rating's lock already (the order:
    rating, 申诉, rectification, appeal)."""
    done = session.execute(
        update(RatingAppealRow)
        .where(RatingAppealRow.id == rating_appeal_id, RatingAppealRow.status == "pending")
        .values(status=status, decision_reason=reason, decided_at=decided_at,
                decided_by=decided_by)
        .execution_options(synchronize_session=False))
    row = session.get(RatingAppealRow, rating_appeal_id)
    if row is not None:
        session.expire(row)
    return bool(getattr(done, "rowcount", 0))


def rating_id_of_rectification(session: Session, rect_id: int) -> int | None:
    """The rating a rectification was opened for (read before the rectification is loaded)."""
    return session.scalar(select(RectificationRow.rating_id)
                          .where(RectificationRow.id == rect_id))


def rating_appeal_pending(session: Session, rating_id: int) -> bool:
    """A 申诉 against the rating is waiting for review."""
    return rating_appeal_status(session, rating_id) == "pending"


def rectification_of_rating(session: Session, rating_id: int, *,
                            lock: bool = False) -> RectificationRow | None:
    """The 整改 opened for the rating, if any; `lock` takes its row lock (FOR UPDATE), after
    the rating's and its 申诉's (the order every step keeps: rating, 申诉, rectification,
    appeal; jiesu.services.retention)."""
    stmt = select(RectificationRow).where(RectificationRow.rating_id == rating_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def rectification_status(session: Session, rating_id: int) -> str | None:
    """The status of the 整改 opened for the rating, if it has one."""
    return session.scalar(select(RectificationRow.status)
                          .where(RectificationRow.rating_id == rating_id))


def update_rectification(session: Session, rect_id: int, *, status: str, rounds: int,
                         values: dict[str, Any]) -> bool:
    """Write `values` to the rectification only while it is still at `status` in round
    `rounds` (as the step read it), in one conditional UPDATE: False when another step changed
    it since. Status and round together name every state a rectification passes through once
    (a dissatisfied 整改回访 reopens it in the next round), so this is its version. Under
    PostgreSQL's READ COMMITTED the second of two such UPDATEs waits for the first to commit,
    then finds the row changed and updates nothing."""
    done = session.execute(
        update(RectificationRow)
        .where(RectificationRow.id == rect_id, RectificationRow.status == status,
               RectificationRow.rounds == rounds)
        .values(**values)
        .execution_options(synchronize_session=False))
    row = session.get(RectificationRow, rect_id)
    if row is not None:
        session.expire(row)
    return bool(getattr(done, "rowcount", 0))


def rectification_erased(session: Session, rect_id: int) -> bool:
    """Whether the personal data of what this rectification is about is erased already
    (个人信息保存期限). A step asks after its UPDATE of the rectification (which holds the
    row's lock), in a statement of its own: erasure locks a rating's rectifications before it
    erases (jiesu.services.retention), so either the step held the lock first (and erasure
    then redacts what it wrote) or erasure has committed and this reads that it must redact."""
    rating_id = session.scalar(select(RectificationRow.rating_id)
                               .where(RectificationRow.id == rect_id))
    return rating_id is not None and rating_erased(session, rating_id)


def rating_erased(session: Session, rating_id: int) -> bool:
    """Whether the personal data of this rating's appeal, or of a service item's rating its
    rater's phone, is erased already (个人信息保存期限)."""
    row = session.execute(
        select(RatingRow.appeal_id, RatingRow.rater_phone, AppealRow.personal_data_erased_at)
        .outerjoin(AppealRow, AppealRow.id == RatingRow.appeal_id)
        .where(RatingRow.id == rating_id)).first()
    if row is None:
        return False
    appeal_id, rater_phone, erased_at = row
    # a service item's rating names its rater's phone until erasure clears it
    return erased_at is not None if appeal_id is not None else rater_phone is None


def open_rectifications_to_watch(session: Session, *, due_by: datetime, limit: int,
                                 after: tuple[datetime, int] | None = None
                                 ) -> list[RectificationRow]:
    """Open rectifications due by `due_by` that are not red yet, by deadline, after the
    (due_at, id) `after`; claimed with FOR UPDATE SKIP LOCKED (ix_rectifications_status_due)."""
    stmt = select(RectificationRow).where(
        RectificationRow.status == "open", RectificationRow.due_at <= due_by,
        RectificationRow.warning != "red")
    if after is not None:
        stmt = stmt.where(or_(RectificationRow.due_at > after[0],
                              and_(RectificationRow.due_at == after[0],
                                   RectificationRow.id > after[1])))
    return list(session.scalars(
        stmt.order_by(RectificationRow.due_at, RectificationRow.id).limit(limit)
        .with_for_update(skip_locked=True)).all())


def open_rectifications_due_from(session: Session, since: datetime) -> list[RectificationRow]:
    """Open rectifications due at or after `since` (those a calendar year loaded may move)."""
    return list(session.scalars(
        select(RectificationRow).where(RectificationRow.status == "open",
                                       RectificationRow.due_at >= since)
        .order_by(RectificationRow.id)).all())


def rectification_subject(session: Session, rectification: RectificationRow
                          ) -> tuple[str | None, str]:
    """(appeal code or None, appeal title or service item name) of what was rated."""
    if rectification.appeal_id is not None:
        row = session.execute(select(AppealRow.code, AppealRow.title).where(
            AppealRow.id == rectification.appeal_id)).one()
        return row[0], row[1] or ""
    name = session.scalar(select(ServiceItemRow.name).join(
        RatingRow, RatingRow.service_item_id == ServiceItemRow.id).where(
        RatingRow.id == rectification.rating_id))
    return None, name or ""


def overdue_rectification_count(session: Session, now: datetime) -> int:
    """Open rectifications past their deadline, of every unit (督办看板)."""
    return session.scalar(select(func.count()).select_from(RectificationRow).where(
        RectificationRow.status == "open", RectificationRow.due_at < now)) or 0


def rated_item_since(session: Session, item_id: int, rater_phone: str,
                     since: datetime) -> datetime | None:
    """When `rater_phone` last rated service item `item_id`, if that was at `since` or later."""
    return session.scalar(select(func.max(RatingRow.created_at)).where(
        RatingRow.service_item_id == item_id, RatingRow.rater_phone == rater_phone,
        RatingRow.created_at >= since))


def service_item_id_by_code(session: Session, code: str) -> int | None:
    """The id of the service item with this code (active or not), if any."""
    return session.scalar(select(ServiceItemRow.id).where(ServiceItemRow.code == code))


@dataclass(frozen=True)
class ServiceItemInfo:
    """A service item with its unit, active or not (the rating page and the poster)."""

    id: int
    code: str
    name: str
    unit_id: int
    unit_code: str
    unit_name: str
    active: bool
    unit_active: bool = True

    @property
    def rateable(self) -> bool:
        """Switched on, at a unit not stopped (停用): a stopped unit's windows are closed."""
        return self.active and self.unit_active


def service_item(session: Session, item_id: int, *,
                 lock: bool = False) -> ServiceItemInfo | None:
    """One service item with its unit, active or not; None when unknown. With `lock`, the
    item's row is locked (FOR UPDATE; not its unit's)."""
    stmt = (select(ServiceItemRow.id, ServiceItemRow.code, ServiceItemRow.name,
                   ServiceItemRow.unit_id, UnitRow.code, UnitRow.name, ServiceItemRow.active,
                   UnitRow.active)
            .join(UnitRow, UnitRow.id == ServiceItemRow.unit_id)
            .where(ServiceItemRow.id == item_id))
    if lock:
        stmt = stmt.with_for_update(of=ServiceItemRow)
    row = session.execute(stmt).first()
    return None if row is None else ServiceItemInfo(*row)


def service_item_named(session: Session, unit_id: int, name: str,
                       but: int | None = None) -> str | None:
    """The code of another service item of the unit with this name, if any (a second
    “户籍办理” at one window could not be told apart on its poster)."""
    stmt = select(ServiceItemRow.code).where(ServiceItemRow.unit_id == unit_id,
                                             ServiceItemRow.name == name)
    if but is not None:
        stmt = stmt.where(ServiceItemRow.id != but)
    return session.scalars(stmt.limit(1)).first()


def active_service_items(session: Session, unit_id: int | None = None
                         ) -> list[tuple[int, str, str, int, str]]:
    """(id, code, name, unit id, unit name) of active service items by code, of one unit or all."""
    stmt = (select(ServiceItemRow.id, ServiceItemRow.code, ServiceItemRow.name,
                   ServiceItemRow.unit_id, UnitRow.name)
            .join(UnitRow, UnitRow.id == ServiceItemRow.unit_id)
            .where(ServiceItemRow.active.is_(True), UnitRow.active.is_(True))
            .order_by(ServiceItemRow.code))
    if unit_id is not None:
        stmt = stmt.where(ServiceItemRow.unit_id == unit_id)
    return [(a, b, c, d, e) for a, b, c, d, e in session.execute(stmt).all()]
