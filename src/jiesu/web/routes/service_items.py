"""The admin page's 服务事项 forms (add, edit name and unit, 停用/启用; the list is the
`items` tab of routes/admin.py) and each item's printable poster (扫码评价): its name, its unit
and the QR code of its rating page, on one A4 page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.errors import IllegalTransition, NotFound
from jiesu.services.clock import utcnow
from jiesu.services.service_items import rating_url
from jiesu.web import core, service_items
from jiesu.web.core import FormDep
from jiesu.web.routes import admin

router = APIRouter(prefix="/staff/admin/service-items", include_in_schema=False)
TAB = "/staff/admin?tab=items"


def _item_id(text: str) -> int:
    """The id in the address; anything else is an item that does not exist (404)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise NotFound("服务事项不存在")
    return int(text)


def _saved(request: Request, call: Callable[[], Any], message: Callable[[Any], str],
           refused: dict[str, Any]) -> Response:
    """Run a change: done, back to the list with `message`; refused, the tab again at once
    with the reason and what was typed (4xx, nothing changed)."""
    return core.done(request, call, message, TAB, refused=lambda exc: admin._page(
        request, "items", {"item_error": exc.message, **refused}, status_code=exc.http_status))


@router.post("", response_model=None)
def add_item(request: Request, form: FormDep) -> Response:
    user = core.require(request, admin.ROLES)
    code, name, unit = (core.text(form, f) for f in ("code", "name", "unit_code"))
    return _saved(request, lambda: service_items.service(request).add(
        user.actor(), unit, code, name, utcnow()),
        lambda _: f"已新增服务事项：{code.strip()} {' '.join(name.split())}",
        {"typed": {"item": {"code": code, "name": name, "unit_code": unit}}})


@router.post("/{item_id}", response_model=None)
def edit_item(request: Request, item_id: str, form: FormDep) -> Response:
    """A new name and unit (both sent by the form; an unchanged one changes nothing)."""
    user = core.require(request, admin.ROLES)
    item = _item_id(item_id)
    name, unit = core.text(form, "name"), core.text(form, "unit_code")
    return _saved(request, lambda: service_items.service(request).update(
        user.actor(), item, utcnow(), name=name, unit_code=unit),
        lambda row: f"已保存服务事项：{row.code} {row.name}（{row.unit_name}）",
        {"typed": {"item_edit": {"name": name, "unit_code": unit}, "item_edit_id": str(item)}})


@router.post("/{item_id}/active", response_model=None)
def set_item_active(request: Request, item_id: str, form: FormDep) -> Response:
    """停用 (`active` "0": no more ratings, out of the public catalogue; its ratings stay in
    the figures) or 启用 ("1") an item."""
    user = core.require(request, admin.ROLES)
    item = _item_id(item_id)
    active = core.text(form, "active") == "1"
    return _saved(request, lambda: service_items.service(request).update(
        user.actor(), item, utcnow(), active=active),
        (lambda row: f"已启用服务事项：{row.code} {row.name}") if active
        else (lambda row: f"已停用服务事项：{row.code} {row.name}，不再接受评价，"
                          "已有评价仍计入统计"),
        {"typed": {"item_edit_id": str(item)}})


@router.get("/{item_id}/poster", response_class=HTMLResponse)
def poster(request: Request, item_id: str) -> HTMLResponse:
    """The poster to print and put up at the item's window: a stopped item has none (409),
    its code would open a page that takes no rating."""
    core.require(request, admin.ROLES)
    item = service_items.service(request).item(_item_id(item_id))
    if not item.rateable:  # its code would open a page that takes no rating
        raise IllegalTransition("该服务事项已停用，启用后才能打印评价二维码" if not item.active
                                else "该服务事项所属单位已停用，不能打印评价二维码")
    base, configured = service_items.public_base(request)
    url = rating_url(base, item.id)
    return core.render(request, "staff/service_item_poster.html", {
        "item": item, "url": url, "qr": service_items.qr_svg(url),
        "base_configured": configured, "rate_base": base})
