"""The auditor's configuration-change log (配置变更记录): what administrators changed, who and
when, newest first, filtered by area and day; a tab of the audit page (流转记录)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.domain.appeal import Role
from jiesu.domain.config_events import AREA_ZH
from jiesu.store import config_store, web_queries
from jiesu.store.config_tables import ConfigEventRow
from jiesu.web import core
from jiesu.web.routes.analyst import audit_filters

router = APIRouter(prefix="/staff/audit", include_in_schema=False)
PER_PAGE = 50


@router.get("/config", response_class=HTMLResponse)
def config_changes(request: Request) -> HTMLResponse:
    core.require(request, {Role.AUDITOR, Role.ADMIN})
    rt = core.runtime_of(request)
    page = core.page_number(request)
    shown, problem = audit_filters(request, rt.settings.tz, set(AREA_ZH),
                                   "请从列表中选择配置类别")
    entries: list[ConfigEventRow] = []
    total = 0
    with core.reading(rt) as uow:
        if not problem:
            entries, total = config_store.recent(
                uow.session, area=shown["type"] or None, since=shown["since"],
                until=shown["until"], page=page, per_page=PER_PAGE)
        actors = web_queries.user_names(uow.session, {e.actor_id for e in entries
                                                      if e.actor_id is not None})
    query_base = urlencode([(k, shown[k]) for k in ("type", "from", "to") if shown[k]])
    return core.render(request, "staff/audit_config.html", {
        "entries": entries, "total": total, "page": page, "per_page": PER_PAGE,
        "capped": False, "query_base": query_base, "shown": shown, "problem": problem,
        "actors": actors})
