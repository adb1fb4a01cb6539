"""Admin reads and writes: user names, time-limit policies, the calendar, admin notices, the
appeals whose deadlines wait for a calendar year, and moving a unit subtree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import String, delete, func, literal, select, update
from sqlalchemy.orm import Session

from jiesu.store.lookups import PROVISIONAL_OPEN
from jiesu.store.tables import (
    AdminNoticeRow,
    AppealRow,
    CalendarDayRow,
    SlaPolicyRow,
    UnitRow,
    UserRow,
)


def username_taken(session: Session, username: str) -> bool:
    """A user with this user name exists."""
    return bool(session.scalar(select(UserRow.id).where(UserRow.username == username)))


def sla_policy(session: Session, *, clock: str, kind: str | None, urgency: str | None,
               category: str | None, unit: str | None,
               requester: str | None = None) -> SlaPolicyRow | None:
    """The stored policy of exactly this scope; a None field matches only a policy without it."""
    return session.scalar(select(SlaPolicyRow).where(
        SlaPolicyRow.clock == clock,
        SlaPolicyRow.kind.is_(None) if kind is None else SlaPolicyRow.kind == kind,
        SlaPolicyRow.urgency.is_(None) if urgency is None else SlaPolicyRow.urgency == urgency,
        SlaPolicyRow.category.is_(None) if category is None
        else SlaPolicyRow.category == category,
        SlaPolicyRow.unit.is_(None) if unit is None else SlaPolicyRow.unit == unit,
        SlaPolicyRow.requester.is_(None) if requester is None
        else SlaPolicyRow.requester == requester,
    ))


def replace_calendar_days(session: Session, year: int, days: Mapping[date, bool]) -> None:
    """Drop the stored days of `year` and store `days` (day → is a working day) instead."""
    session.execute(delete(CalendarDayRow).where(
        CalendarDayRow.day >= date(year, 1, 1), CalendarDayRow.day <= date(year, 12, 31)))
    session.add_all([CalendarDayRow(day=d, is_workday=w) for d, w in days.items()])


def admin_notice(session: Session, key: str) -> AdminNoticeRow | None:
    """The admin notice raised under `key`, resolved or not."""
    return session.scalar(select(AdminNoticeRow).where(AdminNoticeRow.key == key))


def admin_notice_raised(session: Session, key: str) -> bool:
    """An admin notice was ever raised under `key` (resolved ones count)."""
    return session.scalar(select(AdminNoticeRow.id).where(AdminNoticeRow.key == key)) is not None


def provisional_open_appeal_ids(session: Session, after_id: int, limit: int) -> list[int]:
    """Ids above `after_id`, ascending, of open appeals whose deadlines are provisional."""
    return list(session.scalars(
        select(AppealRow.id).where(*PROVISIONAL_OPEN, AppealRow.id > after_id)
        .order_by(AppealRow.id).limit(limit)))


def what_keeps_unit_busy(session: Session, unit_id: int, open_statuses: list[str]
                         ) -> tuple[int, int, int]:
    """(active sub-units, active users, open appeals it leads) of a unit an administrator
    wants to stop (停用)."""
    units = session.scalar(select(func.count()).select_from(UnitRow).where(
        UnitRow.parent_id == unit_id, UnitRow.active.is_(True))) or 0
    users = session.scalar(select(func.count()).select_from(UserRow).where(
        UserRow.unit_id == unit_id, UserRow.active.is_(True))) or 0
    appeals = session.scalar(select(func.count()).select_from(AppealRow).where(
        AppealRow.lead_unit_id == unit_id, AppealRow.status.in_(open_statuses))) or 0
    return units, users, appeals


def active_sibling_named(session: Session, parent_id: int | None, name: str,
                         other_than: int | None = None) -> UnitRow | None:
    """An active unit directly under `parent_id` (None: a top unit) called `name`, other than
    the unit `other_than`: two of one name under one parent cannot be told apart in the
    rankings, the 通报 or a dispatcher's list."""
    stmt = select(UnitRow).where(
        UnitRow.parent_id.is_(None) if parent_id is None else UnitRow.parent_id == parent_id,
        UnitRow.name == name, UnitRow.active.is_(True))
    if other_than is not None:
        stmt = stmt.where(UnitRow.id != other_than)
    return session.scalars(stmt.order_by(UnitRow.id).limit(1)).first()


def locked_units(session: Session, unit_ids: list[int]) -> dict[int, UnitRow]:
    """These units read afresh and locked until the transaction ends (in id order, so two
    moves at once wait for each other instead of deadlocking): a move, and a unit added
    under a unit being moved, see the tree as the other left it."""
    rows = session.scalars(select(UnitRow).where(UnitRow.id.in_(unit_ids))
                           .order_by(UnitRow.id).with_for_update()
                           .execution_options(populate_existing=True))
    return {row.id: row for row in rows}


def move_subtree(session: Session, unit: UnitRow, parent: UnitRow) -> int:
    """Put `unit` under `parent`: its parent link, and the materialised path and depth of
    it and every unit below it, in two statements. Returns how many units moved."""
    old_path, new_path = unit.path, f"{parent.path}{unit.id}/"
    depth_change = parent.depth + 1 - unit.depth
    session.execute(update(UnitRow).where(UnitRow.id == unit.id)
                    .values(parent_id=parent.id).execution_options(synchronize_session=False))
    moved = session.execute(
        update(UnitRow).where(UnitRow.path.startswith(old_path))
        .values(path=literal(new_path, String) + func.substr(UnitRow.path, len(old_path) + 1),
                depth=UnitRow.depth + depth_change)
        .execution_options(synchronize_session=False))
    session.expire_all()  # the rows this session holds still have the old paths
    return int(getattr(moved, "rowcount", 0) or 0)

