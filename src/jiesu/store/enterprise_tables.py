"""Tables of enterprises (企业), support policies (惠企政策) and their matches (匹配/兑现)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiesu.store.tables import Base, BigId, UTCDateTime


class EnterpriseRow(Base):
    """An enterprise profile, keyed by its 统一社会信用代码 (checked by the domain)."""

    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(8))  # GB/T 4754-2017 code
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue: Mapped[float | None] = mapped_column(Float)  # 营业收入, 万元
    assets: Mapped[float | None] = mapped_column(Float)   # 资产总额, 万元
    # computed from the figures by the 2017 办法, or as declared when the figures are not given
    size_class: Mapped[str | None] = mapped_column(String(8))
    size_declared: Mapped[bool] = mapped_column(default=False)
    region_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    founded_on: Mapped[date | None] = mapped_column(Date)
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    tax_credit: Mapped[str | None] = mapped_column(String(2))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    # 精准帮扶: the staff member who looks after this enterprise's appeals and policies
    # (0030_liaison_appeals: indexed, for the enterprises a liaison looks after)
    liaison_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)


class PolicyRow(Base):
    """A support policy with structured eligibility conditions (jiesu.domain.policy)."""

    __tablename__ = "policies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    benefit: Mapped[str] = mapped_column(Text, default="")  # what the enterprise gets, in words
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)  # standard amount, 分
    mode: Mapped[str] = mapped_column(String(8))  # apply / auto (免申即享)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # last day to apply / be matched
    payout_days: Mapped[int] = mapped_column(Integer, default=15)  # working days to pay
    # a matching pass still running in the periodic jobs: the last enterprise id it reached
    # (NULL: no pass pending)
    matched_through: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)


class PolicyMatchRow(Base):
    """One enterprise × policy: eligibility, application, decision and payout."""

    __tablename__ = "policy_matches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    application: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    payout_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    payout_ref: Mapped[str | None] = mapped_column(String(100))
    lapse_reason: Mapped[str | None] = mapped_column(String(16))  # not_eligible/expired/...
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        UniqueConstraint("policy_id", "enterprise_id", name="uq_policy_matches_policy_enterprise"),
        Index("ix_policy_matches_status_payout_due", "status", "payout_due_at"),
    )
