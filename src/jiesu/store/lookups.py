"""Small read queries for admin lists, the operator's caller history and the sweeper."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from jiesu.domain.appeal import MERGE_CHAIN_MAX, normalize_phone
from jiesu.store.enterprise_tables import EnterpriseRow
from jiesu.store.tables import (
    AppealRow,
    CalendarYearRow,
    CategoryRow,
    EventRow,
    SlaPolicyRow,
    UnitRow,
    UserRow,
)


def tree_order(path: str) -> tuple[int, ...]:
    """A unit's place in tree order from its path ("/1/999/"): each unit after its parent,
    siblings by id. The path sorted as text put /1/1000/ before /1/999/ (and 区1 after 区9)."""
    return tuple(int(p) for p in path.split("/") if p)


def all_units(session: Session) -> list[UnitRow]:
    """Every unit, in tree order."""
    return sorted(session.scalars(select(UnitRow)).all(), key=lambda u: tree_order(u.path))


def all_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.id)).all())


def all_categories(session: Session) -> list[CategoryRow]:
    return list(session.scalars(select(CategoryRow).order_by(CategoryRow.code)).all())


def custom_sla_policies(session: Session) -> list[SlaPolicyRow]:
    return list(session.scalars(select(SlaPolicyRow).order_by(SlaPolicyRow.id)).all())


def calendar_years(session: Session) -> list[CalendarYearRow]:
    return list(session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year)).all())


def appeals_by_phone(session: Session, phone: str, limit: int = 10) -> list[AppealRow]:
    """A caller's most recent appeals (the operator sees them while the phone rings)."""
    return list(session.scalars(
        select(AppealRow).where(AppealRow.requester_phone == normalize_phone(phone))
        .order_by(AppealRow.created_at.desc()).limit(limit)).all())


def merge_chain_end(session: Session, appeal_id: int) -> int:
    """The appeal that one merged (已合并) now follows: its `merged_into_id`, and that one's in
    turn (A into B, then B into C: C), at most MERGE_CHAIN_MAX merges on; itself when it was
    never merged. A chain cannot loop (only an open appeal is merged into): the bound only
    bounds the reads."""
    at = appeal_id
    for _ in range(MERGE_CHAIN_MAX):
        nxt = session.scalar(select(AppealRow.merged_into_id).where(AppealRow.id == at))
        if nxt is None:
            break
        at = nxt
    return at


def merged_followers(session: Session, appeal_id: int) -> list[AppealRow]:
    """The appeals merged (已合并) into this one, and those merged into them in turn (A into B,
    then B into C: both follow C), oldest first. Found through each target's `merged_in`
    events (read by the events' (appeal_id, seq) index), not by a scan of merged_into_id; as
    many merges back as the tracking page follows forward (MERGE_CHAIN_MAX)."""
    found: list[AppealRow] = []
    targets, seen = [appeal_id], {appeal_id}
    for _ in range(MERGE_CHAIN_MAX):
        if not targets:
            break
        merged_in = session.scalars(
            select(EventRow.data).where(EventRow.appeal_id.in_(targets),
                                        EventRow.type == "merged_in")).all()
        ids = {int(d["appeal_id"]) for d in merged_in if d.get("appeal_id") is not None} - seen
        rows = session.scalars(select(AppealRow).where(
            AppealRow.id.in_(ids), AppealRow.status == "merged",
            AppealRow.merged_into_id.in_(targets)).order_by(AppealRow.id)).all() if ids else []
        found += rows
        targets = [r.id for r in rows]
        seen.update(targets)
    return found


def due_for_sweep(session: Session, now: datetime, limit: int) -> list[int]:
    """Appeals whose next deadline check is due, claimed with FOR UPDATE SKIP LOCKED."""
    return list(session.scalars(
        select(AppealRow.id).where(AppealRow.next_check_at <= now)
        .order_by(AppealRow.next_check_at).limit(limit)
        .with_for_update(skip_locked=True)).all())


# open appeals counted on a year's provisional calendar (recomputed when the year is loaded)
PROVISIONAL_OPEN = (AppealRow.deadlines_provisional.is_(True),
                    AppealRow.status.in_(("dispatched", "in_progress", "replied")))


def duty_phone(session: Session, unit_id: int) -> str | None:
    """The duty phone of a unit, or of the nearest unit above it that has one."""
    unit = session.get(UnitRow, unit_id)
    if unit is None:
        return None
    chain = [int(i) for i in unit.path.strip("/").split("/") if i]
    rows = session.execute(select(UnitRow.id, UnitRow.contact_phone)
                           .where(UnitRow.id.in_(chain), UnitRow.contact_phone.is_not(None)))
    phones = {i: p for i, p in rows if p}
    return next((phones[i] for i in reversed(chain) if i in phones), None)


def liaison_to_text(session: Session, enterprise_code: str) -> tuple[str, str] | None:
    """The name of the enterprise on file with this credit code and the mobile phone of its
    精准帮扶 liaison, when it has one who is active and has a phone."""
    found = session.execute(
        select(EnterpriseRow.name, UserRow.phone)
        .join(UserRow, UserRow.id == EnterpriseRow.liaison_user_id)
        .where(EnterpriseRow.uscc == enterprise_code, UserRow.active.is_(True),
               UserRow.phone.is_not(None))).first()
    return (found[0], found[1]) if found and found[1] else None


def latest_provisional_due(session: Session) -> datetime | None:
    """The latest running deadline among open appeals whose deadlines are provisional: the
    回访 one of a replied appeal (the only clock it runs, and history imported as replied has
    no handling deadline), else the handling one. Empty ones are left out: PostgreSQL sorts
    NULL first when descending, and one would have hidden every other."""
    running = case((AppealRow.status == "replied", AppealRow.followup_due_at),
                   else_=AppealRow.handle_due_at)
    return session.scalar(
        select(running).where(*PROVISIONAL_OPEN, running.is_not(None))
        .order_by(running.desc()).limit(1))


def current_kpi_formula(session: Session) -> tuple[int, dict[str, Any]] | None:
    """The newest KPI formula version and its settings (None before any is stored)."""
    from jiesu.store.kpi_queries import kpi_formula_version

    row = kpi_formula_version(session)
    return (row.version, dict(row.settings)) if row is not None else None
