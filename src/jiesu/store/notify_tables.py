"""The notification outbox: messages to send by SMS, e-mail or webhook, with their attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
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
