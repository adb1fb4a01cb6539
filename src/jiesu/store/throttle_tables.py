"""Failed guesses at the public code + phone lookups (see `jiesu.services.throttle`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Index, String, and_, delete, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from jiesu.store.tables import Base, BigId, UTCDateTime

KEY_LENGTH = 160


class LookupFailureRow(Base):
    """One wrong guess: which identifier (`track:<code>`, `uscc:<credit code>`) and when."""

    __tablename__ = "lookup_failures"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_lookup_failures_key_failed", "key", "failed_at"),
        Index("ix_lookup_failures_failed", "failed_at"),  # the purge
    )


def recent(session: Session, key: str, since: datetime, limit: int) -> list[datetime]:
    """The times of `key`'s latest `limit` failures after `since`, newest first."""
    return list(session.scalars(
        select(LookupFailureRow.failed_at)
        .where(LookupFailureRow.key == key, LookupFailureRow.failed_at > since)
        .order_by(LookupFailureRow.failed_at.desc()).limit(limit)))


def add(session: Session, key: str, at: datetime, *, forget_before: datetime) -> None:
    """Record a failure and drop the key's failures that have left the window."""
    session.execute(delete(LookupFailureRow).where(
        LookupFailureRow.key == key, LookupFailureRow.failed_at <= forget_before))
    session.add(LookupFailureRow(key=key, failed_at=at))


def clear(session: Session, key: str) -> None:
    session.execute(delete(LookupFailureRow).where(LookupFailureRow.key == key))


def purge(session: Session, before: datetime, *, limit: int = 5000,
          longer: Mapping[str, datetime] | None = None) -> int:
    """Delete up to `limit` failures at or before `before`, those whose key starts with a
    prefix of `longer` only at or before its time; how many went."""
    gone = LookupFailureRow.failed_at <= before
    for prefix, until in (longer or {}).items():
        gone = and_(gone, or_(~LookupFailureRow.key.startswith(prefix, autoescape=True),
                              LookupFailureRow.failed_at <= until))
    ids = list(session.scalars(select(LookupFailureRow.id).where(gone)
                               .order_by(LookupFailureRow.id).limit(limit)))
    if ids:
        session.execute(delete(LookupFailureRow).where(LookupFailureRow.id.in_(ids)))
    return len(ids)

