"""SQLAlchemy 2 typed models. The schema is built only by Alembic migrations (store/migrations)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The open statuses (store/queries.OPEN), as the partial index of the inbox writes them.
OPEN_STATUS_SQL = "status IN ('registered', 'dispatched', 'in_progress', 'replied')"

# The statuses in which the handling clock runs (store/queries.HANDLING), as the partial index
# of their deadlines writes them (0027_handling_due; queries.in_handling writes it out too).
HANDLING_STATUS_SQL = "status IN ('dispatched', 'in_progress')"

# Open appeals a dispatcher or supervisor must look at: a pending 退单 or 延期 request, or a
# yellow or red warning on any clock. Their tabs count these (0023_waiting_counts); the
# counting query writes this text as it is, so that SQLite matches the partial index too.
OPEN_FLAGGED_SQL = (
    OPEN_STATUS_SQL + " AND (return_pending OR extension_pending_days IS NOT NULL"
    " OR sign_warning <> 'none' OR handle_warning <> 'none' OR followup_warning <> 'none')")

# Ended appeals whose requester's personal data is not yet erased (0029_personal_data): the
# retention job finds those due by end time in a partial index that holds only them, so it
# reads no more than it erases however many appeals were erased before. The job's query writes
# this text as it is, so that SQLite matches the partial index too.
NOT_ERASED_ENDED_SQL = ("personal_data_erased_at IS NULL"
                        " AND status IN ('closed', 'rejected', 'merged')")

# BIGINT primary keys on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model maps a plain Table (none maps a join or a select), so say so: SQLAlchemy
    # types __table__ as the wider FromClause, which insert()/update() do not accept.
    __table__: ClassVar[Table]


class UnitRow(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    group: Mapped[str] = mapped_column("unit_group", String(32), default="department")
    # Materialised path of ids, e.g. "/1/5/23/": a subtree is one LIKE prefix query.
    path: Mapped[str] = mapped_column(String(1000), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    # 0015_unit_population: the area's own figures (户数, 常住人口); None takes the children's.
    households: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # raised when the password changes and on deactivation: tokens and page sessions carry
    # the version they were issued with, and an older one is refused
    credentials_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    credentials_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the last change by an administrator (no foreign key, like events.actor_id)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(BigId)
    # a mobile phone set by an administrator (0031_user_phone): where a 精准帮扶 liaison is
    # texted about their enterprises' appeals; stored normalised, like requesters' phones
    phone: Mapped[str | None] = mapped_column(String(32))


class CategoryRow(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(600))  # "一级/二级/三级"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # offered as an Open311 service
    keywords: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),)


class SlaPolicyRow(Base):
    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    clock: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str | None] = mapped_column(String(32))
    urgency: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    requester: Mapped[str | None] = mapped_column(String(16))  # resident / enterprise (涉企)
    amount: Mapped[float] = mapped_column(Float)
    limit_unit: Mapped[str] = mapped_column(String(16))


class CalendarDayRow(Base):
    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(100))


class CalendarYearRow(Base):
    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SettingRow(Base):
    """Small key/value configuration an admin may change at run time."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppealRow(Base):
    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    source_ref: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    requester_name: Mapped[str | None] = mapped_column(String(100))
    requester_phone: Mapped[str | None] = mapped_column(String(32))
    requester_type: Mapped[str] = mapped_column(String(16), default="resident")
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handle_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handle_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handle_extra_days: Mapped[int] = mapped_column(Integer, default=0)
    deadlines_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    sign_warning: Mapped[str] = mapped_column(String(8), default="none")
    handle_warning: Mapped[str] = mapped_column(String(8), default="none")
    followup_warning: Mapped[str] = mapped_column(String(8), default="none")
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    supervision_level: Mapped[str] = mapped_column(String(8), default="none")
    supervision_count: Mapped[int] = mapped_column(Integer, default=0)
    return_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    return_reason: Mapped[str | None] = mapped_column(Text)
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_pending_days: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_claim: Mapped[str | None] = mapped_column(String(16))
    reply_reason: Mapped[str | None] = mapped_column(Text)
    followup_attempts: Mapped[int] = mapped_column(Integer, default=0)
    followup_last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_reached: Mapped[bool | None] = mapped_column(Boolean)
    followup_resolved: Mapped[str | None] = mapped_column(String(8))
    followup_satisfaction: Mapped[str | None] = mapped_column(String(16))
    followup_fault: Mapped[str | None] = mapped_column(String(16))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    reject_note: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Suggestions computed at registration (category top-3, unit, duplicates, urgency, location).
    suggestions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    chain_head: Mapped[str] = mapped_column(String(64))
    # 0029_personal_data: when the requester's personal data was erased (个人信息保存期限)
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_appeals_status_created", "status", "created_at"),
        Index("ix_appeals_closed_at", "closed_at"),
        Index("ix_appeals_replied_at", "replied_at"),
        Index("ix_appeals_provisional_status", "deadlines_provisional", "status"),
        Index("ix_appeals_phone_created", "requester_phone", "created_at"),
        # 0006_pages: index-only inbox branches and per-day 办结 counts
        Index("ix_appeals_lead_status_due_id", "lead_unit_id", "status", "handle_due_at", "id"),
        Index("ix_appeals_handling_status_due_id", "handling_unit_id", "status", "handle_due_at",
              "id"),
        Index("ix_appeals_status_closed", "status", "closed_at"),
        # 0007_inbox: the open appeals only, for the inbox's co-unit branch
        Index("ix_appeals_open_id_due", "id", "handle_due_at",
              postgresql_where=text(OPEN_STATUS_SQL), sqlite_where=text(OPEN_STATUS_SQL)),
        # 0016_grid_reports: a grid worker's own reports; appeals located in an area by time
        Index("ix_appeals_registered_by_created", "registered_by", "created_at"),
        Index("ix_appeals_area_created", "area_unit_id", "created_at"),
        # 0023_waiting_counts: the few open appeals waiting for a decision or warned, with
        # what tells their tabs apart (an index-only count)
        Index("ix_appeals_open_flagged", "status", "return_pending",
              "extension_pending_days", "sign_warning", "handle_warning", "followup_warning",
              postgresql_where=text(OPEN_FLAGGED_SQL), sqlite_where=text(OPEN_FLAGGED_SQL)),
        # 0027_handling_due: the appeals in handling by deadline (超期诉求: count and list)
        Index("ix_appeals_handling_due", "handle_due_at", "id",
              postgresql_where=text(HANDLING_STATUS_SQL),
              sqlite_where=text(HANDLING_STATUS_SQL)),
        # 0029_personal_data: the ended appeals not yet erased, by end time
        Index("ix_appeals_erasure_due", "closed_at", "id",
              postgresql_where=text(NOT_ERASED_ENDED_SQL),
              sqlite_where=text(NOT_ERASED_ENDED_SQL)),
        # 0030_liaison_appeals: an enterprise's 涉企诉求, newest first (its liaison's list)
        Index("ix_appeals_enterprise_created", "enterprise_code", "created_at"),
    )


class AppealCoUnitRow(Base):
    __tablename__ = "appeal_co_units"
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    __table_args__ = (Index("ix_appeal_co_units_unit_appeal", "unit_id", "appeal_id"),)


class EventRow(Base):
    """Append-only, hash-chained per appeal; anchored globally by event_anchors."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(BigId)
    actor_role: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("appeal_id", "seq", name="uq_events_appeal_seq"),
        Index("ix_events_type_at", "type", "at"),
        Index("ix_events_at_id", "at", "id"),  # the audit page: newest first by time
    )


class EventAnchorRow(Base):
    """A periodic digest over all events written since the previous anchor and over the
    configuration-change chain's head at that moment (0025: its length and last hash; empty
    on anchors written before)."""

    __tablename__ = "event_anchors"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    first_event_id: Mapped[int] = mapped_column(BigId)
    last_event_id: Mapped[int] = mapped_column(BigId)
    event_count: Mapped[int] = mapped_column(Integer)
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    config_seq: Mapped[int | None] = mapped_column(BigInteger)
    config_head: Mapped[str | None] = mapped_column(String(64))


class JobLeaseRow(Base):
    """Named leases so that one of several app processes runs a periodic job at a time."""

    __tablename__ = "job_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AdminNoticeRow(Base):
    """Warnings for admins, e.g. next year's official calendar is not loaded yet."""

    __tablename__ = "admin_notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)



def load_feature_tables() -> None:
    """Import every `jiesu.store.*_tables` module so that Base.metadata knows all tables."""
    import importlib
    import pkgutil

    import jiesu.store

    for info in pkgutil.iter_modules(jiesu.store.__path__):
        if info.name.endswith("_tables"):
            importlib.import_module(f"jiesu.store.{info.name}")
