"""A grid worker's own grid (我的网格): who works it, what came from it this month, and what
the worker reported on patrol.

Reporting itself is registration (`AppealService.register`, channel `grid_patrol`, with
`resolved_on_site` when the worker dealt with the problem there and then); this service only
reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jiesu.domain import appeal as dom
from jiesu.domain import notices
from jiesu.domain.errors import PermissionDenied
from jiesu.domain.kpi import Period, month
from jiesu.domain.population import per_10k, roll_up
from jiesu.domain.text import shorten
from jiesu.store import grid_queries, queries, web_queries
from jiesu.store.tables import AppealRow
from jiesu.store.uow import Database

REPORTS_SHOWN = 10
HANDLING = ("dispatched", "in_progress")  # what a unit's inbox lists as its work


@dataclass(frozen=True)
class Report:
    """One of the worker's own reports, as the page lists it."""

    id: int
    code: str
    title: str
    status: str
    created_at: datetime
    unit: str | None  # where it was sent (the lead unit), if anywhere yet
    # while the grid handles it: decisions on its work that still stand (驳回退单, 退回重办, …)
    decisions: tuple[notices.Decision, ...] = ()


@dataclass(frozen=True)
class GridOverview:
    unit_id: int
    code: str
    name: str
    chain: list[str]  # the units above it below the city, top down (区, 街道, 社区)
    workers: list[str]  # the grid's workers (网格员)
    households: int | None  # 户数 (its own, or its micro-grids' sum; None: not loaded)
    population: int | None  # 常住人口 (likewise)
    todo: int  # appeals the grid must sign or handle now (as lead or handling unit)
    todo_capped: bool  # `todo` is a lower bound (the inbox stops counting)
    # appeals dispatched or in progress that the grid only helps with (协办): the lead unit
    # signs and replies, so they are not in `todo`; the inbox lists them apart
    assisting: int
    assisting_capped: bool
    period: Period  # this month, in the city's time zone
    received: int  # appeals located in the grid this month (merged duplicates left out)
    patrol: int  # ... reported on patrol
    resolved_on_site: int  # ... and solved on the spot
    per_10k: float | None  # this month's 万人诉求比 so far (None without a population)
    reports: list[Report]  # the worker's latest reports


class GridService:
    def __init__(self, db: Database, tz: ZoneInfo) -> None:
        self.db = db
        self.tz = tz

    def overview(self, actor: dom.Actor, now: datetime) -> GridOverview:
        """The grid page of a grid worker: their unit, its month, their own reports."""
        if actor.role is not dom.Role.GRID_WORKER or actor.unit_id is None \
                or actor.user_id is None:
            raise PermissionDenied("只有所属网格的网格员可以查看“我的网格”", role=actor.role)
        local = now.astimezone(self.tz)
        period = month(local.year, local.month)
        since, _ = period.bounds(self.tz)
        with self.db.uow(write=False) as uow:
            s = uow.session
            unit = grid_queries.unit(s, actor.unit_id)
            if unit is None:
                raise PermissionDenied("您的账号未关联网格，请联系管理员", role=actor.role)
            chain = web_queries.unit_chains(s, {unit.id}).get(unit.id, [])
            # the inbox's lists (its scope takes in the co-units) and its own-work count
            scope = queries.Scope(unit_path=unit.path)
            _, listed, listed_capped = web_queries.scoped_page(
                s, list(HANDLING), scope, now, page=1, per_page=1)
            todo, capped = web_queries.owned_total(s, unit.id, list(HANDLING), scope, now)
            area = grid_queries.area_since(s, unit.path, since)
            residents = roll_up(grid_queries.subtree_figures(s, unit.path))[unit.id]
            rows = grid_queries.reports_of(s, actor.user_id, limit=REPORTS_SHOWN)
            names = queries.unit_names(s, {r.lead_unit_id for r in rows})
            in_hands = [r for r in rows if r.status in notices.IN_HANDS]
            decided = (_standing_decisions(s, in_hands, uow.units.subtree_ids(unit.id))
                       if in_hands else {})
            return GridOverview(
                unit_id=unit.id, code=unit.code, name=unit.name,
                chain=[name for uid, name in chain if uid != unit.id],
                workers=grid_queries.workers(s, unit.id), households=residents.households,
                population=residents.population, todo=todo, todo_capped=capped,
                assisting=max(listed - todo, 0), assisting_capped=listed_capped,
                period=period, received=area.received, patrol=area.patrol,
                resolved_on_site=area.resolved_on_site,
                per_10k=per_10k(area.received, residents.population),
                reports=[Report(r.id, r.code or "", r.title or shorten(r.content, 30), r.status,
                                r.created_at, names.get(r.lead_unit_id or -1),
                                decided.get(r.id, ()))
                         for r in rows])


def _standing_decisions(session: web_queries.ReadSession, rows: list[AppealRow],
                        grid: frozenset[int]) -> dict[int, tuple[notices.Decision, ...]]:
    """The decisions that still stand on the reports in hands that the grid itself handles
    (as its inbox shows them); a report sent to another unit is that unit's to hear of."""
    handled = [r.id for r in rows if {r.lead_unit_id, r.handling_unit_id} & grid]
    threads = web_queries.events_of_types(session, handled, notices.DECISION_THREAD)
    return {i: tuple(notices.standing_decisions(events)) for i, events in threads.items()}
