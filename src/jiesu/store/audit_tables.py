"""Recorded runs of the audit check (审计链校验): `jiesu audit verify` and the periodic jobs
write one row each, which the auditor's page, the admin warning and the API read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiesu.store.tables import Base, BigId, UTCDateTime

RUNNER_LENGTH = 16
PROCESS_LENGTH = 128


class AuditCheckRow(Base):
    """One full walk of every hash chain and anchor (the appeals' and the configuration-change
    log's): what it covered and the first break.

    The broken appeal is kept by id without a foreign key: a tamperer may have deleted it.
    """

    __tablename__ = "audit_checks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    runner: Mapped[str] = mapped_column(String(RUNNER_LENGTH))  # "jobs" or "cli"
    process: Mapped[str] = mapped_column(String(PROCESS_LENGTH))  # host:pid
    events: Mapped[int] = mapped_column(BigInteger)
    appeals: Mapped[int] = mapped_column(BigInteger)
    anchors: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    broken_event_id: Mapped[int | None] = mapped_column(BigInteger)
    broken_appeal_id: Mapped[int | None] = mapped_column(BigInteger)
    broken_seq: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    # 0022: a broken check is an alarm until acknowledged, with what was found and done
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(BigId)
    acknowledgement: Mapped[str | None] = mapped_column(Text)
    # 0025: configuration-change entries verified; None on checks recorded before 0025
    config_changes: Mapped[int | None] = mapped_column(BigInteger)
