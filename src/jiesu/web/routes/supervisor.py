"""Supervisor (督办员): overdue and at-risk appeals; issue 催办/黄牌/红牌 from the list; the
follow-ups not done in time (回访超期); how many bad-rating rectifications (整改) are overdue,
with the way to them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.domain.appeal import Role
from jiesu.services.clock import utcnow
from jiesu.store import feedback_store, queries, web_queries
from jiesu.web import core, staff

router = APIRouter(prefix="/staff/supervision", include_in_schema=False)
ROLES = {Role.SUPERVISOR}
PER_PAGE = 20
TABS = {
    "overdue": ("超期诉求", queries.AppealFilters(overdue=True), "due"),
    # DESIGN §5: the follow-ups not done in time (回访超期), the follow-up centre's to catch up
    "followup": ("回访超期", queries.AppealFilters(followup_overdue=True), "followup_due"),
    "red": ("红色预警", queries.AppealFilters(warning="red", open_only=True), "due"),
    "yellow": ("黄色预警", queries.AppealFilters(warning="yellow", open_only=True), "due"),
}


@router.get("", response_class=HTMLResponse)
def board(request: Request) -> HTMLResponse:
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    tab = request.query_params.get("tab", "overdue")
    tab = tab if tab in TABS else "overdue"
    page = core.page_number(request)
    now = utcnow()
    with core.reading(rt) as uow:
        _, filters, order = TABS[tab]
        rows, total, capped = queries.list_appeals(uow.session, filters, queries.Scope(),
                                                   now, page=page, per_page=PER_PAGE,
                                                   order=order)
        items = staff.list_items(uow.session, rows, now)
        counts = web_queries.tab_counts(uow.session, now, TABS)
        rect_overdue = feedback_store.overdue_rectification_count(uow.session, now)
    return core.render(request, "staff/supervision.html", {
        "rect_overdue": rect_overdue,
        "items": items, **core.page_of(rows, total, capped, page, PER_PAGE),
        "tab": tab, "tabs": [(k, v[0]) for k, v in TABS.items()], "counts": counts,
        "back": f"/staff/supervision?tab={tab}"})
