"""Ledger export (台账, staff), open data (一网通享, public) and API-key administration."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from jiesu.api.deps import AdminDep, RuntimeDep, require_roles
from jiesu.api.exchange_deps import api_keys, open_data
from jiesu.api.v1.appeals import FiltersDep, scope_for
from jiesu.domain.appeal import Role
from jiesu.domain.errors import InvalidArguments, NotFound
from jiesu.services.api_keys import ApiKeyInfo
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.open_data import (
    LEDGER_FIELDS,
    OPEN_DATA_FIELDS,
    STATS_FIELDS,
    csv_chunks,
    json_text,
    logged_export,
    signed_in,
    xlsx_chunks,
)

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])
public = APIRouter(prefix="/open-data", tags=["open data"])
keys_router = APIRouter(prefix="/api/v1/admin/api-keys", tags=["admin"])

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEDGER_ROLES = {Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER,
                Role.SUPERVISOR, Role.FOLLOWUP_AGENT, Role.ANALYST, Role.ADMIN}


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/ledger.{fmt}", summary="导出诉求台账 Ledger export (CSV/XLSX) with the list filters")
def ledger(
    fmt: str,
    runtime: RuntimeDep,
    user: Annotated[CurrentUser, require_roles(*LEDGER_ROLES, message="您的角色无权导出台账")],
    filters: FiltersDep,
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("台账可导出为 ledger.csv 或 ledger.xlsx")
    with runtime.db.uow(write=False) as uow:
        scope = scope_for(uow.session, user)
    service = open_data(runtime)
    rows = logged_export(service.ledger(filters, scope, utcnow()), actor=signed_in(user),
                         fmt=fmt, via="api", filters={k: v for k, v in vars(filters).items() if v})
    stamp = utcnow().astimezone(runtime.settings.tz).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return StreamingResponse(csv_chunks(rows, LEDGER_FIELDS), media_type=CSV_TYPE,
                                 headers=_attachment(f"ledger-{stamp}.csv"))
    return StreamingResponse(xlsx_chunks(rows, LEDGER_FIELDS), media_type=XLSX_TYPE,
                             headers=_attachment(f"ledger-{stamp}.xlsx"))


def _day(value: date | None, tz: Any, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    if not 1900 <= value.year <= 9000:  # 0001-01-01 in UTC+8 is before the first datetime
        raise InvalidArguments(f"日期 {value} 超出范围（1900–9000 年）")
    start = datetime.combine(value, time(0), tzinfo=tz)
    if end:  # inclusive end date: up to the start of the next day
        start += timedelta(days=1)
    return start.astimezone(UTC)


def _window(date_from: date | None, date_to: date | None,
            tz: Any) -> tuple[datetime | None, datetime | None]:
    """Open data's `from`–`to` (local days, both inclusive) in UTC; reversed dates are refused
    (an empty file would read as "nothing happened"), as Open311 refuses them."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidArguments(f"开始日期 {date_from} 晚于结束日期 {date_to}（from 不能晚于 to）",
                               field="from")
    return _day(date_from, tz), _day(date_to, tz, end=True)


@public.get("/appeals.{fmt}", summary="开放数据：诉求（已脱敏）Open data: redacted appeals")
def open_appeals(
    fmt: str,
    runtime: RuntimeDep,
    date_from: Annotated[date | None, Query(alias="from", description="YYYY-MM-DD (local)")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="YYYY-MM-DD, inclusive")] = None,
    category: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000, description="JSON page size")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    created_from, created_to = _window(date_from, date_to, runtime.settings.tz)
    kwargs: dict[str, Any] = {"created_from": created_from, "created_to": created_to,
                              "category": category}
    service = open_data(runtime)
    if fmt == "csv":
        return StreamingResponse(csv_chunks(service.appeals(**kwargs), OPEN_DATA_FIELDS),
                                 media_type=CSV_TYPE, headers=_attachment("appeals.csv"))
    if fmt == "json":
        rows = service.appeals(**kwargs, limit=limit or 1000, offset=offset)
        return StreamingResponse(json_text(rows), media_type="application/json; charset=utf-8")
    raise NotFound("开放数据可下载 appeals.csv 或 appeals.json")


@public.get("/stats.{fmt}", summary="开放数据：统计 Open data: counts by month, category, kind")
def open_stats(
    fmt: str,
    runtime: RuntimeDep,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    created_from, created_to = _window(date_from, date_to, runtime.settings.tz)
    rows = open_data(runtime).stats(created_from=created_from, created_to=created_to)
    if fmt == "csv":
        return Response("".join(csv_chunks(rows, STATS_FIELDS)), media_type=CSV_TYPE,
                        headers=_attachment("stats.csv"))
    if fmt == "json":
        return Response("".join(json_text(rows)), media_type="application/json; charset=utf-8")
    raise NotFound("开放数据可下载 stats.csv 或 stats.json")


# --- API keys (admin) ------------------------------------------------------------------------


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    rate_per_minute: int = Field(60, ge=1, le=100_000)
    note: str = Field("", max_length=1000)


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    rate_per_minute: int
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool
    note: str
    key: str | None = None  # only in the answer to POST, never again


def _out(info: ApiKeyInfo, key: str | None = None) -> ApiKeyOut:
    return ApiKeyOut(id=info.id, name=info.name, prefix=info.prefix,
                     rate_per_minute=info.rate_per_minute, created_at=info.created_at,
                     revoked_at=info.revoked_at, last_used_at=info.last_used_at,
                     active=info.active, note=info.note, key=key)


@keys_router.get("", response_model=list[ApiKeyOut], summary="Open311 API 密钥列表")
def list_keys(runtime: RuntimeDep, _: AdminDep) -> list[ApiKeyOut]:
    return [_out(i) for i in api_keys(runtime).list()]


@keys_router.post("", response_model=ApiKeyOut, status_code=201,
                  summary="新建 API 密钥（密钥只显示这一次）")
def create_key(body: ApiKeyIn, runtime: RuntimeDep, _: AdminDep) -> ApiKeyOut:
    info, key = api_keys(runtime).create(body.name, utcnow(), rate_per_minute=body.rate_per_minute,
                                         note=body.note)
    return _out(info, key)


@keys_router.delete("/{key_id}", response_model=ApiKeyOut, summary="吊销 API 密钥")
def revoke_key(key_id: int, runtime: RuntimeDep, _: AdminDep) -> ApiKeyOut:
    return _out(api_keys(runtime).revoke(key_id, utcnow()))
