"""Read queries for lists, detail pages and dashboards (they skip the domain model)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeAlias

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    UnaryExpression,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Session, aliased

from jiesu.domain.appeal import normalize_phone
from jiesu.store.enterprise_tables import EnterpriseRow
from jiesu.store.tables import AppealCoUnitRow, AppealRow, EventRow, UnitRow, UserRow

OPEN = ("registered", "dispatched", "in_progress", "replied")
HANDLING = ("dispatched", "in_progress")  # the statuses in which the handling clock runs


def in_handling() -> ColumnElement[bool]:
    """`status IN ('dispatched', 'in_progress')` with the statuses written out, not bound: the
    predicate of ix_appeals_handling_due (0027), which SQLite matches only word for word."""
    return AppealRow.status.in_([literal_column(f"'{s}'") for s in HANDLING])
# Beyond this, a list's total is reported as "1000+" (a lower bound; pages still go on). Counting
# is what a list costs at a million appeals: a district's inbox counted to 10,001 took ~100 ms of
# its ~130 ms, counted to 1,001 it takes a tenth of that. Nobody pages through 50 pages of 20;
# they filter, and the dashboards give exact counts.
COUNT_CAP = 1_000


@dataclass
class AppealFilters:
    status: list[str] | None = None
    unit_id: int | None = None  # lead or handling unit within this unit's subtree
    category: str | None = None  # a category code; its sub-categories are included
    kind: str | None = None
    channel: str | None = None
    urgency: str | None = None
    overdue: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None
    requester_phone: str | None = None
    open_only: bool = False
    return_pending: bool | None = None
    extension_pending: bool | None = None
    # already extended this many times or more: past `max_extensions` only an admin approves
    extensions_at_least: int | None = None
    warning: str | None = None  # "yellow" / "red": any clock at that level
    followup_overdue: bool | None = None  # replied, and its 回访 deadline has passed
    liaison_id: int | None = None  # 涉企诉求 of the enterprises this user is the liaison of


@dataclass
class Scope:
    """What a caller may see: None = everything; otherwise appeals of these units (subtree path)."""

    unit_path: str | None = None
    # A grid worker also sees the appeals they reported themselves, wherever they were sent
    # (one appeal at a time: lists stay by unit).
    reporter_id: int | None = None
    # A handler or grid worker named an enterprise's 精准帮扶 liaison also sees that
    # enterprise's 涉企诉求, read only: acting stays with the units it was sent to.
    liaison_id: int | None = None


def liaison_codes(user_id: int) -> Select[str]:
    """The credit codes of the enterprises a staff member is the 精准帮扶 liaison of."""
    return select(EnterpriseRow.uscc).where(EnterpriseRow.liaison_user_id == user_id)


def enterprise_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """The names of the enterprises on file by credit code (codes not on file are left out)."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return {code: name for code, name in session.execute(
        select(EnterpriseRow.uscc, EnterpriseRow.name).where(EnterpriseRow.uscc.in_(wanted)))}


def is_liaison(session: Session, user_id: int) -> bool:
    """Whether a staff member is the 精准帮扶 liaison of any enterprise."""
    return session.scalar(select(liaison_codes(user_id).exists())) is True


def subtree(session: Session, unit_id: int) -> Select[int]:
    path = session.scalar(select(UnitRow.path).where(UnitRow.id == unit_id)) or "/-/"
    return select(UnitRow.id).where(UnitRow.path.startswith(path))


def _scope_clause(session: Session, scope: Scope, statuses: Any = None) -> Any:
    """Appeals led, handled or co-handled by a unit of the scope's subtree.

    Written as `id IN (lead ∪ handling ∪ co-unit ids)` rather than an OR with a correlated
    EXISTS: each branch is an index scan (ix_appeals_lead_status_due_id,
    ix_appeals_handling_status_due_id, ix_appeal_co_units_unit_appeal), where the OR forced a
    scan of every appeal with the wanted status (slow at a million appeals). `statuses`, when
    the caller filters by status anyway, is pushed into the branches.
    """
    if scope.unit_path is None:
        return None
    units = select(UnitRow.id).where(UnitRow.path.startswith(scope.unit_path))
    inner = aliased(AppealRow)
    lead = select(inner.id).where(inner.lead_unit_id.in_(units))
    handling = select(inner.id).where(inner.handling_unit_id.in_(units))
    if statuses:
        lead = lead.where(inner.status.in_(statuses))
        handling = handling.where(inner.status.in_(statuses))
    co = select(AppealCoUnitRow.appeal_id).where(AppealCoUnitRow.unit_id.in_(units))
    return AppealRow.id.in_(union(lead, handling, co))


def filtered(session: Session, f: AppealFilters, scope: Scope,
             now: datetime) -> Select[AppealRow]:
    stmt = select(AppealRow)
    clauses: list[Any] = []
    sc = _scope_clause(session, scope, f.status or (OPEN if f.open_only else None))
    if sc is not None:
        clauses.append(sc)
    if f.status:
        clauses.append(AppealRow.status.in_(f.status))
    elif f.open_only:
        clauses.append(AppealRow.status.in_(OPEN))
    if f.unit_id is not None:
        units = subtree(session, f.unit_id)
        clauses.append(or_(AppealRow.lead_unit_id.in_(units),
                           AppealRow.handling_unit_id.in_(units)))
    if f.category:
        clauses.append(or_(AppealRow.category == f.category,
                           AppealRow.category.startswith(f.category + ".")))
    for name in ("kind", "channel", "urgency"):
        value = getattr(f, name)
        if value:
            clauses.append(getattr(AppealRow, name) == value)
    if f.overdue is not None:
        late = and_(in_handling(), AppealRow.handle_due_at < now)
        clauses.append(late if f.overdue else ~late)
    if f.created_from is not None:
        clauses.append(AppealRow.created_at >= f.created_from)
    if f.created_to is not None:
        clauses.append(AppealRow.created_at < f.created_to)
    if f.text:
        like = f"%{f.text.strip()}%"
        clauses.append(or_(AppealRow.content.like(like), AppealRow.title.like(like),
                           AppealRow.code == f.text.strip()))
    if f.liaison_id is not None:
        clauses.append(AppealRow.enterprise_code.in_(liaison_codes(f.liaison_id)))
    if f.requester_phone:
        clauses.append(AppealRow.requester_phone == normalize_phone(f.requester_phone))
    if f.return_pending is not None:
        # the column itself, not "IS true": PostgreSQL then sees that the partial index of
        # the open appeals waiting for a decision (ix_appeals_open_flagged) holds them all
        clauses.append(AppealRow.return_pending if f.return_pending
                       else ~AppealRow.return_pending)
    if f.extension_pending is not None:
        pending = AppealRow.extension_pending_days.is_not(None)
        clauses.append(pending if f.extension_pending else ~pending)
    if f.extensions_at_least is not None:
        clauses.append(AppealRow.extension_count >= f.extensions_at_least)
    if f.followup_overdue is not None:
        late = and_(AppealRow.status == "replied", AppealRow.followup_due_at < now)
        clauses.append(late if f.followup_overdue else ~late)
    if f.warning:
        clauses.append(or_(AppealRow.sign_warning == f.warning,
                           AppealRow.handle_warning == f.warning,
                           AppealRow.followup_warning == f.warning))
    if clauses:
        stmt = stmt.where(and_(*clauses))
    return stmt


ORDERS: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "created_desc": (AppealRow.created_at.desc(), AppealRow.id.desc()),
    "created_asc": (AppealRow.created_at.asc(), AppealRow.id.asc()),
    "due": (AppealRow.handle_due_at.asc(), AppealRow.id.asc()),
    # the appeals waiting to be signed: their short clock is the signing one (a working day,
    # hours when urgent), which the handling deadline does not follow (a consultation's is
    # two working days, a complaint's fifteen)
    "sign_due": (AppealRow.sign_due_at.asc(), AppealRow.id.asc()),
    "followup_due": (AppealRow.followup_due_at.asc(), AppealRow.id.asc()),
    # the dispatch queue: 特急 and 紧急 before the rest, each oldest first (a gas leak
    # registered now must not wait behind a page of yesterday's streetlights)
    "urgent_first": (case({"emergency": 0, "urgent": 1}, value=AppealRow.urgency,
                          else_=2).asc(), AppealRow.created_at.asc(), AppealRow.id.asc()),
}


def list_appeals(
    session: Session,
    f: AppealFilters,
    scope: Scope,
    now: datetime,
    *,
    page: int = 1,
    per_page: int = 20,
    order: str = "created_desc",
) -> tuple[list[AppealRow], int, bool]:
    """One page of appeals plus the total (capped: the bool says the total is a lower bound)."""
    if (order == "due" and scope.unit_path is not None and (f.status or f.open_only)
            and f == AppealFilters(status=f.status, open_only=f.open_only)):
        return inbox_by_due(session, list(f.status or OPEN), scope.unit_path,
                             page=page, per_page=per_page)
    stmt = filtered(session, f, scope, now)
    rows = list(
        session.scalars(
            stmt.order_by(*ORDERS.get(order, ORDERS["created_desc"]))
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
    )
    capped = stmt.with_only_columns(AppealRow.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return rows, min(total, COUNT_CAP), total > COUNT_CAP


def inbox_by_due(session: Session, statuses: list[str], unit_path: str, *, page: int,
                 per_page: int) -> tuple[list[AppealRow], int, bool]:
    """The handler inbox (a unit subtree's appeals in `statuses`, earliest due first).

    Same rows and order as the general path, shaped for a million appeals. The global top k
    (k = offset + page) lies within the union of each branch's top k, so only those are sorted:
    - lead and handling branches: on PostgreSQL, a LATERAL top-k per (unit, status) walks the
      covering index (unit, status, handle_due_at, id) of migration 0006_pages in order and stops
      after k entries — a district of 41 units with 45,000 open appeals reads ~3,000 index
      entries instead of 90,000. SQLite has no LATERAL: there each branch is a top-k heapsort
      over its index-only scan;
    - co-units: a join (5 % of appeals have co-units).
    Only the page's rows are loaded. The statements are built once per dialect and status list
    (building them cost more than running them).
    """
    page_stmt, lead_count, union_count = _inbox_statements(
        session.get_bind().dialect.name, tuple(statuses))
    params = {"unit_path": unit_path, "k": page * per_page, "page_size": per_page,
              "skip": (page - 1) * per_page, "cap": COUNT_CAP + 1}
    found = session.execute(page_stmt, params).scalars().all()
    # The lead branch alone usually decides the capped total: past the cap, the union is too.
    total = session.execute(lead_count, params).scalar_one()
    if total <= COUNT_CAP:
        total = session.execute(union_count, params).scalar_one()
    by_id = {r.id: r for r in session.scalars(
        select(AppealRow).where(AppealRow.id.in_(found)))} if found else {}
    rows = [by_id[i] for i in found if i in by_id]
    return rows, min(total, COUNT_CAP), total > COUNT_CAP


# A branch of the inbox: (appeal id, handling deadline). A string: SQLAlchemy 2.0's Select
# takes one type argument at run time.
_IdDue: TypeAlias = "Select[int, datetime | None]"


@lru_cache(maxsize=32)
def _inbox_statements(dialect: str, statuses: tuple[str, ...]
                      ) -> tuple[Select[Any], Select[int], Select[int]]:
    """(page, lead-branch count, union count) of the inbox, with bind parameters unit_path,
    k (top k per branch), page_size, skip and cap (count at most this many)."""
    def units() -> Select[int]:
        return select(UnitRow.id).where(UnitRow.path.startswith(bindparam("unit_path")))

    def branch(column: Any) -> _IdDue:
        return select(AppealRow.id, AppealRow.handle_due_at).where(
            column.in_(units()), AppealRow.status.in_(statuses))

    def by_due(b: _IdDue) -> _IdDue:
        return b.order_by(b.selected_columns[1].asc(), b.selected_columns[0].asc())

    def lateral_top(column: Any, status: str) -> _IdDue:
        u = units().subquery("u")
        inner = (select(AppealRow.id, AppealRow.handle_due_at)
                 .where(column == u.c.id, AppealRow.status == status)
                 .order_by(AppealRow.handle_due_at.asc(), AppealRow.id.asc())
                 .limit(bindparam("k")).lateral())
        return select(inner.c.id, inner.c.handle_due_at).select_from(u).join(inner, true())

    k: BindParameter[int] = bindparam("k")
    cap: BindParameter[int] = bindparam("cap")
    lead, handling = branch(AppealRow.lead_unit_id), branch(AppealRow.handling_unit_id)
    # Statuses written into the SQL: the planner can then use the partial index of the open
    # appeals (ix_appeals_open_id_due) even for a prepared statement's generic plan.
    co = select(AppealRow.id, AppealRow.handle_due_at).join(
        AppealCoUnitRow, AppealCoUnitRow.appeal_id == AppealRow.id).where(
        AppealCoUnitRow.unit_id.in_(units()),
        AppealRow.status.in_([literal(s, literal_execute=True) for s in statuses]))
    if dialect == "postgresql":
        tops = [lateral_top(col, s) for col in (AppealRow.lead_unit_id,
                                                 AppealRow.handling_unit_id) for s in statuses]
    else:
        tops = [_wrapped(by_due(b).limit(k)) for b in (lead, handling)]
    tops.append(_wrapped(by_due(co).limit(k)))
    top = union(*tops).subquery()
    page = (select(top.c.id).order_by(top.c.handle_due_at.asc(), top.c.id.asc())
            .limit(bindparam("page_size")).offset(bindparam("skip")))
    lead_count = select(func.count()).select_from(
        lead.with_only_columns(AppealRow.id).limit(cap).subquery())
    # A branch cut at the cap makes the union exceed it; whole branches make the count exact.
    capped = union(*(_wrapped(b.limit(cap)) for b in (lead, handling, co))).subquery()
    union_count = select(func.count()).select_from(capped)
    return page, lead_count, union_count


def _wrapped(branch: _IdDue) -> _IdDue:
    """A limited SELECT as a compound member (SQLite allows LIMIT only in a subquery there)."""
    sub = branch.subquery()
    return select(sub.c.id, sub.c.handle_due_at)


def events_of(session: Session, appeal_id: int) -> list[EventRow]:
    return list(
        session.scalars(
            select(EventRow).where(EventRow.appeal_id == appeal_id).order_by(EventRow.seq)
        ).all()
    )


def co_units_of(session: Session, appeal_id: int) -> list[int]:
    return list(
        session.scalars(
            select(AppealCoUnitRow.unit_id).where(AppealCoUnitRow.appeal_id == appeal_id)
        ).all()
    )


def co_units_of_many(session: Session, appeal_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    if appeal_ids:
        for appeal_id, unit_id in session.execute(
                select(AppealCoUnitRow.appeal_id, AppealCoUnitRow.unit_id)
                .where(AppealCoUnitRow.appeal_id.in_(appeal_ids))
                .order_by(AppealCoUnitRow.appeal_id, AppealCoUnitRow.unit_id)):
            out.setdefault(appeal_id, []).append(unit_id)
    return out


def unit_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(wanted)))
    return {uid: name for uid, name in rows}


def unit_path(session: Session, unit_id: int | None) -> str | None:
    """The materialised path ("/1/5/") of a unit, None when there is no such unit."""
    if unit_id is None:
        return None
    return session.scalar(select(UnitRow.path).where(UnitRow.id == unit_id))


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names (the username when a user has none) of staff users."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(UserRow.id, UserRow.display_name, UserRow.username)
                           .where(UserRow.id.in_(wanted)))
    return {uid: (name or username) for uid, name, username in rows}


def visible(session: Session, row: AppealRow, scope: Scope) -> bool:
    if scope.unit_path is None:
        return True
    if scope.reporter_id is not None and row.registered_by == scope.reporter_id:
        return True
    if scope.liaison_id is not None and row.enterprise_code and session.scalar(
            select(EnterpriseRow.id).where(EnterpriseRow.uscc == row.enterprise_code,
                                           EnterpriseRow.liaison_user_id == scope.liaison_id)
    ) is not None:
        return True
    ids = set(session.scalars(
        select(UnitRow.id).where(UnitRow.path.startswith(scope.unit_path))).all())
    if {row.lead_unit_id, row.handling_unit_id} & ids:
        return True
    return bool(set(co_units_of(session, row.id)) & ids)
