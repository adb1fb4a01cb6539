"""Statistics: KPIs (三率) and rankings, trends, drill-down to appeals, accountability
(责任追究) with CSV/XLSX export, and the public 好差评 statistics.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from jiesu.api.deps import CurrentUserDep, RuntimeDep, require_roles
from jiesu.domain.appeal import Role
from jiesu.domain.errors import PermissionDenied
from jiesu.domain.kpi import (
    MEASURE_NAMES,
    PUBLISHED_PLACES,
    RANKING_GROUPS,
    SHORTFALL_NAMES,
    parse_period,
)
from jiesu.domain.population import AREA_GROUPS
from jiesu.domain.rating import STARS_ZH
from jiesu.runtime import Runtime
from jiesu.services import reporting as rep
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.feedback import FeedbackService

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])

PeriodQ = Annotated[str, Query(description="2026-03 | 2026-03-05 | 2026-W10 | "
                                           "2026-03-01..2026-03-15", max_length=40)]


def reporting(runtime: Runtime) -> rep.ReportingService:
    """The reporting service with the process's kept figures (万人诉求比 is kept a minute,
    shared with the dashboard tab)."""
    return rep.ReportingService(runtime.db, runtime.rules, runtime.settings,
                                figures=runtime.figures)


NOT_A_READER = "您的角色无权查看统计"


def check_reader(user: CurrentUser, unit: int | None,
                 roles: frozenset[Role] = rep.READERS) -> int | None:
    """Staff may read statistics; handlers only for their own unit subtree (the default)."""
    if user.role not in roles:
        raise PermissionDenied(NOT_A_READER)
    if user.role in (Role.HANDLER, Role.GRID_WORKER):
        if unit is None:
            return user.unit_id
        if unit not in user.unit_scope:
            raise PermissionDenied("只能查看本单位及下级单位的统计")
    return unit


class KpiRowOut(BaseModel):
    unit: int = Field(description="unit id")
    unit_code: str
    unit_name: str
    group: str
    depth: int
    parent_id: int | None
    rank: int | None = Field(description="rank within the group by composite (None: no data)")
    group_size: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None = Field(description="points 0–100")
    on_time_rate: float | None
    return_rate: float | None
    rework_rate: float | None
    extension_rate: float | None
    unreachable_rate: float | None
    bad_rating_rate: float | None
    counts: dict[str, int] = Field(
        description="the counts behind the rates (unreachable_no_phone: of the unreachable, "
                    "those with no phone to call, 其中无联系电话), and the shortfalls that cost "
                    "the unit points (late_response, overdue, unresolved)")
    links: dict[str, str] = Field(description="measure → URL listing the appeals behind it "
                                              "(every count and shortfall)")


class KpiOut(BaseModel):
    period: str
    period_zh: str
    formula_version: int
    formula: dict[str, Any]
    computed_at: datetime
    rows: list[KpiRowOut]


def _round(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(v, digits)


def _row_out(r: rep.KpiRow, period: str) -> KpiRowOut:
    rd = r.rates.as_dict()
    links = {n: "/api/v1/stats/kpi/appeals?" + urlencode(
        {"period": period, "unit": r.unit_id, "measure": n}) for n in MEASURE_NAMES}
    counts = r.counts.as_dict() | {n: int(getattr(r.counts, n)) for n in SHORTFALL_NAMES}
    return KpiRowOut(
        unit=r.unit_id, unit_code=r.code, unit_name=r.name, group=r.group, depth=r.depth,
        parent_id=r.parent_id, rank=r.rank, group_size=r.group_size,
        **{k: _round(v, PUBLISHED_PLACES if k == "composite" else 4) for k, v in rd.items()},
        counts=counts, links=links,
    )


def _kpi_out(report: rep.KpiReport) -> KpiOut:
    label = report.period.label
    return KpiOut(period=label, period_zh=report.period.label_zh,
                  formula_version=report.formula.version, formula=report.formula.settings(),
                  computed_at=report.computed_at,
                  rows=[_row_out(r, label) for r in report.rows])


@router.get("/kpi", response_model=KpiOut, summary="考核指标（三率）与组内排名")
def kpi(runtime: RuntimeDep, user: CurrentUserDep, period: PeriodQ,
        group: Annotated[str | None, Query(description=", ".join(RANKING_GROUPS))] = None,
        unit: Annotated[int | None, Query(description="unit id; its subtree's rows")] = None,
        formula_version: int | None = None) -> KpiOut:
    unit = check_reader(user, unit)
    report = reporting(runtime).kpi(parse_period(period), utcnow(), group=group, unit_id=unit,
                                    formula_version=formula_version)
    return _kpi_out(report)


@router.get("/rankings", response_model=KpiOut, summary="分组排名")
def rankings(runtime: RuntimeDep, user: Annotated[CurrentUser, require_roles(
                 *rep.RANKING_READERS, message=NOT_A_READER)],
             period: PeriodQ,
             group: Annotated[str, Query(description=", ".join(RANKING_GROUPS))]) -> KpiOut:
    return _kpi_out(reporting(runtime).kpi(parse_period(period), utcnow(), group=group))


class IntensityRowOut(BaseModel):
    unit: int = Field(description="unit id")
    unit_code: str
    unit_name: str
    appeals: int = Field(description="诉求量: appeals registered in the period located in the "
                                     "unit's area (its subtree), merged ones left out")
    households: int | None = Field(description="户数, rolled up (None: unknown)")
    population: int | None = Field(description="常住人口, rolled up (None: unknown)")
    per_10k: float | None = Field(description="万人诉求比 = appeals ÷ population × 10,000 "
                                              "(two decimals; None without population)")
    rank: int | None = Field(description="within the group, lowest rate first (None: no rate)")


class IntensityOut(BaseModel):
    period: str
    period_zh: str
    group: str
    group_zh: str
    unlocated: int = Field(description="appeals of the period intake placed in no area")
    rows: list[IntensityRowOut]


@router.get("/intensity", response_model=IntensityOut,
            summary="万人诉求比：每万名常住人口的诉求量及组内排名")
def intensity(runtime: RuntimeDep, user: Annotated[CurrentUser, require_roles(
                  *rep.RANKING_READERS, message=NOT_A_READER)],
              period: PeriodQ,
              group: Annotated[str, Query(description=", ".join(AREA_GROUPS))]
              ) -> IntensityOut:
    report = reporting(runtime).intensity(parse_period(period), group, now=utcnow())
    return IntensityOut(
        period=report.period.label, period_zh=report.period.label_zh, group=report.group,
        group_zh=AREA_GROUPS[report.group], unlocated=report.unlocated,
        rows=[IntensityRowOut(unit=r.unit_id, unit_code=r.code, unit_name=r.name,
                              appeals=r.appeals, households=r.households,
                              population=r.population, per_10k=r.per_10k, rank=r.rank)
              for r in report.rows])


class AppealLink(BaseModel):
    id: int
    code: str | None
    url: str


class RatingLink(BaseModel):
    id: int
    stars: int
    appeal_id: int | None = Field(description="the appeal rated (None: a service item)")
    code: str | None
    service_item: str | None = Field(description="the service item rated, by name")


class AppealsBehindOut(BaseModel):
    period: str
    unit: int
    measure: str
    count: int = Field(description="as the KPI counts it: appeals, or for `ratings` and "
                                    "`bad_ratings` ratings")
    appeals: list[AppealLink]
    ratings: list[RatingLink] | None = Field(
        None, description="`ratings`, `bad_ratings`: each rating counted, a service item's "
                          "(no appeal) and each of an appeal's; `appeals` lists each appeal "
                          "among them once")


@router.get("/kpi/appeals", response_model=AppealsBehindOut, summary="指标对应的诉求清单")
def appeals_behind(runtime: RuntimeDep, user: CurrentUserDep, period: PeriodQ, unit: int,
                   measure: Annotated[str, Query(description=", ".join(MEASURE_NAMES))]
                   ) -> AppealsBehindOut:
    check_reader(user, unit)
    p = parse_period(period)
    svc = reporting(runtime)
    now = utcnow()
    found = svc.appeals_behind(p, unit, measure, now)
    appeals = [AppealLink(id=i, code=c, url=f"/api/v1/appeals/{i}") for i, c in found]
    if measure not in rep.RATING_MEASURES:
        return AppealsBehindOut(period=p.label, unit=unit, measure=measure, count=len(found),
                                appeals=appeals)
    ratings = [RatingLink(id=x.rating_id, stars=x.stars, appeal_id=x.appeal_id, code=x.code,
                          service_item=x.item_name)
               for x in svc.ratings_behind(p, unit, measure, now)]
    return AppealsBehindOut(period=p.label, unit=unit, measure=measure, count=len(ratings),
                            appeals=appeals, ratings=ratings)


class TrendPoint(BaseModel):
    period: str
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    on_time_rate: float | None
    counts: dict[str, int]


@router.get("/kpi/trend", response_model=list[TrendPoint], summary="指标月度趋势")
def trend(runtime: RuntimeDep, user: CurrentUserDep, unit: int,
          first: Annotated[str, Query(alias="from", description="YYYY-MM")],
          last: Annotated[str, Query(alias="to", description="YYYY-MM")]) -> list[TrendPoint]:
    check_reader(user, unit)
    points = reporting(runtime).trend(unit, parse_period(first), parse_period(last), utcnow())
    return [TrendPoint(period=p.label, response_rate=_round(r.rates.response_rate),
                       resolution_rate=_round(r.rates.resolution_rate),
                       satisfaction_rate=_round(r.rates.satisfaction_rate),
                       composite=_round(r.rates.composite, PUBLISHED_PLACES),
                       on_time_rate=_round(r.rates.on_time_rate), counts=r.counts.as_dict())
            for p, r in points]


class FormulaOut(BaseModel):
    version: int
    settings: dict[str, Any]
    note: str
    created_at: datetime


class FormulaIn(BaseModel):
    settings: dict[str, Any] = Field(description="settings to change, e.g. weight_response")
    note: str = Field("", max_length=500)


@router.get("/kpi/formula", response_model=list[FormulaOut], summary="考核公式版本")
def formula_versions(runtime: RuntimeDep, user: CurrentUserDep) -> list[FormulaOut]:
    check_reader(user, None, rep.REPORT_READERS)
    return [FormulaOut(version=f.version, settings=f.settings(), note=note, created_at=at)
            for f, note, at in reporting(runtime).formula_versions()]


@router.post("/kpi/formula", response_model=FormulaOut, status_code=201,
             summary="新建考核公式版本（管理员）")
def new_formula(body: FormulaIn, runtime: RuntimeDep, user: Annotated[CurrentUser, require_roles(
        Role.ADMIN, message="只有管理员可以修改考核公式")]) -> FormulaOut:
    now = utcnow()
    f = reporting(runtime).set_formula(user.actor(), body.settings, body.note, now)
    return FormulaOut(version=f.version, settings=f.settings(), note=body.note, created_at=now)


class StoredOut(BaseModel):
    period: str
    formula_version: int
    rows: int


@router.post("/kpi/store", response_model=StoredOut, summary="计算并保存考核结果")
def store_kpi(runtime: RuntimeDep, user: Annotated[CurrentUser, require_roles(
        Role.ADMIN, Role.ANALYST, message="您的角色无权保存考核结果")],
              period: PeriodQ) -> StoredOut:
    p = parse_period(period)
    n, v = reporting(runtime).store_kpi(p, utcnow())
    return StoredOut(period=p.label, formula_version=v, rows=n)


@router.get("/kpi/stored", summary="已保存的考核结果（含公式版本）")
def stored_kpi(runtime: RuntimeDep, user: Annotated[CurrentUser, require_roles(
        *rep.REPORT_READERS, message=NOT_A_READER)],
               period: PeriodQ) -> list[dict[str, Any]]:
    return reporting(runtime).stored_kpi(parse_period(period))


# --- accountability -------------------------------------------------------------------------


class AccountabilityItemOut(BaseModel):
    kind: str
    kind_zh: str
    appeal_id: int | None
    code: str | None
    unit_id: int | None
    unit_name: str
    handler_id: int | None
    handler_name: str
    at: datetime | None
    detail: str


class AccountabilityOut(BaseModel):
    period: str
    items: list[AccountabilityItemOut]
    by_unit: dict[str, dict[str, int]]
    by_handler: dict[str, dict[str, int]]


ACC_ROLES = frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMIN, Role.HANDLER, Role.GRID_WORKER})


def _accountability(runtime: Runtime, user: CurrentUser, period: str,
                    unit: int | None) -> rep.Accountability:
    unit = check_reader(user, unit, ACC_ROLES)
    return reporting(runtime).accountability(parse_period(period), utcnow(), unit_id=unit)


@router.get("/accountability", response_model=AccountabilityOut, summary="责任追究记录")
def accountability(runtime: RuntimeDep, user: CurrentUserDep, period: PeriodQ,
                   unit: int | None = None) -> AccountabilityOut:
    acc = _accountability(runtime, user, period, unit)
    return AccountabilityOut(
        period=acc.period.label,
        items=[AccountabilityItemOut(kind=e.kind, kind_zh=rep.ACCOUNTABILITY_ZH[e.kind],
                                     appeal_id=e.appeal_id, code=e.code, unit_id=e.unit_id,
                                     unit_name=e.unit_name, handler_id=e.handler_id,
                                     handler_name=e.handler_name, at=e.at, detail=e.detail)
               for e in acc.items],
        by_unit=acc.by_unit, by_handler=acc.by_handler)


@router.get("/accountability.csv", summary="导出责任追究记录（CSV）")
def accountability_csv(runtime: RuntimeDep, user: CurrentUserDep, period: PeriodQ,
                       unit: int | None = None) -> Response:
    acc = _accountability(runtime, user, period, unit)
    header, rows = rep.ReportingService.accountability_table(acc, runtime.settings.tz)
    return Response(rep.to_csv(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="accountability-{acc.period.label}.csv"'})


@router.get("/accountability.xlsx", summary="导出责任追究记录（XLSX）")
def accountability_xlsx(runtime: RuntimeDep, user: CurrentUserDep, period: PeriodQ,
                        unit: int | None = None) -> Response:
    acc = _accountability(runtime, user, period, unit)
    header, rows = rep.ReportingService.accountability_table(acc, runtime.settings.tz)
    return Response(rep.to_xlsx("责任追究", header, rows),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition":
                             f'attachment; filename="accountability-{acc.period.label}.xlsx"'})


# --- public 好差评 statistics ----------------------------------------------------------------


class RatingStatOut(BaseModel):
    unit: int
    unit_name: str
    group: str
    ratings: int = Field(description="评价量")
    good_rate: float | None = Field(description="好评率 (3–5 stars)")
    bad: int = Field(description="差评数")
    bad_rate: float | None = Field(description="差评率")
    rectification_rate: float | None = Field(description="整改率")
    rectification_satisfaction_rate: float | None = Field(description="整改满意率")


@router.get("/ratings", response_model=list[RatingStatOut], summary="好差评统计（公开）")
def rating_stats(runtime: RuntimeDep, period: PeriodQ) -> list[RatingStatOut]:
    stats = reporting(runtime).rating_stats(parse_period(period), utcnow())
    return [RatingStatOut(unit=s.unit_id, unit_name=s.name, group=s.group, ratings=s.ratings,
                          good_rate=_round(s.good_rate), bad=s.bad, bad_rate=_round(s.bad_rate),
                          rectification_rate=_round(s.rectification_rate),
                          rectification_satisfaction_rate=_round(
                              s.rectification_satisfaction_rate))
            for s in stats]


@router.get("/rectifications/published", summary="整改结果公示（公开）")
def published_rectifications(runtime: RuntimeDep) -> list[dict[str, Any]]:
    """The latest 100, as the public page shows them: redacted, never of reports (举报) or of
    appeals the requester marked confidential."""
    items, _ = FeedbackService(runtime.db, runtime.rules, runtime.settings).published_page(
        per_page=100)
    return [asdict(r) | {"stars_zh": STARS_ZH[r.stars]} for r in items]
