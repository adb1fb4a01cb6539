"""A grid worker's own grid (我的网格), for the patrol app. Reports themselves are registered
with `POST /api/v1/appeals` (channel `grid_patrol`, and `resolved_on_site` when solved there)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from jiesu.api.deps import RuntimeDep, require_roles
from jiesu.domain.appeal import Role
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.grids import GridService

router = APIRouter(prefix="/api/v1/grid", tags=["grid"])

GridWorker = Annotated[CurrentUser, require_roles(
    Role.GRID_WORKER, message="只有所属网格的网格员可以查看“我的网格”")]


class ReportOut(BaseModel):
    id: int
    code: str
    title: str
    status: str
    created_at: datetime
    unit: str | None = Field(description="承办单位（已派单或就地解决时）")


class GridOut(BaseModel):
    unit_id: int
    code: str
    name: str
    chain: list[str] = Field(description="上级区域，自上而下（区、街道、社区）")
    workers: list[str] = Field(description="本网格的网格员")
    households: int | None = Field(description="户数（未录入时为空）")
    population: int | None = Field(description="常住人口（未录入时为空）")
    todo: int = Field(description="本网格须签收和办理的诉求（不含仅协办的）")
    todo_capped: bool = Field(description="todo 为下限（待办很多时不再细数）")
    assisting: int = Field(description="本网格协办的待签收和办理中诉求（由主办单位签收、答复）")
    assisting_capped: bool = Field(description="assisting 为下限")
    period: str = Field(description="本月，如 2026-11")
    received: int = Field(description="本月位于本网格的诉求（不含已合并）")
    patrol: int = Field(description="其中网格巡查上报")
    resolved_on_site: int = Field(description="其中就地解决")
    per_10k: float | None = Field(description="本月至今的万人诉求比（无人口数据时为空）")
    reports: list[ReportOut] = Field(description="本人最近的上报，新的在前")


@router.get("", response_model=GridOut, summary="我的网格 My grid")
def my_grid(runtime: RuntimeDep, user: GridWorker) -> GridOut:
    grid = GridService(runtime.db, runtime.settings.tz).overview(user.actor(), utcnow())
    data = asdict(grid)
    data["period"] = grid.period.label
    return GridOut.model_validate(data)
