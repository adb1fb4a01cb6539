"""Tables of the knowledge base (知识库): the articles operators answer consultations from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiesu.store.tables import Base, BigId, UTCDateTime


class KnowledgeArticleRow(Base):
    """One article: a question's 口径 (the answer an operator reads out) and who keeps it."""

    __tablename__ = "knowledge_articles"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))  # a taxonomy code, optional
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the unit that keeps the article correct (its handlers edit it, it is asked to review)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # draft/published/archived
    review_by: Mapped[date | None] = mapped_column(Date)  # published past it: 待复核
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=0)
