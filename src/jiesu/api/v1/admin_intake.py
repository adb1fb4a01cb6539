"""Admin endpoints for intake intelligence (智能受理): routing rules, urgency rules, the gazetteer,
grid polygons and keywords per category. GET reads, PUT replaces, DELETE removes.

PUT takes JSON, or the file itself as the request body (CSV, GeoJSON, TOML), or a multipart
upload in the field `file`. Bad input changes nothing: 422 with the problems listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from jiesu.adapters.tabular import decode_text
from jiesu.api.deps import AdminDep, RuntimeDep
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.runtime import Runtime
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.intake_config import (
    KINDS,
    CategoryKeywords,
    GazetteerSummary,
    IntakeConfigService,
    PolygonsSummary,
    RoutingRule,
)

router = APIRouter(prefix="/api/v1/admin/intake", tags=["admin"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadTooLarge(DomainError):
    code = "too_large"
    http_status = 413


@dataclass
class Upload:
    text: str
    filename: str | None


@dataclass
class RawUpload:
    data: bytes
    filename: str | None


async def read_raw_upload(request: Request) -> RawUpload:
    """The request body as bytes (an XLSX, say): a multipart field `file`, or the raw body."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    filename = None
    if ctype == "multipart/form-data":
        form = await request.form()
        item = form.get("file")
        if isinstance(item, UploadFile):
            raw = await item.read(MAX_UPLOAD_BYTES + 1)
            filename = item.filename
        elif isinstance(item, str):
            raw = item.encode("utf-8")
        else:
            raise InvalidArguments("请在表单字段 file 中上传文件", field="file")
    else:
        chunks = bytearray()
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > MAX_UPLOAD_BYTES:
                break
        raw = bytes(chunks)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"上传内容不能超过 {MAX_UPLOAD_BYTES // 1024 // 1024}MB")
    if not raw.strip():
        raise InvalidArguments("上传内容为空")
    return RawUpload(raw, filename)


async def read_upload(request: Request) -> Upload:
    """The request body as text: a multipart field `file`, or the raw body."""
    upload = await read_raw_upload(request)
    text = decode_text(upload.data, "上传内容")
    if not text.strip():
        raise InvalidArguments("上传内容为空")
    return Upload(text, upload.filename)


UploadDep = Annotated[Upload, Depends(read_upload)]
RawUploadDep = Annotated[RawUpload, Depends(read_raw_upload)]


def _service(runtime: Runtime, by: CurrentUser) -> IntakeConfigService:
    return IntakeConfigService(runtime.db, runtime.intake, by)


def _body(json_example: Any, *others: str) -> dict[str, Any]:
    """OpenAPI description of a body read by `read_upload` (no pydantic model parses it)."""
    content: dict[str, Any] = {
        "application/json": {"schema": {"type": "object" if isinstance(json_example, dict)
                                        else "array"}, "example": json_example}}
    for media in others:
        content[media] = {"schema": {"type": "string"}}
    content["multipart/form-data"] = {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}
    return {"requestBody": {"required": True, "content": content}}


# --- schemas ------------------------------------------------------------------------------------

class RoutingRuleOut(BaseModel):
    category: str | None = None
    area: str | None = None
    unit: str


class RoutingOut(BaseModel):
    rules: list[RoutingRuleOut]
    updated_at: datetime | None = None


class UrgencyOut(BaseModel):
    source: str  # 'custom' | 'default'
    rules: list[dict[str, Any]]
    updated_at: datetime | None = None


class GazetteerOut(BaseModel):
    loaded: bool
    places: int = 0
    levels: dict[str, int] = {}
    linked: int = 0
    unlinked: list[str] = []
    updated_at: datetime | None = None
    csv: str | None = None


class PolygonsOut(BaseModel):
    loaded: bool
    areas: int = 0
    codes: list[str] = []
    updated_at: datetime | None = None
    geojson: dict[str, Any] | None = None


class CategoryKeywordsOut(BaseModel):
    code: str
    full_name: str
    keywords: list[str]


class KeywordsOut(BaseModel):
    categories: list[CategoryKeywordsOut]


class IntakeOverview(BaseModel):
    routing: RoutingOut
    urgency: UrgencyOut
    gazetteer: GazetteerOut
    polygons: PolygonsOut
    keywords: KeywordsOut


def _routing(rules: list[RoutingRule], updated_at: datetime | None) -> RoutingOut:
    return RoutingOut(rules=[RoutingRuleOut(**r.as_dict()) for r in rules],
                      updated_at=updated_at)


def _gazetteer(s: GazetteerSummary | None, csv: str | None = None) -> GazetteerOut:
    if s is None:
        return GazetteerOut(loaded=False)
    return GazetteerOut(loaded=True, places=s.places, levels=s.levels, linked=s.linked,
                        unlinked=s.unlinked, updated_at=s.updated_at, csv=csv)


def _polygons(s: PolygonsSummary | None, geojson: dict[str, Any] | None = None) -> PolygonsOut:
    if s is None:
        return PolygonsOut(loaded=False)
    return PolygonsOut(loaded=True, areas=s.areas, codes=s.codes, updated_at=s.updated_at,
                       geojson=geojson)


def _keywords(items: list[CategoryKeywords]) -> KeywordsOut:
    return KeywordsOut(categories=[CategoryKeywordsOut(code=c.code, full_name=c.full_name,
                                                       keywords=c.keywords) for c in items])


# --- endpoints ----------------------------------------------------------------------------------

@router.get("", response_model=IntakeOverview, summary="智能受理配置总览")
def overview(runtime: RuntimeDep, admin: AdminDep) -> IntakeOverview:
    s = _service(runtime, admin).show()
    return IntakeOverview(
        routing=_routing(s.routing, s.routing_updated_at),
        urgency=UrgencyOut(source=s.urgency_source, rules=s.urgency_rules,
                           updated_at=s.urgency_updated_at),
        gazetteer=_gazetteer(s.gazetteer), polygons=_polygons(s.polygons),
        keywords=_keywords(s.keywords))


@router.get("/routing", response_model=RoutingOut, summary="派单路由规则（分类 × 区域 → 单位）")
def get_routing(runtime: RuntimeDep, admin: AdminDep) -> RoutingOut:
    s = _service(runtime, admin).show()
    return _routing(s.routing, s.routing_updated_at)


@router.put("/routing", response_model=RoutingOut, summary="替换派单路由规则",
            openapi_extra=_body({"rules": [{"category": "01.01", "area": "D1", "unit": "W"}]},
                                "text/csv"))
def put_routing(admin: AdminDep, upload: UploadDep, runtime: RuntimeDep) -> RoutingOut:
    now = utcnow()
    return _routing(_service(runtime, admin).replace_routing(upload.text, now=now), now)


@router.get("/urgency", response_model=UrgencyOut, summary="紧急程度规则")
def get_urgency(runtime: RuntimeDep, admin: AdminDep) -> UrgencyOut:
    s = _service(runtime, admin).show()
    return UrgencyOut(source=s.urgency_source, rules=s.urgency_rules,
                      updated_at=s.urgency_updated_at)


@router.put("/urgency", response_model=UrgencyOut,
            summary="替换紧急程度规则（空列表恢复内置规则）",
            openapi_extra=_body({"rules": [{"name": "gas_leak", "keywords": ["燃气泄漏"],
                                            "level": "emergency", "transfer_to": ["119"],
                                            "message": "请立即转接 119"}]},
                                "application/toml"))
def put_urgency(admin: AdminDep, upload: UploadDep, runtime: RuntimeDep) -> UrgencyOut:
    svc = _service(runtime, admin)
    svc.replace_urgency(upload.text, now=utcnow())
    s = svc.show()
    return UrgencyOut(source=s.urgency_source, rules=s.urgency_rules,
                      updated_at=s.urgency_updated_at)


@router.get("/gazetteer", response_model=GazetteerOut, summary="地名表（含 CSV 原文）")
def get_gazetteer(runtime: RuntimeDep, admin: AdminDep) -> GazetteerOut:
    svc = _service(runtime, admin)
    return _gazetteer(svc.show().gazetteer, svc.gazetteer_csv())


@router.put("/gazetteer", response_model=GazetteerOut, summary="上传并替换地名表（CSV）",
            openapi_extra={"requestBody": {"required": True, "content": {
                "text/csv": {"schema": {"type": "string"},
                             "example": "code,name,level,parent_code,aliases\n"
                                        "D1,东城区,district,,东城\n"},
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}}}}}}})
def put_gazetteer(admin: AdminDep, upload: UploadDep, runtime: RuntimeDep) -> GazetteerOut:
    return _gazetteer(_service(runtime, admin).replace_gazetteer(upload.text, now=utcnow()))


@router.get("/polygons", response_model=PolygonsOut, summary="网格边界（含 GeoJSON）")
def get_polygons(runtime: RuntimeDep, admin: AdminDep) -> PolygonsOut:
    svc = _service(runtime, admin)
    return _polygons(svc.show().polygons, svc.polygons_geojson())


@router.put("/polygons", response_model=PolygonsOut, summary="上传并替换网格边界（GeoJSON）",
            openapi_extra=_body({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"code": "D1S1C1"}, "geometry": {
                    "type": "Polygon", "coordinates": [[[116.40, 39.91], [116.41, 39.91],
                                                        [116.41, 39.92], [116.40, 39.91]]]}}]},
                "application/geo+json"))
def put_polygons(admin: AdminDep, upload: UploadDep, runtime: RuntimeDep) -> PolygonsOut:
    return _polygons(_service(runtime, admin).replace_polygons(upload.text, now=utcnow()))


@router.get("/keywords", response_model=KeywordsOut, summary="分类关键词（冷启动分类）")
def get_keywords(runtime: RuntimeDep, admin: AdminDep) -> KeywordsOut:
    return _keywords(_service(runtime, admin).show().keywords)


@router.put("/keywords", response_model=KeywordsOut,
            summary="替换分类关键词（未列出的分类清空）",
            openapi_extra=_body({"城乡建设/市政设施/路灯": ["路灯", "灯不亮"]}, "text/csv"))
def put_keywords(admin: AdminDep, upload: UploadDep, runtime: RuntimeDep) -> KeywordsOut:
    return _keywords(_service(runtime, admin).replace_keywords(upload.text, now=utcnow()))


@router.delete("/{kind}", status_code=204,
               summary="删除某类配置（urgency 恢复内置规则）")
def clear(kind: str, runtime: RuntimeDep, admin: AdminDep) -> None:
    if kind not in KINDS:
        raise InvalidArguments(f"配置类型“{kind}”无效，可选：{'、'.join(KINDS)}", field="kind")
    _service(runtime, admin).clear(kind)
