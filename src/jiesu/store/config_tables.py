"""The configuration-change log (配置变更记录, 0024_config_events): one hash-chained row per
administrator change, and the head of that one chain (its length and last hash), so that an
entry deleted from the end is detected like one deleted from the middle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiesu.store.tables import Base, BigId, UTCDateTime

AREA_LENGTH = 32
ACTION_LENGTH = 32
SUMMARY_LENGTH = 200


class ConfigEventRow(Base):
    """One administrator change, chained to the one before (no foreign key to the user: the
    log outlives accounts and must not stop one from being removed)."""

    __tablename__ = "config_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(BigId)
    actor_role: Mapped[str] = mapped_column(String(32))
    area: Mapped[str] = mapped_column(String(AREA_LENGTH))
    action: Mapped[str] = mapped_column(String(ACTION_LENGTH))
    summary: Mapped[str] = mapped_column(String(SUMMARY_LENGTH))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("seq", name="uq_config_events_seq"),
        Index("ix_config_events_at_id", "at", "id"),  # the audit page: newest first by time
    )


class ConfigChainRow(Base):
    """The single row holding the chain's head; writers lock it, so entries never fork."""

    __tablename__ = "config_chain"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    count: Mapped[int] = mapped_column(BigInteger)
    head: Mapped[str] = mapped_column(String(64))
