"""Sending what the notification outbox holds (通知发送).

Messages are written by the use case that causes them, in its own transaction
(`store.notify_store.enqueue`); this pass claims the due ones with a lease in a short
transaction, sends each outside any transaction, then records the outcome in another short one.
Delivery is at least once: a process that stops between sending and recording leaves the
message leased, and once the lease lapses the next pass sends it again. Receivers can drop a
repeat by the message id (`X-Jiesu-Message-Id`, the e-mail's Message-ID).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from jiesu.adapters.notify import Notifier, NotifyError, NullNotifier
from jiesu.domain.notification import Message, gives_up, mask_recipient, retry_delay
from jiesu.services.batches import BATCH, in_batches
from jiesu.store import notify_store
from jiesu.store.notify_tables import NotificationRow
from jiesu.store.uow import Database

log = logging.getLogger("jiesu.notify")

# Messages claimed at a time: at the default 10 s timeout ten sends fit in the 2-minute lease,
# so a slow channel does not let the lease of the last ones lapse while they wait their turn.
CLAIM_SIZE = 10


@dataclass
class DeliveryResult:
    """One pass: messages handed over, only logged (their channel has no gateway), given up
    (failed for good), and to be retried."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.failed + self.retried


def _message(row: NotificationRow) -> Message:
    return Message(id=row.id, channel=row.channel, recipient=row.recipient,
                   subject=row.subject, body=row.body, kind=row.kind, ref=row.ref,
                   created_at=row.created_at, attempt=row.attempts)


def _send(notifier: Notifier | None, message: Message, max_attempts: int) -> NotifyError | None:
    """None when the channel's notifier took the message; else why not."""
    if message.attempt > max_attempts:
        # attempts were started and never recorded: the sender stopped while sending this
        return NotifyError(f"{max_attempts} attempts started without an outcome recorded "
                           "(the sending process stopped?)", permanent=True)
    if notifier is None:
        return NotifyError(f"no notifier for channel {message.channel!r}")
    try:
        notifier.send(message)
    except NotifyError as exc:
        return exc
    except Exception as exc:  # a fault in a channel must not lose the message
        log.exception("notification #%d: the %s channel raised", message.id, message.channel)
        return NotifyError(f"{type(exc).__name__}: {exc}")
    return None


def _record(db: Database, message: Message, error: NotifyError | None, now: datetime,
            max_attempts: int, result: DeliveryResult, *, skipped: bool = False) -> None:
    to = mask_recipient(message.channel, message.recipient)
    with db.uow() as uow:
        if error is None and skipped:
            notify_store.mark_sent(uow.session, message.id, now, skipped=True)
            result.skipped += 1
        elif error is None:
            notify_store.mark_sent(uow.session, message.id, now)
            result.sent += 1
            log.info("notification #%d sent: %s %s to %s", message.id, message.channel,
                     message.kind, to)
        elif gives_up(message.attempt, max_attempts, permanent=error.permanent):
            notify_store.mark_failed(uow.session, message.id, error.reason, permanent=True,
                                     next_attempt_at=None)
            result.failed += 1
            log.warning("notification failed: #%d %s %s to %s after %d attempt(s): %s",
                        message.id, message.channel, message.kind, to, message.attempt,
                        error.reason)
        else:
            at = now + retry_delay(message.attempt)
            notify_store.mark_failed(uow.session, message.id, error.reason, permanent=False,
                                     next_attempt_at=at)
            result.retried += 1
            log.info("notification #%d to %s: attempt %d failed, next at %s: %s", message.id,
                     to, message.attempt, at.isoformat(timespec="seconds"), error.reason)
        uow.commit()


def deliver_due(db: Database, notifiers: Mapping[str, Notifier], now: datetime, *,
                batch: int = 100, max_attempts: int = 5, lease: timedelta = notify_store.LEASE,
                budget: timedelta | None = None,
                progress: Callable[[DeliveryResult], None] | None = None) -> DeliveryResult:
    """Send up to `batch` due messages, and claim no more once `budget` (wall time) is spent.
    A failure is retried after 1, 2, 4 … minutes; after `max_attempts`, or at once when
    retrying cannot help, the message is marked failed."""
    result = DeliveryResult()
    started = time.monotonic()
    while result.handled < batch:
        if budget is not None and time.monotonic() - started >= budget.total_seconds():
            break  # the rest waits for the next pass
        with db.uow() as uow:
            rows = notify_store.claim_due(uow.session, now,
                                          min(CLAIM_SIZE, batch - result.handled), lease=lease)
            messages = [_message(r) for r in rows]
            uow.commit()
        for message in messages:
            notifier = notifiers.get(message.channel)
            # a null channel logs the message itself and is recorded as skipped, not as sent
            _record(db, message, _send(notifier, message, max_attempts), now, max_attempts,
                    result, skipped=isinstance(notifier, NullNotifier))
        if progress is not None and messages:
            progress(result)
        if len(messages) < CLAIM_SIZE:
            break
    return result


@dataclass(frozen=True)
class NotificationView:
    """One message as the admin list shows it, the recipient masked."""

    id: int
    channel: str
    recipient: str
    subject: str
    kind: str
    ref: str | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def outbox_page(db: Database, *, status: str | None = None, page: int = 1,
                per_page: int = 50) -> tuple[list[NotificationView], int, dict[str, int]]:
    """One page of the outbox (failed first), how many match, and the count per status."""
    with db.uow(write=False) as uow:
        rows, total = notify_store.list_page(uow.session, status=status, page=page,
                                             per_page=per_page)
        counts = notify_store.counts_by_status(uow.session)
        views = [NotificationView(
            id=r.id, channel=r.channel, recipient=mask_recipient(r.channel, r.recipient),
            subject=r.subject, kind=r.kind, ref=r.ref, status=r.status, attempts=r.attempts,
            next_attempt_at=r.next_attempt_at, last_error=r.last_error,
            created_at=r.created_at, sent_at=r.sent_at) for r in rows]
    return views, total, counts


def retry_failed(db: Database, now: datetime, ids: list[int] | None = None) -> int:
    """Send the failed messages again (all, or those of `ids`) on the jobs' next pass, with
    the full number of attempts: what an administrator does after mending a channel's
    configuration. How many were queued."""
    with db.uow() as uow:
        n = notify_store.retry_failed(uow.session, now, ids)
        uow.commit()
    if n:
        log.info("%d failed notification(s) queued again", n)
    return n


def purge_sent(db: Database, now: datetime, *, keep_days: int = 90,
               max_batches: int = 20) -> int:
    """Delete the messages sent (or skipped) more than `keep_days` ago
    (JIESU_NOTIFY_KEEP_DAYS), a batch per transaction, so the outbox does not grow forever;
    failed ones stay. Returns how many."""
    before = now - timedelta(days=keep_days)
    return in_batches(db, lambda uow: notify_store.purge_sent(uow.session, before, limit=BATCH),
                      max_batches=max_batches)
