"""Operator (话务员): a keyboard-first screen to register a call while the caller talks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import Role, callable_phone, phone_digits
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.domain.knowledge import article_ref
from jiesu.services.appeals import DirectAnswer, NewAppeal
from jiesu.services.clock import utcnow
from jiesu.store import queries
from jiesu.web import core, i18n
from jiesu.web.core import FormDep

router = APIRouter(prefix="/staff/operator", include_in_schema=False)
ROLES = {Role.OPERATOR}
KINDS = ("complaint", "help", "consult", "report", "suggestion", "praise")
FIELDS = ("requester_phone", "requester_name", "kind", "title", "content", "address",
          "category", "urgency", "answer", "article_id", "enterprise_code")


def _page(request: Request, values: dict[str, Any], error: str | None = None,
          status_code: int = 200, registered: dict[str, Any] | None = None) -> HTMLResponse:
    categories, branches = core.form_categories(core.runtime_of(request), error)
    lang = core.lang_of(request)
    return core.render(request, "staff/operator.html", {
        "values": values, "error": error, "categories": categories, "branches": branches,
        "kinds": [(k, i18n.label(lang, "kind", k)) for k in KINDS],
        "urgencies": i18n.choices(lang, "urgency"), "registered": registered},
        status_code=status_code)


@router.get("", response_class=HTMLResponse)
def form_page(request: Request) -> HTMLResponse:
    core.require(request, ROLES)
    last = request.session.pop("last_registered", None)
    return _page(request, {"kind": "complaint", "urgency": "normal"}, registered=last)


@router.post("", response_class=HTMLResponse, response_model=None)
def register(request: Request, form: FormDep) -> Response:
    user = core.require(request, ROLES)
    rt = core.runtime_of(request)
    values: dict[str, Any] = {k: core.text(form, k) for k in FIELDS}
    values["confidential"] = core.text(form, "confidential") == "on"
    values["direct"] = core.text(form, "direct") == "on"
    now = utcnow()
    try:
        phone = values["requester_phone"]
        # blank is an anonymous call; a number must be one the follow-up can call back
        if phone and not callable_phone(phone):
            raise InvalidArguments("来电号码应为 7–20 位数字（手机或座机），用于回访",
                                   field="requester_phone")
        data = NewAppeal(
            kind=values["kind"], content=values["content"], title=values["title"],
            urgency=values["urgency"] or "normal", channel="hotline",
            category=values["category"] or None, requester_name=values["requester_name"],
            requester_phone=values["requester_phone"], address=values["address"],
            confidential=values["confidential"],
            # 涉企诉求: the caller speaks for an enterprise (its own limits, its liaison)
            requester_type="enterprise" if values["enterprise_code"] else "resident",
            enterprise_code=values["enterprise_code"][:40] or None)
        key = core.text(form, "idempotency_key")[:128] or None
        direct = values["direct"] and values["kind"] == "consult"
        # the knowledge-base article the answer was read from (用此口径答复), if any
        article_id = article_ref(values["article_id"]) if direct else None
        if article_id is not None:  # before the call is registered: refuse early
            rt.knowledge.check_usable(user.actor(), article_id)
        answer = DirectAnswer(values["answer"], article_id) if direct else None
        # registered and answered in one transaction: a refused answer registers nothing
        result = rt.appeals.register(user.actor(), data, now, idempotency_key=key,
                                     answer=answer)
    except DomainError as exc:
        return _page(request, values, core.refusal_message(exc), status_code=exc.http_status)
    request.session["last_registered"] = {"code": result.code, "id": result.appeal_id,
                                          "direct": direct}
    return core.redirect("/staff/operator")


@router.get("/earlier", response_class=HTMLResponse)
def earlier(request: Request) -> HTMLResponse:
    """The caller's earlier appeals (newest first), as a fragment the page inserts."""
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    phone = (request.query_params.get("phone") or "").strip()[:32]
    rows: list[Any] = []
    if len(phone_digits(phone)) >= 7:
        with core.reading(rt) as uow:
            rows, _, _ = queries.list_appeals(
                uow.session, queries.AppealFilters(requester_phone=phone), queries.Scope(),
                utcnow(), page=1, per_page=8)
    return core.render(request, "partials/earlier.html", {"rows": rows, "phone": phone})
