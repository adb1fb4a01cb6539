"""Hotspot warnings (热点预警) sent: one row per hotspot that reached the alert threshold, so
that the periodic jobs text each hotspot once however often they recompute the clustering."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jiesu.store.tables import Base, BigId, UTCDateTime


class HotspotAlertRow(Base):
    """A hotspot warning: the hotspot's area, label and figures when it was sent, and the ids
    of its appeals then (a later clustering that shares half of them is the same hotspot)."""

    __tablename__ = "hotspot_alerts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    label: Mapped[str] = mapped_column(String(200))
    requesters: Mapped[int] = mapped_column(Integer)
    appeals: Mapped[int] = mapped_column(Integer)
    appeal_ids: Mapped[list[Any]] = mapped_column(JSON)
    texted: Mapped[int] = mapped_column(Integer)  # messages queued

    __table_args__ = (Index("ix_hotspot_alerts_created_at", "created_at"),)
