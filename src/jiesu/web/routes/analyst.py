"""Analyst and leaders (分析/领导): the dashboard — volume per day, category mix, per-unit
table, overdue, trend and the hottest hotspots — readable on a big screen, with a tab ranking
the areas by 万人诉求比 (appeals per 10,000 residents); and the auditor's event log with the
recorded audit checks (审计链校验)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain import kpi
from jiesu.domain.appeal import Role, typed_code
from jiesu.domain.errors import DomainError
from jiesu.domain.kpi import parse_period
from jiesu.domain.population import AREA_GROUPS
from jiesu.services import reporting as rep
from jiesu.services.audit import acknowledge, alarms, recent_checks, stale
from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.web import core, i18n, stats
from jiesu.web.routes import admin

router = APIRouter(prefix="/staff", include_in_schema=False)
ROLES = {Role.ANALYST, Role.ADMIN, Role.SUPERVISOR, Role.DISPATCHER}
TABS = [("overview", "总览"), ("intensity", "万人诉求比")]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    if request.query_params.get("tab") == "intensity":
        return _intensity(request)
    user = core.require(request, ROLES)
    rt = core.runtime_of(request)
    now = utcnow()
    data = stats.cached_dashboard(rt, now)
    # the dashboard never waits for the clustering (seconds for a big city's week)
    hotspots = rt.hotspots.without_waiting(now)
    f = data.formula
    lang = core.lang_of(request)
    return core.render(request, "staff/dashboard.html", {
        "d": data, "charts": stats.dashboard_charts(data, lang),
        # the KPI's 满意率 (kpi.satisfaction_rate over the KPI's counts), over 30 days
        "satisfaction_rate": kpi.satisfaction_rate(data.satisfaction, f),
        "unit_rates": {u.unit_id: kpi.satisfaction_rate(u.satisfaction, f) for u in data.units},
        # how many follow-ups a unit's rate stands on: 40 % of 5 is not 40 % of 500
        "unit_rated": {u.unit_id: u.satisfaction.rated for u in data.units},
        "basic_weight": f.basic_satisfaction_weight,
        "trend": [(stats.category_label(lang, name), a, b) for name, a, b in data.trend],
        "hotspots": None if hotspots is None else hotspots[:3],
        "big": request.query_params.get("big") == "1", "tabs": TABS, "tab": "overview",
        "may_read_reports": user.role in rep.REPORT_READERS})


def _intensity(request: Request) -> HTMLResponse:
    """万人诉求比 of the areas of one group for a period (this month unless asked), ranked
    lowest first; a bad period or group is said on the page."""
    user = core.require(request, rep.RANKING_READERS)
    rt = core.runtime_of(request)
    q = request.query_params
    period = (q.get("period") or "").strip() or utcnow().astimezone(rt.settings.tz).strftime(
        "%Y-%m")
    group = q.get("group") or "street"
    ctx: dict[str, Any] = {"tabs": TABS, "tab": "intensity", "groups": AREA_GROUPS,
                           "period": period, "group": group, "r": None, "error": None,
                           "can_admin": user.role in admin.ROLES}
    try:
        # counted over the whole period's appeals (about 0.2 s for a month of 330,000 on
        # PostgreSQL): kept a minute per period and group, shared with the API
        svc = rep.ReportingService(rt.db, rt.rules, rt.settings, figures=rt.figures)
        ctx["r"] = svc.intensity(parse_period(period), group, now=utcnow())
    except DomainError as exc:
        ctx["error"] = exc.message
    # a period or group that cannot be read is the asker's mistake: said on the page, as 422
    return core.render(request, "staff/intensity.html", ctx,
                       status_code=422 if ctx["error"] else 200)


AUDIT_PER_PAGE = 50
AUDIT_CHECKS_SHOWN = 10


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request) -> HTMLResponse:
    core.require(request, {Role.AUDITOR, Role.ADMIN})
    rt = core.runtime_of(request)
    # the auditor's search box: every event of one appeal, in order (auditors do not open
    # appeal pages)
    code = typed_code(request.query_params.get("code"))
    page, total, capped, anchors = core.page_number(request), 0, False, None
    # verifying recomputes every event's hash (about 60 µs an event: a minute at a million),
    # too slow for a page: the page shows the checks the periodic jobs and `jiesu audit
    # verify` recorded, and how far the anchors reach
    checks = [] if code else recent_checks(rt.db, AUDIT_CHECKS_SHOWN)
    raised = [] if code else alarms(rt.db)
    lang = core.lang_of(request)
    kinds = i18n.choices(lang, "action")
    shown, problem = audit_filters(request, rt.settings.tz, {k for k, _ in kinds})
    with core.reading(rt) as uow:
        if not code:
            events, total, capped = ([], 0, False) if problem else web_queries.latest_events(
                uow.session, page=page, per_page=AUDIT_PER_PAGE, kind=shown["type"] or None,
                since=shown["since"], until=shown["until"])
            anchors = web_queries.anchor_state(uow.session)
        elif (row := web_queries.by_code(uow.session, code)) is not None:
            events = [(e, row.code) for e in queries.events_of(uow.session, row.id)]
        else:
            events = []
        who = {c.acknowledged_by for c in checks if c.acknowledged_by is not None}
        names = web_queries.user_names(uow.session, who) if who else {}
        actors = web_queries.user_names(uow.session, {e.actor_id for e, _ in events
                                                      if e.actor_id is not None})
    query_base = urlencode([(k, shown[k]) for k in ("type", "from", "to") if shown[k]])
    return core.render(request, "staff/audit.html", {
        "events": events, "code": code, "anchors": anchors,
        # the count stops at COUNT_CAP: past it the rows end where a page is short
        **core.page_of(events, total, capped, page, AUDIT_PER_PAGE), "query_base": query_base,
        "kinds": kinds, "shown": shown, "problem": problem, "actors": actors, "checks": checks,
        "alarms": raised, "names": names, "typed": core.take_typed(request),
        "stale": stale(checks[0] if checks else None, utcnow(),
                       rt.settings.audit_verify_hours),
        "verify_hours": rt.settings.audit_verify_hours})


def audit_filters(request: Request, tz: ZoneInfo, kinds: set[str],
                  unknown_kind: str = "请从列表中选择事件类型") -> tuple[dict[str, Any], str]:
    """The audit lists' filters as typed (`type`, one of `kinds`; from and to as local dates,
    both days included) with the UTC bounds they give, and what is wrong with them ("" if
    nothing; `unknown_kind` for a type not in `kinds`)."""
    q = request.query_params
    shown: dict[str, Any] = {"type": q.get("type", "")[:32], "from": q.get("from", "")[:10],
                             "to": q.get("to", "")[:10], "since": None, "until": None}
    if shown["type"] and shown["type"] not in kinds:
        return shown, unknown_kind
    for key, bound, extra in (("from", "since", 0), ("to", "until", 1)):
        if not shown[key]:
            continue
        try:
            day = date.fromisoformat(shown[key]) + timedelta(days=extra)
        except ValueError:
            return shown, "日期应为 YYYY-MM-DD 格式，例如 2026-11-01"
        shown[bound] = datetime.combine(day, time.min, tzinfo=tz)
    if shown["since"] and shown["until"] and shown["since"] >= shown["until"]:
        return shown, "起始日期不能晚于截止日期"
    return shown, ""


@router.post("/audit/checks/{check_id}/acknowledge", response_model=None)
def acknowledge_check(request: Request, check_id: int, form: core.FormDep) -> Response:
    """确认已处理: an auditor or administrator records what a broken check turned out to be and
    what was done; the alarm ends."""
    user = core.require(request, {Role.AUDITOR, Role.ADMIN})
    rt = core.runtime_of(request)
    note = core.text(form, "note")
    return core.done(request, lambda: acknowledge(rt.db, user.actor(), check_id, note, utcnow()),
                     "已确认审计告警，处理情况已记录", "/staff/audit",
                     keep=(f"ack-{check_id}", {"note": note}))
