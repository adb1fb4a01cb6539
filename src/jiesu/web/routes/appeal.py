"""One appeal for staff (诉求详情): everything about it and a form for each allowed action."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from jiesu.domain import notices
from jiesu.domain.appeal import PASSED_ON_ZH, callable_phone, typed_code
from jiesu.domain.enterprise import from_own_contact
from jiesu.domain.errors import DomainError, NotFound
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.store.tables import AppealRow
from jiesu.web import core, i18n, staff, uploads
from jiesu.web.core import FormDep
from jiesu.web.routes.policies import ENTERPRISE_READERS, policy_service

router = APIRouter(prefix="/staff/appeals", include_in_schema=False)
# 二次派单 lists up to this many units below the lead unit, the upper levels first; past it the
# page says so and its 显示全部单位 link (?units=all) lists them all.
SUB_UNITS = 500


@router.get("/{appeal_id}", response_class=HTMLResponse)
def detail(request: Request, appeal_id: int) -> HTMLResponse:
    user = core.require(request, staff.STAFF_ROLES)
    return _detail_page(request, user, appeal_id, request.query_params.get("back") or "")


def _detail_page(request: Request, user: CurrentUser, appeal_id: int, back: str,
                 failed: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """The appeal page; after a refused action (`failed`: the action and what was typed) its
    form is open again with the typed values, so a long reply is not lost."""
    rt = core.runtime_of(request)
    now = utcnow()
    back = back if back.startswith("/staff/") else core.ROLE_HOME.get(user.role, "/")
    with core.reading(rt) as uow:
        s = uow.session
        row = staff.visible_row(s, user, appeal_id)
        # 涉企诉求: the enterprise on file, its size and its 精准帮扶 liaison
        enterprise = policy_service(rt).enterprise_for_appeal(
            row.enterprise_code, user.actor()) if row.enterprise_code else None
        co = queries.co_units_of(s, row.id)
        events = queries.events_of(s, row.id)
        # and the units the timeline names: a unit that returned the appeal is no longer on it
        named = {e.data.get(k) for e in events if isinstance(e.data, dict)
                 for k in ("unit_id", "from_unit_id", "co_unit_id")}
        named |= {u for e in events if e.type == "dispatch" and isinstance(e.data, dict)
                  for u in e.data.get("co_unit_ids") or ()}
        names = queries.unit_names(s, {row.lead_unit_id, row.handling_unit_id, *co,
                                       *(u for u in named if isinstance(u, int))})
        # where the address was located (智能受理, gazetteer or polygons): its unit and the
        # ones above it, below the city, e.g. 城东区 › 东湖街道 › 东湖社区
        area = web_queries.unit_chains(s, {row.area_unit_id}).get(row.area_unit_id or 0, [])
        actor_ids = {e.actor_id for e in events if e.actor_id}
        people = web_queries.user_names(s, actor_ids)
        cats = web_queries.category_names(s)
        follows = (web_queries.merged_target(s, row, rt.settings.published_statuses)
                   if row.status == "merged" else None)
        actions = staff.available_actions(
            row, user, now, co, max_extensions=rt.rules.get().max_extensions,
            follows_open=follows is not None and follows["status"] in queries.OPEN)
        helping = staff.helping(row, co, user)
        if failed and failed["action"] not in actions:  # e.g. someone else acted first
            core.flash(request, failed["message"], "error")
            failed = None
        dispatching = "dispatch" in actions
        suggest = staff.suggestion_summary(
            row, rt.settings.unit_preselect_confidence, category_names=cats,
            unit_for=rt.intake.unit_suggestion if rt.intake is not None else None)
        every_unit = request.query_params.get("units") == "all"
        unit_options, unit_url = _dispatch_units(s, row, suggest, failed, every_unit) \
            if dispatching else ("", None)
        categories = list(web_queries.leaf_categories(s)) if dispatching else []
        subunits: list[Any] = []
        subunits_cut, sub_depth = None, 0
        if "sub_dispatch" in actions and user.unit_id is not None:
            path = queries.unit_path(s, user.unit_id) or ""
            # the lead unit stays accountable: below the user's unit and the lead unit both
            # (a district above the lead street offers that street's subtree, not the others)
            lead_path = queries.unit_path(s, row.lead_unit_id) or ""
            path = lead_path if lead_path.startswith(path) else path
            now_with = row.handling_unit_id or row.lead_unit_id
            # below, and the lead unit itself to take the appeal back (收回) once it is with a
            # unit below; not the unit that has it now
            # a district's thousands: its streets first, the page saying the list is cut and
            # its 显示全部单位 link (?units=all) listing them all
            below, cut = web_queries.units_cut(
                s, under_path=path, limit=staff.LEAD_UNIT_LIMIT if every_unit else SUB_UNITS,
                levels_first=True)
            subunits = [u for u in below if u.id != now_with and (u.id != user.unit_id
                                                                   or u.id == row.lead_unit_id)]
            subunits_cut, sub_depth = (SUB_UNITS if cut else None), path.count("/") - 2
        earlier: list[AppealRow] = []
        if row.requester_phone:
            earlier, _, _ = queries.list_appeals(
                s, queries.AppealFilters(requester_phone=row.requester_phone), queries.Scope(),
                now, page=1, per_page=6)
            earlier = [e for e in earlier if e.id != row.id][:5]
        return core.render(request, "staff/appeal.html", {
            "row": row, "names": names, "co": co, "events": events, "people": people,
            "enterprise": enterprise, "may_see_enterprises": user.role in ENTERPRISE_READERS,
            "enterprise_phone": from_own_contact(
                row.requester_phone, enterprise.contact_phone if enterprise else None),
            "area": [name for _, name in area],
            "hot": rt.hotspots.kept_by_appeal().get(row.id),
            "category": cats.get(row.category or ""), "category_names": cats,
            "actions": actions, "helping": helping, "fields": staff.ACTION_FIELDS,
            "unit_options": unit_options, "unit_url": unit_url, "pick": staff.pick_units,
            "all_units": f"/staff/appeals/{row.id}?back={quote(back, safe='')}&units=all",
            "subunits": subunits, "subunits_cut": subunits_cut, "sub_depth": sub_depth,
            "categories": categories,
            # 联系诉求人 is by phone far most often (and recorded so when none is picked)
            "current": {"category": row.category, "urgency": row.urgency, "method": "phone"},
            "max_extension_days": rt.rules.get().max_extension_days,
            "max_extensions": rt.rules.get().max_extensions,
            "followup_max_attempts": rt.rules.get().followup_max_attempts,
            "next_call": staff.next_call_at(row, rt.rules.get().followup_retry_minutes, now),
            "has_phone": callable_phone(row.requester_phone),  # else 回访 says 无法回访
            "suggest": suggest,
            "due_state": staff.due_state(row, now),
            "earlier": earlier, "attachments": (row.extra or {}).get("attachments", []),
            "back": back, "stay": staff.STAY_ON_PAGE,
            "at": lambda iso: _local_iso(request, iso),
            "failed": failed,
            # a refused 退单/延期 or a reply sent back, with why, while the unit works on it
            "decisions": staff.standing_decisions(row, events, helping=helping),
            "decision_labels": {t: d.label for t, d in notices.UNIT_DECISIONS.items()},
            "here": f"/staff/appeals/{row.id}?back={quote(back, safe='')}"},
            status_code=status_code)


def _dispatch_units(session: web_queries.ReadSession, row: AppealRow, suggest: dict[str, Any],
                    failed: dict[str, Any] | None, everything: bool) -> tuple[str, str | None]:
    """The dispatch form's unit <option>s, and where the browser fetches the rest (None: they
    are all here). A tree of up to `staff.INLINE_UNIT_LIMIT` units, or `everything` (?units=all,
    the queue's link for a browser without script), is written whole; a bigger one offers the
    units near the suggestion, the appeal's area and what was picked before a refusal."""
    # what the list holds (active units down to LEAD_UNIT_DEPTH): not the count in
    # web_queries.unit_tree_version (the fragment's ETag), which counts every unit, the stopped
    # and the deeper ones too, and would write a tree of many grids as a fetched list
    if everything or web_queries.count_tree(
            session, max_depth=staff.LEAD_UNIT_DEPTH) <= staff.INLINE_UNIT_LIMIT:
        return staff.unit_options(staff.lead_units(session)), None
    typed = failed["values"] if failed and failed["action"] == "dispatch" else {}
    picked = [typed.get("unit_id"), *(typed.get("co_unit_ids") or [])]
    around = [int(u) for u in picked if isinstance(u, str) and staff.is_number(u)]
    near = staff.near_units(session, suggest["unit_id"], row.area_unit_id, *around)
    return near.near(suggest["unit_id"], row.area_unit_id, *around), staff.UNIT_OPTIONS_URL


@router.post("/{appeal_id}/{action}", response_model=None)
def act(request: Request, appeal_id: int, action: str, form: FormDep) -> Response:
    """Perform one action from a form; errors come back as a message on the same page."""
    user = core.require(request, staff.STAFF_ROLES)
    rt = core.runtime_of(request)
    back = core.text(form, "back")
    back = back if back.startswith("/staff/") else f"/staff/appeals/{appeal_id}"
    with core.reading(rt) as uow:
        code = staff.visible_row(uow.session, user, appeal_id).code or str(appeal_id)
    version_text = core.text(form, "version")
    expected = int(version_text) if staff.is_number(version_text) else None
    try:
        args = staff.action_args(action, form)
        appeal, events = rt.appeals.act(user.actor(), appeal_id, action, utcnow(), args,
                                        expected_version=expected)
    except DomainError as exc:
        here = f"/staff/appeals/{appeal_id}"
        if core.text(form, "origin") == "detail":  # sent from the appeal page: keep the text
            return _detail_page(request, user, appeal_id, _list_of(back, here),
                                {"action": action, "message": exc.message,
                                 "field": exc.details.get("field"),
                                 "values": staff.typed_values(action, form)},
                                status_code=exc.http_status)
        core.flash(request, exc.message, "error")
        return core.redirect(back if back.startswith(here) else f"{here}?back={quote(back)}")
    followed = [e.data for e in events if e.type == "follow_up"]
    if any(e.data.get("merged_from") for e in events):  # a merged appeal's 补充, passed on
        core.flash(request, PASSED_ON_ZH.format(code=appeal.code))
        return core.redirect(back)
    core.flash(request, staff.follow_up_message(
        code, followed[-1], appeal.status == "closed", rt.rules.get().followup_max_attempts)
        if followed else staff.done_message(action, code))
    return core.redirect(back)


def _local_iso(request: Request, iso: object) -> str:
    """A time an event recorded as ISO text (e.g. a warning's due time), in local time."""
    try:
        return core.local_time(core.runtime_of(request), datetime.fromisoformat(str(iso)))
    except ValueError:
        return ""


def _list_of(back: str, here: str) -> str:
    """The work list an appeal page was opened from: a form that stays on the page posts the
    page's own address, whose `back` names the list."""
    if back.startswith(here):
        return parse_qs(urlsplit(back).query).get("back", [""])[0]
    return back


@router.get("/{appeal_id}/photo/{name}", response_model=None)
def photo(request: Request, appeal_id: int, name: str) -> Response:
    user = core.require(request, staff.STAFF_ROLES)
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        row = staff.visible_row(uow.session, user, appeal_id)
        extra = dict(row.extra or {})
    path, content_type = uploads.photo_path(rt.settings, extra, name)
    return FileResponse(path, media_type=content_type,
                        headers={"Cache-Control": "private, max-age=3600"})


@router.get("/", response_model=None)
def find(request: Request) -> Response:
    """Jump to an appeal by its code (the search box in the header)."""
    user = core.require(request, staff.STAFF_ROLES)
    rt = core.runtime_of(request)
    code = typed_code(request.query_params.get("code"))
    with core.reading(rt) as uow:
        row = web_queries.by_code(uow.session, code) if code else None
        if row is None:
            raise NotFound(f"没有编号为 {code} 的诉求")
        staff.visible_row(uow.session, user, row.id)
        # the box keeps the page's language: a page asked in English is followed in English
        # even where the language cookie is not kept
        lang = request.query_params.get("lang")
        return core.redirect(f"/staff/appeals/{row.id}"
                             + (f"?lang={lang}" if lang in i18n.LANGS else ""))
