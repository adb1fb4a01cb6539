"""Tables of follow-up surveys, 好差评 ratings, rectifications, rating appeals and KPI results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiesu.store.tables import AppealRow, Base, BigId, UTCDateTime

# KPI periods select appeals by these deadlines (docs/kpi.md); closed_at is indexed already.
Index("ix_appeals_sign_due_at", AppealRow.__table__.c.sign_due_at)
Index("ix_appeals_handle_due_at", AppealRow.__table__.c.handle_due_at)


# Ratings of a service item (no appeal) whose rater's phone is still kept: the retention job
# clears it after JIESU_PERSONAL_DATA_DAYS (an appeal's ratings go with the appeal).
ITEM_RATER_SQL = "appeal_id IS NULL AND rater_phone IS NOT NULL"


class ServiceItemRow(Base):
    """A service item (服务事项) of a unit that people may rate."""

    __tablename__ = "service_items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RatingRow(Base):
    """One 好差评 rating (1–5) of an appeal or of a service item."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    service_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rater_phone: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # requester / survey / default
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded_reason: Mapped[str | None] = mapped_column(Text)
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        # One rating per appeal per requester (NULL appeal_id: service items, not limited).
        UniqueConstraint("appeal_id", "rater_phone", name="uq_ratings_appeal_rater"),
        Index("ix_ratings_unit_created", "unit_id", "created_at"),
        Index("ix_ratings_created_at", "created_at"),
        # 0029_personal_data: service-item ratings that still name a phone, by time
        Index("ix_ratings_item_rater_created", "created_at",
              postgresql_where=text(ITEM_RATER_SQL), sqlite_where=text(ITEM_RATER_SQL)),
    )


class RectificationRow(Base):
    """整改 after a bad rating: report, follow-up and publication."""

    __tablename__ = "rectifications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rounds: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    # the deadline warning of the current round, raised once each by the sweeper
    warning: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    __table_args__ = (
        # the sweeper reads the open ones due soon (docs/deadlines.md)
        Index("ix_rectifications_status_due", "status", "due_at"),
    )


class RatingAppealRow(Base):
    """A unit's 申诉 against a rating it considers malicious, and the reviewer's decision."""

    __tablename__ = "rating_appeals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class SurveyTokenRow(Base):
    """A single-use link for the requester's online follow-up survey (only the hash is kept)."""

    __tablename__ = "survey_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KpiFormulaVersionRow(Base):
    """A version of the KPI formula settings (weights, 基本满意 weight, response measure)."""

    __tablename__ = "kpi_formula_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class KpiResultRow(Base):
    """A stored KPI result of one unit (subtree) and period, naming the formula version used."""

    __tablename__ = "kpi_results"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    formula_version: Mapped[int] = mapped_column(ForeignKey("kpi_formula_versions.version"))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    response_rate: Mapped[float | None] = mapped_column(Float)
    resolution_rate: Mapped[float | None] = mapped_column(Float)
    satisfaction_rate: Mapped[float | None] = mapped_column(Float)
    composite: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("period_start", "period_end", "unit_id", "formula_version",
                         name="uq_kpi_results_period_unit_version"),
    )
