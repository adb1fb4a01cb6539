"""Requester pages (诉求人): track by code + phone, add information, ask to reopen, rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import (
    PASSED_ON_ZH,
    Actor,
    Role,
    phone_digits,
    requester_reopen_ends,
    typed_code,
)
from jiesu.domain.errors import DomainError, NotFound, TooManyAttempts
from jiesu.domain.notices import rejected_because
from jiesu.domain.rating import parse_stars, rating_ends
from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.web import core, feedback, uploads
from jiesu.web.core import FormDep
from jiesu.web.disclosure import requester_view
from jiesu.web.routes.policies import policy_service
from jiesu.web.routes.public import _remember

router = APIRouter(include_in_schema=False)
# what to check and where to turn, without saying which of the two was wrong
NOT_FOUND = ("编号或手机号不正确。请核对提交成功时显示的诉求编号和提交诉求时填写的手机号码；"
             "忘记编号可拨打 12345 查询。")


@router.get("/track", response_class=HTMLResponse)
def track_form(request: Request) -> HTMLResponse:
    # a tracking link opened on another device comes here with its code: keep it filled in
    code = typed_code(request.query_params.get("code"))
    return core.render(request, "public/track.html", {"code": code, "phone": "", "error": None})


@router.post("/track", response_class=HTMLResponse, response_model=None)
def track(request: Request, form: FormDep) -> Response:
    rt = core.runtime_of(request)
    code, phone = typed_code(core.text(form, "code")), core.text(form, "phone")[:32]
    key, now = f"track:{code}", utcnow()
    try:  # codes are printed on receipts: phone numbers must not be guessable
        failures = rt.lookup_limiter.check(key, now)
    except TooManyAttempts as exc:
        return core.render(request, "public/track.html",
                           {"code": code, "phone": phone, "error": exc.message}, status_code=429)
    with core.reading(rt) as uow:
        row = web_queries.by_code(uow.session, code) if code else None
        ok = (row is not None and bool(phone_digits(phone))
              and phone_digits(phone) == phone_digits(row.requester_phone))
    if not ok:
        rt.lookup_limiter.failed(key, now)
        # One message for both cases, so the form does not reveal which codes exist.
        return core.render(request, "public/track.html",
                           {"code": code, "phone": phone, "error": NOT_FOUND},
                           status_code=404)
    rt.lookup_limiter.succeeded(key, failures)
    _remember(request, code)
    return core.redirect(f"/track/{code}")


def _ask_phone(code: str) -> Response:
    """This browser has not proved the phone for `code` yet: the lookup form, code filled in."""
    return core.redirect("/track?" + urlencode({"code": code[:32]}))


@router.get("/track/{code}", response_class=HTMLResponse, response_model=None)
def track_detail(request: Request, code: str) -> Response:
    if code not in request.session.get("tracked", []):
        return _ask_phone(code)
    return _detail_page(request, code)


def _detail_page(request: Request, code: str, failed: dict[str, Any] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    """The tracking page; after a refused rating, 补充 or 重办 (`failed`: the action, why and
    what was typed) the message stands in that form, which holds the text again and takes the
    focus: on a phone the form is screens below the page's top, where a flash went unseen."""
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        row = web_queries.by_code(uow.session, code)
        if row is None:
            raise NotFound("诉求不存在")
        names = queries.unit_names(uow.session, {row.lead_unit_id})
        cats = web_queries.category_names(uow.session)
        steps = requester_view(row, queries.events_of(uow.session, row.id))
        rating = feedback.rating_of(rt, row.id)
        merged = (web_queries.merged_target(uow.session, row, rt.settings.published_statuses)
                  if row.status == "merged"
                  else None)
    # a closed appeal can be reopened by its requester only for a while: past that, the form
    # would only collect a reason to refuse it
    reopen_ends = (requester_reopen_ends(row.closed_at, rt.rules.get())
                   if row.status == "closed" else None)
    reopen_over = reopen_ends is not None and utcnow() > reopen_ends
    # 涉企诉求: handled on the enterprise limits; its name and 精准帮扶 liaison only when the
    # appeal came from the enterprise's contact phone (what /enterprise asks for)
    enterprise = row.requester_type == "enterprise"
    on_file = (policy_service(rt).enterprise_for_requester(row.enterprise_code,
                                                           row.requester_phone)
               if enterprise and row.enterprise_code else None)
    # the rating window (评价期限) too: once it has passed the rating form is not offered
    rate_ends = (rating_ends(row.closed_at, rt.settings.rating_window_days)
                 if row.status == "closed" else None)
    rate_over = rate_ends is not None and utcnow() >= rate_ends
    offered = {"rate": row.status in ("replied", "closed") and rating is None and not rate_over,
               # merged: passed on to the appeal it follows, while that one is open
               "add_info": row.status in queries.OPEN
               or (merged is not None and merged["status"] in queries.OPEN),
               "reopen": row.status in ("replied", "closed") and not reopen_over}
    if failed and not offered.get(failed["action"]):  # e.g. rated meanwhile on another phone
        core.flash(request, failed["message"], "error")
        failed = None
    return core.render(request, "public/track_detail.html", {
        "row": row, "enterprise": enterprise, "on_file": on_file,
        "unit": names.get(row.lead_unit_id or 0),
        "category": cats.get(row.category or ""), "steps": steps,
        "new": request.query_params.get("new") == "1", "rating": rating,
        "call_now": _call_now(row.suggestions) if row.status == "registered" else [],
        "rejected_because": rejected_because(row.reject_reason)
        if row.status == "rejected" else None,
        "merged": merged,
        "can_add": offered["add_info"], "can_reopen": offered["reopen"],
        "reopen_over": reopen_over, "reopen_ends": reopen_ends,
        "can_rate": offered["rate"], "rate_over": rate_over and rating is None,
        "rate_ends": rate_ends, "failed": failed}, status_code=status_code)


def _call_now(suggestions: dict[str, Any] | None) -> list[str]:
    """The emergency lines the intake rules named for this appeal ("燃气泄漏" → 119): a resident
    who submitted without JavaScript, or before the form's warning showed, learns it here."""
    urgency = (suggestions or {}).get("urgency") or {}
    if urgency.get("level") not in ("urgent", "emergency"):
        return []
    return [str(line) for line in urgency.get("transfer_to") or []]


def _requester_act(request: Request, code: str, action: str, args: dict[str, object],
                   message: str | Callable[[Any], str], photo: Any = None) -> Response:
    """`action` by the appeal's requester; `photo`, the file chosen in the form, if any, is
    stored with it (and let go of again when the action is refused)."""
    if code not in request.session.get("tracked", []):
        return _ask_phone(code)
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        row = web_queries.by_code(uow.session, code)
        if row is None:
            raise NotFound("诉求不存在")
        appeal_id, phone = row.id, row.requester_phone
    requester = Actor(role=Role.REQUESTER, phone=phone)

    def act() -> object:
        # an empty text is refused anyway: its photo is not stored first
        saved = uploads.save_photo(rt.settings, photo) if args.get("text") else None
        try:
            return rt.appeals.act(requester, appeal_id, action, utcnow(), args,
                                  photos=[saved] if saved else None)
        except DomainError:
            uploads.discard(rt.settings, saved)
            raise

    return _done(request, code, action, act, message, {k: str(v) for k, v in args.items()})


def _done(request: Request, code: str, action: str, call: Callable[[], Any],
          message: str | Callable[[Any], str], typed: dict[str, str]) -> Response:
    """Run a requester's `action`; done, back to the tracking page with `message`; refused,
    the page at once with the refusal and `typed` in the action's form."""
    return core.done(request, call, message, f"/track/{code}", refused=lambda exc: _detail_page(
        request, code, {"action": action, "message": exc.message, "values": typed},
        status_code=exc.http_status))


@router.post("/track/{code}/add_info", response_model=None)
def add_info(request: Request, code: str, form: FormDep) -> Response:
    return _requester_act(request, code, "add_info", {"text": core.text(form, "text")},
                          _added, photo=form.get("photo"))


def _added(result: Any) -> str:
    """What a 补充 came to: added, or passed on to the appeal a merged one follows."""
    target, events = result
    if any(e.data.get("merged_from") for e in events):
        return PASSED_ON_ZH.format(code=target.code)
    return "已补充"


@router.post("/track/{code}/reopen", response_model=None)
def reopen(request: Request, code: str, form: FormDep) -> Response:
    return _requester_act(request, code, "reopen", {"reason": core.text(form, "reason")},
                          "已提交重办申请")


@router.post("/track/{code}/rate", response_model=None)
def rate(request: Request, code: str, form: FormDep) -> Response:
    if code not in request.session.get("tracked", []):
        return _ask_phone(code)
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        row = web_queries.by_code(uow.session, code)
        if row is None:
            raise NotFound("诉求不存在")
        appeal_id, phone = row.id, row.requester_phone or ""
    stars, comment = core.text(form, "stars"), core.text(form, "comment")
    # parsed as every rating form parses it (a service item's, the survey's)
    return _done(request, code, "rate",
                 lambda: feedback.rate(rt, appeal_id, phone, parse_stars(stars), comment),
                 "感谢您的评价", {"stars": stars, "comment": comment})
