"""Read queries of the web pages beyond `jiesu.store.queries`: the public board filter, the
figures of the home page, open statistics and dashboard, and the admin lists.

Read-only, paginated or aggregated in SQL; nothing loads all appeals. The pages call these
functions with the session of a reading unit of work and never build SQL themselves.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from jiesu.domain.kpi import KpiCounts, KpiFormula
from jiesu.store import kpi_queries, queries
from jiesu.store.config_tables import ConfigEventRow
from jiesu.store.lookups import merge_chain_end, tree_order
from jiesu.store.tables import (
    OPEN_FLAGGED_SQL,
    AppealRow,
    CalendarDayRow,
    CalendarYearRow,
    CategoryRow,
    EventAnchorRow,
    EventRow,
    SlaPolicyRow,
    UnitRow,
    UserRow,
)

# The session type the pages hold while reading (so that `web/` needs no SQLAlchemy import).
ReadSession = Session

HANDLING = ("dispatched", "in_progress")  # the statuses in which the handle clock runs


def disclosable_clause() -> Any:
    """DESIGN §7: reports (举报) and confidential appeals are never public, whatever their
    status; every other appeal may be, by the board's rule (`public_clause`)."""
    return and_(AppealRow.kind != "report", AppealRow.confidential.is_(False))


def public_clause(published: Collection[str]) -> Any:
    """The appeals the board shows: disclosable ones (`disclosable_clause`) whose status is one
    of `published` (`domain.appeal.PUBLISHED_STATUSES` of the setting)."""
    return and_(disclosable_clause(), AppealRow.status.in_(sorted(published)))


def _page(session: Session, stmt: Any, order: Any, *, page: int,
          per_page: int) -> tuple[list[AppealRow], int, bool]:
    _no_jit(session)
    rows = list(session.scalars(stmt.order_by(*order).limit(per_page)
                                .offset((page - 1) * per_page)))
    capped = stmt.with_only_columns(AppealRow.id).order_by(None).limit(
        queries.COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return rows, min(total, queries.COUNT_CAP), total > queries.COUNT_CAP


def public_page(session: Session, f: queries.AppealFilters, now: datetime, *, page: int,
                per_page: int, published: Collection[str]) -> tuple[list[AppealRow], int, bool]:
    """One page of the disclosure board, newest first, with a capped total."""
    stmt = queries.filtered(session, f, queries.Scope(), now).where(public_clause(published))
    return _page(session, stmt, queries.ORDERS["created_desc"], page=page, per_page=per_page)


def public_matches(session: Session, f: queries.AppealFilters, now: datetime, *,
                   limit: int, published: Collection[str]) -> list[AppealRow]:
    """The newest `limit` public appeals the board's search finds in the stored text, before
    the page keeps those whose published (redacted) text says it too."""
    _no_jit(session)
    stmt = queries.filtered(session, f, queries.Scope(), now).where(public_clause(published))
    return list(session.scalars(stmt.order_by(*queries.ORDERS["created_desc"]).limit(limit)))


def followup_page(session: Session, now: datetime, *, page: int,
                  per_page: int = 20) -> tuple[list[AppealRow], int, bool]:
    """Replied appeals waiting for their call-back, the earliest follow-up deadline first."""
    stmt = queries.filtered(session, queries.AppealFilters(status=["replied"]),
                            queries.Scope(), now)
    return _page(session, stmt, (AppealRow.followup_due_at.asc(), AppealRow.id.asc()),
                 page=page, per_page=per_page)


def scoped_page(session: Session, statuses: list[str], scope: queries.Scope, now: datetime, *,
                page: int, per_page: int = 20, by_sign: bool = False
                ) -> tuple[list[AppealRow], int, bool]:
    """A unit subtree's appeals in `statuses`, the earliest handling deadline first (the inbox);
    `by_sign`: the earliest signing deadline first (those waiting to be signed, a few)."""
    if by_sign:
        return queries.list_appeals(session, queries.AppealFilters(status=statuses), scope, now,
                                    page=page, per_page=per_page, order="sign_due")
    if scope.unit_path is None:
        return queries.list_appeals(session, queries.AppealFilters(status=statuses), scope, now,
                                    page=page, per_page=per_page, order="due")
    return queries.inbox_by_due(session, statuses, scope.unit_path, page=page,
                                per_page=per_page)


def to_sign_total(session: Session, unit_id: int, scope: queries.Scope, now: datetime
                  ) -> tuple[int, bool]:
    """How many appeals a unit subtree must sign (待签收): those dispatched to it as lead unit,
    not those it only helps with (协办), which the lead unit signs. (total, capped)"""
    return owned_total(session, unit_id, ["dispatched"], scope, now)


def owned_total(session: Session, unit_id: int, statuses: list[str], scope: queries.Scope,
                now: datetime) -> tuple[int, bool]:
    """How many appeals in `statuses` a unit subtree leads or handles itself, leaving out those
    it only helps with (协办): what it must act on. (total, capped)"""
    _, total, capped = queries.list_appeals(
        session, queries.AppealFilters(status=statuses, unit_id=unit_id), scope, now,
        page=1, per_page=1, order="sign_due")
    return total, capped


def by_code(session: Session, code: str) -> AppealRow | None:
    return session.scalar(select(AppealRow).where(AppealRow.code == code.strip()))


def public_by_code(session: Session, code: str, published: Collection[str]) -> AppealRow | None:
    return session.scalar(select(AppealRow).where(AppealRow.code == code.strip(),
                                                  public_clause(published)))


def appeal(session: Session, appeal_id: int) -> AppealRow | None:
    return session.get(AppealRow, appeal_id)


def merged_target(session: Session, row: AppealRow,
                  published: Collection[str]) -> dict[str, Any] | None:
    """The appeal this one was merged into (following a later merge of that one too): its code,
    status and unit, and whether the board shows it. Its text belongs to another requester, so
    the page shows none of it; the board has the redacted version."""
    end = merge_chain_end(session, row.id) if row.merged_into_id is not None else row.id
    target = appeal(session, end) if end != row.id else None
    if target is None:
        return None
    names = queries.unit_names(session, {target.lead_unit_id})
    public = public_by_code(session, target.code or "", published) is not None
    return {"code": target.code, "status": target.status,
            "unit": names.get(target.lead_unit_id or 0), "public": public}


def category_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(
        select(CategoryRow.code, CategoryRow.full_name))}


def all_categories(session: Session) -> list[CategoryRow]:
    """Every category, stopped ones too, in code order (the admin's taxonomy tab)."""
    return list(session.scalars(select(CategoryRow).order_by(CategoryRow.code)))


def leaf_categories(session: Session) -> list[CategoryRow]:
    parents = select(CategoryRow.parent_id).where(CategoryRow.parent_id.is_not(None))
    return list(session.scalars(select(CategoryRow).where(
        CategoryRow.active.is_(True), CategoryRow.id.not_in(parents))
        .order_by(CategoryRow.code)))


def category_branches(session: Session) -> dict[str, str]:
    """Each category's ancestors' codes, space-separated: a page lists leaves only, and a
    suggested first- or second-level category narrows that list to the leaves under it."""
    rows = session.execute(select(CategoryRow.id, CategoryRow.code, CategoryRow.parent_id)).all()
    parent_of = {row.id: (row.code, row.parent_id) for row in rows}
    branches: dict[str, str] = {}
    for row in rows:
        codes: list[str] = []
        parent = row.parent_id
        while parent in parent_of and len(codes) < 10:  # three levels; no loop can hang a page
            code, parent = parent_of[parent]
            codes.append(code)
        branches[row.code] = " ".join(reversed(codes))
    return branches


def units(session: Session, *, max_depth: int | None = None,
          under_path: str | None = None, limit: int = 2000,
          stopped_too: bool = False, q: str = "", levels_first: bool = False
          ) -> list[UnitRow]:
    """Units in tree order; `q`: only those whose code starts with it or name contains it.
    Past `limit` the first units in tree order are kept, or with `levels_first` the upper
    levels whole before any of the next (a district's every street before its communities)."""
    return units_cut(session, max_depth=max_depth, under_path=under_path, limit=limit,
                     stopped_too=stopped_too, q=q, levels_first=levels_first)[0]


def units_cut(session: Session, *, max_depth: int | None = None,
              under_path: str | None = None, limit: int = 2000,
              stopped_too: bool = False, q: str = "", levels_first: bool = False
              ) -> tuple[list[UnitRow], bool]:
    """`units(...)`, and whether the list was cut at `limit` (for the page to say so)."""
    stmt = select(UnitRow) if stopped_too else select(UnitRow).where(UnitRow.active.is_(True))
    if q:
        stmt = stmt.where(or_(func.upper(UnitRow.code).startswith(q.upper(), autoescape=True),
                              UnitRow.name.contains(q, autoescape=True)))
    if max_depth is not None:
        stmt = stmt.where(UnitRow.depth <= max_depth)
    if under_path is not None:
        stmt = stmt.where(UnitRow.path.startswith(under_path))
    return _cut_in_tree(session, stmt, limit, levels_first=levels_first)


def _cut_in_tree(session: Session, stmt: Select[UnitRow], limit: int, *,
                 levels_first: bool = False) -> tuple[list[UnitRow], bool]:
    """The first `limit` units `stmt` selects, in tree order (`levels_first`: the first by
    depth, then tree order), returned in tree order. A path sorts as text ("/1/1000/" before
    "/1/999/"), so a limit in SQL ordered by it dropped the wrong units: the cut is made here
    on the ids and paths of them all (a 7,000-unit tree's in about 10 ms), and only the units
    kept are loaded."""
    keys = session.execute(stmt.with_only_columns(UnitRow.id, UnitRow.path)).all()
    if len(keys) > limit:
        kept = sorted(keys, key=lambda k: (k.path.count("/") if levels_first else 0,
                                           tree_order(k.path)))[:limit]
        stmt = stmt.where(UnitRow.id.in_([k.id for k in kept]))
    return sorted(session.scalars(stmt), key=lambda u: tree_order(u.path)), len(keys) > limit


class TreeUnit(NamedTuple):
    """A unit as a dispatch form lists it."""

    id: int
    parent_id: int | None
    depth: int
    path: str
    name: str


def unit_tree(session: Session, *, max_depth: int, limit: int) -> list[TreeUnit]:
    """Active units down to `max_depth` in tree order: a dispatch form's list of thousands,
    read without ORM objects, as plain tuples (a Row's attribute access costs 5x a tuple's,
    and the list is walked per page and per row). All are read and the cut made in tree order
    (a path sorts as text: a limit in SQL dropped the wrong units)."""
    return sorted((TreeUnit(*r) for r in session.execute(
        select(UnitRow.id, UnitRow.parent_id, UnitRow.depth, UnitRow.path, UnitRow.name)
        .where(UnitRow.active.is_(True), UnitRow.depth <= max_depth))),
        key=lambda u: tree_order(u.path))[:limit]


def units_near(session: Session, around: Collection[int], *,
               max_depth: int) -> list[TreeUnit]:
    """The active units down to `max_depth` that a dispatch form offers before (or without)
    the whole list, in tree order: the top two levels (the city, districts, departments) and,
    for each unit `around`, the units above it, itself and its children. A few indexed
    reads, however big the tree."""
    above = set(around)
    if around:
        for path in session.scalars(select(UnitRow.path).where(UnitRow.id.in_(sorted(around)))):
            above.update(int(p) for p in path.split("/") if p)
    near: list[ColumnElement[bool]] = [UnitRow.depth <= 1]
    if above:
        near += [UnitRow.id.in_(sorted(above)), UnitRow.parent_id.in_(sorted(around))]
    return sorted((TreeUnit(*r) for r in session.execute(
        select(UnitRow.id, UnitRow.parent_id, UnitRow.depth, UnitRow.path, UnitRow.name)
        .where(UnitRow.active.is_(True), UnitRow.depth <= max_depth, or_(*near)))),
        key=lambda u: tree_order(u.path))


def count_tree(session: Session, *, max_depth: int) -> int:
    """How many active units `unit_tree` lists down to `max_depth` (not `unit_tree_version`'s
    count: that is of every unit, stopped or deeper, so that any change of the tree shows)."""
    return session.scalar(select(func.count()).select_from(UnitRow).where(
        UnitRow.active.is_(True), UnitRow.depth <= max_depth)) or 0


def unit_tree_version(session: Session) -> tuple[str, int, int]:
    """What changes whenever the unit tree does: the hash of the configuration log's last
    `units` entry (an administrator's add, rename, stop, start or move, from the pages, the
    API or the command line, each recorded with its change), and the number of units and the
    highest id (an import's unknown_unit = "create" adds units without a log entry)."""
    last = session.scalar(select(ConfigEventRow.hash).where(ConfigEventRow.area == "units")
                          .order_by(ConfigEventRow.seq.desc()).limit(1))
    count, top = session.execute(select(func.count(), func.max(UnitRow.id))
                                 .select_from(UnitRow)).one()
    return last or "", int(count or 0), int(top or 0)


def unit_by_code(session: Session, code: str) -> UnitRow | None:
    return session.scalar(select(UnitRow).where(UnitRow.code == code))


def unit_by_id(session: Session, unit_id: int) -> UnitRow | None:
    return session.get(UnitRow, unit_id)


def move_targets(session: Session, unit: UnitRow, groups: list[str], *,
                 limit: int) -> list[UnitRow]:
    """Active units of these groups outside `unit`'s subtree, other than its parent, in tree
    order: where an administrator may move it."""
    stmt = select(UnitRow).where(UnitRow.active.is_(True), UnitRow.group.in_(groups),
                                 ~UnitRow.path.startswith(unit.path))
    if unit.parent_id is not None:
        stmt = stmt.where(UnitRow.id != unit.parent_id)
    return _cut_in_tree(session, stmt, limit)[0]


def active_unit(session: Session, code: str, *, max_depth: int | None = None
                ) -> UnitRow | None:
    """The active unit of this code (as stored, or in capitals), down to `max_depth`: a unit
    typed into a form, looked up instead of sought in a list of the first thousands."""
    code = code.strip()
    if not code:
        return None
    stmt = select(UnitRow).where(UnitRow.active.is_(True),
                                 UnitRow.code.in_(sorted({code, code.upper()})))
    if max_depth is not None:
        stmt = stmt.where(UnitRow.depth <= max_depth)
    found = sorted(session.scalars(stmt), key=lambda u: u.code != code)
    return found[0] if found else None


def units_named(session: Session, words: Collection[str]) -> list[UnitRow]:
    """The active units that these words (typed, NFKC-normalized) name, by code in any case
    or by name compared after NFKC (a full-width （ typed as (, or the other way round), in
    tree order: a policy's region conditions. Read by code and by the names a word may be
    stored as (`_name_forms`, compared with `=`), never the whole tree nor names of the same
    shape (LIKE's `_` for each ASCII character read ~1,800 rows for "大社区44-49")."""
    wanted = {w for w in words if w}
    if not wanted:
        return []
    uppers = {w.upper() for w in wanted}
    names = sorted({form for w in wanted | uppers for form in _name_forms(w)})
    near: list[ColumnElement[bool]] = [func.upper(UnitRow.code).in_(sorted(uppers)),
                                       UnitRow.name.in_(names)]
    found = [u for u in session.scalars(select(UnitRow).where(UnitRow.active.is_(True),
                                                               or_(*near)))
             if u.code.upper() in uppers or _nfkc(u.name) in wanted | uppers]
    return sorted(found, key=lambda u: tree_order(u.path))


# An ASCII character's full-width form (NFKC makes it the ASCII one again).
_WIDE = {chr(c): chr(c + 0xFEE0) for c in range(ord("!"), ord("~") + 1)} | {" ": "\u3000"}
# How many stored forms of a word are spelled out: each ASCII character half- or full-width
# up to 6 of them (64 forms); past that, each run of ASCII characters as one.
NAME_FORMS = 64


def _name_forms(word: str) -> set[str]:
    """The names a typed word may be stored as: each ASCII character as typed or full-width,
    in any mix ("甲A1" is also "甲Ａ1", "甲A１", "甲Ａ１"). Past NAME_FORMS forms, a run of
    ASCII characters is wholly one or the other, and past that the whole word is."""
    parts = [word[i] for i in range(len(word))]
    if 2 ** sum(c in _WIDE for c in parts) > NAME_FORMS:
        parts = [m.group() for m in re.finditer(r"[!-~ ]+|[^!-~ ]+", word)]
        if 2 ** sum(p[0] in _WIDE for p in parts) > NAME_FORMS:
            parts = [word]
    choices = [(p, "".join(_WIDE.get(c, c) for c in p)) for p in parts]
    return {"".join(picked) for picked in itertools.product(*choices)}


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def unit_names_by_code(session: Session, codes: set[str]) -> dict[str, str]:
    """The names of the units with these codes (an admin table that stores codes shows names)."""
    wanted = sorted(c for c in codes if c)
    if not wanted:
        return {}
    return {code: name for code, name in session.execute(
        select(UnitRow.code, UnitRow.name).where(UnitRow.code.in_(wanted)))}


def find_units(session: Session, q: str, *, limit: int = 20,
               under_path: str | None = None) -> list[UnitRow]:
    """Active units whose code starts with `q` (any case) or whose name contains it (and
    whose path starts with `under_path`), the higher levels first: what an administrator
    picks from while typing a unit."""
    q = q.strip()
    if not q:
        return []
    stmt = select(UnitRow).where(
        UnitRow.active.is_(True),
        or_(func.upper(UnitRow.code).startswith(q.upper(), autoescape=True),
            UnitRow.name.contains(q, autoescape=True)))
    if under_path is not None:
        stmt = stmt.where(UnitRow.path.startswith(under_path))
    found = session.scalars(stmt.order_by(UnitRow.depth, func.length(UnitRow.path), UnitRow.path)
                            .limit(limit))
    return sorted(found, key=lambda u: (u.depth, tree_order(u.path)))


def unit_chains(session: Session, unit_ids: set[int | None]
                ) -> dict[int, list[tuple[int, str]]]:
    """For each unit, (id, name) of its ancestors below the root and of itself, top down
    (城东区, 东湖街道): where an appeal's area lies, as the pages show it."""
    wanted = {i for i in unit_ids if i is not None}
    if not wanted:
        return {}
    paths = {uid: path for uid, path in session.execute(
        select(UnitRow.id, UnitRow.path).where(UnitRow.id.in_(wanted)))}
    chains = {uid: [int(i) for i in path.split("/") if i][1:] for uid, path in paths.items()}
    every = {i for chain in chains.values() for i in chain}
    names = {uid: name for uid, name in session.execute(
        select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(every)))}
    return {uid: [(i, names[i]) for i in chain if i in names] for uid, chain in chains.items()}




def filter_unit_name(session: Session, unit_id: int) -> str | None:
    """A unit's name with its ancestors below the root ("大区 › 大街道44 › 大社区44-49"), None
    without such a unit: what a list's unit filter shows for a unit its select does not offer
    (a deeper one, typed into the address), so that the page does not show 全部 while it
    lists one unit's rows."""
    chain = unit_chains(session, {unit_id}).get(unit_id)
    if chain is None:
        return None
    if chain:
        return " › ".join(name for _, name in chain)
    return session.scalar(select(UnitRow.name).where(UnitRow.id == unit_id))  # the root


def unknown_unit(unit_id: int) -> str:
    """The refusal of a unit filter's id that names no unit."""
    return f"没有编号为 {unit_id} 的单位，请从列表中选择"


def users(session: Session, *, limit: int = 500) -> list[tuple[UserRow, str | None]]:
    rows = session.execute(select(UserRow, UnitRow.name).outerjoin(
        UnitRow, UnitRow.id == UserRow.unit_id).order_by(UserRow.id).limit(limit)).all()
    return [(u, n) for u, n in rows]


def users_page(session: Session, *, q: str = "", page: int = 1, per_page: int = 100
               ) -> tuple[list[tuple[UserRow, str | None]], int]:
    """One page of users (the admin's users tab) whose username, name or unit name contains
    `q`, with their count."""
    stmt = select(UserRow, UnitRow.name).outerjoin(UnitRow, UnitRow.id == UserRow.unit_id)
    if q:
        stmt = stmt.where(or_(UserRow.username.contains(q, autoescape=True),
                              UserRow.display_name.contains(q, autoescape=True),
                              UnitRow.name.contains(q, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(UserRow.id).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    return [(u, n) for u, n in rows], total


def user(session: Session, user_id: int) -> tuple[UserRow, UnitRow | None] | None:
    """One user with their unit (the admin's edit page), if the user exists."""
    found = session.execute(select(UserRow, UnitRow).outerjoin(
        UnitRow, UnitRow.id == UserRow.unit_id).where(UserRow.id == user_id)).first()
    return (found[0], found[1]) if found else None


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(UserRow.id, UserRow.display_name).where(UserRow.id.in_(ids)))
    return {uid: name for uid, name in rows}


def sla_policies(session: Session) -> list[SlaPolicyRow]:
    return list(session.scalars(select(SlaPolicyRow).order_by(SlaPolicyRow.clock,
                                                               SlaPolicyRow.id)))


def calendar_years(session: Session) -> list[CalendarYearRow]:
    return list(session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year)))


def calendar_days_by_year(session: Session) -> dict[int, list[CalendarDayRow]]:
    """The stored days that differ from Mon–Fri (holidays, 调休 working days), by year."""
    found: dict[int, list[CalendarDayRow]] = {}
    for row in session.scalars(select(CalendarDayRow).order_by(CalendarDayRow.day)):
        found.setdefault(row.day.year, []).append(row)
    return found


def latest_events(session: Session, *, page: int = 1, per_page: int = 50,
                  kind: str | None = None, since: datetime | None = None,
                  until: datetime | None = None,
                  ) -> tuple[list[tuple[EventRow, str | None]], int, bool]:
    """One page of events, newest first by time (id breaks ties; ids are not in time order for
    imported history or transactions that commit late), with a capped total; optionally of
    one type (ix_events_type_at) and within [since, until). Reads the end of ix_events_at_id."""
    where: list[ColumnElement[bool]] = []
    if kind is not None:
        where.append(EventRow.type == kind)
    if since is not None:
        where.append(EventRow.at >= since)
    if until is not None:
        where.append(EventRow.at < until)
    rows = session.execute(select(EventRow, AppealRow.code).join(
        AppealRow, AppealRow.id == EventRow.appeal_id).where(*where)
        .order_by(EventRow.at.desc(), EventRow.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    capped = select(EventRow.id).where(*where).limit(queries.COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return [(e, c) for e, c in rows], min(total, queries.COUNT_CAP), total > queries.COUNT_CAP


@dataclass(frozen=True)
class AnchorState:
    """The newest global anchor and how many events came after it (capped)."""

    anchor: EventAnchorRow | None
    after: int
    after_capped: bool


def anchor_state(session: Session) -> AnchorState:
    """What the audit page can say about tamper evidence without walking every chain."""
    last = session.scalar(select(EventAnchorRow).order_by(EventAnchorRow.id.desc()).limit(1))
    newer = select(EventRow.id).where(EventRow.id > (last.last_event_id if last else 0)) \
        .limit(queries.COUNT_CAP + 1).subquery()
    n = session.scalar(select(func.count()).select_from(newer)) or 0
    return AnchorState(last, min(n, queries.COUNT_CAP), n > queries.COUNT_CAP)


def appeal_rating(session: Session, appeal_id: int, *, excluded: bool = False) -> int | None:
    """The requester's own star rating of an appeal, if the feedback tables exist and hold one;
    one excluded on 申诉 only with `excluded` (the requester's own page: they did rate)."""
    try:
        from jiesu.store.feedback_tables import RatingRow
    except ImportError:  # feedback feature not installed
        return None
    stmt = select(RatingRow.stars).where(RatingRow.appeal_id == appeal_id)
    if not excluded:
        stmt = stmt.where(RatingRow.excluded.is_(False))
    stars: int | None = session.scalar(stmt.order_by(RatingRow.id.desc()).limit(1))
    return stars


# --- statistics ------------------------------------------------------------------------------


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _no_jit(session: Session) -> None:
    """PostgreSQL's JIT compiles these plans (cost above jit_above_cost at a million appeals)
    for far longer than they run: 0.2–3 s for 5–50 ms of work. SET LOCAL ends with the
    transaction."""
    tx = session.get_transaction()
    if session.get_bind().dialect.name != "postgresql" or (
            tx is not None and session.info.get("jit_off") is tx):
        return
    session.execute(text("SET LOCAL jit = off"))
    session.info["jit_off"] = session.get_transaction()


def _count(session: Session, *where: Any) -> int:
    # count(*), not count(id): a range count can then be an index-only scan.
    _no_jit(session)
    return session.scalar(select(func.count()).select_from(AppealRow).where(*where)) or 0


def _daily(session: Session, column: Any, days: list[date], tz: ZoneInfo,
           *where: Any) -> list[int]:
    # One index range count per day: index-friendly and the same on SQLite and PostgreSQL
    # (a GROUP BY on a local date would need a database-specific time zone function).
    out = []
    for d in days:
        out.append(_count(session, column >= day_start(d, tz),
                          column < day_start(d + timedelta(days=1), tz), *where))
    return out


def daily_received(session: Session, days: list[date], tz: ZoneInfo) -> list[int]:
    """Appeals received per local day."""
    return _daily(session, AppealRow.created_at, days, tz)


def daily_closed(session: Session, days: list[date], tz: ZoneInfo) -> list[int]:
    """Appeals closed (办结) per local day."""
    return _daily(session, AppealRow.closed_at, days, tz, AppealRow.status == "closed")


def received_since(session: Session, since: datetime) -> int:
    return _count(session, AppealRow.created_at >= since)


def closed_since(session: Session, since: datetime) -> int:
    return _count(session, AppealRow.closed_at >= since, AppealRow.status == "closed")


def open_count(session: Session) -> int:
    """Appeals not finished yet (registered, dispatched, in progress, replied)."""
    return _count(session, AppealRow.status.in_(queries.OPEN))


def events_of_types(session: Session, appeal_ids: list[int],
                    types: frozenset[str]) -> dict[int, list[EventRow]]:
    """Each appeal's events of `types`, in order (one query for a page of a work list; the
    unique (appeal_id, seq) index finds them)."""
    out: dict[int, list[EventRow]] = {}
    if appeal_ids:
        for e in session.scalars(select(EventRow).where(
                EventRow.appeal_id.in_(appeal_ids), EventRow.type.in_(sorted(types)))
                .order_by(EventRow.appeal_id, EventRow.seq)):
            out.setdefault(e.appeal_id, []).append(e)
    return out


_WARNINGS = (AppealRow.sign_warning, AppealRow.handle_warning, AppealRow.followup_warning)
# tabs of open appeals waiting for a decision or warned: each a condition within the partial
# index ix_appeals_open_flagged (0023_waiting_counts), which holds only those appeals
_FLAGGED: dict[str, Any] = {
    "returns": AppealRow.return_pending.is_(True),
    "extensions": AppealRow.extension_pending_days.is_not(None),
    "red": or_(*(c == "red" for c in _WARNINGS)),
    "yellow": or_(*(c == "yellow" for c in _WARNINGS)),
}
TAB_COUNTS = ("queue", "returns", "extensions", "replied", "overdue", "followup", "red",
              "yellow")


def _by_status(name: str, now: datetime) -> Any:
    if name == "overdue":  # a range of ix_appeals_handling_due
        return and_(queries.in_handling(), AppealRow.handle_due_at < now)
    if name == "followup":  # the replied appeals (a day or two of them), late for 回访
        return and_(AppealRow.status == "replied", AppealRow.followup_due_at < now)
    return AppealRow.status == ("registered" if name == "queue" else "replied")


def tab_counts(session: Session, now: datetime, tabs: Any) -> dict[str, int]:
    """How many open appeals wait in each of `tabs` (of TAB_COUNTS: the dispatcher's 派单队列,
    退单申请, 延期申请, 答复审核; the supervisor's 超期诉求, 回访超期, 红色预警, 黄色预警), as
    the tabs' lists filter them; in one statement (`tab_counts_statement`)."""
    names = [t for t in TAB_COUNTS if t in set(tabs)]
    if not names:
        return {}
    _no_jit(session)
    row = session.execute(tab_counts_statement(now, names)).one()
    return {n: int(row._mapping[n] or 0) for n in names}


def tab_counts_statement(now: datetime, names: list[str]) -> Any:
    """Pending requests and warnings are one pass over the partial index of the open appeals
    that have one (ix_appeals_open_flagged: its predicate is the WHERE, word for word, so that
    SQLite uses it too); the other counts are a scalar subquery on a status index each."""
    flagged = [n for n in names if n in _FLAGGED]
    columns: list[Any] = []
    if flagged:
        sub = (select(*(func.count(case((_FLAGGED[n], 1))).label(n) for n in flagged))
               .select_from(AppealRow).where(text(OPEN_FLAGGED_SQL)).subquery("flagged"))
        columns += [sub.c[n] for n in flagged]
    columns += [select(func.count()).select_from(AppealRow).where(_by_status(n, now))
                .scalar_subquery().label(n) for n in names if n not in _FLAGGED]
    return select(*columns)


def handling_counts(session: Session, now: datetime) -> tuple[int, int, int]:
    """(overdue, red, yellow) among the appeals in handling, in one pass over them."""
    _no_jit(session)
    row = session.execute(select(
        func.count(case((AppealRow.handle_due_at < now, 1))),
        func.count(case((AppealRow.handle_warning == "red", 1))),
        func.count(case((AppealRow.handle_warning == "yellow", 1))),
    ).where(AppealRow.status.in_(HANDLING))).one()
    return int(row[0]), int(row[1]), int(row[2])


def kinds_since(session: Session, since: datetime) -> Counter[str]:
    """Appeals received since `since` per kind (complaint, help, …)."""
    _no_jit(session)
    rows = session.execute(select(AppealRow.kind, func.count(AppealRow.id))
                           .where(AppealRow.created_at >= since).group_by(AppealRow.kind))
    return Counter({str(k): int(n) for k, n in rows if k is not None})


def top_categories(session: Session, since: datetime, *, level: int = 1,
                   until: datetime | None = None) -> Counter[str]:
    """Counts per category at `level` (codes are dotted paths: 01.02.003)."""
    _no_jit(session)
    clauses = [AppealRow.created_at >= since]
    if until is not None:
        clauses.append(AppealRow.created_at < until)
    rows = session.execute(select(AppealRow.category, func.count(AppealRow.id))
                           .where(*clauses).group_by(AppealRow.category))
    out: Counter[str] = Counter()
    for code, n in rows:
        key = ".".join(str(code).split(".")[:level]) if code else ""
        out[key] += int(n)
    return out


def satisfaction(session: Session, f: KpiFormula, since: datetime, now: datetime
                 ) -> KpiCounts:
    """The KPI's satisfaction counts (满意, 基本满意, 不满意) of the appeals closed in
    [since, now): `kpi_queries.satisfaction_statement`, so the rate is the 通报's."""
    _no_jit(session)
    row = session.execute(kpi_queries.satisfaction_statement(
        f, kpi_queries.Window(since, now, now))).one()
    return KpiCounts.from_mapping(row._asdict())


@dataclass
class UnitLine:
    unit_id: int
    name: str
    total: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    unreachable: int = 0  # ... closed as 未联系上 (the follow-up reached nobody)
    # the KPI's satisfaction counts of the appeals closed in the window (not those received:
    # the 通报's 办结口径); the rate is the caller's, with the KPI formula in force
    satisfaction: KpiCounts = field(default_factory=KpiCounts)
    by_status: Counter[str] = field(default_factory=Counter)


def unit_table(session: Session, f: KpiFormula, since: datetime, now: datetime
               ) -> list[UnitLine]:
    """Appeals received since `since`, rolled up to the top-level units (districts,
    departments); their satisfaction counts are those of the KPI over the appeals closed
    since `since` (`satisfaction`)."""
    _no_jit(session)
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

    # the follow-up's outcome splits the groups only of closed appeals: no second pass
    reached = case((AppealRow.status == "closed", AppealRow.followup_reached))
    rows = session.execute(
        select(AppealRow.lead_unit_id, AppealRow.status, reached, func.count(AppealRow.id))
        .where(AppealRow.created_at >= since, AppealRow.lead_unit_id.is_not(None))
        .group_by(AppealRow.lead_unit_id, AppealRow.status, reached))
    for unit_id, status, was_reached, n in rows:
        ln = line(unit_id)
        if ln is None:
            continue
        ln.total += n
        ln.by_status[status] += n
        if status in queries.OPEN:
            ln.open += n
        if status == "closed":
            ln.closed += n
            if was_reached is False:
                ln.unreachable += n
    late = session.execute(
        select(AppealRow.lead_unit_id, func.count(AppealRow.id))
        .where(AppealRow.status.in_(HANDLING), AppealRow.handle_due_at < now)
        .group_by(AppealRow.lead_unit_id))
    for unit_id, n in late:
        ln = line(unit_id)
        if ln is not None:
            ln.overdue += n
    sat = session.execute(kpi_queries.satisfaction_statement(
        f, kpi_queries.Window(since, now, now), AppealRow.lead_unit_id))
    for row in sat:
        ln = line(row.lead_unit_id)
        if ln is not None:
            ln.satisfaction += KpiCounts.from_mapping(row._asdict())
    return sorted(lines.values(), key=lambda x: (-x.total, x.name))
