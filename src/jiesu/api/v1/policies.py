"""Enterprises (企业档案), support policies (惠企政策), their matches (匹配、申报审核、兑现) and
the enterprise self-service (企业自助查询与申报, public: 统一社会信用代码 + 联系电话).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jiesu.api.deps import RuntimeDep, expected_version, require_roles
from jiesu.domain import enterprise as ent
from jiesu.domain.appeal import Role
from jiesu.runtime import Runtime
from jiesu.services import policies as svc
from jiesu.services import policy_inputs as inputs
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow

enterprises_router = APIRouter(prefix="/api/v1/enterprises", tags=["policies"])
policies_router = APIRouter(prefix="/api/v1/policies", tags=["policies"])
matches_router = APIRouter(prefix="/api/v1/policy-matches", tags=["policies"])
self_service_router = APIRouter(prefix="/api/v1/enterprise-service", tags=["policies"])
routers = (enterprises_router, policies_router, matches_router, self_service_router)

Id = Annotated[int, Path(ge=1, le=2**62)]
PageQ = Annotated[int, Query(ge=1, le=100_000)]
PerPageQ = Annotated[int, Query(ge=1, le=500)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=20,
                                       description="版本号（乐观锁），也可放在请求体 version")]

ADMIN_ONLY = "只有管理员可以维护企业档案和惠企政策"
Admin = Annotated[CurrentUser, require_roles(Role.ADMIN, message=ADMIN_ONLY)]
EnterpriseReader = Annotated[CurrentUser, require_roles(
    Role.ADMIN, Role.ANALYST, Role.SUPERVISOR, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER,
    message="您的角色无权查看企业档案")]
PolicyReader = Annotated[CurrentUser, require_roles(
    *sorted(svc.STAFF), message="您的角色无权查看惠企政策")]
MatchReader = Annotated[CurrentUser, require_roles(
    Role.ADMIN, Role.ANALYST, Role.SUPERVISOR, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER,
    message="您的角色无权查看政策匹配")]
Decider = Annotated[CurrentUser, require_roles(
    Role.ADMIN, Role.HANDLER, message="只有政策发布单位的承办人或管理员可以审核和兑现")]

MatchStatusQ = Literal["eligible", "applied", "approved", "rejected", "entitled", "paid",
                       "lapsed"]
PolicyStatusQ = Literal["draft", "published", "withdrawn"]


def service(runtime: Runtime) -> svc.PolicyService:
    return runtime.policies


# --- schemas ---------------------------------------------------------------------------------


class EnterpriseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uscc: str = Field(min_length=1, max_length=40, description="统一社会信用代码（18 位）")
    name: str = Field(min_length=1, max_length=200, description="企业名称")
    industry: str | None = Field(None, max_length=16,
                                 description="国民经济行业分类代码（GB/T 4754-2017），如 C、F52")
    employees: int | None = Field(None, ge=0, le=100_000_000, description="从业人员（人）")
    revenue: float | None = Field(None, ge=0, le=1e12, allow_inf_nan=False,
                                  description="营业收入（万元）")
    assets: float | None = Field(None, ge=0, le=1e12, allow_inf_nan=False,
                                 description="资产总额（万元）")
    size_class: Literal["large", "medium", "small", "micro"] | None = Field(
        None, description="申报的企业规模，仅在按指标无法划分时采用")
    region_unit_id: int | None = Field(None, ge=1, le=2**62, description="所在区域（单位编号）")
    founded_on: date | None = Field(None, description="成立日期")
    certifications: list[Annotated[str, Field(max_length=50)]] | Annotated[
        str, Field(max_length=2000)] = Field(
        default_factory=list, description="资质，如 高新技术企业；列表，或以逗号、顿号分隔的文字")
    tax_credit: str | None = Field(None, max_length=2, description="纳税信用等级 A/B/M/C/D")
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=32, description="联系电话（接收政策短信）")
    liaison_user_id: int | None = Field(None, ge=1, le=2**62,
                                        description="精准帮扶联络人（用户编号）")
    version: int | None = Field(None, ge=0, le=2**31, description="修改时：读到的版本号")

    def data(self) -> inputs.EnterpriseInput:
        return inputs.EnterpriseInput(
            uscc=self.uscc, name=self.name, industry=self.industry, employees=self.employees,
            revenue=self.revenue, assets=self.assets, size_class=self.size_class,
            region_unit_id=self.region_unit_id, founded_on=self.founded_on,
            certifications=self.certifications if isinstance(self.certifications, str)
            else tuple(self.certifications), tax_credit=self.tax_credit,
            contact_name=self.contact_name, contact_phone=self.contact_phone,
            liaison_user_id=self.liaison_user_id)


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    uscc: str
    name: str
    industry: str | None = Field(description="国民经济行业分类代码 (GB/T 4754-2017): 门类 or 大类, "
                                            "e.g. C or C34")
    industry_zh: str | None = Field(description="代码和中文名称，如 C34 通用设备制造业")
    industry_en: str | None = Field(description="The code with its English title, e.g. "
                                                "C34 Manufacture of general-purpose machinery")
    employees: int | None
    revenue: float | None
    assets: float | None
    size_class: str | None
    size_zh: str | None
    size_declared: bool
    region_unit_id: int | None
    region_name: str | None
    founded_on: date | None
    certifications: list[str]
    tax_credit: str | None
    contact_name: str | None
    contact_phone: str | None = Field(description="staff: in full; the public: masked")
    liaison_user_id: int | None
    liaison_name: str | None
    updated_at: datetime
    version: int


class EnterprisePage(BaseModel):
    total: int
    items: list[EnterpriseOut]


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, description="政策编号")
    title: str = Field(min_length=1, max_length=200, description="政策名称")
    issuer_unit_id: int = Field(ge=1, le=2**62, description="发布单位")
    mode: Literal["apply", "auto"] = Field(description="apply 申报制 / auto 免申即享")
    conditions: list[dict[str, Any]] = Field(
        default_factory=list, max_length=100,
        description='申报条件（全部满足）：[{"field": "size", "op": "in", "value": ["small"]}, …]；'
                    "field: industry size region age_years employees revenue assets "
                    "certifications tax_credit")
    summary: str = Field("", max_length=5000)
    benefit: str = Field("", max_length=2000, description="支持内容")
    amount_fen: int | None = Field(None, description="标准金额（分）")
    valid_from: date | None = None
    valid_until: date | None = Field(None, description="申报截止日（含）")
    payout_days: int = Field(15, description="兑现时限（工作日）")
    version: int | None = Field(None, ge=0, le=2**31, description="修改时：读到的版本号")

    def data(self) -> inputs.PolicyInput:
        return inputs.PolicyInput(
            code=self.code, title=self.title, issuer_unit_id=self.issuer_unit_id,
            mode=self.mode, conditions=self.conditions, summary=self.summary,
            benefit=self.benefit, amount_fen=self.amount_fen, valid_from=self.valid_from,
            valid_until=self.valid_until, payout_days=self.payout_days)


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    title: str
    issuer_unit_id: int
    issuer_name: str | None
    mode: str
    mode_zh: str
    conditions: list[dict[str, Any]]
    conditions_zh: list[str]
    summary: str
    benefit: str
    amount_fen: int | None
    valid_from: date | None
    valid_until: date | None
    payout_days: int
    status: str
    status_zh: str
    published_at: datetime | None
    counts: dict[str, int] = Field(description="匹配数，按状态（公开查询时为空）")
    paid_fen: int
    version: int
    matching_pending: bool = Field(False, description="企业较多时，其余企业由后台任务逐批匹配")


class PolicyPage(BaseModel):
    total: int
    items: list[PolicyOut]


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="撤回原因")


class CheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    text_zh: str
    met: bool | None = Field(description="null: 企业档案中没有该项信息")


class MatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    policy_id: int
    policy_code: str
    policy_title: str
    mode: str
    mode_zh: str
    enterprise_id: int
    enterprise_name: str
    uscc: str
    status: str
    status_zh: str
    matched_at: datetime
    applied_at: datetime | None
    application: str | None
    decided_at: datetime | None
    decision_note: str | None
    payout_due_at: datetime | None
    payout_overdue: bool
    paid_at: datetime | None
    paid_amount_fen: int | None
    payout_ref: str | None
    lapse_reason: str | None
    lapse_reason_zh: str | None
    checks: list[CheckOut]
    version: int
    review_due_at: datetime | None = Field(
        None, description="已申报: the issuing unit decides by then (JIESU_POLICY_REVIEW_DAYS "
                          "working days after the application)")
    review_overdue: bool = False


class MatchPage(BaseModel):
    total: int
    items: list[MatchOut]


class DecisionIn(BaseModel):
    approve: bool = Field(description="true 审核通过 / false 不通过（须填原因）")
    note: str | None = Field(None, max_length=2000, description="审核意见")
    version: int | None = Field(None, ge=0, le=2**31)


class PayoutIn(BaseModel):
    amount_fen: int = Field(description="兑现金额（分）")
    ref: str = Field(min_length=1, max_length=100, description="兑现凭证号")
    version: int | None = Field(None, ge=0, le=2**31)


class LookupIn(BaseModel):
    uscc: str = Field(min_length=1, max_length=40, description="统一社会信用代码")
    phone: str = Field(min_length=1, max_length=32, description="企业档案中的联系电话")


class UnmatchedOut(BaseModel):
    policy: PolicyOut
    checks: list[CheckOut] = Field(description="逐项条件：满足 / 不满足 / 档案中没有")


class SelfServiceOut(BaseModel):
    enterprise: EnterpriseOut
    matches: list[MatchOut]
    unmatched: list[UnmatchedOut] = Field(description="未匹配的在办政策，及不符合的原因")


class ApplyIn(LookupIn):
    match_id: int = Field(ge=1, le=2**62)
    text: str = Field(min_length=1, max_length=2000, description="申报内容")


def _enterprise(view: svc.EnterpriseView) -> EnterpriseOut:
    return EnterpriseOut.model_validate(view)


def _policy(view: svc.PolicyView) -> PolicyOut:
    return PolicyOut.model_validate(view)


def _match(view: svc.MatchView) -> MatchOut:
    return MatchOut.model_validate(view)


# --- enterprises -----------------------------------------------------------------------------


@enterprises_router.get("", response_model=EnterprisePage, summary="企业档案列表")
def list_enterprises(runtime: RuntimeDep, user: EnterpriseReader,
                     q: Annotated[str, Query(max_length=100, description="名称或信用代码")] = "",
                     page: PageQ = 1, per_page: PerPageQ = 50) -> EnterprisePage:
    items, total = service(runtime).list_enterprises(user.actor(), q, limit=per_page,
                                                     offset=(page - 1) * per_page)
    return EnterprisePage(total=total, items=[_enterprise(v) for v in items])


@enterprises_router.post("", response_model=EnterpriseOut, status_code=201,
                         summary="新建企业档案（自动划分规模并匹配政策）")
def create_enterprise(body: EnterpriseIn, runtime: RuntimeDep, user: Admin) -> EnterpriseOut:
    return _enterprise(service(runtime).save_enterprise(user.actor(), body.data(), utcnow()))


@enterprises_router.get("/{enterprise_id}", response_model=EnterpriseOut, summary="企业档案")
def get_enterprise(enterprise_id: Id, runtime: RuntimeDep,
                   user: EnterpriseReader) -> EnterpriseOut:
    return _enterprise(service(runtime).enterprise(user.actor(), enterprise_id))


@enterprises_router.put("/{enterprise_id}", response_model=EnterpriseOut,
                        summary="修改企业档案（重新匹配政策）")
def update_enterprise(enterprise_id: Id, body: EnterpriseIn, runtime: RuntimeDep, user: Admin,
                      if_match: IfMatch = None) -> EnterpriseOut:
    return _enterprise(service(runtime).save_enterprise(
        user.actor(), body.data(), utcnow(), enterprise_id=enterprise_id,
        expected_version=expected_version(body.version, if_match)))


# --- policies --------------------------------------------------------------------------------


@policies_router.get("", response_model=PolicyPage, summary="惠企政策列表")
def list_policies(runtime: RuntimeDep, user: PolicyReader, status: PolicyStatusQ | None = None,
                  page: PageQ = 1, per_page: PerPageQ = 50) -> PolicyPage:
    items, total = service(runtime).list_policies(user.actor(), status, limit=per_page,
                                                  offset=(page - 1) * per_page)
    return PolicyPage(total=total, items=[_policy(v) for v in items])


@policies_router.post("", response_model=PolicyOut, status_code=201,
                      summary="新建惠企政策（草稿）")
def create_policy(body: PolicyIn, runtime: RuntimeDep, user: Admin) -> PolicyOut:
    return _policy(service(runtime).save_policy(user.actor(), body.data(), utcnow()))


class IndustryOut(BaseModel):
    code: str = Field(description="门类 A–T or 大类 with its 门类 letter, e.g. C34")
    level: Literal["section", "division"] = Field(description="section 门类 / division 大类")
    section: str = Field(description="the 门类 letter")
    name_zh: str
    name_en: str


@policies_router.get("/industries", response_model=list[IndustryOut],
                     summary="行业分类（门类和大类，中英文）Industry codes with their names")
def list_industries(_: PolicyReader) -> list[IndustryOut]:
    """The 20 门类 and 97 大类 of GB/T 4754-2017 that enterprises' `industry` and policies'
    industry conditions use, each 门类 followed by its 大类, with the Chinese and English
    names the pages show."""
    out = []
    for letter, name_zh in ent.SECTIONS_ZH.items():
        out.append(IndustryOut(code=letter, level="section", section=letter, name_zh=name_zh,
                               name_en=ent.SECTIONS_EN[letter]))
        out.extend(IndustryOut(code=letter + d, level="division", section=letter,
                               name_zh=ent.DIVISIONS_ZH[d], name_en=ent.DIVISIONS_EN[d])
                   for d, s in ent.DIVISION_SECTION.items() if s == letter)
    return out


@policies_router.get("/{policy_id}", response_model=PolicyOut, summary="惠企政策详情")
def get_policy(policy_id: Id, runtime: RuntimeDep, user: PolicyReader) -> PolicyOut:
    return _policy(service(runtime).policy(user.actor(), policy_id))


@policies_router.put("/{policy_id}", response_model=PolicyOut,
                     summary="修改惠企政策（已发布的重新匹配）")
def update_policy(policy_id: Id, body: PolicyIn, runtime: RuntimeDep, user: Admin,
                  if_match: IfMatch = None) -> PolicyOut:
    return _policy(service(runtime).save_policy(
        user.actor(), body.data(), utcnow(), policy_id=policy_id,
        expected_version=expected_version(body.version, if_match)))


@policies_router.post("/{policy_id}/publish", response_model=PolicyOut,
                      summary="发布政策并匹配全部企业（短信告知）")
def publish_policy(policy_id: Id, runtime: RuntimeDep, user: Admin) -> PolicyOut:
    return _policy(service(runtime).publish(user.actor(), policy_id, utcnow()))


@policies_router.post("/{policy_id}/withdraw", response_model=PolicyOut, summary="撤回政策")
def withdraw_policy(policy_id: Id, body: WithdrawIn, runtime: RuntimeDep,
                    user: Admin) -> PolicyOut:
    return _policy(service(runtime).withdraw(user.actor(), policy_id, utcnow(), body.reason))


# --- matches ---------------------------------------------------------------------------------


@matches_router.get("", response_model=MatchPage, summary="政策匹配、申报与兑现")
def list_matches(runtime: RuntimeDep, user: MatchReader,
                 policy_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                 status: MatchStatusQ | None = None,
                 overdue: Annotated[bool, Query(description="只看逾期未兑现")] = False,
                 page: PageQ = 1, per_page: PerPageQ = 50) -> MatchPage:
    items, total = service(runtime).matches(user.actor(), policy_id=policy_id, status=status,
                                            overdue_only=overdue, limit=per_page,
                                            offset=(page - 1) * per_page, now=utcnow())
    return MatchPage(total=total, items=[_match(v) for v in items])


@matches_router.get("/{match_id}", response_model=MatchOut, summary="政策匹配详情")
def get_match(match_id: Id, runtime: RuntimeDep, user: MatchReader) -> MatchOut:
    return _match(service(runtime).match(user.actor(), match_id, utcnow()))


@matches_router.post("/{match_id}/decision", response_model=MatchOut,
                     summary="审核政策申报（通过后按工作日计兑现时限）")
def decide_match(match_id: Id, body: DecisionIn, runtime: RuntimeDep, user: Decider,
                 if_match: IfMatch = None) -> MatchOut:
    version = expected_version(body.version, if_match)
    return _match(service(runtime).decide(user.actor(), match_id, body.approve, body.note,
                                          utcnow(), expected_version=version))


@matches_router.post("/{match_id}/payout", response_model=MatchOut, summary="登记政策兑现")
def pay_match(match_id: Id, body: PayoutIn, runtime: RuntimeDep, user: Decider,
              if_match: IfMatch = None) -> MatchOut:
    return _match(service(runtime).pay(user.actor(), match_id, body.amount_fen, body.ref,
                                       utcnow(),
                                       expected_version=expected_version(body.version, if_match)))


# --- enterprise self-service (public) ---------------------------------------------------------


@self_service_router.post("/lookup", response_model=SelfServiceOut,
                          summary="企业自助查询（公开：信用代码+联系电话）")
def lookup(body: LookupIn, runtime: RuntimeDep) -> SelfServiceOut:
    now = utcnow()
    found = service(runtime).self_service(body.uscc, body.phone,
                                          now.astimezone(runtime.settings.tz).date())
    return SelfServiceOut(
        enterprise=_enterprise(found.enterprise), matches=[_match(m) for m in found.matches],
        unmatched=[UnmatchedOut(policy=_policy(p),
                                checks=[CheckOut.model_validate(c) for c in checks])
                   for p, checks in found.unmatched])


@self_service_router.post("/apply", response_model=MatchOut,
                          summary="企业自助申报政策（公开：信用代码+联系电话）")
def apply(body: ApplyIn, runtime: RuntimeDep) -> MatchOut:
    return _match(service(runtime).apply(body.uscc, body.phone, body.match_id, body.text,
                                         utcnow()))
