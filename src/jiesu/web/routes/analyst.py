"""Analyst and leaders (分析/领导): the dashboard — volume per day, category mix, per-unit
table, overdue, trend and the hottest hotspots — readable on a big screen; and the auditor's
event log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.domain.appeal import Role
from jiesu.services.clock import utcnow
from jiesu.store import web_queries
from jiesu.web import core, stats

router = APIRouter(prefix="/staff", include_in_schema=False)
ROLES = {Role.ANALYST, Role.ADMIN, Role.SUPERVISOR, Role.DISPATCHER}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    now = utcnow()
    data = stats.cached_dashboard(rt, now)
    # the dashboard never waits for the clustering (seconds for a big city's week)
    hotspots = rt.hotspots.without_waiting(now)
    with core.reading(rt) as uow:
        f = stats.formula(uow.session)
    lang = core.lang_of(request)
    return core.render(request, "staff/dashboard.html", {
        "d": data, "charts": stats.dashboard_charts(data, lang),
        "satisfaction_rate": stats.satisfaction_rate(data.satisfaction, f),
        "unit_rates": {u.unit_id: stats.satisfaction_rate(u.satisfaction, f) for u in data.units},
        "trend": [(stats.category_label(lang, name), a, b) for name, a, b in data.trend],
        "hotspots": None if hotspots is None else hotspots[:3],
        "big": request.query_params.get("big") == "1"})


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request) -> HTMLResponse:
    core.require(request, {Role.AUDITOR, Role.ADMIN})
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        events = web_queries.latest_events(uow.session, limit=100)
    return core.render(request, "staff/audit.html", {"events": events})
