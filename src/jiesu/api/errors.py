"""Every error leaves the API as {"error": {"code", "message"}} with a fitting HTTP status."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiesu.domain.errors import DomainError

_HTTP_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "没有权限",
    404: "请求的资源不存在",
    405: "不支持该请求方法",
    409: "操作冲突，请刷新后重试",
    422: "请求参数不正确",
}

_FIELD_ZH = {
    "kind": "诉求类型", "content": "诉求内容", "title": "标题", "urgency": "紧急程度",
    "channel": "来源渠道", "requester_phone": "联系电话", "requester_name": "诉求人姓名",
    "username": "用户名", "password": "密码", "unit_id": "单位", "code": "编码", "name": "名称",
    "page": "页码", "per_page": "每页条数", "latitude": "纬度", "longitude": "经度",
    # enterprises and policies
    "uscc": "统一社会信用代码", "industry": "所属行业", "employees": "从业人员",
    "revenue": "营业收入", "assets": "资产总额", "size_class": "企业规模",
    "region_unit_id": "所在区域", "founded_on": "成立日期", "certifications": "资质",
    "tax_credit": "纳税信用等级", "contact_name": "联系人", "contact_phone": "联系电话",
    "liaison_user_id": "帮扶联络人", "issuer_unit_id": "发布单位", "mode": "兑现方式",
    "conditions": "申报条件", "benefit": "支持内容", "summary": "政策内容",
    "amount_fen": "金额（分）", "valid_from": "开始日期", "valid_until": "截止日期",
    "payout_days": "兑现时限", "approve": "审核结论", "note": "审核意见", "ref": "兑现凭证号",
    "match_id": "政策事项编号", "phone": "联系电话", "text": "申报内容", "reason": "原因",
    "version": "版本号",
    # ratings (好差评), rectifications and 申诉
    "stars": "评价星级", "appeal_code": "诉求编号", "service_item_id": "服务事项",
    "comment": "评价说明", "report": "整改报告", "satisfied": "是否满意", "uphold": "审核结论",
    "unit_code": "单位编码", "status": "状态",
}
# what pydantic's most common refusals say, in Chinese (its own words are English)
_KIND_ZH = {
    "int_parsing": "须为整数", "int_type": "须为整数", "int_from_float": "须为整数",
    "float_parsing": "须为数字", "float_type": "须为数字", "finite_number": "须为有限的数字",
    "bool_parsing": "须为 true 或 false", "bool_type": "须为 true 或 false",
    "date_parsing": "须为日期，如 2026-01-31", "date_type": "须为日期，如 2026-01-31",
    "date_from_datetime_parsing": "须为日期，如 2026-01-31",
    "date_from_datetime_inexact": "须为日期，如 2026-01-31",
    "datetime_parsing": "须为时间，如 2026-01-31T08:00:00+08:00",
    "datetime_type": "须为时间，如 2026-01-31T08:00:00+08:00",
    "string_type": "须为文字", "list_type": "须为列表", "dict_type": "须为对象",
    "model_type": "须为对象", "model_attributes_type": "须为对象",
}
_BOUND_ZH = {"greater_than_equal": ("ge", "不能小于"), "greater_than": ("gt", "须大于"),
             "less_than_equal": ("le", "不能大于"), "less_than": ("lt", "须小于")}


class ProblemOut(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorOut(BaseModel):
    code: str
    message: str
    field: str | None = None
    problems: list[str] | None = None
    detail: list[ProblemOut] | None = None


class ErrorResponse(BaseModel):
    """What every error of the API sends (Open311 excepted: it answers in GeoReport's form)."""

    error: ErrorOut


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def _describe(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
    field = loc[-1] if loc else ""
    label = _FIELD_ZH.get(field, field)
    kind = err.get("type", "")
    if kind == "missing":
        return f"缺少必填项：{label}"
    if kind.startswith("string_too_long"):
        return f"{label}过长"
    ctx = err.get("ctx") or {}
    if kind.startswith("string_too_short"):
        shortest = ctx.get("min_length")
        if isinstance(shortest, int) and shortest > 1:  # "1" was 联系电话不能为空
            return f"{label}至少 {shortest} 个字符"
        return f"{label}不能为空"
    if kind == "value_error" and str(ctx.get("error", "")):  # our own checks say it in Chinese
        return f"{label}：{ctx['error']}" if label else str(ctx["error"])
    if kind == "json_invalid":
        return "请求体不是有效的 JSON"
    if kind == "extra_forbidden":  # said "phone格式不正确：Extra inputs are not permitted"
        return f"没有名为 {field} 的字段（各字段见 /docs）"
    if kind in ("enum", "literal_error"):
        return f"{label}的取值无效（{ctx.get('expected', '')}）"
    if kind in _KIND_ZH:
        return f"{label or '参数'}{_KIND_ZH[kind]}"
    if kind in _BOUND_ZH:  # said "stars格式不正确：Input should be greater than or equal to 1"
        key, words = _BOUND_ZH[kind]
        bound = ctx.get(key, "")
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # "不能小于 0", not "0.0"
        return f"{label or '参数'}{words} {bound}"
    return f"{label or '参数'}格式不正确：{err.get('msg', '')}"


GEOREPORT_ERRORS = {"type": "array", "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}


def _openapi_with_our_errors(app: FastAPI) -> None:
    """The schema's 422 responses name the body `_validation` sends, not FastAPI's own
    `HTTPValidationError`, and every operation's `default` response is that error body, so
    clients generated from /openapi.json parse real errors."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = default()
        defs = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(defs.pop("$defs", {}))
        components["ErrorResponse"] = defs
        ours = {"$ref": "#/components/schemas/ErrorResponse"}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if path.startswith("/open311/"):
                    # every parameter is text the handler checks; its errors are GeoReport's
                    # 400/403/404/429 lists (JSON or XML as the path's format), never a 422
                    responses.pop("422", None)
                    responses.setdefault("default", {
                        "description": "GeoReport error list 错误",
                        "content": {"application/json": {"schema": GEOREPORT_ERRORS}}})
                    continue
                content = responses.get("422", {}).get("content", {})
                if "application/json" in content:
                    content["application/json"]["schema"] = ours
                # every other error (401, 403, 404, 409, 413, 503…) has the same body
                responses.setdefault("default", {
                    "description": "错误 Error: `{\"error\": {\"code\", \"message\"}}`",
                    "content": {"application/json": {"schema": ours}}})
        if "HTTPValidationError" not in json.dumps(schema["paths"]):
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it


def install(app: FastAPI) -> None:
    _openapi_with_our_errors(app)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        field = exc.details.get("field")
        problems = exc.details.get("problems")  # every problem of an uploaded file, listed
        # Busy: the same request can be sent again in a moment
        headers = {"Retry-After": "5"} if exc.http_status == 503 else None
        if exc.http_status == 429 and "retry_after" in exc.details:
            headers = {"Retry-After": str(exc.details["retry_after"])}
        return JSONResponse(error_body(exc.code, exc.message, field=field, problems=problems),
                            status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message = "；".join(_describe(e) for e in errors[:5]) or _HTTP_MESSAGES[422]
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors[:20]]
        return JSONResponse(error_body("validation_error", message, detail=detail),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) and exc.detail not in (
            "Not Found", "Method Not Allowed", "Unauthorized", "Forbidden",
            "There was an error parsing the body") else _HTTP_MESSAGES.get(
            exc.status_code, "请求失败")
        return JSONResponse(error_body(f"http_{exc.status_code}", message),
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))
