"""Reads for a grid worker's page (我的网格): the grid's people, its month, the worker's reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from jiesu.domain.population import AreaFigures
from jiesu.store.population_queries import NOT_COUNTED_STATUSES
from jiesu.store.tables import AppealRow, UnitRow, UserRow


@dataclass(frozen=True)
class AreaMonth:
    """Appeals located in an area (its subtree) since a moment, counted as 万人诉求比 counts
    them (merged duplicates left out)."""

    received: int  # every appeal located there
    patrol: int  # ... reported by grid workers on patrol (网格巡查)
    resolved_on_site: int  # ... of which the worker solved on the spot (就地解决)


def unit(session: Session, unit_id: int) -> UnitRow | None:
    return session.get(UnitRow, unit_id)


def workers(session: Session, unit_id: int) -> list[str]:
    """The display names of the unit's active grid workers (网格员), by name."""
    rows = session.execute(
        select(UserRow.display_name, UserRow.username)
        .where(UserRow.unit_id == unit_id, UserRow.role == "grid_worker", UserRow.active)
        .order_by(UserRow.display_name, UserRow.username))
    return [name or username for name, username in rows]


def area_since(session: Session, unit_path: str, since: datetime) -> AreaMonth:
    units = select(UnitRow.id).where(UnitRow.path.startswith(unit_path))
    patrol = AppealRow.channel == "grid_patrol"
    on_site = patrol & (AppealRow.status == "closed") & AppealRow.dispatched_at.is_(None)
    row = session.execute(
        select(func.count(),
               func.coalesce(func.sum(case((patrol, 1), else_=0)), 0),
               func.coalesce(func.sum(case((on_site, 1), else_=0)), 0))
        .where(AppealRow.area_unit_id.in_(units), AppealRow.created_at >= since,
               AppealRow.status.not_in(NOT_COUNTED_STATUSES))).one()
    return AreaMonth(int(row[0]), int(row[1]), int(row[2]))


def subtree_figures(session: Session, unit_path: str) -> list[AreaFigures]:
    """The 户数 and 常住人口 set on each unit of a subtree (to roll up to its top)."""
    rows = session.execute(
        select(UnitRow.id, UnitRow.parent_id, UnitRow.households, UnitRow.population)
        .where(UnitRow.path.startswith(unit_path)))
    return [AreaFigures(uid, parent, households, population)
            for uid, parent, households, population in rows]


def reports_of(session: Session, user_id: int, *, limit: int = 10) -> list[AppealRow]:
    """What a user registered, newest first (ix_appeals_registered_by_created)."""
    return list(session.scalars(
        select(AppealRow).where(AppealRow.registered_by == user_id)
        .order_by(AppealRow.created_at.desc(), AppealRow.id.desc()).limit(limit)))
