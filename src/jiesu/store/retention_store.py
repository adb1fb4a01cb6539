"""Queries of the personal-data retention job (个人信息保存期限, jiesu.services.retention): the
ended appeals due for erasure, claimed with FOR UPDATE SKIP LOCKED, and the writes that erase."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from jiesu.store.feedback_tables import (
    ITEM_RATER_SQL,
    RatingAppealRow,
    RatingRow,
    RectificationRow,
)
from jiesu.store.notify_tables import NotificationRow
from jiesu.store.tables import NOT_ERASED_ENDED_SQL, AppealRow

_NOT_ERASED_ENDED = text(NOT_ERASED_ENDED_SQL)
_ITEM_RATER = text(ITEM_RATER_SQL)

# What erasing reads of an appeal, and writes back (jiesu.services.retention.ErasedAppeal)
ERASED_COLUMNS = ("title", "content", "address", "reply_text", "reject_note", "latitude",
                  "longitude", "extra", "suggestions")


def _due(before: datetime) -> Any:
    """Ended appeals not yet erased that ended before `before`. An appeal that ended with no
    end time (history imported without one) counts from its last change, which is no earlier."""
    return select(AppealRow.id).where(_NOT_ERASED_ENDED).where(
        (AppealRow.closed_at < before)
        | (AppealRow.closed_at.is_(None) & (AppealRow.updated_at < before)))


def count_due(session: Session, before: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(_due(before).subquery())) or 0)


def due(session: Session, before: datetime, limit: int) -> list[int]:
    """Up to `limit` due appeals, earliest end first, not locked (`claim_due` claims them)."""
    return _due_ids(session, before, limit)


def claim_due(session: Session, before: datetime, ids: Sequence[int]) -> list[int]:
    """Those of `ids` still due, claimed with FOR UPDATE SKIP LOCKED (two processes never
    take the same one; an appeal a person is acting on waits for the next pass)."""
    return _due_ids(session, before, len(ids), among=ids)


def _due_ids(session: Session, before: datetime, limit: int, *,
             among: Sequence[int] | None = None) -> list[int]:
    def ended(*where: Any) -> Any:
        stmt = select(AppealRow.id).where(_NOT_ERASED_ENDED, *where)
        if among is None:
            return stmt
        return stmt.where(AppealRow.id.in_(among)).with_for_update(skip_locked=True)

    ids = list(session.scalars(ended(AppealRow.closed_at < before)
                               .order_by(AppealRow.closed_at, AppealRow.id).limit(limit)))
    if len(ids) < limit:
        ids += session.scalars(ended(AppealRow.closed_at.is_(None), AppealRow.updated_at < before)
                               .order_by(AppealRow.id).limit(limit - len(ids)))
    return ids


def appeals(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """What erasure needs of each appeal: the texts, the requester's name, the channel."""
    cols = [AppealRow.__table__.c[name] for name in ("id", "channel", "requester_name",
                                                     *ERASED_COLUMNS)]
    return [dict(r._mapping) for r in session.execute(select(*cols).where(
        AppealRow.id.in_(ids)).order_by(AppealRow.id))]


_T = AppealRow.__table__
_ERASE = (
    update(_T).where(_T.c.id == bindparam("p_id"))
    .values({name: bindparam(f"p_{name}", type_=_T.c[name].type) for name in ERASED_COLUMNS}
            | {"requester_name": None, "requester_phone": None,
               "personal_data_erased_at": bindparam("p_at", type_=_T.c.closed_at.type),
               # a person who read the appeal before cannot save its old texts back over
               # these (optimistic locking: they get 409 and read it again)
               "version": _T.c.version + 1})
)


def erase(session: Session, rows: Iterable[dict[str, Any]], at: datetime) -> None:
    """Write the erased appeals (each a dict of ERASED_COLUMNS and its id)."""
    params = [{"p_id": r["id"], "p_at": at, **{f"p_{n}": r[n] for n in ERASED_COLUMNS}}
              for r in rows]
    if params:
        session.connection().execute(_ERASE, params)


def ratings_of(session: Session, appeal_ids: Sequence[int]
               ) -> list[tuple[int, int, str | None, str | None]]:
    """(rating id, appeal id, comment, reason for its exclusion) of the appeals' ratings,
    locked (FOR UPDATE, by id)."""
    return [(i, a, c, x) for i, a, c, x in session.execute(
        select(RatingRow.id, RatingRow.appeal_id, RatingRow.comment, RatingRow.excluded_reason)
        .where(RatingRow.appeal_id.in_(appeal_ids)).order_by(RatingRow.id)
        .with_for_update()) if a is not None]


def rating_appeal_texts(session: Session, rating_ids: Sequence[int]
                        ) -> list[tuple[int, int, str, str | None]]:
    """(申诉 id, rating id, reason, decision's reason) of the ratings' 申诉, locked (FOR UPDATE,
    by id) after the ratings and before their rectifications: the one order
    (jiesu.services.retention). Filing and deciding one lock its rating first, so a 申诉 being
    filed or decided now is either in before erasure reads it, or written after erasure
    committed, by a step that sees the erasure and redacts it
    (jiesu.store.feedback_store.rating_erased)."""
    return [(i, r, t, d) for i, r, t, d in session.execute(
        select(RatingAppealRow.id, RatingAppealRow.rating_id, RatingAppealRow.reason,
               RatingAppealRow.decision_reason)
        .where(RatingAppealRow.rating_id.in_(rating_ids))
        .order_by(RatingAppealRow.id).with_for_update())]


def rectification_texts(session: Session, rating_ids: Sequence[int]
                        ) -> list[tuple[int, int, str | None, str | None]]:
    """(rectification id, rating id, report, reason it was cancelled) of the ratings'
    rectifications that have either. All of the ratings' rectifications are locked (FOR
    UPDATE, by id), those without a report too: a report being written now is then either in
    before erasure reads it, or written after erasure committed, by a step that sees the
    erasure and redacts it (jiesu.store.feedback_store.rectification_erased)."""
    return [(i, r, t, c) for i, r, t, c in session.execute(
        select(RectificationRow.id, RectificationRow.rating_id, RectificationRow.report,
               RectificationRow.cancelled_reason)
        .where(RectificationRow.rating_id.in_(rating_ids))
        .order_by(RectificationRow.id).with_for_update()) if t is not None or c is not None]


def erase_ratings(session: Session, texts: dict[int, tuple[str | None, str | None]]) -> None:
    """Clear the rater's phone of these ratings and set their (redacted) comments and reasons
    for their exclusion: `texts` maps a rating's id to (comment, excluded_reason)."""
    if texts:
        session.connection().execute(
            update(RatingRow.__table__).where(RatingRow.__table__.c.id == bindparam("p_id"))
            .values(rater_phone=None, comment=bindparam("p_comment"),
                    excluded_reason=bindparam("p_excluded")),
            [{"p_id": i, "p_comment": c, "p_excluded": x} for i, (c, x) in texts.items()])


def set_rating_appeal_texts(session: Session, texts: dict[int, tuple[str, str | None]]) -> None:
    """Set the (redacted) texts of these 申诉: id to (reason, decision's reason)."""
    if texts:
        t = RatingAppealRow.__table__
        session.connection().execute(
            update(t).where(t.c.id == bindparam("p_id"))
            .values(reason=bindparam("p_reason"), decision_reason=bindparam("p_decision")),
            [{"p_id": i, "p_reason": r, "p_decision": d} for i, (r, d) in texts.items()])


def set_rectification_texts(session: Session,
                            texts: dict[int, tuple[str | None, str | None]]) -> None:
    """Set the (redacted) texts of these rectifications: id to (report, cancelled_reason)."""
    if texts:
        t = RectificationRow.__table__
        session.connection().execute(
            update(t).where(t.c.id == bindparam("p_id"))
            .values(report=bindparam("p_report"), cancelled_reason=bindparam("p_cancelled")),
            [{"p_id": i, "p_report": r, "p_cancelled": c} for i, (r, c) in texts.items()])


def delete_messages(session: Session, refs: Sequence[str], kinds: Sequence[str]) -> int:
    """Delete the outbox messages of these refs and kinds (whatever their status); how many."""
    if not refs:
        return 0
    result = session.execute(delete(NotificationRow).where(
        NotificationRow.ref.in_(refs), NotificationRow.kind.in_(kinds)))
    return int(getattr(result, "rowcount", 0) or 0)


def count_item_ratings_due(session: Session, before: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(RatingRow).where(
        _ITEM_RATER, RatingRow.created_at < before)) or 0)


def claim_item_ratings(session: Session, before: datetime, limit: int
                       ) -> list[tuple[int, str | None, str | None]]:
    """(id, comment, reason for its exclusion) of up to `limit` service-item ratings given
    before `before` that still keep the rater's phone, claimed with FOR UPDATE SKIP LOCKED."""
    return [(i, c, x) for i, c, x in session.execute(
        select(RatingRow.id, RatingRow.comment, RatingRow.excluded_reason)
        .where(_ITEM_RATER, RatingRow.created_at < before)
        .order_by(RatingRow.created_at, RatingRow.id).limit(limit)
        .with_for_update(skip_locked=True))]
