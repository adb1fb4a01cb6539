"""Support policies for staff (惠企政策): the list with what each policy matched and paid, the
policy form with its conditions editor, publishing and withdrawing (admin); applications to
decide and payouts due (申报审核 / 兑现: handlers of the issuing unit and admin); analysts and
supervisors read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import Role
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.domain.policy import (
    FIELD_ZH,
    MODE_ZH,
    POLICY_STATUS_ZH,
    Field,
    MatchStatus,
    Mode,
    PolicyStatus,
)
from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.services.policies import PolicyService
from jiesu.services.policy_inputs import PolicyInput
from jiesu.store import queries, web_queries
from jiesu.web import core, policy_forms
from jiesu.web.core import FormDep

router = APIRouter(prefix="/staff/policies", include_in_schema=False)
PAGE = "/staff/policies"
READERS = {Role.ADMIN, Role.HANDLER, Role.ANALYST, Role.SUPERVISOR}
EDITORS = {Role.ADMIN}
DECIDERS = {Role.ADMIN, Role.HANDLER}  # the service keeps a handler to its issuing unit
ENTERPRISE_READERS = {Role.ADMIN, Role.ANALYST}  # who opens /staff/enterprises
TABS = [("policies", "政策列表"), ("applications", "申报审核"), ("payouts", "待兑现")]
PER_PAGE = 20
ISSUER_DEPTH = 3  # issuing units offered: the city, districts and departments, streets
# Up to this many issuing units the form offers a select; past it the issuer's code is typed,
# found by name or code while it is typed (a big city has thousands down to ISSUER_DEPTH).
ISSUER_CHOICES = 500


def policy_service(rt: Runtime) -> PolicyService:
    """The process's policy service."""
    return rt.policies


def _back(form: dict[str, Any], default: str) -> str:
    back = core.text(form, "back")
    return back if back.startswith(PAGE) or back.startswith("/staff/enterprises") else default


# --- lists -----------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    user = core.require(request, READERS)
    svc = policy_service(core.runtime_of(request))
    default = "applications" if user.role is Role.HANDLER else "policies"
    tab = request.query_params.get("tab", default)
    tab = tab if tab in dict(TABS) else default
    number = core.page_number(request)
    offset = (number - 1) * PER_PAGE
    actor = user.actor()
    ctx: dict[str, Any] = {"tab": tab, "tabs": TABS, "page": number, "per_page": PER_PAGE,
                           "capped": False, "query_base": f"tab={tab}",
                           "may_edit": user.role in EDITORS, "may_decide": user.role in DECIDERS,
                           "back": f"{PAGE}?tab={tab}" + (f"&page={number}" if number > 1 else ""),
                           "yuan": policy_forms.yuan,
                           "may_see_enterprises": user.role in ENTERPRISE_READERS,
                           "typed": core.take_typed(request)}
    if tab == "policies":
        status = request.query_params.get("status") or ""
        status = status if status in POLICY_STATUS_ZH else ""
        found, total = svc.list_policies(actor, status=status or None, limit=PER_PAGE,
                                         offset=offset)
        ctx.update(policies=found, total=total, status=status,
                   statuses=list(POLICY_STATUS_ZH),
                   query_base=f"tab={tab}&status={status}" if status else f"tab={tab}")
    elif tab == "applications":
        items, total = svc.matches(actor, status=MatchStatus.APPLIED.value, limit=PER_PAGE,
                                   offset=offset)
        ctx.update(matches=items, total=total)
    else:
        # approved applications and 免申即享 entitlements not yet paid, earliest due first
        items, total = svc.matches(actor, payouts_due=True, limit=PER_PAGE, offset=offset)
        ctx.update(matches=items, total=total,
                   amounts={m.policy_id: policy_forms.fen_to_yuan(m.amount_fen) for m in items})
    return core.render(request, "staff/policies.html", ctx)


# --- the policy form -------------------------------------------------------------------------


def _named_units(rt: Runtime, rows: list[policy_forms.ConditionRow]
                 ) -> list[policy_forms.UnitRef]:
    """The units the region conditions' words name, looked up by code or name (a list of the
    city's first 2,000 refused a unit past them as 不是单位名称或单位编码)."""
    with core.reading(rt) as uow:
        return [policy_forms.UnitRef(u.id, u.code, u.name) for u in web_queries.units_named(
            uow.session, policy_forms.region_words(rows))]


def _issuer(rt: Runtime, values: dict[str, Any]) -> int:
    """The issuing unit picked (a select's id) or typed (its code, in a big city)."""
    code = values.get("issuer_unit_code", "").strip()
    if not values["issuer_unit_id"] and code:
        with core.reading(rt) as uow:
            unit = web_queries.active_unit(uow.session, code, max_depth=ISSUER_DEPTH)
        if unit is None:
            raise InvalidArguments(f"发布单位 {code[:30]} 不存在", field="issuer_unit_id")
        return unit.id
    issuer = policy_forms.optional_id(values["issuer_unit_id"], "发布单位", "issuer_unit_id")
    if issuer is None:
        raise InvalidArguments("请选择发布单位", field="issuer_unit_id")
    return issuer


def _form_page(request: Request, values: dict[str, Any], rows: list[policy_forms.ConditionRow],
               *, policy_id: int | None, version: str = "", error: str | None = None,
               error_field: str | None = None, status_code: int = 200) -> HTMLResponse:
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        units = web_queries.units(uow.session, max_depth=ISSUER_DEPTH, limit=ISSUER_CHOICES + 1)
    # what saving will do depends on it: a published policy matches again at once
    status = None if policy_id is None else policy_service(rt).policy(
        core.require(request, EDITORS).actor(), policy_id).status
    bad = policy_forms.bad_row(error) if error and error_field == "conditions" else None
    return core.render(request, "staff/policy_form.html", {
        "values": values, "rows": policy_forms.shown_rows(rows), "policy_id": policy_id,
        "status": status,
        "version": version, "error": error, "error_field": error_field, "bad_row": bad,
        "units": units if len(units) <= ISSUER_CHOICES else None, "modes": list(MODE_ZH),
        "fields": list(FIELD_ZH),
        "ops": list(policy_forms.OP_ZH), "value_help": policy_forms.VALUE_HELP,
        "unit_of": policy_forms.UNIT_OF}, status_code=status_code)


_POLICY_TEXT = ("code", "title", "issuer_unit_id", "issuer_unit_code", "mode", "summary",
                "benefit", "amount", "valid_from", "valid_until", "payout_days")


@router.get("/new", response_class=HTMLResponse)
def new_form(request: Request) -> HTMLResponse:
    core.require(request, EDITORS)
    return _form_page(request, {"mode": Mode.APPLY.value, "payout_days": "15"}, [],
                      policy_id=None)


@router.post("/new", response_model=None)
def create(request: Request, form: FormDep) -> Response:
    return _save(request, form, None)


@router.get("/{policy_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, policy_id: int) -> HTMLResponse:
    user = core.require(request, EDITORS)
    rt = core.runtime_of(request)
    p = policy_service(rt).policy(user.actor(), policy_id)
    regions = {v for c in p.conditions if c.get("field") == Field.REGION.value
               for v in (c.get("value") or []) if isinstance(v, int)}
    with core.reading(rt) as uow:
        names = queries.unit_names(uow.session, regions | {p.issuer_unit_id})
        issuer = web_queries.unit_by_id(uow.session, p.issuer_unit_id)
    values = {"code": p.code, "title": p.title, "issuer_unit_id": str(p.issuer_unit_id),
              "issuer_unit_code": issuer.code if issuer is not None else "",
              "mode": str(p.mode), "summary": p.summary, "benefit": p.benefit,
              "amount": policy_forms.fen_to_yuan(p.amount_fen),
              "valid_from": p.valid_from.isoformat() if p.valid_from else "",
              "valid_until": p.valid_until.isoformat() if p.valid_until else "",
              "payout_days": str(p.payout_days)}
    return _form_page(request, values,
                      policy_forms.rows_of(p.conditions, names, core.lang_of(request)),
                      policy_id=policy_id, version=str(p.version))


@router.post("/{policy_id}/edit", response_model=None)
def update(request: Request, policy_id: int, form: FormDep) -> Response:
    return _save(request, form, policy_id)


def _save(request: Request, form: dict[str, Any], policy_id: int | None) -> Response:
    """Save the form; on an error show it again with what was typed and the message."""
    user = core.require(request, EDITORS)
    rt = core.runtime_of(request)
    values = {k: core.text(form, k)[:10_000] for k in _POLICY_TEXT}
    rows = policy_forms.condition_rows(form)
    version = core.text(form, "version")
    numbers: list[int] = []
    try:
        issuer = _issuer(rt, values)
        if values["mode"] not in MODE_ZH:
            raise InvalidArguments("请选择兑现方式", field="mode")
        conditions, numbers = policy_forms.conditions_json(rows, _named_units(rt, rows))
        payout_days = policy_forms.optional_int(values["payout_days"], "兑现时限", "payout_days",
                                                most=365)
        data = PolicyInput(
            code=values["code"], title=values["title"], issuer_unit_id=issuer,
            mode=values["mode"], conditions=conditions, summary=values["summary"],
            benefit=values["benefit"],
            amount_fen=policy_forms.yuan_to_fen(values["amount"], "标准金额", "amount"),
            valid_from=policy_forms.optional_date(values["valid_from"], "开始日期",
                                                  "valid_from"),
            valid_until=policy_forms.optional_date(values["valid_until"], "截止日期",
                                                   "valid_until"),
            payout_days=15 if payout_days is None else payout_days)
        expected = int(version) if version.isascii() and version.isdigit() and \
            len(version) < 10 else None
        saved = policy_service(rt).save_policy(user.actor(), data, utcnow(),
                                               policy_id=policy_id, expected_version=expected)
    except DomainError as exc:
        field = core.error_field(exc)
        message = policy_forms.renumber(exc.message, numbers) if field == "conditions" \
            else exc.message
        return _form_page(request, values, rows, policy_id=policy_id, version=version,
                          error=message, error_field=field, status_code=exc.http_status)
    core.flash(request, "已保存")
    return core.redirect(f"{PAGE}/{saved.id}")


# --- one policy ------------------------------------------------------------------------------


@router.get("/{policy_id}", response_class=HTMLResponse)
def detail(request: Request, policy_id: int) -> HTMLResponse:
    user = core.require(request, READERS)
    svc = policy_service(core.runtime_of(request))
    actor = user.actor()
    p = svc.policy(actor, policy_id)
    status = request.query_params.get("status") or ""
    status = status if status in {s.value for s in MatchStatus} else ""
    number = core.page_number(request)
    matches, total = svc.matches(actor, policy_id=policy_id, status=status or None,
                                 limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    here = f"{PAGE}/{policy_id}"
    return core.render(request, "staff/policy.html", {
        "p": p, "matches": matches, "total": total, "page": number, "per_page": PER_PAGE,
        "capped": False, "status": status, "statuses": [s.value for s in MatchStatus],
        "query_base": f"status={status}" if status else "",
        "may_edit": user.role in EDITORS, "may_decide": user.role in DECIDERS,
        "back": here, "yuan": policy_forms.yuan, "may_see_enterprises": user.role in
        ENTERPRISE_READERS, "amounts": {p.id: policy_forms.fen_to_yuan(p.amount_fen)},
        "typed": core.take_typed(request),
        "draft": str(p.status) == PolicyStatus.DRAFT.value,
        "published": str(p.status) == PolicyStatus.PUBLISHED.value})


@router.post("/{policy_id}/publish", response_model=None)
def publish(request: Request, policy_id: int, form: FormDep) -> Response:
    user = core.require(request, EDITORS)
    svc = policy_service(core.runtime_of(request))
    return core.done(request, lambda: svc.publish(user.actor(), policy_id, utcnow()),
                     "已发布，符合条件的企业已匹配", f"{PAGE}/{policy_id}")


@router.post("/{policy_id}/withdraw", response_model=None)
def withdraw(request: Request, policy_id: int, form: FormDep) -> Response:
    user = core.require(request, EDITORS)
    svc = policy_service(core.runtime_of(request))
    reason = core.text(form, "reason")[:2000]
    return core.done(request, lambda: svc.withdraw(user.actor(), policy_id, utcnow(), reason),
                     "已撤回", f"{PAGE}/{policy_id}")


# --- applications and payouts ----------------------------------------------------------------


@router.post("/matches/{match_id}/decide", response_model=None)
def decide(request: Request, match_id: int, form: FormDep) -> Response:
    user = core.require(request, DECIDERS)
    back = _back(form, f"{PAGE}?tab=applications")
    decision = core.text(form, "decision")
    note = core.text(form, "note")[:2000]
    version = core.text(form, "version")

    def run() -> None:
        if decision not in ("approve", "reject"):
            raise InvalidArguments("请选择审核通过或不通过", field="decision")
        expected = int(version) if version.isascii() and version.isdigit() and \
            len(version) < 10 else None
        policy_service(core.runtime_of(request)).decide(
            user.actor(), match_id, decision == "approve", note, utcnow(),
            expected_version=expected)

    # a refused decision (不通过 without a reason, a stale version) keeps the note typed
    return core.done(request, run, "已审核通过" if decision == "approve" else "已审核：不通过",
                     back, keep=(f"decide-{match_id}", {"note": note}))


@router.post("/matches/{match_id}/pay", response_model=None)
def pay(request: Request, match_id: int, form: FormDep) -> Response:
    user = core.require(request, DECIDERS)
    back = _back(form, f"{PAGE}?tab=payouts")
    typed = {"amount": core.text(form, "amount")[:40], "ref": core.text(form, "ref")[:100]}

    def run() -> None:
        amount = policy_forms.yuan_to_fen(typed["amount"], "兑现金额", "amount")
        if amount is None:
            raise InvalidArguments("请填写兑现金额", field="amount")
        policy_service(core.runtime_of(request)).pay(
            user.actor(), match_id, amount, typed["ref"], utcnow())

    # a refused payout shows the amount and 凭证号 typed, not the policy's standard amount again
    return core.done(request, run, "已登记兑现", back, keep=(f"pay-{match_id}", typed))
