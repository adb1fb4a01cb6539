"""The notification outbox: writes in the caller's transaction, reads for the sender job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from jiesu.store.notify_tables import NotificationRow

CHANNELS = ("sms", "email", "webhook")


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
