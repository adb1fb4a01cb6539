"""What the admin page's 服务事项 tab and a service item's QR poster (扫码评价) show: the
catalogue with each item's rating figures, the item being edited, and the absolute address of
each item's rating page with its QR code, made here by segno (offline, as inline SVG)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from fastapi import Request

from jiesu.domain.errors import DomainError
from jiesu.services.service_items import ServiceItemService, rating_url
from jiesu.web import core

PER_PAGE = 100


def service(request: Request) -> ServiceItemService:
    return ServiceItemService(core.runtime_of(request).db)


def public_base(request: Request) -> tuple[str, bool]:
    """The site's public address (JIESU_PUBLIC_BASE_URL) and True; unset: the address this
    page was opened at, and False (a poster printed so may name an address residents cannot
    reach, which the page warns about)."""
    base = core.runtime_of(request).settings.public_base_url.strip().rstrip("/")
    return (base, True) if base else (str(request.base_url).rstrip("/"), False)


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (error correction M, the standard quiet zone of 4
    modules); sized by CSS, so without width and height of its own. Hidden from screen
    readers: the page names it on its box (role="img") and prints the address as text."""
    svg = str(segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None, dark="#000",
        light="#fff"))
    return svg.replace("<svg ", '<svg aria-hidden="true" ', 1)


def tab_context(request: Request, typed: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The context of the 服务事项 tab and its status: 404 when the unit it is filtered by
    does not exist (the list is then empty and says why)."""
    user = core.current_user(request)
    assert user is not None
    svc = service(request)
    unit = (request.query_params.get("unit") or "").strip()[:64]
    page = core.page_number(request)
    ctx: dict[str, Any] = {"unit_filter": unit, "page": page, "per_page": PER_PAGE,
                           "capped": False, "items_problem": None,
                           "query_base": urlencode({"tab": "items",
                                                    **({"unit": unit} if unit else {})})}
    status = 200
    try:
        ctx["service_items"], ctx["total"] = svc.page(user.actor(), unit_code=unit, page=page,
                                                      per_page=PER_PAGE)
    except DomainError as exc:
        ctx.update(service_items=[], total=0, items_problem=exc.message)
        status = exc.http_status
    base, configured = public_base(request)
    ctx.update(rate_base=base, base_configured=configured)
    edit = typed.get("item_edit_id") or request.query_params.get("edit", "")
    ctx["edit_item"] = None
    if str(edit).isascii() and str(edit).isdigit() and len(str(edit)) <= 9:
        try:
            ctx["edit_item"] = svc.item(int(edit))
        except DomainError:
            ctx["edit_item"] = None
    ctx["rating_url"] = lambda item_id: rating_url(base, item_id)
    return ctx, status
