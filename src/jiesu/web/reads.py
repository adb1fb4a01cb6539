"""Read queries the pages need beyond `jiesu.store.queries`: the public board filter, dashboard
aggregates and admin lists. Read-only, paginated or aggregated in SQL; never all appeals.

(These belong in `jiesu.store`; they live here until the store grows a reporting module, so
that the web pages do not depend on another team's schedule.)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from jiesu.store import queries
from jiesu.store.tables import (
    AdminNoticeRow,
    AppealRow,
    CalendarYearRow,
    CategoryRow,
    EventRow,
    SlaPolicyRow,
    UnitRow,
    UserRow,
)

PUBLIC_HIDDEN_STATUSES = ("rejected", "merged")


def public_clause() -> Any:
    """DESIGN §7: reports (举报) and confidential appeals are never public."""
    return and_(AppealRow.kind != "report", AppealRow.confidential.is_(False),
                AppealRow.status.not_in(PUBLIC_HIDDEN_STATUSES))


def public_page(session: Session, f: queries.AppealFilters, now: datetime, *, page: int,
                per_page: int) -> tuple[list[AppealRow], int, bool]:
    """One page of the disclosure board, newest first, with a capped total."""
    stmt = queries.filtered(session, f, queries.Scope(), now).where(public_clause())
    rows = list(session.scalars(stmt.order_by(*queries.ORDERS["created_desc"])
                                .limit(per_page).offset((page - 1) * per_page)))
    capped = stmt.with_only_columns(AppealRow.id).order_by(None).limit(
        queries.COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return rows, min(total, queries.COUNT_CAP), total > queries.COUNT_CAP


def by_code(session: Session, code: str) -> AppealRow | None:
    return session.scalar(select(AppealRow).where(AppealRow.code == code.strip()))


def public_by_code(session: Session, code: str) -> AppealRow | None:
    return session.scalar(select(AppealRow).where(AppealRow.code == code.strip(),
                                                  public_clause()))


def page_of(session: Session, f: queries.AppealFilters, scope: queries.Scope, now: datetime, *,
            page: int, per_page: int = 20, order: str = "created_desc",
            extra: Any = None) -> tuple[list[AppealRow], int, bool]:
    """`queries.list_appeals` plus one extra clause (e.g. the follow-up due order)."""
    if extra is None:
        return queries.list_appeals(session, f, scope, now, page=page, per_page=per_page,
                                    order=order)
    stmt = queries.filtered(session, f, scope, now).where(extra)
    rows = list(session.scalars(stmt.order_by(*queries.ORDERS.get(order,
                                                                   queries.ORDERS["due"]))
                                .limit(per_page).offset((page - 1) * per_page)))
    capped = stmt.with_only_columns(AppealRow.id).order_by(None).limit(
        queries.COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return rows, min(total, queries.COUNT_CAP), total > queries.COUNT_CAP


def followup_page(session: Session, now: datetime, *, page: int,
                  per_page: int = 20) -> tuple[list[AppealRow], int, bool]:
    """Replied appeals waiting for their call-back, the earliest follow-up deadline first."""
    f = queries.AppealFilters(status=["replied"])
    stmt = queries.filtered(session, f, queries.Scope(), now)
    rows = list(session.scalars(stmt.order_by(AppealRow.followup_due_at.asc(),
                                              AppealRow.id.asc())
                                .limit(per_page).offset((page - 1) * per_page)))
    capped = stmt.with_only_columns(AppealRow.id).order_by(None).limit(
        queries.COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return rows, min(total, queries.COUNT_CAP), total > queries.COUNT_CAP


def category_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(
        select(CategoryRow.code, CategoryRow.full_name))}


def leaf_categories(session: Session) -> list[CategoryRow]:
    parents = select(CategoryRow.parent_id).where(CategoryRow.parent_id.is_not(None))
    return list(session.scalars(select(CategoryRow).where(
        CategoryRow.active.is_(True), CategoryRow.id.not_in(parents))
        .order_by(CategoryRow.code)))


def units(session: Session, *, max_depth: int | None = None,
          under_path: str | None = None, limit: int = 2000) -> list[UnitRow]:
    stmt = select(UnitRow).where(UnitRow.active.is_(True))
    if max_depth is not None:
        stmt = stmt.where(UnitRow.depth <= max_depth)
    if under_path is not None:
        stmt = stmt.where(UnitRow.path.startswith(under_path))
    return list(session.scalars(stmt.order_by(UnitRow.path).limit(limit)))


def unit_path(session: Session, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    return session.scalar(select(UnitRow.path).where(UnitRow.id == unit_id))


def users(session: Session, *, limit: int = 500) -> list[tuple[UserRow, str | None]]:
    rows = session.execute(select(UserRow, UnitRow.name).outerjoin(
        UnitRow, UnitRow.id == UserRow.unit_id).order_by(UserRow.id).limit(limit)).all()
    return [(u, n) for u, n in rows]


def sla_policies(session: Session) -> list[SlaPolicyRow]:
    return list(session.scalars(select(SlaPolicyRow).order_by(SlaPolicyRow.clock,
                                                               SlaPolicyRow.id)))


def calendar_years(session: Session) -> list[CalendarYearRow]:
    return list(session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year)))


def open_notices(session: Session) -> list[AdminNoticeRow]:
    return list(session.scalars(select(AdminNoticeRow).where(
        AdminNoticeRow.resolved_at.is_(None)).order_by(AdminNoticeRow.id)))


def latest_events(session: Session, *, limit: int = 50) -> list[tuple[EventRow, str | None]]:
    rows = session.execute(select(EventRow, AppealRow.code).join(
        AppealRow, AppealRow.id == EventRow.appeal_id).order_by(EventRow.id.desc())
        .limit(limit)).all()
    return [(e, c) for e, c in rows]


# --- statistics ------------------------------------------------------------------------------


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def daily_counts(session: Session, column: Any, days: list[date], tz: ZoneInfo,
                 where: Any = None) -> list[int]:
    """Appeals per local day on `column` (one index range count per day, any database)."""
    out = []
    for d in days:
        clauses = [column >= day_start(d, tz), column < day_start(d + timedelta(days=1), tz)]
        if where is not None:
            clauses.append(where)
        out.append(session.scalar(select(func.count(AppealRow.id)).where(*clauses)) or 0)
    return out


def grouped(session: Session, column: Any, since: datetime, where: Any = None) -> Counter[str]:
    clauses = [AppealRow.created_at >= since]
    if where is not None:
        clauses.append(where)
    rows = session.execute(select(column, func.count(AppealRow.id)).where(*clauses)
                           .group_by(column))
    return Counter({str(k): int(n) for k, n in rows if k is not None})


def top_categories(session: Session, since: datetime, *, level: int = 1, where: Any = None,
                   until: datetime | None = None) -> Counter[str]:
    """Counts per category at `level` (codes are dotted paths: 01.02.003)."""
    clauses = [AppealRow.created_at >= since]
    if until is not None:
        clauses.append(AppealRow.created_at < until)
    if where is not None:
        clauses.append(where)
    rows = session.execute(select(AppealRow.category, func.count(AppealRow.id))
                           .where(*clauses).group_by(AppealRow.category))
    out: Counter[str] = Counter()
    for code, n in rows:
        key = ".".join(str(code).split(".")[:level]) if code else ""
        out[key] += int(n)
    return out


def satisfaction(session: Session, since: datetime) -> Counter[str]:
    rows = session.execute(select(AppealRow.followup_satisfaction, func.count(AppealRow.id))
                           .where(AppealRow.closed_at >= since,
                                  AppealRow.followup_satisfaction.is_not(None))
                           .group_by(AppealRow.followup_satisfaction))
    return Counter({str(k): int(n) for k, n in rows})


@dataclass
class UnitLine:
    unit_id: int
    name: str
    total: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    satisfied: int = 0
    rated: int = 0
    by_status: Counter[str] = field(default_factory=Counter)

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


def unit_table(session: Session, since: datetime, now: datetime) -> list[UnitLine]:
    """Appeals received since `since`, rolled up to the top-level units (districts, departments)."""
    top = {u.id: u for u in session.scalars(select(UnitRow).where(UnitRow.depth == 1))}
    paths = dict(session.execute(select(UnitRow.id, UnitRow.path)).all())

    def top_of(unit_id: int | None) -> int | None:
        if unit_id is None or unit_id not in paths:
            return None
        parts = [p for p in paths[unit_id].split("/") if p]
        return int(parts[1]) if len(parts) > 1 else None

    lines: dict[int, UnitLine] = {}

    def line(unit_id: int | None) -> UnitLine | None:
        t = top_of(unit_id)
        if t is None or t not in top:
            return None
        if t not in lines:
            lines[t] = UnitLine(t, top[t].name)
        return lines[t]

    rows = session.execute(
        select(AppealRow.lead_unit_id, AppealRow.status, func.count(AppealRow.id))
        .where(AppealRow.created_at >= since, AppealRow.lead_unit_id.is_not(None))
        .group_by(AppealRow.lead_unit_id, AppealRow.status))
    for unit_id, status, n in rows:
        ln = line(unit_id)
        if ln is None:
            continue
        ln.total += n
        ln.by_status[status] += n
        if status in queries.OPEN:
            ln.open += n
        if status == "closed":
            ln.closed += n
    late = session.execute(
        select(AppealRow.lead_unit_id, func.count(AppealRow.id))
        .where(AppealRow.status.in_(("dispatched", "in_progress")),
               AppealRow.handle_due_at < now)
        .group_by(AppealRow.lead_unit_id))
    for unit_id, n in late:
        ln = line(unit_id)
        if ln is not None:
            ln.overdue += n
    sat = session.execute(
        select(AppealRow.lead_unit_id, AppealRow.followup_satisfaction, func.count(AppealRow.id))
        .where(AppealRow.created_at >= since, AppealRow.followup_satisfaction.is_not(None))
        .group_by(AppealRow.lead_unit_id, AppealRow.followup_satisfaction))
    for unit_id, level, n in sat:
        ln = line(unit_id)
        if ln is None:
            continue
        ln.rated += n
        if level == "satisfied":
            ln.satisfied += n
    return sorted(lines.values(), key=lambda x: (-x.total, x.name))


def count(session: Session, *where: Any) -> int:
    return session.scalar(select(func.count(AppealRow.id)).where(*where)) or 0


def overdue_count(session: Session, now: datetime) -> int:
    return count(session, AppealRow.status.in_(("dispatched", "in_progress")),
                 AppealRow.handle_due_at < now)


def rollup(counter: Counter[str], limit: int) -> list[tuple[str, int]]:
    """The `limit` largest entries and the rest summed as 其他."""
    items = counter.most_common()
    head, tail = items[:limit], items[limit:]
    if tail:
        head.append(("其他", sum(n for _, n in tail)))
    return head


def merge_counts(*counters: Counter[str]) -> dict[str, list[int]]:
    keys: dict[str, list[int]] = defaultdict(lambda: [0] * len(counters))
    for i, c in enumerate(counters):
        for k, n in c.items():
            keys[k][i] = n
    return dict(keys)


def appeal_rating(session: Session, appeal_id: int) -> int | None:
    """The requester's own star rating of an appeal, if the feedback tables exist and hold one."""
    try:
        from jiesu.store.feedback_tables import RatingRow
    except ImportError:  # feedback feature not installed
        return None
    stars: int | None = session.scalar(
        select(RatingRow.stars).where(RatingRow.appeal_id == appeal_id,
                                      RatingRow.excluded.is_(False))
        .order_by(RatingRow.id.desc()).limit(1))
    return stars


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(UserRow.id, UserRow.display_name).where(UserRow.id.in_(ids)))
    return {uid: name for uid, name in rows}
