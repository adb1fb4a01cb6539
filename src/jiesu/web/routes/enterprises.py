"""The enterprise register for staff (企业库): search by name or 统一社会信用代码, the profile
form (admin) with the size class the 2017 办法 gives, and the policies each enterprise matched
and why the others do not apply; analysts read."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import Role
from jiesu.domain.enterprise import (
    DIVISION_SECTION,
    SECTIONS_ZH,
    SIZE_ZH,
    TAX_CREDIT_GRADES,
    normalize_certifications,
)
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.services.clock import utcnow
from jiesu.services.policies import LIAISON_ROLES, EnterpriseView
from jiesu.services.policy_inputs import EnterpriseInput
from jiesu.store import web_queries
from jiesu.web import core, policy_forms
from jiesu.web.core import FormDep
from jiesu.web.routes.policies import ENTERPRISE_READERS, policy_service

router = APIRouter(prefix="/staff/enterprises", include_in_schema=False)
PAGE = "/staff/enterprises"
EDITORS = {Role.ADMIN}
PER_PAGE = 20
REGION_DEPTH = 4  # regions offered: down to the communities
# Up to this many regions the form offers a select; past it the region's code is typed, found
# by name or code while it is typed (a big city has thousands).
REGION_CHOICES = 500

_TEXT = ("uscc", "name", "industry", "employees", "revenue", "assets", "size_class",
         "region_unit_id", "region_unit_code", "founded_on", "certifications", "tax_credit",
         "contact_name", "contact_phone", "liaison_user_id")


@router.get("", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    user = core.require(request, ENTERPRISE_READERS)
    q = (request.query_params.get("q") or "").strip()[:100]
    number = core.page_number(request)
    items, total = policy_service(core.runtime_of(request)).list_enterprises(
        user.actor(), q=q, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    return core.render(request, "staff/enterprises.html", {
        "items": items, "total": total, "q": q, "page": number, "per_page": PER_PAGE,
        "capped": False, "query_base": urlencode({"q": q}) if q else "",
        "may_edit": user.role in EDITORS})


def _values_of(e: EnterpriseView) -> dict[str, str]:
    return {"uscc": e.uscc, "name": e.name, "industry": e.industry or "",
            "employees": policy_forms.plain_number(e.employees),
            "revenue": policy_forms.plain_number(e.revenue),
            "assets": policy_forms.plain_number(e.assets),
            "size_class": (e.size_class or "") if e.size_declared else "",
            "region_unit_id": str(e.region_unit_id or ""),
            "founded_on": e.founded_on.isoformat() if e.founded_on else "",
            "certifications": "、".join(e.certifications), "tax_credit": e.tax_credit or "",
            "contact_name": e.contact_name or "", "contact_phone": e.contact_phone or "",
            "liaison_user_id": str(e.liaison_user_id or "")}


def _page(request: Request, values: dict[str, str], e: EnterpriseView | None, *,
          version: str = "", error: str | None = None, error_field: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    user = core.require(request, ENTERPRISE_READERS)
    rt = core.runtime_of(request)
    may_edit = user.role in EDITORS
    with core.reading(rt) as uow:
        regions: list[Any] | None = web_queries.units(
            uow.session, max_depth=REGION_DEPTH, limit=REGION_CHOICES + 1) if may_edit else []
        if regions is not None and len(regions) > REGION_CHOICES:
            regions = None  # the form takes a code
            region = values.get("region_unit_id", "")
            if "region_unit_code" not in values and region.isdigit() and len(region) < 18:
                unit = web_queries.unit_by_id(uow.session, int(region))
                values = values | {"region_unit_code": unit.code if unit is not None else ""}
        liaisons = [(u, unit) for u, unit in web_queries.users(uow.session)
                    if u.active and u.role in LIAISON_ROLES] if may_edit else []
    matches: list[Any] = []
    unmatched: list[Any] = []
    if e is not None:
        seen = policy_service(rt).enterprise_overview(
            user.actor(), e.id, utcnow().astimezone(rt.settings.tz).date())
        matches, unmatched = seen.matches, seen.unmatched
    return core.render(request, "staff/enterprise.html", {
        "e": e, "values": values, "version": version or (str(e.version) if e else ""),
        "error": error, "error_field": error_field,
        "may_edit": may_edit, "regions": regions, "liaisons": liaisons,
        "sections": SECTIONS_ZH, "divisions": DIVISION_SECTION, "sizes": [s.value for s in SIZE_ZH],
        "grades": TAX_CREDIT_GRADES, "matches": matches, "unmatched": unmatched,
        "may_decide": False, "may_see_enterprises": False, "back": PAGE,
        "yuan": policy_forms.yuan}, status_code=status_code)


def _region(request: Request, values: dict[str, str]) -> int | None:
    """The region picked (a select's id) or typed (its code, in a big city), or none."""
    code = values.get("region_unit_code", "").strip()
    if not values["region_unit_id"] and code:
        with core.reading(core.runtime_of(request)) as uow:
            unit = web_queries.active_unit(uow.session, code, max_depth=REGION_DEPTH)
        if unit is None:
            raise InvalidArguments(f"所在区域 {code[:30]} 不存在", field="region_unit_id")
        return unit.id
    return policy_forms.optional_id(values["region_unit_id"], "所在区域", "region_unit_id")


@router.get("/new", response_class=HTMLResponse)
def new_form(request: Request) -> HTMLResponse:
    core.require(request, EDITORS)
    return _page(request, {}, None)


@router.post("/new", response_model=None)
def create(request: Request, form: FormDep) -> Response:
    return _save(request, form, None)


@router.get("/{enterprise_id}", response_class=HTMLResponse)
def detail(request: Request, enterprise_id: int) -> HTMLResponse:
    user = core.require(request, ENTERPRISE_READERS)
    e = policy_service(core.runtime_of(request)).enterprise(user.actor(), enterprise_id)
    return _page(request, _values_of(e), e)


@router.post("/{enterprise_id}", response_model=None)
def update(request: Request, enterprise_id: int, form: FormDep) -> Response:
    return _save(request, form, enterprise_id)


def _save(request: Request, form: dict[str, Any], enterprise_id: int | None) -> Response:
    user = core.require(request, EDITORS)
    svc = policy_service(core.runtime_of(request))
    values = {k: core.text(form, k)[:2000] for k in _TEXT}
    version = core.text(form, "version")
    current: EnterpriseView | None = None
    try:
        if enterprise_id is not None:
            current = svc.enterprise(user.actor(), enterprise_id)
        data = EnterpriseInput(
            uscc=values["uscc"], name=values["name"],
            industry=policy_forms.industry_code(values["industry"]) or None,
            employees=policy_forms.optional_int(values["employees"], "从业人员", "employees"),
            revenue=policy_forms.optional_number(values["revenue"], "营业收入", "revenue"),
            assets=policy_forms.optional_number(values["assets"], "资产总额", "assets"),
            size_class=values["size_class"] or None,
            region_unit_id=_region(request, values),
            founded_on=policy_forms.optional_date(values["founded_on"], "成立日期",
                                                  "founded_on"),
            certifications=normalize_certifications(values["certifications"]),
            tax_credit=values["tax_credit"] or None,
            contact_name=values["contact_name"] or None,
            contact_phone=values["contact_phone"] or None,
            liaison_user_id=policy_forms.optional_id(values["liaison_user_id"], "帮扶联络人",
                                                     "liaison_user_id"))
        expected = int(version) if version.isascii() and version.isdigit() and \
            len(version) < 10 else None
        saved = svc.save_enterprise(user.actor(), data, utcnow(), enterprise_id=enterprise_id,
                                    expected_version=expected)
    except DomainError as exc:
        return _page(request, values, current, version=version, error=exc.message,
                     error_field=core.error_field(exc), status_code=exc.http_status)
    core.flash(request, "已保存")
    return core.redirect(f"{PAGE}/{saved.id}")

