"""Hotspots (热点预警 / 未诉先办): clusters of similar recent appeals in one area, hottest first.
Leaders, supervisors and admins turn one into a governance task (治理任务) with a lead unit;
dispatchers read them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from jiesu.domain.errors import InvalidArguments
from jiesu.services import hotspots as hs
from jiesu.services.clock import utcnow
from jiesu.store import web_queries
from jiesu.web import core, staff
from jiesu.web.core import FormDep

router = APIRouter(prefix="/staff/hotspots", include_in_schema=False)
PAGE = "/staff/hotspots"


@router.get("", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    user = core.require(request, hs.READERS)
    rt = core.runtime_of(request)
    found = rt.hotspots.current(utcnow())
    may_act = hs.may_create_tasks(user.role)
    with core.reading(rt) as uow:
        s = uow.session
        # each area below the city, as on the appeal page: 东城区 › 东华门街道
        chains = web_queries.unit_chains(s, {h.spot.area_unit_id for h in found})
        # the units near each open hotspot's area; the whole list is fetched by the browser
        open_areas = [h.spot.area_unit_id for h in found if h.task is None]
        unit_list = (staff.near_units(s, *open_areas) if may_act and open_areas
                     else staff.UnitList([]))
        # without script, ?units=<key> (a form's 显示全部单位… link) writes the whole list into
        # that hotspot's form, and only there: twenty forms of a big city's list would be 7 MB
        units_for = request.query_params.get("units", "")
        whole = (staff.unit_options(staff.lead_units(s)) if may_act and any(
            h.spot.key == units_for and h.task is None for h in found) else None)
    offered = {u.id for u in unit_list.units}
    return core.render(request, "staff/hotspots.html", {
        "hotspots": found, "may_act": may_act, "window_days": rt.hotspots.window_days,
        "areas": {area: " › ".join(name for _, name in chain) or None
                  for area, chain in chains.items()},
        # the lead unit proposed: the area's own unit or the nearest one above it offered
        "proposed": {area: next((i for i, _ in reversed(chain) if i in offered), None)
                     for area, chain in chains.items()},
        "unit_list": unit_list, "pick": staff.pick_units, "unit_url": staff.UNIT_OPTIONS_URL,
        "units_for": units_for if whole else None, "all_units_options": whole})


@router.post("/{key}/task", response_model=None)
def to_task(request: Request, key: str, form: FormDep) -> Response:
    """Turn a hotspot into a governance task; errors come back as a message on the page."""
    user = core.require(request, hs.TASK_ROLES)
    rt = core.runtime_of(request)
    unit = core.text(form, "unit_id")

    def run() -> str:
        if not staff.is_number(unit) or len(unit) > 18:
            raise InvalidArguments("请指定主办单位", field="unit_id")
        made = rt.hotspots.to_task(user.actor(), key, int(unit), utcnow(),
                                   core.text(form, "note"))
        return made.code

    return core.done(request, run, lambda code: f"已转为治理任务：{code}", PAGE)

