"""KPI counts in SQL: one grouped statement per period, rolled up over unit subtrees by path.

Portable SQLAlchemy Core (SQLite and PostgreSQL). What each count means — which appeals are
"due in the period", "closed in the period" and so on — is defined here once, as predicates,
and used both by the grouped counts and by the drill-down to the appeals behind a number.
docs/kpi.md explains the definitions.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from jiesu.domain.deadlines import UNIT_CLOCKS
from jiesu.domain.kpi import (
    COUNT_NAMES,
    MEASURE_NAMES,
    SHORTFALL_NAMES,
    KpiCounts,
    KpiFormula,
    Period,
    ResponseMeasure,
)
from jiesu.store.feedback_tables import (
    KpiFormulaVersionRow,
    KpiResultRow,
    RatingRow,
    ServiceItemRow,
)
from jiesu.store.lookups import tree_order
from jiesu.store.tables import AppealRow, EventRow, UnitRow

A = AppealRow.__table__.c
E = EventRow.__table__.c
EARLIER = EventRow.__table__.alias("earlier")  # an appeal's events before the one asked about
R = RatingRow.__table__.c
SI = ServiceItemRow.__table__.c


@dataclass(frozen=True)
class Window:
    """The period in UTC [start, end) and the moment of computing (deadlines after it wait)."""

    start: datetime
    end: datetime
    now: datetime

    @property
    def due_end(self) -> datetime:
        """Deadline-based measures only count deadlines that have passed."""
        return min(self.end, self.now)


def _in(col: Any, a: datetime, b: datetime) -> ColumnElement[bool]:
    return and_(col >= a, col < b)


# --- appeal predicates (one per count; the three groups select by their own date column) -----

SIGN_COUNTS = ("response_due", "responded_on_time")
HANDLE_COUNTS = ("handle_due", "completed_on_time", "extended")
CLOSED_COUNTS = ("closed", "reworked", "followed_up", "unreachable", "unreachable_no_phone",
                 "reached", "resolved", "partly_resolved", "satisfied", "basically_satisfied",
                 "dissatisfied")
EVENT_COUNTS = ("dispatched", "returned", "supervised", "red_cards")
RATING_COUNTS = ("ratings", "bad_ratings")
SHORTFALLS = SHORTFALL_NAMES


def _sign_window(w: Window) -> ColumnElement[bool]:
    return _in(A.sign_due_at, w.start, w.due_end)


def _handle_window(w: Window) -> ColumnElement[bool]:
    return _in(A.handle_due_at, w.start, w.due_end)


def _closed_window(w: Window) -> ColumnElement[bool]:
    return and_(_in(A.closed_at, w.start, w.end), A.status == "closed")


def appeal_conditions(f: KpiFormula) -> dict[str, ColumnElement[bool] | None]:
    """What an appeal in a count's window must also satisfy (None: every appeal in it).

    The window (sign deadline, handling deadline or closing time in the period) is the WHERE
    of its branch, so the per-row CASE only tests what is left.
    """
    responded = A.first_contact_at if f.response_measure is ResponseMeasure.FIRST_CONTACT \
        else A.signed_at
    reached = A.followup_reached.is_(True)
    return {
        "response_due": None,
        "responded_on_time": responded <= A.sign_due_at,  # NULL (never) is not on time
        "handle_due": None,
        "completed_on_time": replied_on_time(),
        "extended": A.extension_count > 0,
        "closed": None,
        "reworked": A.reopened_count > 0,
        "followed_up": A.followup_reached.is_not(None),
        "unreachable": A.followup_reached.is_(False),
        "unreachable_no_phone": and_(A.followup_reached.is_(False), closed_without_phone()),
        "reached": reached,
        # An earlier round's answer stays on the appeal when the last round was unreachable.
        "resolved": and_(reached, A.followup_resolved == "yes"),
        "partly_resolved": and_(reached, A.followup_resolved == "partly"),
        "satisfied": and_(reached, A.followup_satisfaction == "satisfied"),
        "basically_satisfied": and_(reached, A.followup_satisfaction == "basically"),
        "dissatisfied": and_(reached, A.followup_satisfaction == "dissatisfied"),
    }


# The statuses of an appeal whose current reply stands: a reply the review sent back (退回,
# the appeal back in 办理中) is not the unit's answer any more.
REPLY_STANDS = ("replied", "closed")


def replied_on_time() -> ColumnElement[bool]:
    """按时办结: the appeal's reply of its current handling round, not sent back, came by the
    handling deadline. A reply before the current handling clock started belongs to an
    earlier round (重办); one the review sent back leaves the appeal unreplied."""
    return and_(A.status.in_(REPLY_STANDS), A.replied_at >= A.handle_started_at,
                A.replied_at <= A.handle_due_at)


def closed_without_phone() -> ColumnElement[bool]:
    """The appeal's follow-up in its current round (after its last reply) said there was no
    phone to call (无联系电话: the event's `no_phone`, which closes the appeal at once).

    Read from the event, not from `requester_phone`: erasing personal data blanks the phone
    later, and an appeal that had one was called three times. Only unreachable appeals ask
    (an index on the appeal's events), and an earlier round's event is not this closing's."""
    return select(E.id).where(
        E.appeal_id == A.id, E.type == "follow_up", E.at >= A.replied_at,
        E.data["no_phone"].as_boolean().is_(True)).exists()


SATISFACTION_COUNTS = ("satisfied", "basically_satisfied", "dissatisfied")


def satisfaction_statement(f: KpiFormula, w: Window, *by: Any) -> Select[Any]:
    """The KPI's 满意 / 基本满意 / 不满意 counts (`appeal_conditions`: closed in the window,
    the last follow-up reached the requester) grouped by `by` (none: one row), for the
    figures outside the KPI report that show a 满意率 (the dashboard, the home page), so
    that a reopened appeal or one whose last round reached nobody counts nowhere."""
    conds = appeal_conditions(f)
    return (select(*by, *[_sum(c).label(n) for n in SATISFACTION_COUNTS
                          if (c := conds[n]) is not None])
            .where(_closed_window(w)).group_by(*by))


def closed_without_unit(session: Session, w: Window) -> int:
    """Appeals closed in the window that no unit handled (热线直办: a consultation the hotline
    answered at once, 直接答复). The unit tree's sums leave them out; they still count in
    the statistics (DESIGN §2), as the dashboard's 办结 counts them."""
    return int(session.scalar(select(func.count()).select_from(AppealRow.__table__)
                              .where(_closed_window(w), A.lead_unit_id.is_(None))) or 0)


def _windows(w: Window) -> dict[str, ColumnElement[bool]]:
    return ({n: _sign_window(w) for n in SIGN_COUNTS}
            | {n: _handle_window(w) for n in HANDLE_COUNTS}
            | {n: _closed_window(w) for n in CLOSED_COUNTS})


def appeal_predicates(f: KpiFormula, w: Window) -> dict[str, ColumnElement[bool]]:
    """The appeals behind each appeal-based count, as full SQL conditions (with the window)."""
    windows = _windows(w)
    return {n: windows[n] if c is None else and_(windows[n], c)
            for n, c in appeal_conditions(f).items()}


def _not(cond: ColumnElement[bool]) -> ColumnElement[bool]:
    """NOT `cond` where NULL counts as false, as the CASE of the counts does: an appeal never
    contacted (NULL) was not contacted on time."""
    return case((cond, 0), else_=1) == 1


def shortfall_predicates(f: KpiFormula, w: Window) -> dict[str, ColumnElement[bool]]:
    """The appeals behind each shortfall (`domain.kpi.SHORTFALL_NAMES`): in a count's window
    and not in its good part, so that there are exactly as many as the counts' difference."""
    conds = appeal_conditions(f)

    def missing(name: str) -> ColumnElement[bool]:
        cond = conds[name]
        assert cond is not None
        return _not(cond)

    return {
        "late_response": and_(_sign_window(w), missing("responded_on_time")),
        "overdue": and_(_handle_window(w), missing("completed_on_time")),
        "unresolved": and_(_closed_window(w), A.followup_reached.is_(True),
                           missing("resolved")),
    }


def rating_predicates(w: Window) -> dict[str, ColumnElement[bool]]:
    """The ratings behind `ratings` and `bad_ratings`: created in the period, not excluded
    (an upheld 申诉); of an appeal or of a service item, counted against the rated unit."""
    rated = and_(_in(R.created_at, w.start, w.end), R.excluded.is_(False))
    return {"ratings": rated, "bad_ratings": and_(rated, R.stars <= 2)}


def unit_supervision() -> ColumnElement[bool]:
    """A `supervise` event that counts against the appeal's lead unit (督办, 红牌): a
    supervisor's, or the system's on a red of a clock the unit runs against (签收, 办理); not
    the system's on a late 回访, which is the follow-up agents' lateness (docs/kpi.md).

    The event's `clock` is read in SQL by SQLAlchemy's JSON accessor (JSON_EXTRACT on SQLite,
    ->> on PostgreSQL), as `level` is: every automatic 督办 ever recorded names its clock, so
    no column or backfill is needed, and only the period's `supervise` events (index on type
    and time) are looked at."""
    clock = E.data["clock"].as_string()
    return and_(E.type == "supervise",
                or_(clock.is_(None), clock.in_(sorted(c.value for c in UNIT_CLOCKS))))


def unit_at_event() -> ColumnElement[Any]:
    """The unit the appeal of event `E` was with when it happened (for 督办, 红牌 and 重办
    against a unit): the unit of its last dispatch before the event, or none while it waited
    in the dispatchers' queue (the event's `from` status registered: never dispatched, or
    returned 退单, or reopened to the queue; the sweeper's automatic 督办 names no status,
    and comes of a 签收 or 办理 clock, which runs only while a unit has the appeal). An
    appeal given its unit without a dispatch (imported, 就地解决) has its own lead unit.

    Not the appeal's lead unit now: a unit that let the sign deadline pass, got a red card
    and returned the appeal took the red card with it, and the next unit did not earn it.
    The dispatch is found through the appeal's own events (the unique index on
    `appeal_id, seq`), only for the period's events asked about."""
    last_dispatch = (select(EARLIER.c.data["unit_id"].as_integer())
                     .where(EARLIER.c.appeal_id == E.appeal_id, EARLIER.c.seq < E.seq,
                            EARLIER.c.type == "dispatch")
                     .order_by(EARLIER.c.seq.desc()).limit(1).scalar_subquery())
    return case((E.data["from"].as_string() == "registered", None),
                else_=func.coalesce(last_dispatch, A.lead_unit_id))


def _sum(cond: ColumnElement[bool]) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _branch(unit_col: Any, values: dict[str, Any], where: ColumnElement[bool],
            group_by: Iterable[Any] = ()) -> Select[*tuple[Any, ...]]:
    cols = [unit_col.label("unit_id")]
    for name in COUNT_NAMES:
        cols.append((values[name] if name in values else literal(0)).label(name))
    stmt = select(*cols).where(where)
    group = list(group_by) or [unit_col]
    return stmt.group_by(*group)


def per_unit_statement(f: KpiFormula, w: Window) -> Select[*tuple[Any, ...]]:
    """Counts per lead unit (own appeals only): one UNION ALL of index-friendly branches."""
    conds = appeal_conditions(f)

    def sums(names: tuple[str, ...]) -> dict[str, Any]:
        return {n: func.count() if (c := conds[n]) is None else _sum(c) for n in names}

    sign = _branch(A.lead_unit_id, sums(SIGN_COUNTS), _sign_window(w))
    handle = _branch(A.lead_unit_id, sums(HANDLE_COUNTS), _handle_window(w))
    closed = _branch(A.lead_unit_id, sums(CLOSED_COUNTS), _closed_window(w))
    # Dispatches and approved returns name their unit in the event (the appeal may have moved on).
    event_unit = E.data["unit_id"].as_integer()
    moves = _branch(
        event_unit,
        {"dispatched": _sum(E.type == "dispatch"), "returned": _sum(E.type == "approve_return")},
        and_(E.type.in_(("dispatch", "approve_return")), _in(E.at, w.start, w.end)),
    )
    # 督办 against the unit the appeal was with then, which may have returned it since
    against = (select(unit_at_event().label("unit_id"), E.data["level"].as_string()
                      .label("level"))
               .select_from(EventRow.__table__.join(AppealRow.__table__, A.id == E.appeal_id))
               .where(unit_supervision(), _in(E.at, w.start, w.end))
               .subquery("against"))
    sup = _branch(against.c.unit_id, {"supervised": func.count(),
                                      "red_cards": _sum(against.c.level == "red")}, true())
    rated = _branch(R.unit_id, {"ratings": func.count(), "bad_ratings": _sum(R.stars <= 2)},
                    rating_predicates(w)["ratings"])
    parts = union_all(sign, handle, closed, moves, sup, rated).subquery("parts")
    return (
        select(parts.c.unit_id,
               *[cast(func.sum(parts.c[n]), Integer).label(n) for n in COUNT_NAMES])
        .where(parts.c.unit_id.is_not(None))
        .group_by(parts.c.unit_id)
    )


def counts_by_unit(session: Session, f: KpiFormula, w: Window, *, subtree: bool = True,
                   root_path: str | None = None) -> dict[int, KpiCounts]:
    """KpiCounts per unit id (units without any case are absent).

    With `subtree`, each unit's counts include all its descendants: the counts of every lead
    unit are added to each ancestor named in its materialised path (units.path). Doing that in
    SQL (a join on `lead.path LIKE target.path || '%'`) compares every pair of units, which
    cost a second for 2,000 units; this walk costs milliseconds.
    """
    if session.get_bind().dialect.name == "postgresql":
        # JIT-compiling this wide six-branch aggregate took 3 s on PostgreSQL 15, far more than
        # running it; SET LOCAL ends with the transaction.
        session.execute(text("SET LOCAL jit = off"))
    own: dict[int, list[int]] = {}
    for row in session.execute(per_unit_statement(f, w)):
        own[int(row[0])] = [int(v or 0) for v in row[1:]]
    paths = {uid: path for uid, path in session.execute(select(UnitRow.id, UnitRow.path))}
    totals: dict[int, list[int]] = {}
    for uid, values in own.items():
        path = paths.get(uid)
        if path is None:
            continue
        targets = [int(a) for a in path.strip("/").split("/")] if subtree else [uid]
        for target in targets:
            acc = totals.setdefault(target, [0] * len(values))
            for k, v in enumerate(values):
                acc[k] += v
    if root_path is not None:
        totals = {u: v for u, v in totals.items() if paths.get(u, "").startswith(root_path)}
    return {u: KpiCounts(*v) for u, v in totals.items()}


# --- drill-down: the appeals behind a number -------------------------------------------------

MEASURES: tuple[str, ...] = MEASURE_NAMES


def subtree_units(session: Session, unit_id: int) -> Select[int]:
    path = session.scalar(select(UnitRow.path).where(UnitRow.id == unit_id)) or "/-/"
    return select(UnitRow.id).where(UnitRow.path.startswith(path))


def appeals_behind(session: Session, f: KpiFormula, w: Window, unit_id: int, measure: str,
                   *, limit: int = 1000) -> list[tuple[int, str | None]]:
    """(appeal id, code) of the appeals a count is made of, for the unit's subtree."""
    units = subtree_units(session, unit_id)
    ids: Select[Any]
    if measure in SIGN_COUNTS + HANDLE_COUNTS + CLOSED_COUNTS:
        cond = appeal_predicates(f, w)[measure]
        ids = select(A.id).where(cond, A.lead_unit_id.in_(units))
    elif measure in SHORTFALLS:
        ids = select(A.id).where(shortfall_predicates(f, w)[measure],
                                 A.lead_unit_id.in_(units))
    elif measure in ("dispatched", "returned"):
        etype = "dispatch" if measure == "dispatched" else "approve_return"
        ids = select(E.appeal_id).where(E.type == etype, _in(E.at, w.start, w.end),
                                        E.data["unit_id"].as_integer().in_(units))
    elif measure in ("supervised", "red_cards"):
        cond = and_(unit_supervision(), _in(E.at, w.start, w.end),
                    unit_at_event().in_(units))
        if measure == "red_cards":
            cond = and_(cond, E.data["level"].as_string() == "red")
        ids = select(E.appeal_id).select_from(
            EventRow.__table__.join(AppealRow.__table__, A.id == E.appeal_id)).where(cond)
    elif measure in RATING_COUNTS:
        ids = select(R.appeal_id).where(rating_predicates(w)[measure], R.unit_id.in_(units),
                                        R.appeal_id.is_not(None))
    else:
        raise KeyError(measure)
    stmt = (select(A.id, A.code).where(A.id.in_(ids.scalar_subquery()))
            .order_by(A.id).limit(limit))
    return [(int(i), c) for i, c in session.execute(stmt).all()]


def ratings_behind(session: Session, w: Window, unit_id: int, measure: str, *,
                   limit: int = 1000) -> list[RatingItem]:
    """The ratings a count of ratings (`ratings`, `bad_ratings`) is made of, for the unit's
    subtree, by id: a service item's too, and each of an appeal's."""
    ids = session.scalars(select(R.id).where(rating_predicates(w)[measure],
                                             R.unit_id.in_(subtree_units(session, unit_id)))
                          .order_by(R.id).limit(limit))
    return rating_items(session, ids)


def first_appeals_by_unit(session: Session, f: KpiFormula, w: Window, measure: str,
                          per_unit: int) -> dict[int, array[int]]:
    """The ids of the first `per_unit` records (by id) behind a count, per unit they count
    for: appeals behind an appeal-based count or a shortfall (by lead unit), ratings behind
    `ratings` or `bad_ratings` (by the rated unit; a count of ratings lists ratings, so that
    a service item's rating and an appeal rated twice are there as counted). One pass over
    the period for the whole city, so that every unit's list is then a merge of its subtree's
    (`appeals_behind` asks the period once per unit)."""
    if measure in RATING_COUNTS:
        unit_col, id_col = R.unit_id, R.id
        source = select(R.unit_id.label("unit_id"), R.id.label("id")).where(
            rating_predicates(w)[measure])
    else:
        if measure in SHORTFALLS:
            cond = shortfall_predicates(f, w)[measure]
        elif measure in SIGN_COUNTS + HANDLE_COUNTS + CLOSED_COUNTS:
            cond = appeal_predicates(f, w)[measure]
        else:
            raise KeyError(measure)
        unit_col, id_col = A.lead_unit_id, A.id
        source = select(A.lead_unit_id.label("unit_id"), A.id.label("id")).where(
            cond, A.lead_unit_id.is_not(None))
    numbered = source.add_columns(
        func.row_number().over(partition_by=unit_col, order_by=id_col).label("n")
    ).subquery("numbered")
    c = numbered.c
    stmt = select(c.unit_id, c.id).where(c.n <= per_unit)
    out: dict[int, array[int]] = {}
    for unit_id, appeal_id in session.execute(stmt):
        out.setdefault(int(unit_id), array("q")).append(int(appeal_id))
    return out


def appeal_codes(session: Session, ids: Iterable[int]) -> list[tuple[int, str | None]]:
    """(id, code) of these appeals, by id."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = session.execute(select(A.id, A.code).where(A.id.in_(wanted)).order_by(A.id))
    return [(int(i), code) for i, code in rows]


@dataclass(frozen=True)
class RatingItem:
    """One rating as a list shows it: its appeal (id and code), or the service item rated."""

    rating_id: int
    appeal_id: int | None
    code: str | None
    item_name: str | None
    stars: int


def rating_items(session: Session, ids: Iterable[int]) -> list[RatingItem]:
    """These ratings, by id, with the code of the appeal or the name of the service item."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = session.execute(
        select(R.id, R.appeal_id, A.code, SI.name, R.stars)
        .select_from(RatingRow.__table__.outerjoin(AppealRow.__table__, A.id == R.appeal_id)
                     .outerjoin(ServiceItemRow.__table__, SI.id == R.service_item_id))
        .where(R.id.in_(wanted)).order_by(R.id))
    return [RatingItem(int(i), None if a is None else int(a), code, name, int(stars))
            for i, a, code, name, stars in rows]


# --- accountability (责任追究) -----------------------------------------------------------------


@dataclass
class AccountabilityItem:
    kind: str  # overdue / red_card / rework / bad_rating
    appeal_id: int | None
    code: str | None
    unit_id: int | None
    at: datetime | None
    detail: str
    handler_id: int | None = None
    seq: int | None = None  # the event's, for an item that is one (a red card, a rework)


def accountability_items(session: Session, w: Window,
                         units: Select[int] | None = None) -> list[AccountabilityItem]:
    """Overdue handling, red-card 督办, rework (重办) and bad ratings in the window."""
    items: list[AccountabilityItem] = []
    unit_ok: Any = A.lead_unit_id.in_(units) if units is not None else true()
    # the KPI's own 超期 (`shortfall_predicates`), so the list holds as many as it counts
    overdue = and_(_handle_window(w), _not(replied_on_time()), unit_ok)
    for r in session.execute(select(A.id, A.code, A.lead_unit_id, A.handle_due_at, A.replied_at)
                             .where(overdue).order_by(A.handle_due_at)):
        detail = "逾期答复" if r.replied_at is not None and r.replied_at >= r.handle_due_at \
            else "超期未答复"
        items.append(AccountabilityItem("overdue", r.id, r.code, r.lead_unit_id,
                                        r.handle_due_at, detail))
    # Chosen in SQL: red cards against the unit (not a late 回访's) and follow-ups that
    # reopened, so that the period's other 督办 and its many follow-ups are neither fetched nor
    # decoded here; the IN on type keeps the (type, at) index in play.
    wanted = or_(E.type == "reopen",
                 and_(unit_supervision(), E.data["level"].as_string() == "red"),
                 and_(E.type == "follow_up", E.data["reopened"].as_boolean().is_(True)))
    # each against the unit the appeal was with then (`unit_at_event`), as the KPI counts
    unit = unit_at_event()
    ev = (select(E.appeal_id, E.seq, E.type, E.at, E.data, A.code, unit.label("unit_id"))
          .select_from(EventRow.__table__.join(AppealRow.__table__, A.id == E.appeal_id))
          .where(E.type.in_(("supervise", "reopen", "follow_up")), wanted,
                 _in(E.at, w.start, w.end),
                 unit.in_(units) if units is not None else true())
          .order_by(E.at))
    for e in session.execute(ev):
        data = e.data or {}
        if e.type == "supervise" and data.get("level") == "red":
            note = data.get("note") or ("系统自动红牌督办" if data.get("auto") else "红牌督办")
            items.append(AccountabilityItem("red_card", e.appeal_id, e.code, e.unit_id,
                                            e.at, str(note), seq=e.seq))
        elif e.type == "reopen" or (e.type == "follow_up" and data.get("reopened")):
            why = data.get("reason") or "回访不满意/未解决，退回重办"
            items.append(AccountabilityItem("rework", e.appeal_id, e.code, e.unit_id,
                                            e.at, str(why), seq=e.seq))
    rating_unit_ok: Any = R.unit_id.in_(units) if units is not None else true()
    rs = (select(R.id, R.appeal_id, R.unit_id, R.created_at, R.stars, R.comment, A.code)
          .select_from(RatingRow.__table__.outerjoin(AppealRow.__table__, A.id == R.appeal_id))
          .where(_in(R.created_at, w.start, w.end), R.stars <= 2, R.excluded.is_(False),
                 rating_unit_ok)
          .order_by(R.created_at))
    for rt in session.execute(rs):
        items.append(AccountabilityItem("bad_rating", rt.appeal_id, rt.code, rt.unit_id,
                                        rt.created_at,
                                        f"{rt.stars} 星：{rt.comment or ''}".strip()))
    _attach_handlers(session, items)
    return items


def _attach_handlers(session: Session, items: list[AccountabilityItem]) -> None:
    """The handler of an appeal: who last replied, else who last signed it (承办人); for a
    red card or a rework, who had done so by then (not the next unit's handler, when the
    unit returned the appeal since)."""
    ids = {i.appeal_id for i in items if i.appeal_id is not None}
    if not ids:
        return
    done: dict[int, list[tuple[int, str, int]]] = {}
    rows = session.execute(
        select(E.appeal_id, E.seq, E.type, E.actor_id)
        .where(E.appeal_id.in_(ids), E.type.in_(("reply", "sign")), E.actor_id.is_not(None)))
    for appeal_id, seq, etype, actor_id in rows:
        done.setdefault(appeal_id, []).append((seq, etype, int(actor_id)))
    for item in items:
        if item.appeal_id is None:
            continue
        before = [(1 if etype == "reply" else 0, seq, actor)
                  for seq, etype, actor in done.get(item.appeal_id, ())
                  if item.seq is None or seq < item.seq]
        if before:
            item.handler_id = max(before)[2]




@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    group: str
    parent_id: int | None
    path: str
    depth: int
    active: bool


def units_table(session: Session) -> list[UnitInfo]:
    """Every unit in tree order, as plain values (usable after the session closes)."""
    rows = session.execute(select(UnitRow.id, UnitRow.code, UnitRow.name, UnitRow.group,
                                  UnitRow.parent_id, UnitRow.path, UnitRow.depth,
                                  UnitRow.active))
    return sorted((UnitInfo(*r) for r in rows), key=lambda u: tree_order(u.path))


# --- formula versions and stored results ------------------------------------------------------


def kpi_formula_version(session: Session, version: int | None = None
                        ) -> KpiFormulaVersionRow | None:
    """The stored formula of that version, or the newest one without a version (None: none)."""
    stmt = select(KpiFormulaVersionRow)
    stmt = (stmt.where(KpiFormulaVersionRow.version == version) if version is not None
            else stmt.order_by(KpiFormulaVersionRow.version.desc()).limit(1))
    return session.scalar(stmt)


def kpi_formula_versions(session: Session) -> list[KpiFormulaVersionRow]:
    """Every stored formula version, oldest first."""
    return list(session.scalars(select(KpiFormulaVersionRow)
                                .order_by(KpiFormulaVersionRow.version)).all())


def newest_kpi_formula_number(session: Session) -> int | None:
    """The highest stored formula version number (None before any is stored)."""
    return session.scalar(select(func.max(KpiFormulaVersionRow.version)))


def delete_kpi_results(session: Session, period: Period, formula_version: int) -> None:
    """Drop the stored results of a period computed with that formula version."""
    session.execute(delete(KpiResultRow).where(
        KpiResultRow.period_start == period.start, KpiResultRow.period_end == period.end,
        KpiResultRow.formula_version == formula_version))


def kpi_results(session: Session, period: Period) -> list[KpiResultRow]:
    """The stored results of a period, by formula version and unit."""
    return list(session.scalars(select(KpiResultRow).where(
        KpiResultRow.period_start == period.start, KpiResultRow.period_end == period.end)
        .order_by(KpiResultRow.formula_version, KpiResultRow.unit_id)).all())
