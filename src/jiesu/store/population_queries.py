"""Reads for 万人诉求比 (appeals per 10,000 residents): the unit tree with its resident figures,
and the appeals registered in a period per area, in one grouped statement.

The subtree roll-up is done in Python over the parent links (`jiesu.domain.population`), as
the KPI counts do over paths: joining units on `path LIKE parent.path || '%'` compares every
pair of units, which for a city's thousands of grids costs far more than walking the tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiesu.store.lookups import tree_order
from jiesu.store.tables import AppealRow, UnitRow

# Appeals merged into another are the same request raised again: counting them would count
# one problem twice (the target appeal is counted).
NOT_COUNTED_STATUSES = ("merged",)


@dataclass(frozen=True)
class AreaUnit:
    id: int
    parent_id: int | None
    code: str
    name: str
    group: str
    active: bool
    households: int | None
    population: int | None


def area_units(session: Session) -> list[AreaUnit]:
    """Every unit with its own 户数 and 常住人口, in tree order (plain values)."""
    rows = session.execute(select(UnitRow.path, UnitRow.id, UnitRow.parent_id, UnitRow.code,
                                  UnitRow.name, UnitRow.group, UnitRow.active,
                                  UnitRow.households, UnitRow.population))
    return [AreaUnit(*r[1:]) for r in sorted(rows, key=lambda r: tree_order(r[0]))]


def appeals_by_area(session: Session, start: datetime, end: datetime) -> dict[int | None, int]:
    """Appeals registered in [start, end) per area unit (`appeals.area_unit_id`; None: not
    located), merged ones left out. Reads the period through the index on `created_at`."""
    stmt = (select(AppealRow.area_unit_id, func.count())
            .where(AppealRow.created_at >= start, AppealRow.created_at < end,
                   AppealRow.status.not_in(NOT_COUNTED_STATUSES))
            .group_by(AppealRow.area_unit_id))
    return {(int(uid) if uid is not None else None): int(n)
            for uid, n in session.execute(stmt)}
