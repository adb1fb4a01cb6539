"""Read queries for Open311, open data (一网通享) and the ledger (台账) export."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from jiesu.store import web_queries
from jiesu.store.tables import AppealRow, CategoryRow, UnitRow

OPEN = ("registered", "dispatched", "in_progress", "replied")
CLOSED = ("closed", "rejected", "merged")


def public_clause(published: Collection[str]) -> Any:
    """Appeals that may be shown publicly: the board's rule (`web_queries.public_clause`)."""
    return web_queries.public_clause(published)


def public_services(session: Session) -> list[CategoryRow]:
    """Active categories marked public that have no active sub-category (the leaves)."""
    child = select(CategoryRow.parent_id).where(CategoryRow.active.is_(True),
                                                CategoryRow.parent_id.is_not(None))
    return list(session.scalars(
        select(CategoryRow).where(CategoryRow.active.is_(True), CategoryRow.public.is_(True),
                                  CategoryRow.id.not_in(child)).order_by(CategoryRow.code)))


def categories_by_code(session: Session) -> dict[str, CategoryRow]:
    return {c.code: c for c in session.scalars(select(CategoryRow))}


def unit_names(session: Session) -> dict[int, str]:
    return {uid: name for uid, name in session.execute(select(UnitRow.id, UnitRow.name))}


def open311_requests(
    session: Session, *, codes: list[str] | None, service_codes: list[str] | None,
    start: datetime | None, end: datetime | None, statuses: list[str] | None, limit: int,
    published: Collection[str],
) -> list[AppealRow]:
    stmt = select(AppealRow).where(public_clause(published))
    if codes is not None:
        stmt = stmt.where(AppealRow.code.in_(codes))
    else:
        if service_codes:
            stmt = stmt.where(AppealRow.category.in_(service_codes))
        if start is not None:
            stmt = stmt.where(AppealRow.created_at >= start)
        if end is not None:
            stmt = stmt.where(AppealRow.created_at <= end)
        if statuses:
            wanted: list[str] = []
            for s in statuses:
                wanted += OPEN if s == "open" else CLOSED
            stmt = stmt.where(AppealRow.status.in_(wanted))
    return list(session.scalars(stmt.order_by(AppealRow.created_at.desc(), AppealRow.id.desc())
                                .limit(limit)))


def open311_request(session: Session, code: str) -> AppealRow | None:
    """The appeal of tracking code `code` whatever its status, unless it is never public
    (举报, confidential): Open311 answers an unpublished one with its status only."""
    return session.scalars(select(AppealRow).where(AppealRow.code == code,
                                                   web_queries.disclosable_clause())).first()


def disclosable_code(session: Session, appeal_id: int) -> str | None:
    """The tracking code of appeal `appeal_id` if it is not one never public (举报,
    confidential): the merged-into appeal an Open311 status note may name."""
    return session.scalar(select(AppealRow.code).where(AppealRow.id == appeal_id,
                                                       web_queries.disclosable_clause()))


def iterate(session: Session, stmt: Select[Any], *, batch: int = 1000) -> Iterator[AppealRow]:
    """Rows of `stmt` in id order, fetched in keyset pages (flat memory for large exports)."""
    last = 0
    while True:
        rows = list(session.scalars(stmt.where(AppealRow.id > last).order_by(AppealRow.id)
                                    .limit(batch)))
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def count(session: Session, stmt: Select[Any], *, cap: int) -> int:
    """How many rows `stmt` selects, counted up to `cap` (cap + 1 means more)."""
    limited = stmt.with_only_columns(AppealRow.id).order_by(None).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


def open_data_statement(*, created_from: datetime | None, created_to: datetime | None,
                        category: str | None, published: Collection[str]) -> Select[Any]:
    stmt = select(AppealRow).where(public_clause(published))
    if created_from is not None:
        stmt = stmt.where(AppealRow.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(AppealRow.created_at < created_to)
    if category:
        stmt = stmt.where(or_(AppealRow.category == category,
                              AppealRow.category.startswith(category + ".")))
    return stmt


def stats_rows(session: Session, *, tz: str, utc_offset_hours: float,
               created_from: datetime | None, created_to: datetime | None
               ) -> list[tuple[str, str | None, str, str, int]]:
    """Counts per (local month "YYYY-MM", level-1 category code, kind, status)."""
    if session.get_bind().dialect.name == "postgresql":
        month: Any = func.to_char(func.timezone(tz, AppealRow.created_at), "YYYY-MM")
        level1: Any = func.split_part(AppealRow.category, ".", 1)
    else:
        month = func.strftime("%Y-%m", AppealRow.created_at, f"{utc_offset_hours:+g} hours")
        dot = func.instr(AppealRow.category, ".")
        level1 = case((dot > 0, func.substr(AppealRow.category, 1, dot - 1)),
                      else_=AppealRow.category)
    stmt = select(month, level1, AppealRow.kind, AppealRow.status, func.count()).group_by(
        month, level1, AppealRow.kind, AppealRow.status)
    if created_from is not None:
        stmt = stmt.where(AppealRow.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(AppealRow.created_at < created_to)
    return [(r[0], r[1], r[2], r[3], int(r[4])) for r in session.execute(stmt)]
