"""The notification outbox: messages to send by SMS, e-mail or webhook, with their attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiesu.store.tables import Base, BigId, UTCDateTime


class NotificationRow(Base):
    """One message, written in the transaction of what caused it, sent later by the jobs
    (attempts and the last error are kept, as FixMyStreet tracks sending to departments)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms / email / webhook
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))  # what caused it: policy_match, ...
    ref: Mapped[str | None] = mapped_column(String(64))  # e.g. "policy_match:12"
    status: Mapped[str] = mapped_column(String(8))  # domain.notification.STATUSES
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_notifications_status_next", "status", "next_attempt_at"),
        Index("ix_notifications_ref", "ref"),
        Index("ix_notifications_status_sent", "status", "sent_at"),  # 0014: the purge
    )


class HistoryDigestRow(Base):
    """A digest not yet queued: how many warnings of imported history that had come before the
    import (`before_import`) a duty phone is to hear of, by clock and level, and of how many
    appeals, for one import.
    The sweep adds to it in the transaction that records the warnings, and a later transaction
    turns it into one outbox message and deletes it, so a process that dies in between leaves
    it for the next pass instead of losing it (0033)."""

    __tablename__ = "history_digests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64))  # the unit's duty phone
    # the import, as its appeals' extra.import.at names it ("" when unknown)
    import_at: Mapped[str] = mapped_column(String(40))
    sign_yellow: Mapped[int] = mapped_column(Integer, default=0)
    sign_red: Mapped[int] = mapped_column(Integer, default=0)
    handle_yellow: Mapped[int] = mapped_column(Integer, default=0)
    handle_red: Mapped[int] = mapped_column(Integer, default=0)
    # how many appeals the warnings are of (one late on both clocks is one, 件 in the text);
    # None for a digest recorded before they were counted (0038), and it stays None when more
    # is added to it: its text counts the warnings instead
    appeals: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("recipient", "import_at",
                                       name="uq_history_digests_recipient_import"),)
