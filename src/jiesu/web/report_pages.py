"""The printable monthly report (通报) page and its XLSX download.

Plain server-rendered HTML with print CSS; for analysts, supervisors and admins logged in by
bearer token or web session.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from jiesu.api.deps import RuntimeDep, optional_user
from jiesu.domain.kpi import RANKING_GROUPS, parse_period
from jiesu.domain.population import AREA_GROUPS
from jiesu.runtime import Runtime
from jiesu.services import reporting as rep
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.web import i18n
from jiesu.web.core import LANG_COOKIE, lang_of

router = APIRouter(tags=["reports"], include_in_schema=False)

_TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
_MONTH = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# entries of the 超期清单 and 差评清单 on the page (a big city's month has tens of thousands of
# overdue appeals: a page of megabytes); the XLSX lists them all
LIST_SHOWN = 500


def _page(request: Request, message: str, status: int) -> HTMLResponse:
    lang = lang_of(request)
    text, login = i18n.gettext(lang, message), i18n.gettext(lang, "登录")
    body = (f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>'
            f'<meta charset="utf-8"><title>{text}</title></head><body><p>{text}</p>'
            f'<p><a href="/login">{login}</a></p></body></html>')
    return HTMLResponse(body, status_code=status)


def _reader(request: Request, runtime: Runtime) -> CurrentUser | HTMLResponse:
    user = optional_user(request, runtime)
    if user is None:
        return _page(request, "请先登录后查看月度通报", 401)
    if user.role not in rep.REPORT_READERS:
        return _page(request, "您的角色无权查看月度通报", 403)
    return user


def _default_month(runtime: Runtime) -> str:
    return utcnow().astimezone(runtime.settings.tz).strftime("%Y-%m")


def render_monthly(runtime: Runtime, month: str, now: datetime, lang: str = "zh") -> str:
    """The monthly report as a printable HTML page, in Chinese or (lang "en") English.

    Headings, labels and the period are translated; unit names and appeal texts are data and
    stay as they are. The report is kept a minute per month (runtime.figures), shared with the
    XLSX download, and so is its page in each language: for a city of 5,000 units and a month
    of tens of thousands of overdue appeals the page is megabytes, a second to render.
    """
    svc = rep.ReportingService(runtime.db, runtime.rules, runtime.settings,
                               figures=runtime.figures)
    report = svc.monthly(parse_period(month), now)
    key = ("monthly.html", report.period, report.kpi.formula.version, report.kpi.computed_at,
           lang)
    return runtime.figures.get(key, now, lambda: _render_monthly(runtime, report, now, lang))


def _render_monthly(runtime: Runtime, report: rep.MonthlyReport, now: datetime,
                    lang: str) -> str:
    tz = runtime.settings.tz
    period = report.period.label_en if lang == "en" else report.period.label_zh
    summary = []
    for label, value in report.summary:
        if label in rep.RATE_ZH.values() and label != "综合得分":
            value = rep.pct(value)
        elif label == "综合得分":
            value = rep.points(value)
        elif label == "统计周期":
            value = period
        summary.append((label, value))

    def _(message: str, **kwargs: object) -> str:
        return i18n.gettext(lang, message, **kwargs)

    # the month is not over (the default is this month): its figures are not the month's yet
    partial = now < report.period.bounds(tz)[1]
    return _env.get_template("report_monthly.html").render(
        r=report, summary=summary, groups=RANKING_GROUPS, pct=rep.pct, points=rep.points,
        partial=partial, list_shown=LIST_SHOWN,
        area_groups=AREA_GROUPS, no_population=rep.NO_POPULATION_ZH,
        lang=lang, _=_, title=_("{city}12345接诉即办工作{period}通报", city=report.city_name,
                                 period=period),
        local=lambda at: at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else "",
        generated=now.astimezone(tz).strftime("%Y-%m-%d %H:%M"))


@router.get("/reports/monthly", response_class=HTMLResponse)
def monthly_page(request: Request, runtime: RuntimeDep,
                 month: _MONTH | None = None) -> Response:
    user = _reader(request, runtime)
    if isinstance(user, HTMLResponse):
        return user
    lang = lang_of(request)
    response = HTMLResponse(render_monthly(runtime, month or _default_month(runtime), utcnow(),
                                           lang))
    if request.query_params.get("lang") in i18n.LANGS:  # remembered, as on every other page
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/reports/monthly.xlsx")
def monthly_xlsx(request: Request, runtime: RuntimeDep, month: _MONTH | None = None) -> Response:
    user = _reader(request, runtime)
    if isinstance(user, HTMLResponse):
        return user
    month = month or _default_month(runtime)
    svc = rep.ReportingService(runtime.db, runtime.rules, runtime.settings,
                               figures=runtime.figures)
    data = svc.monthly_workbook(parse_period(month), utcnow())
    return Response(data, media_type=_XLSX, headers={
        "Content-Disposition": f'attachment; filename="monthly-report-{month}.xlsx"'})
