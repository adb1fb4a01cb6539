"""Handler and grid worker (承办人/网格员): the unit's inbox, the earliest deadline first,
with yellow/red marks; sign straight from the list, everything else on the appeal page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.api.v1.appeals import scope_for
from jiesu.domain.appeal import Role
from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.web import core, staff

router = APIRouter(prefix="/staff/inbox", include_in_schema=False)
ROLES = {Role.HANDLER, Role.GRID_WORKER}
PER_PAGE = 20
# Appeals waiting to be signed head the first page of the inbox: their clock is the short one
# (a working day, or hours when urgent), the earliest to sign first. Below them the ones in
# progress, the earliest handling deadline first.
SIGN_MAX = 50
TABS = {"todo": ("待办诉求", ["in_progress"]),
        "replied": ("已答复", ["replied"])}
# 精准帮扶: the 涉企诉求 of the enterprises the user is the liaison of, whichever unit has them,
# newest first; a tab only for those who are someone's liaison
LIAISON_TAB = ("liaison", "帮扶企业诉求")


@router.get("", response_class=HTMLResponse)
def inbox(request: Request) -> HTMLResponse:
    user = core.require(request, ROLES)
    rt = core.runtime_of(request)
    tab = request.query_params.get("tab", "todo")
    page = core.page_number(request)
    now = utcnow()
    to_sign: list[dict[str, object]] = []
    co_waiting: list[dict[str, object]] = []  # 协办: dispatched, for the lead unit to sign
    listed_total, listed_capped, sign_total, sign_capped = 0, False, 0, False
    with core.reading(rt) as uow:
        tabs = [(k, v[0]) for k, v in TABS.items()]
        liaison = queries.is_liaison(uow.session, user.id)
        if liaison:
            tabs.append(LIAISON_TAB)
        tab = tab if tab in dict(tabs) else "todo"
        scope = scope_for(uow.session, user)
        if tab == LIAISON_TAB[0]:
            rows, total, capped = queries.list_appeals(
                uow.session, queries.AppealFilters(liaison_id=user.id), queries.Scope(), now,
                page=page, per_page=PER_PAGE)
        else:
            rows, total, capped = web_queries.scoped_page(
                uow.session, TABS[tab][1], scope, now, page=page, per_page=PER_PAGE)
        items = staff.list_items(uow.session, rows, now, decisions=True, user=user)
        if tab == LIAISON_TAB[0]:  # which of the enterprises looked after raised each
            names = queries.enterprise_names(uow.session, [r.enterprise_code for r in rows])
            for it in items:
                it["enterprise"] = names.get(it["row"].enterprise_code or "")
        if tab == "todo":
            signing, listed_total, listed_capped = web_queries.scoped_page(
                uow.session, ["dispatched"], scope, now, page=1, per_page=SIGN_MAX,
                by_sign=True)
            # the 待签收 count is what the unit must sign: not what it only helps with (协办)
            sign_total, sign_capped = (
                web_queries.to_sign_total(uow.session, user.unit_id, scope, now)
                if user.unit_id is not None else (listed_total, listed_capped))
            if page == 1:
                listed = staff.list_items(uow.session, signing, now, decisions=True, user=user)
                to_sign = [it for it in listed if not it["helping"]]
                co_waiting = [it for it in listed if it["helping"]]
    return core.render(request, "staff/inbox.html", {
        "items": items, **core.page_of(rows, total, capped, page, PER_PAGE),
        # the inbox's size: all it lists (what the unit helps with, 协办, among it)
        "all_total": total + listed_total, "all_capped": capped or listed_capped,
        "to_sign": to_sign, "co_waiting": co_waiting,
        "sign_total": sign_total, "sign_capped": sign_capped,
        "title": dict(tabs)[tab], "tab": tab, "tabs": tabs,
        "liaison_list": tab == LIAISON_TAB[0], "back": f"/staff/inbox?tab={tab}"})
