"""Extensions only an administrator may approve (DESIGN §3): the 延期申请 of appeals already
extended `max_extensions` times. The dispatcher sees them in its queue but cannot approve them;
the administrator decides here, as the dispatcher does for the others."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.domain.appeal import Role
from jiesu.services.clock import utcnow
from jiesu.store import queries
from jiesu.web import core, staff

router = APIRouter(prefix="/staff/extensions", include_in_schema=False)
ROLES = {Role.ADMIN}
PER_PAGE = 20


def admin_filters(max_extensions: int) -> queries.AppealFilters:
    """The pending extensions past the limit: the ones the domain lets only an admin approve."""
    return queries.AppealFilters(extension_pending=True, open_only=True,
                                 extensions_at_least=max_extensions)


@router.get("", response_class=HTMLResponse)
def queue(request: Request) -> HTMLResponse:
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    page = core.page_number(request)
    now = utcnow()
    max_extensions = rt.rules.get().max_extensions
    with core.reading(rt) as uow:
        rows, total, capped = queries.list_appeals(
            uow.session, admin_filters(max_extensions), queries.Scope(), now,
            page=page, per_page=PER_PAGE, order="due")
        items = staff.list_items(uow.session, rows, now)
    return core.render(request, "staff/dispatch.html", {
        "tab": "extensions", "tabs": [], "title": "须管理员审批的延期申请", "counts": {},
        "items": items, **core.page_of(rows, total, capped, page, PER_PAGE),
        "max_extensions": max_extensions, "admin_approves": True,
        "back": "/staff/extensions"})
