"""KPIs (三率), rankings, trends, accountability (责任追究), rating statistics and the monthly
report (通报) as XLSX. Read-only use cases except formula versions and stored results.
"""

from __future__ import annotations

import csv
import heapq
import io
import itertools
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jiesu.config import Settings
from jiesu.domain import appeal as dom
from jiesu.domain.config_events import difference
from jiesu.domain.errors import InvalidArguments, NotFound, PermissionDenied
from jiesu.domain.kpi import (
    PUBLISHED_PLACES,
    RANKING_GROUPS,
    KpiCounts,
    KpiFormula,
    KpiRates,
    Period,
    months_between,
    published,
    rank,
    rates,
    ratio,
)
from jiesu.domain.population import (
    AREA_GROUPS,
    AreaFigures,
    check_area_group,
    per_10k,
    rank_by_rate,
    roll_up,
    subtree_totals,
)
from jiesu.domain.rating import RATING_APPEAL_ZH, RECTIFICATION_ZH, STARS_ZH
from jiesu.services.clock import utcnow
from jiesu.services.config_log import record_change
from jiesu.services.kept import KeptFigures
from jiesu.services.open_data import spreadsheet_cell
from jiesu.services.rules import RulesProvider
from jiesu.store import kpi_queries as kq
from jiesu.store import population_queries as pq
from jiesu.store import queries
from jiesu.store import rating_queries as rq
from jiesu.store.feedback_tables import KpiFormulaVersionRow, KpiResultRow
from jiesu.store.tables import UnitRow
from jiesu.store.uow import Database, UnitOfWork

Role = dom.Role
READERS = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER,
                     Role.HANDLER, Role.GRID_WORKER, Role.FOLLOWUP_AGENT})
REPORT_READERS = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})
# Who reads the rankings between units (分组排名, 万人诉求比).
RANKING_READERS = REPORT_READERS | {Role.DISPATCHER}
# Who opens a unit's 考核 page (本单位考核): handlers and grid workers their own unit subtree,
# the readers of the 通报 any unit.
UNIT_KPI_READERS = REPORT_READERS | dom.UNIT_SCOPED_ROLES
# What cost a unit points, in the order its page lists them, each with the rate it lowers.
SHORTFALLS = (("late_response", "response_rate"), ("unresolved", "resolution_rate"),
              ("dissatisfied", "satisfaction_rate"),
              ("basically_satisfied", "satisfaction_rate"), ("overdue", "on_time_rate"),
              ("bad_ratings", "bad_rating_rate"))
# the counts of ratings, whose drill-down lists ratings (a service item's rating has no appeal,
# an appeal may be rated twice), and the shortfall among them
RATING_MEASURES: tuple[str, ...] = kq.RATING_COUNTS
RATED_SHORTFALLS = frozenset({"bad_ratings"})
SHORTFALL_ZH = {"late_response": "未按时响应", "unresolved": "未解决或部分解决",
                "dissatisfied": "回访不满意", "basically_satisfied": "回访基本满意",
                "overdue": "超期", "bad_ratings": "差评"}
# Earlier months of a unit's trend change little (a reopened appeal, a rating excluded on
# 申诉) and cost seconds each at a million appeals: kept an hour, shared by every unit's page.
EARLIER_MONTH_TTL = timedelta(hours=1)
SHORTFALL_SHOWN = 50  # appeals listed per shortfall on the page (a district's may be thousands)
TREND_MONTHS = 6
# The area groups whose 万人诉求比 the monthly report (通报) publishes beside the 三率.
MONTHLY_AREA_GROUPS = ("district", "street")
# What the 通报 says instead of empty 万人诉求比 tables when no area has a population.
NO_POPULATION_ZH = ("尚无区域常住人口数据，本期不计算万人诉求比。"
                    "请管理员在系统管理的单位树中填写或上传户数和常住人口。")

# a part of the 通报's 办结数: closed with no unit, answered at once by the hotline (直接答复)
DIRECT_ZH = "其中热线直办"

ACCOUNTABILITY_ZH = {"overdue": "超期", "red_card": "红牌督办", "rework": "重办",
                     "bad_rating": "差评"}
COUNT_ZH = {
    "dispatched": "派单量", "returned": "退单数", "response_due": "应响应数",
    "responded_on_time": "按时响应数", "handle_due": "应办结数",
    "completed_on_time": "按时办结数", "extended": "延期数", "closed": "办结数",
    "reworked": "重办数", "followed_up": "回访数", "unreachable": "未联系上",
    # a part of 未联系上, so named as one wherever it is shown (after it)
    "unreachable_no_phone": "其中无联系电话", "reached": "联系上", "resolved": "已解决",
    "partly_resolved": "部分解决",
    "satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意",
    "supervised": "督办数", "red_cards": "红牌督办", "ratings": "评价量", "bad_ratings": "差评数",
}
# Every unit group by its Chinese name (the XLSX 单位明细 lists units of every level).
UNIT_GROUP_ZH = {"city": "市", **RANKING_GROUPS, "community": "社区/村", "grid": "网格",
                 "micro_grid": "微网格"}
RATE_ZH = {
    "response_rate": "响应率", "resolution_rate": "解决率", "satisfaction_rate": "满意率",
    "composite": "综合得分", "on_time_rate": "按时办结率", "return_rate": "退单率",
    "rework_rate": "重办率", "extension_rate": "延期率", "unreachable_rate": "未联系上率",
    "bad_rating_rate": "差评率",
}


@dataclass
class KpiRow:
    unit_id: int
    code: str
    name: str
    group: str
    parent_id: int | None
    depth: int
    counts: KpiCounts
    rates: KpiRates
    rank: int | None = None
    group_size: int = 0


@dataclass
class KpiReport:
    period: Period
    formula: KpiFormula
    computed_at: datetime
    rows: list[KpiRow]


@dataclass
class AccountabilityEntry:
    kind: str
    appeal_id: int | None
    code: str | None
    unit_id: int | None
    unit_name: str
    handler_id: int | None
    handler_name: str
    at: datetime | None
    detail: str


@dataclass
class Accountability:
    period: Period
    items: list[AccountabilityEntry]
    by_unit: dict[str, dict[str, int]] = field(default_factory=dict)
    by_handler: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class RatingStat:
    unit_id: int
    name: str
    group: str
    ratings: int
    good: int
    bad: int
    rectifications: int
    rectified: int
    rect_followed_up: int
    rect_satisfied: int

    @property
    def good_rate(self) -> float | None:
        return ratio(self.good, self.ratings)

    @property
    def bad_rate(self) -> float | None:
        return ratio(self.bad, self.ratings)

    @property
    def rectification_rate(self) -> float | None:
        return ratio(self.rectified, self.rectifications)

    @property
    def rectification_satisfaction_rate(self) -> float | None:
        return ratio(self.rect_satisfied, self.rect_followed_up)


@dataclass
class IntensityRow:
    """万人诉求比 of one area: appeals of its subtree, its rolled-up figures, rate and rank."""

    unit_id: int
    code: str
    name: str
    appeals: int
    households: int | None
    population: int | None
    per_10k: float | None
    rank: int | None = None


@dataclass
class IntensityReport:
    period: Period
    group: str
    rows: list[IntensityRow]
    unlocated: int  # appeals of the period that intake placed in no area

    @property
    def without_population(self) -> int:
        """Areas of the group that have no population (own or from their children)."""
        return sum(1 for r in self.rows if not r.population)


@dataclass
class MonthlyReport:
    period: Period
    city_name: str
    kpi: KpiReport
    summary: list[tuple[str, Any]]
    rankings: dict[str, list[KpiRow]]
    overdue: list[AccountabilityEntry]
    bad_ratings: list[dict[str, Any]]
    intensity: dict[str, IntensityReport]  # 万人诉求比 by group (MONTHLY_AREA_GROUPS)

    @property
    def has_population(self) -> bool:
        """Whether any area of the 万人诉求比 section has a population (else no rate at all)."""
        return any(len(r.rows) > r.without_population for r in self.intensity.values())


@dataclass
class Shortfall:
    """What cost a unit points on one measure: how many, and the first of them — appeals,
    or for 差评 (a count of ratings) the ratings: a service item's rating has no appeal, and an
    appeal rated badly twice counts twice."""

    measure: str  # SHORTFALLS
    rate: str  # the rate it lowers (RATE_ZH)
    count: int
    appeals: list[tuple[int, str | None]]  # (id, code), at most SHORTFALL_SHOWN
    ratings: list[kq.RatingItem] = field(default_factory=list)  # bad_ratings: the ratings

    @property
    def listed(self) -> int:
        return len(self.ratings) if self.measure in RATED_SHORTFALLS else len(self.appeals)

    @property
    def cut(self) -> bool:
        """Whether more are behind it than listed."""
        return self.listed >= SHORTFALL_SHOWN and self.count > self.listed


@dataclass
class UnitReport:
    """One unit's 考核 for a month (本单位考核): its row of the city's KPI report (the 通报's),
    its sub-units' rows, the appeals behind its lost points and its monthly trend."""

    period: Period
    formula: KpiFormula
    computed_at: datetime
    row: KpiRow
    sub_rows: list[KpiRow]
    shortfalls: list[Shortfall]
    trend: list[tuple[Period, KpiRow | None]]  # oldest month first; None: no such unit then


def pct(value: float | None, digits: int = 2) -> str:
    """A rate as text, e.g. 87.50%; "—" without data."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def points(value: float | None) -> str:
    """A composite score as published (`domain.kpi.published`, e.g. 78.00); "—" without
    data. The ranking judges ties on this figure."""
    return "—" if value is None else f"{value:.{PUBLISHED_PLACES}f}"


class ReportingService:
    def __init__(self, db: Database, rules: RulesProvider, settings: Settings, *,
                 figures: KeptFigures | None = None) -> None:
        """`figures`: the process's kept figures (`Runtime.figures`), for the reads that may
        be a minute old (万人诉求比 of the API and the dashboard, the printable 通报 and its
        XLSX); None computes every time (commands)."""
        self.db = db
        self.rules = rules
        self.settings = settings
        self.figures = figures

    def window(self, period: Period, now: datetime) -> kq.Window:
        start, end = period.bounds(self.settings.tz)
        return kq.Window(start, end, now)

    # --- formula versions ---------------------------------------------------------------------

    @staticmethod
    def _formula(uow: UnitOfWork, version: int | None = None) -> KpiFormula:
        row = kq.kpi_formula_version(uow.session, version)
        if row is None:
            if version is not None:
                raise NotFound(f"考核公式版本 {version} 不存在")
            return KpiFormula()
        return KpiFormula.from_settings(row.version, row.settings)

    def formula(self, version: int | None = None) -> KpiFormula:
        with self.db.uow(write=False) as uow:
            return self._formula(uow, version)

    def formula_versions(self) -> list[tuple[KpiFormula, str, datetime]]:
        with self.db.uow(write=False) as uow:
            rows = kq.kpi_formula_versions(uow.session)
            return [(KpiFormula.from_settings(r.version, r.settings), r.note, r.created_at)
                    for r in rows]

    def set_formula(self, actor: dom.Actor, changes: dict[str, Any], note: str,
                    now: datetime) -> KpiFormula:
        """A new formula version: the current settings with `changes` applied."""
        if actor.role is not Role.ADMIN:
            raise PermissionDenied("只有管理员可以修改考核公式")
        with self.db.uow() as uow:
            current = self._formula(uow)
            version = (kq.newest_kpi_formula_number(uow.session) or 0) + 1
            settings = {**current.settings(), **changes}
            new = KpiFormula.from_settings(version, settings)
            uow.session.add(KpiFormulaVersionRow(version=version, settings=new.settings(),
                                                 note=(note or "").strip()[:500],
                                                 created_at=now, created_by=actor.user_id))
            before, after = difference(current.settings(), new.settings())
            record_change(uow, actor, "kpi", "set_formula", f"考核公式第 {version} 版",
                          {"version": version, "note": (note or "").strip()[:500],
                           "before": before, "after": after}, now=now)
            uow.commit()
        return new

    # --- KPIs and rankings --------------------------------------------------------------------

    def kpi(self, period: Period, now: datetime, *, group: str | None = None,
            unit_id: int | None = None, formula_version: int | None = None) -> KpiReport:
        """KPIs of every unit's subtree for a period, ranked within its group."""
        if group is not None and group not in RANKING_GROUPS and group not in (
                "city", "community", "grid", "micro_grid"):
            raise InvalidArguments(f"单位分组“{group}”无效，可选："
                                   f"{'、'.join(RANKING_GROUPS)}", field="group")
        with self.db.uow(write=False) as uow:
            formula = self._formula(uow, formula_version)
            units = kq.units_table(uow.session)
            counts = kq.counts_by_unit(uow.session, formula, self.window(period, now))
        root_path = None
        if unit_id is not None:
            root = next((u for u in units if u.id == unit_id), None)
            if root is None:
                raise NotFound(f"单位 {unit_id} 不存在")
            root_path = root.path
        rows = [KpiRow(u.id, u.code, u.name, u.group, u.parent_id, u.depth,
                       counts.get(u.id, KpiCounts()), rates(counts.get(u.id, KpiCounts()),
                                                            formula))
                for u in units if u.active]
        by_group: dict[str, list[KpiRow]] = defaultdict(list)
        for r in rows:
            by_group[r.group].append(r)
        for g, members in by_group.items():
            if g not in RANKING_GROUPS:
                continue
            places = rank({r.unit_id: r.rates.composite for r in members})
            for r in members:
                r.rank, r.group_size = places[r.unit_id], len(members)
        paths = {u.id: u.path for u in units}
        if root_path is not None:
            rows = [r for r in rows if paths[r.unit_id].startswith(root_path)]
        if group is not None:
            rows = [r for r in rows if r.group == group]
            rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
        return KpiReport(period, formula, now, rows)

    def city_kpi(self, period: Period, now: datetime) -> KpiReport:
        """`kpi` of every unit for a period; with `figures`, kept per period and formula version
        for FIGURES_TTL from `now`, shared by the 通报 and every unit's 考核 page (a month of a
        city of a million appeals is seconds of SQL). The report is shared: do not change it."""
        if self.figures is None:
            return self.kpi(period, now)
        with self.db.uow(write=False) as uow:
            version = self._formula(uow).version
        return self.figures.get(("kpi", period, version), now, lambda: self.kpi(period, now))

    def public_ranking(self, period: Period, group: str, now: datetime) -> list[KpiRow]:
        """A group's ranking of a month that has ended, as the 通报 gives it (the kept city
        report), for the public statistics (DESIGN §7): ranked units first, by rank, then the
        units without data. A month still running would rank units on part of it."""
        if group not in RANKING_GROUPS:
            choices = "、".join(RANKING_GROUPS.values())
            raise InvalidArguments(f"单位分组“{group}”无效，可选：{choices}", field="group")
        if period.bounds(self.settings.tz)[1] > now:
            raise InvalidArguments("只公布已结束月份的排名", field="period")
        rows = [r for r in self.city_kpi(period, now).rows if r.group == group]
        return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.code))

    def _first_appeals(self, report: KpiReport, period: Period, measure: str,
                       now: datetime) -> dict[int, array[int]]:
        """The first SHORTFALL_SHOWN appeals (ratings, for a count of ratings) behind
        `measure` per unit, for the whole city as
        of the moment `report` was computed (so there are as many as it counts); with
        `figures`, kept with it: every unit's page merges its subtree's from one pass over the
        month instead of asking the month again (a second or more at a million appeals)."""
        def compute() -> dict[int, array[int]]:
            with self.db.uow(write=False) as uow:
                return kq.first_appeals_by_unit(uow.session, report.formula,
                                                self.window(period, report.computed_at),
                                                measure, SHORTFALL_SHOWN)

        if self.figures is None:
            return compute()
        return self.figures.get(("kpi.appeals", period, report.formula.version,
                                 report.computed_at, measure), now, compute)

    def _earlier_kpi(self, period: Period, now: datetime) -> KpiReport:
        """`kpi` of a month before the one asked, for a trend: kept EARLIER_MONTH_TTL."""
        if self.figures is None:
            return self.kpi(period, now)
        with self.db.uow(write=False) as uow:
            version = self._formula(uow).version
        return self.figures.get(("kpi.earlier", period, version), now,
                                lambda: self.kpi(period, now), ttl=EARLIER_MONTH_TTL)

    def unit_report(self, actor: dom.Actor, period: Period, now: datetime, *,
                    unit_code: str | None = None) -> UnitReport:
        """A unit's 考核 for a month: the figures and rank the 通报 gives it, its sub-units, the
        appeals behind what cost it points and the last TREND_MONTHS months. Handlers and grid
        workers read their own unit (the default) or one within it; the 通报's readers any
        unit (the default: the city)."""
        if actor.role not in UNIT_KPI_READERS:
            raise PermissionDenied("您的角色无权查看单位考核")
        if period.start > now.astimezone(self.settings.tz).date():
            raise InvalidArguments("不能查看尚未开始的月份", field="period")
        scoped = actor.role in dom.UNIT_SCOPED_ROLES
        if scoped and actor.unit_id is None:
            raise PermissionDenied("您的账号未关联承办单位，请联系管理员")
        report = self.city_kpi(period, now)
        row: KpiRow | None
        if unit_code:
            row = next((r for r in report.rows if r.code == unit_code), None)
            if row is None:
                raise NotFound(f"单位 {unit_code} 不存在")
        elif scoped:
            row = next((r for r in report.rows if r.unit_id == actor.unit_id), None)
            if row is None:
                raise NotFound("您所在的承办单位已停用，请联系管理员")
        else:
            row = next((r for r in report.rows if r.parent_id is None), None)
            if row is None:
                raise NotFound("尚未建立单位")
        if scoped and row.unit_id not in actor.unit_scope:
            raise PermissionDenied("只能查看本单位及下级单位的考核")
        shortfalls = []
        wanted = [(m, rate, n) for m, rate in SHORTFALLS if (n := getattr(row.counts, m))]
        by_measure = {m: self._first_appeals(report, period, m, now) for m, _, _ in wanted}
        if wanted:
            with self.db.uow(write=False) as uow:
                subtree = list(uow.session.scalars(kq.subtree_units(uow.session, row.unit_id)))
                for measure, rate, n in wanted:
                    by_unit = by_measure[measure]
                    ids = heapq.nsmallest(SHORTFALL_SHOWN, itertools.chain.from_iterable(
                        by_unit.get(u, ()) for u in subtree))
                    if measure in RATED_SHORTFALLS:  # rating ids
                        shortfalls.append(Shortfall(measure, rate, n, [],
                                                    kq.rating_items(uow.session, ids)))
                    else:
                        shortfalls.append(Shortfall(measure, rate, n,
                                                    kq.appeal_codes(uow.session, ids)))
        trend: list[tuple[Period, KpiRow | None]] = []
        months = [period]
        for _ in range(TREND_MONTHS - 1):
            months.insert(0, months[0].previous())
        for p in months:
            rows = report.rows if p == period else self._earlier_kpi(p, now).rows
            trend.append((p, next((r for r in rows if r.unit_id == row.unit_id), None)))
        return UnitReport(period, report.formula, report.computed_at, row,
                          [r for r in report.rows if r.parent_id == row.unit_id],
                          shortfalls, trend)

    def store_kpi(self, period: Period, now: datetime) -> tuple[int, int]:
        """Compute and store every unit's KPIs (replacing earlier results of the same version).

        Returns (rows stored, formula version).
        """
        report = self.kpi(period, now)
        v = report.formula.version
        with self.db.uow() as uow:
            kq.delete_kpi_results(uow.session, period, v)
            uow.session.add_all([KpiResultRow(
                period_kind=str(period.kind), period_start=period.start, period_end=period.end,
                unit_id=r.unit_id, formula_version=v, counts=r.counts.as_dict(),
                response_rate=r.rates.response_rate, resolution_rate=r.rates.resolution_rate,
                satisfaction_rate=r.rates.satisfaction_rate, composite=r.rates.composite,
                rank=r.rank, computed_at=now) for r in report.rows])
            uow.commit()
        return len(report.rows), v

    def stored_kpi(self, period: Period) -> list[dict[str, Any]]:
        with self.db.uow(write=False) as uow:
            rows = kq.kpi_results(uow.session, period)
            return [{"unit_id": r.unit_id, "formula_version": r.formula_version,
                     "counts": r.counts, "composite": r.composite, "rank": r.rank,
                     "response_rate": r.response_rate, "resolution_rate": r.resolution_rate,
                     "satisfaction_rate": r.satisfaction_rate, "computed_at": r.computed_at}
                    for r in rows]

    def trend(self, unit_id: int, first: Period, last: Period,
              now: datetime) -> list[tuple[Period, KpiRow]]:
        """Monthly KPIs of one unit's subtree from `first` to `last`."""
        out: list[tuple[Period, KpiRow]] = []
        with self.db.uow(write=False) as uow:
            formula = self._formula(uow)
            unit = uow.session.get(UnitRow, unit_id)
            if unit is None:
                raise NotFound(f"单位 {unit_id} 不存在")
            for p in months_between(first, last):
                c = kq.counts_by_unit(uow.session, formula, self.window(p, now),
                                      root_path=unit.path).get(unit_id, KpiCounts())
                out.append((p, KpiRow(unit.id, unit.code, unit.name, unit.group,
                                      unit.parent_id, unit.depth, c, rates(c, formula))))
        return out

    def appeals_behind(self, period: Period, unit_id: int, measure: str,
                       now: datetime) -> list[tuple[int, str | None]]:
        """The appeals a KPI count is made of (every number links to its appeals)."""
        if measure not in kq.MEASURES:
            raise InvalidArguments(f"未知的统计项“{measure}”，可选：{', '.join(kq.MEASURES)}",
                                   field="measure")
        with self.db.uow(write=False) as uow:
            if uow.session.get(UnitRow, unit_id) is None:
                raise NotFound(f"单位 {unit_id} 不存在")
            formula = self._formula(uow)
            return kq.appeals_behind(uow.session, formula, self.window(period, now), unit_id,
                                     measure)

    def ratings_behind(self, period: Period, unit_id: int, measure: str,
                       now: datetime) -> list[kq.RatingItem]:
        """The ratings a count of ratings (`ratings`, `bad_ratings`) is made of: as many as
        it counts, a service item's (no appeal) and each of an appeal's among them."""
        if measure not in RATING_MEASURES:
            raise InvalidArguments(f"“{measure}”不是评价的统计项", field="measure")
        with self.db.uow(write=False) as uow:
            if uow.session.get(UnitRow, unit_id) is None:
                raise NotFound(f"单位 {unit_id} 不存在")
            return kq.ratings_behind(uow.session, self.window(period, now), unit_id, measure)

    # --- 万人诉求比 (appeals per 10,000 residents) ------------------------------------------------

    def intensity(self, period: Period, group: str, *,
                  now: datetime | None = None) -> IntensityReport:
        """Appeals registered in the period per 10,000 residents for every area of `group`,
        ranked lowest first. An area counts the appeals located in its subtree (merged ones
        left out) and divides by its population, rolled up from its children when it has
        none of its own (docs/kpi.md). With `figures`, kept per period and group for
        FIGURES_TTL from `now` (the report is shared: do not change it)."""
        check_area_group(group)
        if self.figures is None:
            return self._intensity(period, group)
        return self.figures.get(("intensity", period, group), now or utcnow(),
                                lambda: self._intensity(period, group))

    def _intensity(self, period: Period, group: str) -> IntensityReport:
        start, end = period.bounds(self.settings.tz)
        with self.db.uow(write=False) as uow:
            units = pq.area_units(uow.session)
            own = pq.appeals_by_area(uow.session, start, end)
        tree = [AreaFigures(u.id, u.parent_id, u.households, u.population) for u in units]
        residents = roll_up(tree)
        appeals = subtree_totals(tree, {uid: n for uid, n in own.items() if uid is not None})
        rows = []
        for u in units:
            if u.active and u.group == group:
                r = residents[u.id]
                rows.append(IntensityRow(u.id, u.code, u.name, appeals[u.id], r.households,
                                         r.population, per_10k(appeals[u.id], r.population)))
        places = rank_by_rate({r.unit_id: r.per_10k for r in rows})
        for row in rows:
            row.rank = places[row.unit_id]
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
        return IntensityReport(period, group, rows, own.get(None, 0))

    # --- accountability -----------------------------------------------------------------------

    def accountability(self, period: Period, now: datetime, *,
                       unit_id: int | None = None) -> Accountability:
        """Overdue, red-card 督办, rework and bad ratings per unit and handler, with appeals."""
        with self.db.uow(write=False) as uow:
            units = kq.subtree_units(uow.session, unit_id) if unit_id is not None else None
            raw = kq.accountability_items(uow.session, self.window(period, now), units)
            unit_names = {u.id: u.name for u in kq.units_table(uow.session)}
            users = queries.user_names(uow.session, {i.handler_id for i in raw})
        items = [AccountabilityEntry(i.kind, i.appeal_id, i.code, i.unit_id,
                                     unit_names.get(i.unit_id or -1, ""), i.handler_id,
                                     users.get(i.handler_id or -1, ""), i.at, i.detail)
                 for i in raw]
        by_unit: dict[str, Counter[str]] = defaultdict(Counter)
        by_handler: dict[str, Counter[str]] = defaultdict(Counter)
        for e in items:
            by_unit[e.unit_name or "（无单位）"][e.kind] += 1
            if e.handler_name:
                by_handler[e.handler_name][e.kind] += 1
        return Accountability(period, items, {k: dict(v) for k, v in by_unit.items()},
                              {k: dict(v) for k, v in by_handler.items()})

    @staticmethod
    def accountability_table(acc: Accountability,
                             tz: Any) -> tuple[list[str], list[list[Any]]]:
        """The records as rows for `to_csv` and `to_xlsx`; times in the city's time zone `tz`,
        as the pages show them (not UTC)."""
        header = ["类型", "诉求编号", "承办单位", "承办人", "时间", "说明"]
        rows = [[ACCOUNTABILITY_ZH[e.kind], e.code or "", e.unit_name, e.handler_name,
                 _when(e.at, tz), e.detail] for e in acc.items]
        return header, rows

    # --- 好差评 statistics (public) ------------------------------------------------------------

    def rating_stats(self, period: Period, now: datetime) -> list[RatingStat]:
        """评价量, 好评率, 差评数, 差评率, 整改率, 整改满意率 per unit subtree."""
        w = self.window(period, now)
        with self.db.uow(write=False) as uow:
            units = kq.units_table(uow.session)
            own: dict[int, list[int]] = defaultdict(lambda: [0] * 7)
            for uid, n, good, bad in rq.unit_rating_counts(uow.session, w):
                own[uid][0:3] = [n, good, bad]
            for uid, n, rectified, followed, satisfied in rq.unit_rectification_counts(
                    uow.session, w):
                own[uid][3:7] = [n, rectified, followed, satisfied]
        out = []
        for u in units:
            if not u.active:
                continue
            total = [0] * 7
            for other in units:
                if other.id in own and other.path.startswith(u.path):
                    total = [a + b for a, b in zip(total, own[other.id], strict=True)]
            out.append(RatingStat(u.id, u.name, u.group, *total))
        return out

    # --- lists for the feedback API -----------------------------------------------------------

    def ratings(self, *, unit_id: int | None = None, bad_only: bool = False,
                limit: int = 200) -> list[dict[str, Any]]:
        with self.db.uow(write=False) as uow:
            rows = rq.ratings(uow.session, unit_id=unit_id, bad_only=bad_only, limit=limit)
            return [{"id": r.id, "appeal_id": r.appeal_id, "service_item_id": r.service_item_id,
                     "unit_id": r.unit_id, "stars": r.stars, "stars_zh": STARS_ZH[r.stars],
                     "comment": r.comment, "source": r.source, "created_at": r.created_at,
                     "excluded": r.excluded, "excluded_reason": r.excluded_reason}
                    for r in rows]

    def rectifications(self, *, unit_id: int | None = None, status: str | None = None,
                       now: datetime, limit: int = 200) -> list[dict[str, Any]]:
        with self.db.uow(write=False) as uow:
            rows = rq.rectifications(uow.session, unit_id=unit_id, status=status, limit=limit)
            pending = rq.pending_rating_appeals(uow.session, [r.rating_id for r in rows])
            return [{"id": r.id, "rating_id": r.rating_id, "unit_id": r.unit_id,
                     "appeal_id": r.appeal_id, "status": r.status,
                     "status_zh": RECTIFICATION_ZH.get(_rs(r.status), r.status),
                     "due_at": r.due_at, "overdue": r.status == "open" and now > r.due_at,
                     "rounds": r.rounds, "report": r.report, "satisfied": r.satisfied,
                     "published_at": r.published_at, "cancelled_reason": r.cancelled_reason,
                     "rating_appeal_pending": r.rating_id in pending}
                    for r in rows]

    def rating_appeals(self, *, status: str | None = None,
                       limit: int = 200) -> list[dict[str, Any]]:
        with self.db.uow(write=False) as uow:
            rows = rq.rating_appeals(uow.session, status=status, limit=limit)
            return [{"id": r.id, "rating_id": r.rating_id, "unit_id": r.unit_id,
                     "reason": r.reason, "status": r.status,
                     "status_zh": RATING_APPEAL_ZH.get(_ras(r.status), r.status),
                     "requested_at": r.requested_at, "decided_at": r.decided_at,
                     "decision_reason": r.decision_reason}
                    for r in rows]

    # --- monthly report (通报) -----------------------------------------------------------------

    def monthly(self, period: Period, now: datetime) -> MonthlyReport:
        """The 通报 of a month. With `figures`, kept per period and formula version for
        FIGURES_TTL from `now` (a month of a city of a million appeals is seconds of SQL; the
        page and its XLSX share one copy, and a new formula version counts at once)."""
        if self.figures is None:
            return self._monthly(period, now, self.kpi(period, now))
        # built on the city's KPI report, kept on its own and shared with every unit's 考核
        # page: one copy of the 通报 per copy of that report, so it is never older than it
        report = self.city_kpi(period, now)
        return self.figures.get(
            ("monthly", period, report.formula.version, report.computed_at), now,
            lambda: self._monthly(period, report.computed_at, report))

    def monthly_workbook(self, period: Period, now: datetime) -> bytes:
        """`monthly_xlsx` of `monthly(period, now)`; with `figures`, kept with that copy of
        the report (building the workbook of 5,000 units takes seconds too)."""
        m = self.monthly(period, now)
        if self.figures is None:
            return self.monthly_xlsx(m)
        key = ("monthly.xlsx", period, m.kpi.formula.version, m.kpi.computed_at)
        return self.figures.get(key, now, lambda: self.monthly_xlsx(m))

    def _monthly(self, period: Period, now: datetime, report: KpiReport) -> MonthlyReport:
        rankings = {g: sorted((r for r in report.rows if r.group == g),
                              key=lambda r: (r.rank is None, r.rank or 0, r.code))
                    for g in RANKING_GROUPS}
        roots = [r for r in report.rows if r.parent_id is None]
        total = KpiCounts()
        for r in roots:
            total = total + r.counts
        tr = rates(total, report.formula)
        with self.db.uow(write=False) as uow:
            # closed without a unit (热线直办): in the month's 办结, as on the dashboard
            direct = kq.closed_without_unit(uow.session, self.window(period, now))
        summary: list[tuple[str, Any]] = [
            ("统计周期", period.label_zh),
            ("考核公式版本", report.formula.version),
            ("派单量", total.dispatched), ("应响应数", total.response_due),
            ("响应率", tr.response_rate), ("回访数", total.followed_up),
            ("未联系上", total.unreachable),
            (COUNT_ZH["unreachable_no_phone"], total.unreachable_no_phone),
            ("解决率", tr.resolution_rate),
            ("满意率", tr.satisfaction_rate), ("综合得分", tr.composite),
            ("应办结数", total.handle_due), ("按时办结率", tr.on_time_rate),
            ("超期件数", total.overdue),
            # everything closed in the month, the dashboard's 办结: the units' and the hotline's
            ("办结数", total.closed + direct), (DIRECT_ZH, direct),
            ("退单率", tr.return_rate), ("重办率", tr.rework_rate),
            ("延期率", tr.extension_rate), ("督办次数", total.supervised),
            ("红牌督办", total.red_cards), ("评价量", total.ratings), ("差评数", total.bad_ratings),
        ]
        acc = self.accountability(period, now)
        overdue = [e for e in acc.items if e.kind == "overdue"]
        bad = [{"code": e.code or "", "unit": e.unit_name, "handler": e.handler_name,
                "at": e.at, "detail": e.detail} for e in acc.items if e.kind == "bad_rating"]
        intensity = {g: self.intensity(period, g, now=now) for g in MONTHLY_AREA_GROUPS}
        return MonthlyReport(period, self.settings.city_name, report, summary, rankings,
                             overdue, bad, intensity)

    def monthly_xlsx(self, m: MonthlyReport) -> bytes:
        """The monthly report as an XLSX workbook (summary, rankings, 万人诉求比, details,
        lists)."""
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        wb = Workbook()
        bold = Font(bold=True)
        ws = wb.active
        ws.title = "汇总"
        ws.append([f"{m.city_name}12345接诉即办{m.period.label_zh}通报"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([])
        if m.kpi.computed_at < m.period.bounds(self.settings.tz)[1]:
            # the month is not over: say so under the title, as the printable page does
            at = m.kpi.computed_at.astimezone(self.settings.tz).strftime("%Y-%m-%d %H:%M")
            ws["A2"] = f"本月尚未结束：数据截至 {at}，不是全月数据"
        rate_labels = set(RATE_ZH.values()) - {"综合得分"}
        # A figure without data is an empty cell, not the page's "—": text in a column of
        # numbers breaks a sum, a sort or a filter in Excel/WPS. Rows are numbered as they are
        # appended: ws.max_row looks at every cell of the sheet, and asked after each row it
        # took minutes for a city of 5,000 units.
        line = 2
        for label, value in m.summary:
            # the score as published (`_score`); a rate as it is (not ranked)
            ws.append([label, _score(value) if label == "综合得分" else value])
            line += 1
            if label in rate_labels:
                _formats(ws, line, {2: "0.00%"})
            elif label == "综合得分":
                _formats(ws, line, {2: "0.00"})
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 20

        rank_header = ["排名", "单位", "综合得分", "响应率", "解决率", "满意率", "按时办结率",
                       "派单量", "超期件数", "差评数"]
        for g, label in RANKING_GROUPS.items():
            ws = wb.create_sheet(f"排名-{label.replace('/', '')}")
            ws.append(rank_header)
            for line, r in enumerate(m.rankings[g], start=2):
                ws.append([r.rank, r.name,
                           _score(r.rates.composite), _num(r.rates.response_rate),
                           _num(r.rates.resolution_rate), _num(r.rates.satisfaction_rate),
                           _num(r.rates.on_time_rate), r.counts.dispatched, r.counts.overdue,
                           r.counts.bad_ratings])
                _formats(ws, line, {3: "0.00", 4: "0.00%", 5: "0.00%", 6: "0.00%", 7: "0.00%"})
            _header(ws, bold, [8, 24, 10, 10, 10, 10, 12, 10, 10, 10])

        ws = wb.create_sheet("万人诉求比")
        if m.has_population:
            ws.append(["分组", "排名", "单位", "诉求量", "常住人口", "万人诉求比"])
            line = 1
            for g, areas in m.intensity.items():
                for a in areas.rows:
                    line += 1
                    ws.append([AREA_GROUPS[g], a.rank, a.name, a.appeals, a.population,
                               _num(a.per_10k)])
                    _formats(ws, line, {5: "#,##0", 6: "0.00"})
            _header(ws, bold, [12, 8, 24, 10, 12, 12])
        else:
            ws.append([NO_POPULATION_ZH])

        ws = wb.create_sheet("单位明细")
        count_names = list(COUNT_ZH)
        rate_names = list(RATE_ZH)
        ws.append(["单位编码", "单位", "分组", "组内排名"] + [RATE_ZH[n] for n in rate_names]
                  + [COUNT_ZH[n] for n in count_names])
        for line, r in enumerate(m.kpi.rows, start=2):
            rd = r.rates.as_dict()
            ws.append([r.code, r.name, UNIT_GROUP_ZH.get(r.group, r.group),
                       r.rank]
                      + [_score(rd[n]) if n == "composite" else _num(rd[n])
                         for n in rate_names]
                      + [getattr(r.counts, n) for n in count_names])
            # the tree shows as Excel's own indent: the name stays the bare name, so that a
            # filter, a sort or a VLOOKUP on it finds "城西区", not "　城西区"
            ws.cell(line, 2).alignment = Alignment(indent=r.depth)
            _formats(ws, line, {5 + i: ("0.00" if n == "composite" else "0.00%")
                                for i, n in enumerate(rate_names)})
        _header(ws, bold, [12, 24, 10, 8] + [10] * (len(rate_names) + len(count_names)))

        ws = wb.create_sheet("超期清单")
        ws.append(["诉求编号", "承办单位", "承办人", "办理时限", "情况"])
        for line, e in enumerate(m.overdue, start=2):
            ws.append([e.code or "", e.unit_name, e.handler_name,
                       _when(e.at, self.settings.tz), e.detail])
            _formats(ws, line, {4: DATETIME_FORMAT})
        _header(ws, bold, [18, 24, 12, 20, 14])

        ws = wb.create_sheet("差评清单")
        ws.append(["诉求编号", "承办单位", "承办人", "评价时间", "评价"])
        for line, b in enumerate(m.bad_ratings, start=2):
            ws.append([b["code"], b["unit"], b["handler"], _when(b["at"], self.settings.tz),
                       b["detail"]])
            _formats(ws, line, {4: DATETIME_FORMAT})
        _header(ws, bold, [18, 24, 12, 20, 40])
        for sheet in wb.worksheets:
            for row in sheet.iter_rows(min_row=1, max_row=1):
                for c in row:
                    c.alignment = Alignment(vertical="center")
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


def _rs(status: str) -> Any:
    from jiesu.domain.rating import RectificationStatus

    try:
        return RectificationStatus(status)
    except ValueError:
        return status


def _ras(status: str) -> Any:
    from jiesu.domain.rating import RatingAppealStatus

    try:
        return RatingAppealStatus(status)
    except ValueError:
        return status


def _num(value: float | None) -> float | None:
    """A figure for a spreadsheet cell: None (an empty cell) without data."""
    return None if value is None else round(value, 6)


def _score(value: float | None) -> float | None:
    """A composite score for a spreadsheet cell: as published (`kpi.published`, what the
    ranking compares), so that a sheet sorted by it keeps the published order and its ties; a
    "0.00" format over 54.996 and 55.004 showed a tie that Excel's sort split."""
    return None if value is None else published(value)


DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _formats(ws: Any, row: int, formats: dict[int, str]) -> None:
    for col, fmt in formats.items():
        cell = ws.cell(row, col)
        if isinstance(cell.value, float | int | datetime):
            cell.number_format = fmt


def _header(ws: Any, bold: Any, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for c in ws[1]:
        c.font = bold
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions  # the header row gets Excel's filter and sort buttons


def _when(at: datetime | None, tz: Any) -> datetime | None:
    """A time for a spreadsheet cell: the city's wall-clock time as a real date (a spreadsheet
    has no time zones), to the minute as the page shows it; None (an empty cell) without one."""
    if at is None:
        return None
    return at.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    """CSV with a BOM so that spreadsheet programs read the Chinese text correctly; times
    (naive, the city's wall clock) as 2026-03-05 14:30; typed text that a spreadsheet would
    run as a formula (a requester's 重办 reason "=HYPERLINK(...)") quoted with '."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows([[v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime)
                  else spreadsheet_cell(v) for v in r] for r in rows])
    return buf.getvalue()


def to_xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """One sheet with a bold, filterable header; times as dates (yyyy-mm-dd hh:mm)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for line, r in enumerate(rows, start=2):
        ws.append([spreadsheet_cell(v) for v in r])
        _formats(ws, line, {col: DATETIME_FORMAT for col, v in enumerate(r, start=1)
                            if isinstance(v, datetime)})
    _header(ws, Font(bold=True), [14] * len(header))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
