"""Mount the web pages on the FastAPI app: sessions, /static, routers, HTML error pages."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from jiesu.config import Settings
from jiesu.domain.errors import DomainError
from jiesu.domain.privacy import mask_phone
from jiesu.domain.text import shorten
from jiesu.web import core
from jiesu.web.routes import (
    admin,
    analyst,
    appeal,
    audit_config,
    auth,
    dispatcher,
    enterprise_public,
    enterprises,
    extensions,
    followup,
    grid,
    handler,
    hotspots,
    knowledge,
    ledger,
    operator,
    policies,
    public,
    rate_item,
    rectifications,
    service_items,
    supervisor,
    survey,
    track,
    unit_kpi,
    unit_list,
    users,
)

HERE = Path(__file__).parent
# Paths that keep the JSON error format of the API.
API_PREFIXES = ("/api", "/open311", "/open-data", "/docs", "/redoc", "/openapi.json", "/healthz",
                "/readyz")

_ERROR_TITLES = {400: "请求不正确", 401: "请先登录", 403: "没有权限", 404: "页面不存在",
                 405: "不支持该操作", 409: "操作冲突", 422: "填写有误", 503: "系统繁忙"}


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the pages to `app`; call after the API's error handlers are installed."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["enumerate"] = enumerate
    templates.env.filters["shorten"] = shorten  # cut with "…", see jiesu.domain.text
    templates.env.filters["mask_phone"] = mask_phone  # 138****5678, see jiesu.domain.privacy
    app.state.web_templates = templates
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="jiesu_session", max_age=12 * 3600, same_site="lax",
                       https_only=settings.environment == "production")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # rectifications before public: /board/rectifications is not an appeal's /board/{code}
    for module in (rectifications, public, track, auth, operator, dispatcher, handler, followup,
                   supervisor, analyst, audit_config, hotspots, admin, extensions, appeal, policies,
                   enterprises, enterprise_public, knowledge, survey, grid, users, unit_kpi,
                   ledger, rate_item, service_items, unit_list):
        app.include_router(module.router)
    _install_error_pages(app)


# The public statistics' data files (/stats.json, /stats/rankings.csv …) are read by programs,
# as open data is: their errors are the API's JSON, not a page a script cannot parse.
DATA_SUFFIXES = (".json", ".csv")


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith(API_PREFIXES) or (
        path.startswith("/stats") and path.endswith(DATA_SUFFIXES))


def _install_error_pages(app: FastAPI) -> None:
    """JSON errors stay on API paths; web paths get an HTML page in the visitor's language."""
    handlers = app.exception_handlers

    def wrap(exc_type: type[Exception], html: Callable[[Request, Exception], Response]) -> None:
        api_handler = handlers.get(exc_type)

        async def handle(request: Request, exc: Exception) -> Response:
            if _is_api(request) and api_handler is not None:
                # Starlette allows plain and async handlers alike (ours are async).
                result = api_handler(request, exc)
                return await result if inspect.isawaitable(result) else result
            return html(request, exc)

        app.add_exception_handler(exc_type, handle)

    def domain_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return _error_page(request, exc.http_status, exc.message)

    def http_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in (
            "Not Found", "Method Not Allowed") else ""
        return _error_page(request, exc.status_code, detail)

    def validation_page(request: Request, exc: Exception) -> Response:
        return _error_page(request, 422, "提交的内容格式不正确，请返回检查后重试")

    wrap(DomainError, domain_page)
    wrap(StarletteHTTPException, http_page)
    wrap(RequestValidationError, validation_page)

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, core.LoginRequired)
        return core.redirect(core.login_url(exc.next_url))

    app.add_exception_handler(core.LoginRequired, login_required)


def _error_page(request: Request, status: int, message: str) -> Response:
    title = _ERROR_TITLES.get(status, "出错了")
    return core.render(request, "error.html", {"status": status, "title": title,
                                               "message": message}, status_code=status)
