"""诉求台账 (the appeal ledger) for staff: pick a period, status, category, unit, channel, kind or
only the overdue ones, see what matches, and download it as Excel (XLSX) or CSV — the same file
as the API's `/api/v1/exports/ledger.*`, by the same service, for the same roles and scopes (a
handler's unit subtree)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from jiesu.api.exchange_deps import open_data
from jiesu.api.v1.appeals import scope_for
from jiesu.api.v1.exports import CSV_TYPE, LEDGER_ROLES, XLSX_TYPE
from jiesu.domain import appeal as dom
from jiesu.domain.errors import InvalidArguments, NotFound
from jiesu.services.clock import utcnow
from jiesu.services.open_data import (
    LEDGER_FIELDS,
    csv_chunks,
    logged_export,
    signed_in,
    xlsx_chunks,
)
from jiesu.store import queries, web_queries
from jiesu.web import core, staff

router = APIRouter(prefix="/staff", include_in_schema=False)
ROLES = LEDGER_ROLES
PER_PAGE = 20
# The unit filter offers the user's scope unit and two levels below it, as a user of the whole
# city gets the city, districts and streets; past this many (a district of thousands) the
# upper levels are kept whole and the page says the list is cut.
LEDGER_UNITS = 2000
# the filters of the form, in the order of its fields (also what a download link carries)
FILTER_KEYS = ("from", "to", "status", "category", "unit", "channel", "kind", "overdue")
OPEN = "open"  # the status choice "办理中": every status not yet ended
# Both files are sent as they are written, the XLSX about as fast as the CSV (bench/exports.py,
# figures in docs/web.md); but a workbook holds at most Excel's 1,048,575 rows below its header
# and a big one opens slowly in Excel/WPS. Past this many rows the page says so.
XLSX_BIG_ROWS = 200_000
COUNT_CAP = 200_000  # the page counts the file's rows exactly up to this many


def _day(value: str, tz: ZoneInfo, label: str, *, end: bool = False) -> datetime | None:
    """A local date of the form (YYYY-MM-DD) as the UTC instant it starts (`end`: the next
    day's start, the end date counting whole)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidArguments(f"{label}“{value[:20]}”不是有效日期，请按 2026-11-01 的格式填写"
                               ) from None
    if not 1900 <= day.year <= 9000:
        raise InvalidArguments(f"{label} {day} 超出范围（1900–9000 年）")
    start = datetime.combine(day, time(0), tzinfo=tz)
    if end:
        start += timedelta(days=1)
    return start.astimezone(UTC)


def _choice(value: str, allowed: dict[Any, str], label: str) -> str | None:
    if not value:
        return None
    if value not in {str(k) for k in allowed}:
        raise InvalidArguments(f"{label}“{value[:20]}”无效，请从列表中选择")
    return value


def ledger_filters(params: dict[str, str], tz: ZoneInfo,
                   categories: set[str]) -> queries.AppealFilters:
    """The form's values as the list filters; a value the form would not give is refused in
    Chinese (a typed date, an edited address)."""
    created_from = _day(params.get("from", ""), tz, "开始日期")
    created_to = _day(params.get("to", ""), tz, "结束日期", end=True)
    if created_from and created_to and created_from >= created_to:
        raise InvalidArguments("开始日期不能晚于结束日期")
    status = params.get("status", "")
    open_only = status == OPEN
    statuses = None if open_only else _choice(status, dom.STATUS_ZH, "办理状态")
    category = params.get("category", "")
    if category and category not in categories:
        raise InvalidArguments(f"没有编码为“{category[:20]}”的事项分类")
    unit = params.get("unit", "")
    if unit and not unit.isdigit():
        raise InvalidArguments(f"单位“{unit[:20]}”无效，请从列表中选择")
    overdue = params.get("overdue", "")
    if overdue not in ("", "1"):
        raise InvalidArguments("“仅超期”的值无效")
    return queries.AppealFilters(
        status=[statuses] if statuses else None, open_only=open_only,
        unit_id=int(unit) if unit else None, category=category or None,
        channel=_choice(params.get("channel", ""), dom.CHANNEL_ZH, "来源渠道"),
        kind=_choice(params.get("kind", ""), dom.KIND_ZH, "诉求类型"),
        overdue=True if overdue else None,
        created_from=created_from, created_to=created_to)


def _params(request: Request) -> dict[str, str]:
    return {k: (request.query_params.get(k) or "").strip()[:40] for k in FILTER_KEYS}


def _months(now: datetime, tz: ZoneInfo) -> list[tuple[str, str, str]]:
    """This month and last month as (label, from, to): the periods asked for most."""
    today = now.astimezone(tz).date()
    first = today.replace(day=1)
    last_end = first - timedelta(days=1)
    return [("本月", first.isoformat(), today.isoformat()),
            ("上月", last_end.replace(day=1).isoformat(), last_end.isoformat())]


def _categories(session: Any) -> list[Any]:
    """The categories a person filters by: the first two levels (a level includes those
    under it)."""
    return [c for c in web_queries.all_categories(session) if c.active and c.level <= 2]


def _unit_shown(session: Any, unit_id: int | None, units: list[Any]) -> tuple[int, str] | None:
    """The unit filtered by as (id, full name) when the select does not offer it (a unit
    deeper than its levels, or past its cut): the select shows it rather than 全部. An id
    that names no unit is refused."""
    if unit_id is None or any(u.id == unit_id for u in units):
        return None
    name = web_queries.filter_unit_name(session, unit_id)
    if name is None:
        raise InvalidArguments(web_queries.unknown_unit(unit_id))
    return unit_id, name


@router.get("/ledger", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    user = core.require(request, ROLES)
    rt = core.runtime_of(request)
    tz = rt.settings.tz
    params = _params(request)
    pageno = core.page_number(request)
    now = utcnow()
    error: str | None = None
    items: list[dict[str, Any]] = []
    total, capped, size = 0, False, 0
    unit_shown: tuple[int, str] | None = None  # the unit filtered by, if the list lacks it
    with core.reading(rt) as uow:
        scope = scope_for(uow.session, user)
        cats = _categories(uow.session)
        # the scope's unit at its depth (a path "/1/5/" is depth 1) and two levels below
        top = scope.unit_path.count("/") - 2 if scope.unit_path else 0
        units, units_cut = web_queries.units_cut(
            uow.session, max_depth=top + 2, under_path=scope.unit_path, limit=LEDGER_UNITS,
            levels_first=True)
        try:
            filters = ledger_filters(params, tz, {c.code for c in web_queries.all_categories(
                uow.session)})
            unit_shown = _unit_shown(uow.session, filters.unit_id, units)
        except InvalidArguments as exc:
            error = exc.message
        else:
            rows, total, capped = queries.list_appeals(uow.session, filters, scope, now,
                                                       page=pageno, per_page=PER_PAGE)
            items = staff.list_items(uow.session, rows, now)
    if error is None:
        # the list counts up to 1,000 (a work list's cap); the file's rows are counted here
        size = open_data(rt).ledger_size(filters, scope, now, cap=COUNT_CAP)
    query = urlencode({k: v for k, v in params.items() if v})
    return core.render(request, "staff/ledger.html", {
        "p": params, "error": error, "items": items,
        **core.page_of(items, total, capped, pageno, PER_PAGE), "query_base": query,
        "size": min(size, COUNT_CAP), "size_capped": size > COUNT_CAP,
        "xlsx_big": size > XLSX_BIG_ROWS,
        "categories": cats, "units": units, "unit_shown": unit_shown,
        "units_cut": LEDGER_UNITS if units_cut else None, "months": _months(now, tz),
        "statuses": list(dom.STATUS_ZH), "kinds": list(dom.KIND_ZH),
        "channels": list(dom.CHANNEL_ZH),
        "back": "/staff/ledger" + (f"?{query}" if query else "")},
        status_code=422 if error else 200)


@router.get("/ledger.{fmt}", response_model=None)
def download(request: Request, fmt: str) -> Response:
    """The ledger file of the form's filters, CSV or XLSX, sent as it is written."""
    user = core.require(request, ROLES)
    if fmt not in ("csv", "xlsx"):
        raise NotFound("台账可下载为 Excel（.xlsx）或 CSV（.csv）")
    rt = core.runtime_of(request)
    params = _params(request)
    with core.reading(rt) as uow:
        scope = scope_for(uow.session, user)
        codes = {c.code for c in web_queries.all_categories(uow.session)}
        filters = ledger_filters(params, rt.settings.tz, codes)
        # a unit that does not exist is refused, as the page refuses it (not an empty file)
        if (filters.unit_id is not None
                and web_queries.filter_unit_name(uow.session, filters.unit_id) is None):
            raise InvalidArguments(web_queries.unknown_unit(filters.unit_id))
    now = utcnow()
    rows = logged_export(open_data(rt).ledger(filters, scope, now), actor=signed_in(user),
                         fmt=fmt, via="web", filters={k: v for k, v in params.items() if v})
    stamp = now.astimezone(rt.settings.tz).strftime("%Y%m%d-%H%M")
    # the name a person sees in their downloads: 诉求台账-…, with an ASCII one for old clients
    name = {"Content-Disposition": f'attachment; filename="ledger-{stamp}.{fmt}"; '
            f"filename*=UTF-8''{quote(f'诉求台账-{stamp}.{fmt}')}"}
    if fmt == "csv":
        return StreamingResponse(csv_chunks(rows, LEDGER_FIELDS), media_type=CSV_TYPE,
                                 headers=name)
    return StreamingResponse(xlsx_chunks(rows, LEDGER_FIELDS), media_type=XLSX_TYPE,
                             headers=name)
