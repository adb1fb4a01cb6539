"""本单位考核: a handling unit's 三率, composite score and rank for a month, as the 通报 gives
them, with its sub-units, the appeals behind every lost point and its six-month trend.

Handlers and grid workers see their own unit subtree; the 通报's readers (analyst, supervisor,
admin) any unit by `?unit=CODE`, which the 通报's ranking rows link to.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.domain.kpi import RANKING_GROUPS, month, parse_period
from jiesu.services import reporting as rep
from jiesu.services.clock import utcnow
from jiesu.web import core

router = APIRouter(prefix="/staff/unit-kpi", include_in_schema=False)
MONTH = re.compile(r"^\d{4}-\d{2}$")
MONTHS_OFFERED = 24  # the month picker's choices, this month first
# what the page lists under 考核数据, in this order (the KPI counts by their 通报 names);
# 未联系上 says in its own item how many of them had no phone (其中无联系电话)
COUNTS = ("dispatched", "returned", "response_due", "responded_on_time", "late_response",
          "handle_due", "completed_on_time", "overdue", "extended", "closed", "reworked",
          "followed_up", "unreachable", "reached", "resolved", "satisfied",
          "basically_satisfied", "dissatisfied", "supervised", "red_cards", "ratings",
          "bad_ratings")
COUNT_LABELS = rep.COUNT_ZH | {"late_response": "未按时响应", "overdue": "超期件数"}


def _months(this_month: date) -> list[str]:
    p = month(this_month.year, this_month.month)
    out = []
    for _ in range(MONTHS_OFFERED):
        out.append(p.label)
        p = p.previous()
    return out


@router.get("", response_class=HTMLResponse)
def unit_kpi(request: Request) -> HTMLResponse:
    user = core.require(request, rep.UNIT_KPI_READERS)
    rt = core.runtime_of(request)
    now = utcnow()
    this_month = now.astimezone(rt.settings.tz).date()
    q = request.query_params
    period = (q.get("period") or "").strip()[:7] or this_month.strftime("%Y-%m")
    unit_code = (q.get("unit") or "").strip()[:64] or None
    months = _months(this_month)
    ctx: dict[str, Any] = {"r": None, "error": None, "period": period, "unit_code": unit_code,
                           "months": months if period in months else [period, *months],
                           "may_pick_unit": user.role in rep.REPORT_READERS,
                           "groups": RANKING_GROUPS, "counts": COUNTS,
                           "count_labels": COUNT_LABELS, "shortfall_zh": rep.SHORTFALL_ZH,
                           "rated_shortfalls": rep.RATED_SHORTFALLS,
                           "rate_zh": rep.RATE_ZH, "pct": rep.pct, "points": rep.points,
                           "shown": rep.SHORTFALL_SHOWN}
    try:
        if not MONTH.match(period):
            raise InvalidArguments("月份应为 YYYY-MM 格式，例如 2026-11", field="period")
        p = parse_period(period)
        svc = rep.ReportingService(rt.db, rt.rules, rt.settings, figures=rt.figures)
        r = svc.unit_report(user.actor(), p, now, unit_code=unit_code)
    except DomainError as exc:
        if exc.http_status != 422:  # 403, 404: the error page
            raise
        ctx["error"] = exc.message
        return core.render(request, "staff/unit_kpi.html", ctx, status_code=422)
    ctx["r"] = r
    # the month is not over: its figures are the month's so far (the 通报's wording)
    ctx["partial"] = r.computed_at < p.bounds(rt.settings.tz)[1]
    return core.render(request, "staff/unit_kpi.html", ctx)

