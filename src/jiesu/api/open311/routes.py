"""Open311 GeoReport v2 under /open311/v2/ in .json and .xml (see docs/open311.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from jiesu.api.deps import RuntimeDep
from jiesu.api.exchange_deps import open311
from jiesu.api.open311.render import error, respond
from jiesu.domain.errors import DomainError
from jiesu.services.clock import utcnow

router = APIRouter(prefix="/open311/v2", tags=["open311"])
FORMATS = ("json", "xml")
_ATTR = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _status(exc: DomainError) -> int:
    # GeoReport knows 400, 403 and 404; rate limiting adds 429.
    return exc.http_status if exc.http_status in (403, 404, 429) else 400


def _answer(fmt: str, root: str, produce: Callable[[], Any], status: int = 200) -> Response:
    if fmt not in FORMATS:
        return error("json", 404, f"format .{fmt} is not supported; use .json or .xml")
    try:
        return respond(fmt, root, produce(), status)
    except DomainError as exc:
        return error(fmt, _status(exc), exc.message)


@router.get("/discovery.{fmt}", summary="Service discovery")
def discovery(fmt: str, request: Request, runtime: RuntimeDep) -> Response:
    base = str(request.url_for("services", fmt="json")).rsplit("/", 1)[0]
    return _answer(fmt, "discovery", lambda: open311(runtime).discovery(base, utcnow()))


@router.get("/services.{fmt}", summary="GET Service List", name="services")
def services(fmt: str, runtime: RuntimeDep) -> Response:
    return _answer(fmt, "services", lambda: open311(runtime).services())


@router.get("/services/{service_code}.{fmt}", summary="GET Service Definition")
def service_definition(service_code: str, fmt: str, runtime: RuntimeDep) -> Response:
    return _answer(fmt, "service_definition", lambda: open311(runtime).definition(service_code))


@router.get("/requests.{fmt}", summary="GET Service Requests")
def service_requests(fmt: str, request: Request, runtime: RuntimeDep) -> Response:
    params = dict(request.query_params)
    return _answer(fmt, "service_requests",
                   lambda: open311(runtime).requests(params, utcnow()))


@router.get("/requests/{service_request_id}.{fmt}", summary="GET Service Request")
def service_request(service_request_id: str, fmt: str, runtime: RuntimeDep) -> Response:
    """One request. One the board does not publish (only registered, 不予受理, merged) is
    answered with its status only — no text, address or position — so that a client can show
    what it has just posted; a 举报 or confidential one is 404."""
    return _answer(fmt, "service_requests",
                   lambda: open311(runtime).request(service_request_id))


@router.post("/requests.{fmt}", summary="POST Service Request")
async def post_service_request(fmt: str, request: Request, runtime: RuntimeDep) -> Response:
    if fmt not in FORMATS:
        return error("json", 404, f"format .{fmt} is not supported; use .json or .xml")
    try:
        form = await request.form()
    except Exception:  # a malformed body is the client's error, answered in the spec's format
        return error(fmt, 400, "the body must be application/x-www-form-urlencoded")
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue  # media uploads are not accepted; use media_url
        m = _ATTR.match(key)
        if m:
            attributes.setdefault(m.group(1), value)
        else:
            fields.setdefault(key, value)
    service = open311(runtime)
    try:
        result = await run_in_threadpool(service.submit, fields, attributes, utcnow())
    except DomainError as exc:
        return error(fmt, _status(exc), exc.message)
    return respond(fmt, "service_requests", result)
