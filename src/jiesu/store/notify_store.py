"""The notification outbox: writes in the caller's transaction, reads for the sender job."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jiesu.domain.notification import CHANNELS, DONE_STATUSES, STATUSES
from jiesu.store.notify_tables import HistoryDigestRow, NotificationRow


def enqueue(session: Session, *, channel: str, recipient: str, body: str, kind: str,
            now: datetime, subject: str = "", ref: str | None = None) -> NotificationRow:
    """Add a message to the outbox in the current transaction: it is sent only if the change
    that caused it commits, and it is not lost if sending fails (the jobs retry)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown notification channel {channel!r}")
    row = NotificationRow(channel=channel, recipient=recipient[:320], subject=subject[:200],
                          body=body, kind=kind, ref=ref, status="pending", attempts=0,
                          next_attempt_at=now, created_at=now)
    session.add(row)
    return row


def queued(session: Session, ref: str) -> bool:
    """Whether a message with this `ref` is in the outbox (pending, sent or failed), so that
    what a repeat would queue again is not."""
    return session.scalar(select(select(NotificationRow.id)
                                 .where(NotificationRow.ref == ref).exists())) is True


LEASE = timedelta(minutes=2)


def claim_due(session: Session, now: datetime, limit: int, *,
              lease: timedelta = LEASE) -> list[NotificationRow]:
    """Pending messages due by `now`, oldest first, leased to the caller: their next attempt
    moves `lease` ahead and their attempt count goes up, so no other process claims them while
    they are being sent (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write lock). The
    caller commits at once and sends outside the transaction."""
    rows = list(session.scalars(
        select(NotificationRow)
        .where(NotificationRow.status == "pending", NotificationRow.next_attempt_at <= now)
        .order_by(NotificationRow.next_attempt_at, NotificationRow.id).limit(limit)
        .with_for_update(skip_locked=True)))
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + lease
    session.flush()
    return rows


def mark_sent(session: Session, notification_id: int, now: datetime, *,
              skipped: bool = False) -> None:
    """Record that a message was handed over (even if another claimer marked it meanwhile),
    or, `skipped`, that its channel has no gateway so it was only logged; the last error of an
    earlier attempt stays for the record."""
    session.execute(update(NotificationRow).where(NotificationRow.id == notification_id)
                    .values(status="skipped" if skipped else "sent", sent_at=now,
                            next_attempt_at=None))


def mark_failed(session: Session, notification_id: int, error: str, *, permanent: bool,
                next_attempt_at: datetime | None) -> None:
    """Record a failed attempt: `failed` for good when `permanent`, else pending again at
    `next_attempt_at`. A message already sent (by a process that claimed it after a lapsed
    lease) stays sent."""
    values: dict[str, object] = {"last_error": error[:2000]}
    if permanent:
        values.update(status="failed", next_attempt_at=None)
    else:
        values.update(status="pending", next_attempt_at=next_attempt_at)
    session.execute(update(NotificationRow).where(NotificationRow.id == notification_id,
                                                  NotificationRow.status.not_in(DONE_STATUSES))
                    .values(**values))


def retry_failed(session: Session, now: datetime, ids: list[int] | None = None) -> int:
    """Put failed messages (all, or those of `ids`) back in the queue with a fresh count of
    attempts, due now; their last error stays for the record. How many."""
    where = [NotificationRow.status == "failed"]
    if ids is not None:
        where.append(NotificationRow.id.in_(ids))
    result = session.execute(update(NotificationRow).where(*where).values(
        status="pending", attempts=0, next_attempt_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


def counts_by_status(session: Session) -> dict[str, int]:
    """Messages per status, every status present (0 when none)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(select(NotificationRow.status, func.count())
                                     .group_by(NotificationRow.status)):
        counts[status] = n
    return counts


def list_page(session: Session, *, status: str | None = None, page: int = 1,
         per_page: int = 50) -> tuple[list[NotificationRow], int]:
    """One page of messages and how many match: failed first, then pending, then sent or
    skipped; newest first within each."""
    where = [NotificationRow.status == status] if status else []
    total = session.scalar(select(func.count()).select_from(NotificationRow).where(*where)) or 0
    rank = case({"failed": 0, "pending": 1}, value=NotificationRow.status, else_=2)
    rows = list(session.scalars(
        select(NotificationRow).where(*where)
        .order_by(rank, NotificationRow.created_at.desc(), NotificationRow.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    return rows, total


def notifications(session: Session, *, kind: str | None = None, ref_prefix: str | None = None,
                  limit: int | None = None) -> list[NotificationRow]:
    """Outbox rows (oldest first), of one kind and/or whose ref starts with `ref_prefix`:
    all of them unless `limit` is given (it once cut them at 1,000 without saying so; pages
    read `list_page`)."""
    stmt = select(NotificationRow)
    if kind is not None:
        stmt = stmt.where(NotificationRow.kind == kind)
    if ref_prefix is not None:
        stmt = stmt.where(NotificationRow.ref.startswith(ref_prefix))
    return list(session.scalars(stmt.order_by(NotificationRow.id).limit(limit)))


# the counts a digest keeps, by (clock, level) of the warnings it stands for
DIGEST_COUNTS = {("sign", "yellow"): "sign_yellow", ("sign", "red"): "sign_red",
                 ("handle", "yellow"): "handle_yellow", ("handle", "red"): "handle_red"}
_DIGEST = HistoryDigestRow.__table__


def add_to_history_digest(session: Session, recipient: str, import_at: str,
                          counts: Mapping[tuple[str, str], int], now: datetime, *,
                          appeals: int) -> None:
    """Add warnings, of so many `appeals`, to the digest pending for this duty phone and
    import (created when none is), in the caller's transaction: the digest commits with the
    warnings or not at all. Callers add in a fixed order of (recipient, import_at), so that
    two sweepers' batches that share digests wait for each other instead of deadlocking. A
    digest recorded before appeals were counted keeps None (NULL + n)."""
    values = {column: int(counts.get(key, 0)) for key, column in DIGEST_COUNTS.items()}
    row = {"recipient": recipient[:64], "import_at": import_at[:40], "created_at": now,
           "appeals": appeals, **values}
    key = [_DIGEST.c.recipient, _DIGEST.c.import_at]
    added = [*DIGEST_COUNTS.values(), "appeals"]
    if session.get_bind().dialect.name == "postgresql":
        pg = pg_insert(_DIGEST).values(**row)
        session.execute(pg.on_conflict_do_update(index_elements=key, set_={
            c: _DIGEST.c[c] + pg.excluded[c] for c in added}))
    else:
        lite = sqlite_insert(_DIGEST).values(**row)
        session.execute(lite.on_conflict_do_update(index_elements=key, set_={
            c: _DIGEST.c[c] + lite.excluded[c] for c in added}))


def claim_history_digests(session: Session, limit: int) -> list[HistoryDigestRow]:
    """Pending digests, oldest first, locked to the caller (PostgreSQL: FOR UPDATE SKIP
    LOCKED, so another sweeper skips them, and skips one a batch is still adding to; SQLite:
    the write lock). The caller queues each and deletes it in the same transaction."""
    return list(session.scalars(select(HistoryDigestRow).order_by(HistoryDigestRow.id)
                                .limit(limit).with_for_update(skip_locked=True)))


def has_history_digests(session: Session) -> bool:
    """Whether any digest is pending: a read, so that a pass with none takes no write lock."""
    return session.scalar(select(HistoryDigestRow.id).limit(1)) is not None


def digest_counts(row: HistoryDigestRow) -> dict[tuple[str, str], int]:
    """A pending digest's counts by (clock, level), those above 0."""
    return {key: n for key, column in DIGEST_COUNTS.items() if (n := getattr(row, column))}


def purge_sent(session: Session, before: datetime, *, limit: int = 5000) -> int:
    """Delete up to `limit` messages sent (or skipped) before `before`; how many went."""
    ids = list(session.scalars(select(NotificationRow.id).where(
        NotificationRow.status.in_(DONE_STATUSES), NotificationRow.sent_at < before)
        .order_by(NotificationRow.id).limit(limit)))
    if ids:
        session.execute(delete(NotificationRow).where(NotificationRow.id.in_(ids)))
    return len(ids)
