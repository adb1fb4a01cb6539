"""Policies for an enterprise, without login (企业服务 / 政策直达): by 统一社会信用代码 + the
contact phone on file, the policies it matched (why it qualifies, the deadline to apply, the
decision, the payout) with an application form, and the open policies it misses with the
conditions it does not meet or that its profile lacks.

The lookup is kept in the session, as /track keeps a tracking code: the phone never goes into
a URL, and applying comes back to the same page (post/redirect/get)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.errors import DomainError, InvalidArguments, TooManyAttempts
from jiesu.services.clock import utcnow
from jiesu.web import core, policy_forms
from jiesu.web.core import FormDep
from jiesu.web.routes.policies import policy_service

router = APIRouter(prefix="/enterprise", include_in_schema=False)
SESSION_KEY = "enterprise"
REFUSED = "统一社会信用代码或联系电话不正确"


def _lookup_page(request: Request, uscc: str = "", error: str | None = None,
                 status_code: int = 200) -> HTMLResponse:
    return core.render(request, "public/enterprise.html", {
        "uscc": uscc, "error": error, "remembered": bool(request.session.get(SESSION_KEY))},
        status_code=status_code)


@router.get("", response_class=HTMLResponse)
def lookup_form(request: Request) -> HTMLResponse:
    return _lookup_page(request)


@router.post("", response_class=HTMLResponse, response_model=None)
def lookup(request: Request, form: FormDep) -> Response:
    rt = core.runtime_of(request)
    uscc, phone = core.text(form, "uscc")[:40], core.text(form, "phone")[:32]
    try:
        if not uscc or not phone:
            raise InvalidArguments("请填写统一社会信用代码和联系电话")
        policy_service(rt).self_service(uscc, phone, _today(request))
    except InvalidArguments as exc:  # a mistyped code: saying so tells nothing about the files
        return _lookup_page(request, uscc, exc.message, status_code=422)
    except TooManyAttempts as exc:  # someone has been guessing phone numbers for this code
        return _lookup_page(request, uscc, exc.message, status_code=429)
    except DomainError:
        # one message for an unknown code and a wrong phone
        return _lookup_page(request, uscc, REFUSED, status_code=404)
    request.session[SESSION_KEY] = [uscc, phone]
    return core.redirect("/enterprise/policies")


def _today(request: Request) -> Any:
    return utcnow().astimezone(core.runtime_of(request).settings.tz).date()


def _remembered(request: Request) -> tuple[str, str] | None:
    kept = request.session.get(SESSION_KEY)
    if isinstance(kept, list) and len(kept) == 2 and all(isinstance(v, str) for v in kept):
        return kept[0], kept[1]
    return None


@router.get("/policies", response_class=HTMLResponse, response_model=None)
def policies(request: Request) -> Response:
    kept = _remembered(request)
    if kept is None:
        return core.redirect("/enterprise")
    rt = core.runtime_of(request)
    try:
        seen = policy_service(rt).self_service(kept[0], kept[1], _today(request))
    except TooManyAttempts as exc:
        return _lookup_page(request, kept[0], exc.message, status_code=429)
    except DomainError:  # the profile changed since: ask again
        request.session.pop(SESSION_KEY, None)
        return core.redirect("/enterprise")
    # a match that lapsed because the enterprise no longer qualifies is among `unmatched`
    shown = [m for m in seen.matches if m.lapse_reason != "not_eligible"]
    return core.render(request, "public/enterprise_detail.html", {
        "e": seen.enterprise, "matches": shown,
        "unmatched": seen.unmatched, "yuan": policy_forms.yuan,
        "today": _today(request)})


@router.post("/policies/{match_id}/apply", response_model=None)
def apply(request: Request, match_id: int, form: FormDep) -> Response:
    kept = _remembered(request)
    if kept is None:
        return core.redirect("/enterprise")
    uscc, phone = kept
    svc = policy_service(core.runtime_of(request))
    text = core.text(form, "text")[:5000]
    return core.done(request, lambda: svc.apply(uscc, phone, match_id, text, utcnow()),
                     "已提交申报，请等待审核结果（短信通知）", f"/enterprise/policies#m{match_id}")


@router.post("/leave", response_model=None)
def leave(request: Request, form: FormDep) -> Response:
    request.session.pop(SESSION_KEY, None)
    return core.redirect("/enterprise")
