"""Store side of enterprises (企业), support policies (惠企政策) and their matches (匹配/兑现).

Every query `services/policies.py` needs. Rows that a use case changes are read with
`SELECT … FOR UPDATE` (a no-op on SQLite, whose writers are serialised by BEGIN IMMEDIATE);
matches also carry a `version` the service compares for optimistic locking.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from jiesu.store.enterprise_tables import EnterpriseRow, PolicyMatchRow, PolicyRow
from jiesu.store.tables import UnitRow, UserRow

# --- units and users (names and where an area lies) -----------------------------------------


def unit_chains(session: Session, unit_ids: Collection[int | None]
                ) -> dict[int, tuple[int, ...]]:
    """For each of these units, the ids from the root of the tree down to itself (its
    materialised path): what a region condition of a policy is checked against."""
    ids = {i for i in unit_ids if i is not None}
    if not ids:
        return {}
    return {uid: tuple(int(i) for i in path.split("/") if i)
            for uid, path in session.execute(select(UnitRow.id, UnitRow.path)
                                             .where(UnitRow.id.in_(ids)))}








def active_user_role(session: Session, user_id: int) -> str | None:
    """The role of an active user; None for an unknown or deactivated one."""
    return session.scalar(select(UserRow.role).where(UserRow.id == user_id,
                                                     UserRow.active.is_(True)))


# --- enterprises -----------------------------------------------------------------------------


def enterprise(session: Session, enterprise_id: int, *, lock: bool = False
               ) -> EnterpriseRow | None:
    stmt = select(EnterpriseRow).where(EnterpriseRow.id == enterprise_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def enterprise_by_uscc(session: Session, uscc: str, *, lock: bool = False
                       ) -> EnterpriseRow | None:
    stmt = select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def enterprise_id_by_uscc(session: Session, uscc: str) -> int | None:
    return session.scalar(select(EnterpriseRow.id).where(EnterpriseRow.uscc == uscc))


def _filtered(stmt: Any, count: Any, conds: list[Any], unit_of: Any,
              path: str | None) -> tuple[Any, Any]:
    """A list's select and its count with the same filters; with `path`, only the rows whose
    unit (`unit_of`) lies in that unit subtree."""
    if path is not None:
        stmt = stmt.join(UnitRow, UnitRow.id == unit_of)
        count = count.join(UnitRow, UnitRow.id == unit_of)
        conds = [*conds, UnitRow.path.startswith(path)]
    if conds:
        stmt, count = stmt.where(*conds), count.where(*conds)
    return stmt, count


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def enterprises(session: Session, *, q: str = "", region_path: str | None = None,
                limit: int = 50, offset: int = 0) -> tuple[list[EnterpriseRow], int]:
    """A page of enterprises by name, and how many match in all. `q` searches the name and
    the credit code; `region_path` keeps those whose region lies in that unit subtree."""
    conds: list[Any] = []
    if q:
        conds.append(or_(EnterpriseRow.name.like(_like(q), escape="\\"),
                         EnterpriseRow.uscc.like(_like(q.upper()), escape="\\")))
    stmt, count = _filtered(select(EnterpriseRow),
                            select(func.count()).select_from(EnterpriseRow), conds,
                            EnterpriseRow.region_unit_id, region_path)
    total = session.scalar(count) or 0
    rows = session.scalars(stmt.order_by(EnterpriseRow.name, EnterpriseRow.id)
                           .limit(limit).offset(offset))
    return list(rows), int(total)


@dataclass(frozen=True)
class EnterpriseFacts:
    """The columns matching needs, read without building ORM objects (publishing streams
    every enterprise through this)."""

    id: int
    name: str
    industry: str | None
    size_class: str | None
    region_unit_id: int | None
    founded_on: date | None
    employees: int | None
    revenue: float | None
    assets: float | None
    certifications: list[str] | None
    tax_credit: str | None
    contact_phone: str | None


_FACT_COLUMNS = (EnterpriseRow.id, EnterpriseRow.name, EnterpriseRow.industry,
                 EnterpriseRow.size_class, EnterpriseRow.region_unit_id,
                 EnterpriseRow.founded_on, EnterpriseRow.employees, EnterpriseRow.revenue,
                 EnterpriseRow.assets, EnterpriseRow.certifications, EnterpriseRow.tax_credit,
                 EnterpriseRow.contact_phone)


def _facts(row: Sequence[Any]) -> EnterpriseFacts:
    """A row of _FACT_COLUMNS, in EnterpriseFacts' field order. (select() types only its first
    ten columns, so mypy cannot match the row to the fields.)"""
    return EnterpriseFacts(*row)


def enterprise_fact_pages(session: Session, *, page_size: int = 1000, after: int = 0
                          ) -> Iterator[list[EnterpriseFacts]]:
    """Every enterprise with an id above `after`, a page at a time in id order (keyset
    paging: each page is one indexed range read, however far into the table)."""
    while True:
        rows = session.execute(select(*_FACT_COLUMNS).where(EnterpriseRow.id > after)
                               .order_by(EnterpriseRow.id).limit(page_size)).all()
        if not rows:
            return
        yield [_facts(r) for r in rows]
        after = rows[-1][0]
        if len(rows) < page_size:
            return


def enterprise_facts(session: Session, ids: Collection[int]) -> dict[int, EnterpriseFacts]:
    if not ids:
        return {}
    return {r[0]: _facts(r) for r in session.execute(
        select(*_FACT_COLUMNS).where(EnterpriseRow.id.in_(set(ids))))}


# --- policies --------------------------------------------------------------------------------


def policy(session: Session, policy_id: int, *, lock: bool = False) -> PolicyRow | None:
    stmt = select(PolicyRow).where(PolicyRow.id == policy_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def policy_id_by_code(session: Session, code: str) -> int | None:
    return session.scalar(select(PolicyRow.id).where(PolicyRow.code == code))


def policies(session: Session, *, status: str | None = None, issuer_path: str | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[PolicyRow], int]:
    """A page of policies, newest first, and how many there are in all."""
    conds: list[Any] = []
    if status is not None:
        conds.append(PolicyRow.status == status)
    stmt, count = _filtered(select(PolicyRow), select(func.count()).select_from(PolicyRow),
                            conds, PolicyRow.issuer_unit_id, issuer_path)
    total = session.scalar(count) or 0
    rows = session.scalars(stmt.order_by(PolicyRow.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total)


def claim_pending_match(session: Session) -> PolicyRow | None:
    """A published policy whose matching pass continues in the jobs, locked for this
    transaction (PostgreSQL: SKIP LOCKED, so two job processes take different policies)."""
    return session.scalars(
        select(PolicyRow).where(PolicyRow.matched_through.is_not(None))
        .order_by(PolicyRow.id).limit(1).with_for_update(skip_locked=True)).first()


def matching_policies(session: Session, today: date) -> list[PolicyRow]:
    """Published policies that still take matches on `today` (not past their last day)."""
    return list(session.scalars(
        select(PolicyRow).where(PolicyRow.status == "published",
                                or_(PolicyRow.valid_until.is_(None),
                                    PolicyRow.valid_until >= today))
        .order_by(PolicyRow.id)))


def policy_counts(session: Session, policy_ids: Collection[int]
                  ) -> dict[int, tuple[dict[str, int], int]]:
    """Per policy: its matches counted by status, and the sum paid (分)."""
    out: dict[int, tuple[dict[str, int], int]] = {pid: ({}, 0) for pid in policy_ids}
    if not policy_ids:
        return out
    rows = session.execute(
        select(PolicyMatchRow.policy_id, PolicyMatchRow.status, func.count(),
               func.coalesce(func.sum(PolicyMatchRow.paid_amount_fen), 0))
        .where(PolicyMatchRow.policy_id.in_(set(policy_ids)))
        .group_by(PolicyMatchRow.policy_id, PolicyMatchRow.status))
    for pid, status, n, paid in rows:
        counts, total = out[pid]
        counts[status] = int(n)
        out[pid] = (counts, total + int(paid or 0))
    return out


# --- matches ---------------------------------------------------------------------------------


def match(session: Session, match_id: int, *, lock: bool = False) -> PolicyMatchRow | None:
    stmt = select(PolicyMatchRow).where(PolicyMatchRow.id == match_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def matches_of_enterprise(session: Session, enterprise_id: int, *, lock: bool = False
                          ) -> dict[int, PolicyMatchRow]:
    """The enterprise's matches by policy id."""
    stmt = select(PolicyMatchRow).where(PolicyMatchRow.enterprise_id == enterprise_id)
    if lock:
        stmt = stmt.with_for_update()
    return {m.policy_id: m for m in session.scalars(stmt)}


def matches_of_policy(session: Session, policy_id: int, enterprise_ids: Collection[int], *,
                      lock: bool = False) -> dict[int, PolicyMatchRow]:
    """The policy's matches with these enterprises, by enterprise id."""
    if not enterprise_ids:
        return {}
    stmt = select(PolicyMatchRow).where(PolicyMatchRow.policy_id == policy_id,
                                        PolicyMatchRow.enterprise_id.in_(set(enterprise_ids)))
    if lock:
        stmt = stmt.with_for_update()
    return {m.enterprise_id: m for m in session.scalars(stmt)}


def open_matches_of_policy(session: Session, policy_id: int, statuses: Collection[str]
                           ) -> list[PolicyMatchRow]:
    """The policy's matches in these statuses, locked (a withdrawal lapses them)."""
    return list(session.scalars(
        select(PolicyMatchRow).where(PolicyMatchRow.policy_id == policy_id,
                                     PolicyMatchRow.status.in_(list(statuses)))
        .order_by(PolicyMatchRow.id).with_for_update()))


def has_match_of_policy(session: Session, policy_id: int, enterprise_ids: Collection[int]
                        ) -> set[int]:
    """Which of these enterprises the policy has a match with (any status)."""
    if not enterprise_ids:
        return set()
    return set(session.scalars(select(PolicyMatchRow.enterprise_id).where(
        PolicyMatchRow.policy_id == policy_id,
        PolicyMatchRow.enterprise_id.in_(set(enterprise_ids)))))


def add_rows(session: Session, rows: list[Any]) -> None:
    """Insert new rows now (one multi-row INSERT per table), so that their ids are known."""
    session.add_all(rows)
    session.flush()


def release(session: Session, rows: Iterable[Any]) -> None:
    """Write pending changes and forget these rows: publishing to 100,000 enterprises keeps
    only one page of matches and messages in memory. The writes stay in the transaction."""
    session.flush()
    for row in rows:
        if row in session:
            session.expunge(row)


@dataclass(frozen=True)
class MatchRecord:
    """A match with what a list shows of its policy and enterprise."""

    row: PolicyMatchRow
    policy_code: str
    policy_title: str
    mode: str
    conditions: list[dict[str, Any]]
    policy_status: str
    valid_from: date | None
    valid_until: date | None
    amount_fen: int | None
    benefit: str
    enterprise_name: str
    uscc: str


def _match_select() -> Any:
    return (select(PolicyMatchRow, PolicyRow.code, PolicyRow.title, PolicyRow.mode,
                   PolicyRow.conditions, PolicyRow.status, PolicyRow.valid_from,
                   PolicyRow.valid_until, PolicyRow.amount_fen, PolicyRow.benefit,
                   EnterpriseRow.name, EnterpriseRow.uscc)
            .join(PolicyRow, PolicyRow.id == PolicyMatchRow.policy_id)
            .join(EnterpriseRow, EnterpriseRow.id == PolicyMatchRow.enterprise_id))


def match_records(session: Session, *, policy_id: int | None = None,
                  enterprise_id: int | None = None, statuses: Collection[str] | None = None,
                  overdue_at: datetime | None = None, due_statuses: Collection[str] = (),
                  issuer_path: str | None = None, by_due: bool = False,
                  by_applied: bool = False, limit: int = 50,
                  offset: int = 0) -> tuple[list[MatchRecord], int]:
    """A page of matches (newest first; `by_due`: the earliest payout due first;
    `by_applied`: the earliest application first) and how many there are in all.
    `overdue_at` keeps payouts (in `due_statuses`) whose due time is before it;
    `issuer_path` keeps the policies issued in that unit subtree."""
    conds: list[Any] = []
    if policy_id is not None:
        conds.append(PolicyMatchRow.policy_id == policy_id)
    if enterprise_id is not None:
        conds.append(PolicyMatchRow.enterprise_id == enterprise_id)
    if statuses is not None:
        conds.append(PolicyMatchRow.status.in_(list(statuses)))
    if overdue_at is not None:
        conds.append(and_(PolicyMatchRow.status.in_(list(due_statuses)),
                          PolicyMatchRow.payout_due_at < overdue_at))
    stmt, count = _filtered(_match_select(),
                            select(func.count()).select_from(PolicyMatchRow)
                            .join(PolicyRow, PolicyRow.id == PolicyMatchRow.policy_id),
                            conds, PolicyRow.issuer_unit_id, issuer_path)
    total = session.scalar(count) or 0
    order = (PolicyMatchRow.payout_due_at, PolicyMatchRow.id) if by_due else (
        PolicyMatchRow.applied_at, PolicyMatchRow.id) if by_applied else (
        PolicyMatchRow.id.desc(),)
    rows = session.execute(stmt.order_by(*order).limit(limit).offset(offset)).all()
    return [MatchRecord(*r) for r in rows], int(total)


def match_record(session: Session, match_id: int) -> MatchRecord | None:
    row = session.execute(_match_select().where(PolicyMatchRow.id == match_id)).first()
    return None if row is None else MatchRecord(*row)


def overdue_payouts(session: Session, now: datetime, statuses: Collection[str], *,
                    limit: int = 200) -> list[PolicyMatchRow]:
    """Matches whose payout is due before `now` and not yet made, the longest overdue first."""
    return list(session.scalars(
        select(PolicyMatchRow).where(PolicyMatchRow.status.in_(list(statuses)),
                                     PolicyMatchRow.payout_due_at < now)
        .order_by(PolicyMatchRow.payout_due_at, PolicyMatchRow.id).limit(limit)))


def expire_matches(session: Session, *, before: date, from_status: str, to_status: str,
                   reason: str, now: datetime) -> int:
    """Lapse every match in `from_status` of a policy whose last day is before `before`; one
    UPDATE, so two job processes cannot lapse a match twice (PostgreSQL re-checks the status
    of a row another transaction changed meanwhile). Returns how many lapsed."""
    expired = select(PolicyRow.id).where(PolicyRow.valid_until < before)
    result = session.execute(
        update(PolicyMatchRow)
        .where(PolicyMatchRow.status == from_status, PolicyMatchRow.policy_id.in_(expired))
        .values(status=to_status, lapse_reason=reason, updated_at=now,
                version=PolicyMatchRow.version + 1)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


# --- the outbox, as the feature wrote it ----------------------------------------------------
