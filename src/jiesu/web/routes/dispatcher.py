"""Dispatcher (派单员): the queue of registered and returned appeals, pending returns and
extensions, and replies to review — dispatch, merge or reject in one or two clicks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.domain.appeal import Role
from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.web import core, i18n, staff

router = APIRouter(prefix="/staff/dispatch", include_in_schema=False)
ROLES = {Role.DISPATCHER}
PER_PAGE = 20

TABS = {
    "queue": ("派单队列", queries.AppealFilters(status=["registered"]), "urgent_first"),
    "returns": ("退单申请", queries.AppealFilters(return_pending=True, open_only=True), "due"),
    "extensions": ("延期申请", queries.AppealFilters(extension_pending=True, open_only=True),
                   "due"),
    "replied": ("答复审核", queries.AppealFilters(status=["replied"]), "created_asc"),
}


@router.get("", response_class=HTMLResponse)
def queue(request: Request) -> HTMLResponse:
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    tab = request.query_params.get("tab", "queue")
    tab = tab if tab in TABS else "queue"
    title, filters, order = TABS[tab]
    page = core.page_number(request)
    now = utcnow()
    with core.reading(rt) as uow:
        rows, total, capped = queries.list_appeals(uow.session, filters, queries.Scope(), now,
                                                   page=page, per_page=PER_PAGE, order=order)
        items = staff.list_items(
            uow.session, rows, now, preselect_at=rt.settings.unit_preselect_confidence,
            unit_for=rt.intake.unit_suggestion if rt.intake is not None else None)
        # each row offers the units near its suggestion and area; the whole list is fetched
        # by the browser (staff.UNIT_OPTIONS_URL), not read here on every load
        unit_list = staff.near_units(uow.session, *(u for it in items for u in (
            it["suggest"]["unit_id"], it["row"].area_unit_id))) if tab == "queue" and items \
            else staff.UnitList([])
        counts = web_queries.tab_counts(uow.session, now, TABS)
    lang = core.lang_of(request)
    return core.render(request, "staff/dispatch.html", {
        "unit_list": unit_list, "pick": staff.pick_units, "unit_url": staff.UNIT_OPTIONS_URL,
        "tab": tab, "tabs": [(k, v[0]) for k, v in TABS.items()], "title": title,
        "counts": counts,
        "items": items, **core.page_of(rows, total, capped, page, PER_PAGE),
        "hot": rt.hotspots.kept_by_appeal(),
        "max_extensions": rt.rules.get().max_extensions,
        "reasons": i18n.choices(lang, "reject_reason"),
        "back": f"/staff/dispatch?tab={tab}"})
