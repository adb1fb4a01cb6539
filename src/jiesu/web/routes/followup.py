"""Follow-up agent (回访员): replied appeals by follow-up deadline; the result form is on the
appeal page (reached / resolved / satisfaction)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import Role, callable_phone
from jiesu.services.clock import utcnow
from jiesu.store import web_queries
from jiesu.web import core, feedback, staff
from jiesu.web.core import FormDep

router = APIRouter(prefix="/staff/followup", include_in_schema=False)
ROLES = {Role.FOLLOWUP_AGENT}
PER_PAGE = 20


@router.get("", response_class=HTMLResponse)
def followup_queue(request: Request) -> HTMLResponse:
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    page = core.page_number(request)
    now = utcnow()
    with core.reading(rt) as uow:
        rows, total, capped = web_queries.followup_page(uow.session, now, page=page,
                                                  per_page=PER_PAGE)
        items = staff.list_items(uow.session, rows, now)
    retry = rt.rules.get().followup_retry_minutes
    for it in items:
        it["next_call"] = staff.next_call_at(it["row"], retry, now)
        # nobody to call (anonymous, a governance task): the row offers 无法回访 at once
        it["has_phone"] = callable_phone(it["row"].requester_phone)
    return core.render(request, "staff/followup.html", {
        "items": items, **core.page_of(rows, total, capped, page, PER_PAGE),
        "back": "/staff/followup"})


@router.post("/{appeal_id}/survey", response_model=None)
def send_survey(request: Request, appeal_id: int, form: FormDep) -> Response:
    """Text the requester a one-time link to the online questionnaire (网上回访); the answer
    records the follow-up as the requester's own."""
    user = core.require(request, ROLES)
    svc = feedback.service(core.runtime_of(request))
    return core.done(request, lambda: svc.create_survey(user.actor(), appeal_id, utcnow()),
                     "已向诉求人发送回访问卷短信", "/staff/followup")
