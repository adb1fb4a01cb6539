"""Pydantic request and response models of the REST API (never ORM objects)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Kind = Literal["consult", "help", "complaint", "report", "suggestion", "praise"]
Urgency = Literal["normal", "urgent", "emergency"]
Channel = Literal["hotline", "web", "mobile", "open311", "grid_patrol", "enterprise",
                  "cannot_get_done", "supervisor", "import"]


class TokenIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    user: UserOut


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    content: str = Field(min_length=1, max_length=10_000, description="诉求内容")
    title: str = Field("", max_length=200)
    urgency: Urgency = "normal"
    channel: Channel = "hotline"
    category: str | None = Field(None, max_length=64, description="事项分类编码")
    requester_name: str | None = Field(None, max_length=100)
    requester_phone: str | None = Field(None, max_length=32)
    requester_type: Literal["resident", "enterprise"] = Field(
        "resident", description="诉求人类型；填写了 enterprise_code 即为 enterprise（涉企诉求）")
    enterprise_code: str | None = Field(None, max_length=40,
                                        description="统一社会信用代码（18 位，校验位须正确）")
    address: str | None = Field(None, max_length=500)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    confidential: bool = False
    idempotency_key: str | None = Field(None, max_length=128)
    resolved_on_site: str | None = Field(
        None, max_length=5000,
        description="就地解决：网格员巡查上报时已当场处置的情况；填写后诉求直接办结（仅网格员、网格巡查渠道）")


class EventOut(BaseModel):
    seq: int
    type: str
    at: datetime
    actor_id: int | None
    actor_role: str
    data: dict[str, Any]


class UnitRef(BaseModel):
    id: int
    name: str


class AppealOut(BaseModel):
    id: int
    code: str | None
    status: str
    kind: str
    urgency: str
    channel: str
    title: str
    content: str
    category: str | None
    requester_name: str | None = None
    requester_phone: str | None = None
    requester_type: str
    enterprise_code: str | None = Field(
        None, description="涉企诉求的统一社会信用代码（已规范化）；非涉企诉求为 null")
    address: str | None
    confidential: bool
    created_at: datetime
    lead_unit: UnitRef | None
    handling_unit: UnitRef | None
    co_units: list[UnitRef] = []
    dispatched_at: datetime | None
    signed_at: datetime | None
    first_contact_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    deadlines: dict[str, datetime | None]
    deadlines_provisional: bool
    overdue: bool
    warnings: dict[str, str]
    supervision_level: str
    return_pending: bool
    returned_count: int
    extension_pending_days: int | None
    extension_count: int
    reopened_count: int
    reply: dict[str, Any] | None
    follow_up: dict[str, Any] | None
    merged_into_id: int | None
    reject_reason: str | None
    suggestions: dict[str, Any] | None = None
    # when the requester's personal data was erased (个人信息保存期限, JIESU_PERSONAL_DATA_DAYS)
    personal_data_erased_at: datetime | None = None
    version: int
    events: list[EventOut] | None = None


class AppealPage(BaseModel):
    items: list[AppealOut]
    page: int
    per_page: int
    total: int
    total_is_lower_bound: bool


class UnitIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    parent_code: str | None = None
    group: Literal["city", "district", "street", "department", "enterprise", "community",
                   "grid", "micro_grid"] = "department"
    contact_phone: str | None = Field(None, max_length=64,
                                      description="值班电话：签收、办理时限预警短信发往此号码")


class UnitContactIn(BaseModel):
    contact_phone: str | None = Field(None, max_length=64,
                                      description="值班电话；空值表示清除（预警发往上级单位）")


class UnitMoveIn(BaseModel):
    parent_code: str = Field(..., min_length=1, max_length=64,
                             description="新的上级单位编码；单位连同其全部下级单位移到它之下")


class UnitPopulationIn(BaseModel):
    households: int | None = Field(None, ge=0, le=1_000_000_000,
                                   description="户数；空值表示清除（取下级单位之和）")
    population: int | None = Field(None, ge=0, le=1_000_000_000,
                                   description="常住人口；空值表示清除（取下级单位之和）")


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    parent_id: int | None
    group: str
    depth: int
    active: bool
    contact_phone: str | None = None
    households: int | None = Field(None, description="户数 set on this unit (not rolled up)")
    population: int | None = Field(None, description="常住人口 set on this unit (not rolled up)")


StaffRole = Literal["operator", "dispatcher", "handler", "grid_worker", "supervisor",
                    "followup_agent", "analyst", "admin", "auditor"]


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=6, max_length=200)
    role: StaffRole
    unit_code: str | None = None
    display_name: str = ""
    phone: str | None = Field(
        None, max_length=64,
        description="mobile phone (手机号, 7–20 digits), where a 精准帮扶 liaison is texted "
                    "about their enterprises' appeals; optional")


class AdminUserOut(UserOut):
    """A user as the administrator sees it: whether it may sign in, and the last changes."""

    active: bool = Field(description="false: deactivated (已停用), cannot sign in")
    credentials_changed_at: datetime | None = Field(
        None, description="when the password was last changed or reset")
    updated_at: datetime | None = Field(None, description="last change by an administrator")
    updated_by: int | None = Field(None, description="the administrator who made it")
    phone: str | None = Field(
        None, description="mobile phone: in full in the answer to the add or edit that set it, "
                          "masked (138****5678) in the list; null: none")


class UserPatch(BaseModel):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, min_length=1, max_length=100)
    role: StaffRole | None = None
    unit_code: str | None = Field(
        None, max_length=64,
        description="the unit's code; null or \"\" removes the unit (handlers and grid workers "
                    "must keep one)")
    active: bool | None = Field(
        None, description="false deactivates (停用: the user's tokens and page sessions end), "
                          "true reactivates (启用)")
    phone: str | None = Field(
        None, max_length=64,
        description="mobile phone (手机号, 7–20 digits), where a 精准帮扶 liaison is texted "
                    "about their enterprises' appeals; null or \"\" removes it")


class PasswordResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=200, description="at least 6 characters")


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200,
                              description="at least 6 characters, not the current one")


class CategoryOut(BaseModel):
    id: int
    code: str
    name: str
    level: int
    parent_id: int | None
    full_name: str
    active: bool


class CategoryIn(BaseModel):
    code: str | None = Field(None, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    parent_code: str | None = None


# the clocks a time-limit rule may be set for; no "extension": 延期 is bounded by the rule
# setting max_extension_days (单次延期最多天数) alone (domain.deadlines.POLICY_CLOCKS)
PolicyClock = Literal["sign", "handle", "return_window", "follow_up", "rectification"]
# and those of the rules listed: a 延期 rule stored before it was refused, which has no effect
StoredClock = Literal["sign", "handle", "return_window", "follow_up", "extension",
                      "rectification"]


class SlaPolicyIn(BaseModel):
    clock: PolicyClock = Field(
        description="时钟；延期天数不是时限规则，由规则设置 max_extension_days 决定")
    amount: float = Field(gt=0)
    unit: Literal["workday", "hour", "minute"]
    kind: Kind | None = None
    urgency: Urgency | None = None
    category: str | None = None
    unit_code: str | None = None
    requester: Literal["resident", "enterprise"] | None = Field(
        None, description="诉求人类型：enterprise 为涉企诉求的专门时限；不填则不限")


class SlaPolicyOut(SlaPolicyIn):
    clock: StoredClock = Field(  # type: ignore[assignment]  # wider: rules stored before
        description="时钟；extension（延期）仅见于早先保存的规则，不起作用：延期天数由规则设置 "
                    "max_extension_days 决定")
    id: int | None = None
    source: Literal["default", "custom"] = "custom"
    no_effect: str | None = Field(
        None, description="规则不起作用的原因：早先保存、现已不能设置的规则（延期规则；按范围设置的"
                          "整改规则），不参与任何时限计算，可删除")


class SlaLength(BaseModel):
    amount: float
    unit: Literal["workday", "hour", "minute"]


class SlaSavedOut(SlaPolicyOut):
    replaced: SlaLength | None = Field(
        None, description="已替换的原规则时限（同一范围已有规则时）；新增规则时为空")


class CalendarDayIn(BaseModel):
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    is_workday: bool

    @field_validator("day")
    @classmethod
    def _a_real_day(cls, value: str) -> str:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} 不是有效的日期") from None
        return value


class CalendarYearIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    days: list[CalendarDayIn] | None = Field(
        None,
        description="explicit days; without them the year is loaded from the calendar package")


TokenOut.model_rebuild()
