"""Hotspots (热点预警 / 未诉先办): clusters of similar recent appeals in one area, and turning one
into a governance task (治理任务) dispatched to a lead unit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from jiesu.api.deps import CurrentUserDep, RuntimeDep, require_roles
from jiesu.services import hotspots as hs
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow

router = APIRouter(prefix="/api/v1/stats/hotspots", tags=["stats"])

KeyPath = Annotated[str, Path(max_length=40, description="the hotspot's key, e.g. h123")]


class HotspotAppealOut(BaseModel):
    id: int
    code: str | None
    url: str


class HotspotTaskRefOut(BaseModel):
    id: int
    code: str | None
    url: str


class HotspotOut(BaseModel):
    key: str = Field(description="stable while the hotspot's oldest appeal stays in it")
    area_unit_id: int | None = Field(description="the unit the appeals' addresses lie in")
    area_name: str | None
    label: str = Field(description="a representative appeal's text")
    terms: list[str] = Field(description="distinctive words of the hotspot")
    volume: int = Field(description="appeals in the window (诉求量)")
    requesters: int = Field(description="distinct requesters (诉求人数)")
    recent: int = Field(description="appeals in the later half of the window")
    earlier: int = Field(description="appeals in the earlier half of the window")
    growth: float = Field(description="(recent − earlier) ÷ max(earlier, 1)")
    dissatisfied: int = Field(description="appeals followed up as dissatisfied or reopened")
    heat: float = Field(description="heat index (热度), larger is hotter")
    kind: str = Field(description="the most common kind among the appeals")
    appeals: list[HotspotAppealOut] = Field(description="the hotspot's appeals, newest first")
    task: HotspotTaskRefOut | None = Field(description="its governance task, once created")
    alerted_at: datetime | None = Field(
        None, description="when its warning was texted (热点预警短信, JIESU_HOTSPOT_ALERT_PEOPLE)")


class HotspotTaskIn(BaseModel):
    unit_id: int = Field(ge=1, description="the lead unit (主办单位) the task is dispatched to")
    note: str = Field("", max_length=500, description="what the leader asks for (交办意见)")


class HotspotTaskOut(BaseModel):
    id: int
    code: str
    key: str
    unit_id: int
    url: str


def _out(h: hs.CurrentHotspot) -> HotspotOut:
    s = h.spot
    task = (HotspotTaskRefOut(id=h.task.appeal_id, code=h.task.code,
                              url=f"/api/v1/appeals/{h.task.appeal_id}") if h.task else None)
    return HotspotOut(
        key=s.key, area_unit_id=s.area_unit_id, area_name=h.area_name, label=s.label,
        terms=list(s.terms), volume=s.volume, requesters=s.requesters, recent=s.recent,
        earlier=s.earlier, growth=s.growth, dissatisfied=s.dissatisfied, heat=s.heat,
        kind=h.kind, task=task, alerted_at=h.alerted_at,
        appeals=[HotspotAppealOut(id=m.appeal_id, code=m.code,
                                  url=f"/api/v1/appeals/{m.appeal_id}") for m in h.members])


@router.get("", response_model=list[HotspotOut], summary="热点预警 Hotspots")
def hotspots(runtime: RuntimeDep, user: Annotated[CurrentUser, require_roles(
        *hs.READERS, message="您的角色无权查看统计")]) -> list[HotspotOut]:
    """The hotspots of the last `JIESU_HOTSPOT_WINDOW_DAYS` days, hottest first (kept five
    minutes per process)."""
    return [_out(h) for h in runtime.hotspots.current(utcnow())]


@router.post("/{key}/task", response_model=HotspotTaskOut, status_code=201,
             summary="热点转为治理任务 Hotspot to governance task")
def to_task(key: KeyPath, body: HotspotTaskIn, runtime: RuntimeDep,
            user: CurrentUserDep) -> HotspotTaskOut:
    """Register a governance task (channel `supervisor`) for the hotspot and dispatch it to the
    lead unit. Analysts (领导), supervisors and admins; 409 when the hotspot has a task already,
    404 when the hotspot changed (reload the list)."""
    made = runtime.hotspots.to_task(user.actor(), key, body.unit_id, utcnow(), body.note)
    return HotspotTaskOut(id=made.appeal_id, code=made.code, key=made.key, unit_id=made.unit_id,
                          url=f"/api/v1/appeals/{made.appeal_id}")
