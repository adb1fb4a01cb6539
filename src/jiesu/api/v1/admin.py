"""Admin endpoints: units, users, categories, SLA policies, the handling rules and the
calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from jiesu.adapters.calendar_source import CalendarYearUnavailable, official_year
from jiesu.api.deps import AdminDep, CurrentUserDep, RuntimeDep
from jiesu.api.v1.admin_intake import RawUploadDep
from jiesu.api.v1.schemas import (
    AdminUserOut,
    CalendarYearIn,
    CategoryIn,
    CategoryOut,
    PasswordResetIn,
    SlaLength,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaSavedOut,
    UnitContactIn,
    UnitIn,
    UnitMoveIn,
    UnitOut,
    UnitPopulationIn,
    UserIn,
    UserPatch,
)
from jiesu.domain.deadlines import SlaTable, rule_no_effect
from jiesu.domain.errors import InvalidArguments
from jiesu.domain.privacy import mask_phone
from jiesu.services.admin import AdminService
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.rules import RULE_LIMITS, RULE_SETTINGS
from jiesu.services.users import UserChange, UserService
from jiesu.store import lookups
from jiesu.store.tables import UnitRow, UserRow

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


def _admin(runtime: RuntimeDep, by: CurrentUser) -> AdminService:
    return AdminService(runtime.db, runtime.rules, by)


def _unit_out(r: UnitRow) -> UnitOut:
    return UnitOut(id=r.id, code=r.code, name=r.name, parent_id=r.parent_id, group=r.group,
                   depth=r.depth, active=r.active, contact_phone=r.contact_phone,
                   households=r.households, population=r.population)


@router.get("/units", response_model=list[UnitOut], summary="单位树")
def list_units(runtime: RuntimeDep, _: CurrentUserDep) -> list[UnitOut]:
    with runtime.db.uow(write=False) as uow:
        rows = lookups.all_units(uow.session)
        return [_unit_out(r) for r in rows]


@router.post("/units", response_model=UnitOut, status_code=201, summary="新增单位")
def add_unit(body: UnitIn, runtime: RuntimeDep, admin: AdminDep) -> UnitOut:
    row = _admin(runtime, admin).add_unit(body.code, body.name, parent_code=body.parent_code,
                                   group=body.group, contact_phone=body.contact_phone)
    return _unit_out(row)


@router.put("/units/{code}/contact", response_model=UnitOut, summary="设置单位值班电话")
def set_unit_contact(code: Annotated[str, Path(max_length=64)], body: UnitContactIn,
                     runtime: RuntimeDep, admin: AdminDep) -> UnitOut:
    return _unit_out(_admin(runtime, admin).set_unit_contact(code, body.contact_phone))


@router.put("/units/{code}/parent", response_model=UnitOut,
            summary="移动单位：连同其全部下级单位移到另一个上级单位之下",
            description="如社区划归另一个街道。不能移到单位自身、它的下级单位、已停用的单位"
                        "或层级不符的单位之下（422）；未办结诉求的承办单位不变。")
def move_unit(code: Annotated[str, Path(max_length=64)], body: UnitMoveIn,
              runtime: RuntimeDep, admin: AdminDep) -> UnitOut:
    moved = _admin(runtime, admin).move_unit(code, body.parent_code)
    runtime.unit_tree_changed()
    with runtime.db.uow(write=False) as uow:
        row = uow.units.by_code(moved.code)
        assert row is not None  # it was just moved
        return _unit_out(row)


@router.put("/units/{code}/population", response_model=UnitOut,
            summary="设置单位户数和常住人口（万人诉求比）")
def set_unit_population(code: Annotated[str, Path(max_length=64)], body: UnitPopulationIn,
                        runtime: RuntimeDep, admin: AdminDep) -> UnitOut:
    return _unit_out(_admin(runtime, admin).set_unit_population(code, body.households,
                                                         body.population))


class PopulationImportOut(BaseModel):
    units: int = Field(description="units whose figures were set")


@router.post("/units/population", response_model=PopulationImportOut,
             summary="批量导入单位户数和常住人口（CSV 或 XLSX）",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"},
                              "example": "单位编码,户数,常住人口\nD1S1C1,3200,8400\n"},
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                     "schema": {"type": "string", "format": "binary"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}})
def import_unit_population(admin: AdminDep, upload: RawUploadDep,
                           runtime: RuntimeDep) -> PopulationImportOut:
    n = _admin(runtime, admin).import_unit_population_upload(upload.data, upload.filename)
    return PopulationImportOut(units=n)


def admin_user_out(r: UserRow, *, full_phone: bool = False) -> AdminUserOut:
    """A user as the administrator reads it: the phone masked but where they just set it."""
    phone = r.phone if full_phone or not r.phone else mask_phone(r.phone)
    return AdminUserOut(id=r.id, username=r.username, display_name=r.display_name, role=r.role,
                        unit_id=r.unit_id, active=r.active,
                        credentials_changed_at=r.credentials_changed_at,
                        updated_at=r.updated_at, updated_by=r.updated_by, phone=phone)


@router.get("/users", response_model=list[AdminUserOut], summary="用户列表 List users")
def list_users(runtime: RuntimeDep, admin: AdminDep) -> list[AdminUserOut]:
    with runtime.db.uow(write=False) as uow:
        return [admin_user_out(r) for r in lookups.all_users(uow.session)]


@router.post("/users", response_model=AdminUserOut, status_code=201,
             summary="新增用户 Add a user")
def add_user(body: UserIn, runtime: RuntimeDep, admin: AdminDep) -> AdminUserOut:
    r = _admin(runtime, admin).add_user(body.username, body.password, body.role,
                                 unit_code=body.unit_code, display_name=body.display_name,
                                 phone=body.phone, now=utcnow())
    return admin_user_out(r, full_phone=True)


UserId = Annotated[int, Path(ge=1)]


@router.patch("/users/{user_id}", response_model=AdminUserOut,
              summary="修改用户（显示名称、角色、单位、手机号、停用/启用） Edit a user")
def update_user(user_id: UserId, body: UserPatch, runtime: RuntimeDep,
                admin: AdminDep) -> AdminUserOut:
    """Fields left out stay as they are. Deactivating (`"active": false`) ends the user's
    tokens and page sessions (other server processes within 30 s). An administrator cannot
    change their own role or deactivate themselves, and the last active administrator can be
    neither deactivated nor given another role (409); a handler or grid worker needs a unit,
    a role or unit code must exist, a phone must have 7–20 digits (422); an unknown user is a
    404."""
    unit = (body.unit_code or "") if "unit_code" in body.model_fields_set else None
    phone = (body.phone or "") if "phone" in body.model_fields_set else None
    change = UserChange(display_name=body.display_name, role=body.role, unit_code=unit,
                        active=body.active, phone=phone)
    row = UserService(runtime.db, runtime.auth).update(user_id, change, by=admin, now=utcnow())
    return admin_user_out(row, full_phone=True)


@router.post("/users/{user_id}/password", response_model=AdminUserOut,
             summary="重置用户密码 Reset a user's password")
def reset_password(user_id: UserId, body: PasswordResetIn, runtime: RuntimeDep,
                   admin: AdminDep) -> AdminUserOut:
    """Sets a new password (at least 6 characters) for the user; their tokens and page sessions
    issued before end. Your own password is changed with `POST /api/v1/auth/password` (409
    here)."""
    row = UserService(runtime.db, runtime.auth).reset_password(user_id, body.password,
                                                               by=admin, now=utcnow())
    return admin_user_out(row)


@router.get("/categories", response_model=list[CategoryOut], summary="事项分类")
def list_categories(runtime: RuntimeDep, _: CurrentUserDep) -> list[CategoryOut]:
    with runtime.db.uow(write=False) as uow:
        rows = lookups.all_categories(uow.session)
        return [CategoryOut(id=r.id, code=r.code, name=r.name, level=r.level,
                            parent_id=r.parent_id, full_name=r.full_name, active=r.active)
                for r in rows]


@router.post("/categories", response_model=CategoryOut, status_code=201, summary="新增分类")
def add_category(body: CategoryIn, runtime: RuntimeDep, admin: AdminDep) -> CategoryOut:
    r = _admin(runtime, admin).add_category(body.name, parent_code=body.parent_code, code=body.code)
    return CategoryOut(id=r.id, code=r.code, name=r.name, level=r.level, parent_id=r.parent_id,
                       full_name=r.full_name, active=r.active)


@router.get("/sla-policies", response_model=list[SlaPolicyOut], summary="办理时限规则")
def list_sla(runtime: RuntimeDep, _: CurrentUserDep) -> list[SlaPolicyOut]:
    out = [SlaPolicyOut(clock=r.clock.value, amount=r.limit.amount, unit=r.limit.unit.value,
                        kind=r.kind, urgency=r.urgency, category=r.category, unit_code=r.unit,
                        source="default") for r in SlaTable.default()]
    with runtime.db.uow(write=False) as uow:
        for p in lookups.custom_sla_policies(uow.session):
            out.append(SlaPolicyOut(id=p.id, clock=p.clock, amount=p.amount, unit=p.limit_unit,
                                    kind=p.kind, urgency=p.urgency, category=p.category,
                                    unit_code=p.unit, requester=p.requester,
                                    source="custom", no_effect=rule_no_effect(
                                        p.clock, kind=p.kind, urgency=p.urgency,
                                        category=p.category, unit=p.unit,
                                        requester=p.requester)))
    return out


@router.post("/sla-policies", response_model=SlaSavedOut, status_code=201,
             summary="新增或修改时限规则（同一范围已有规则时替换它，replaced 为原时限）")
def set_sla(body: SlaPolicyIn, runtime: RuntimeDep, admin: AdminDep) -> SlaSavedOut:
    saved = _admin(runtime, admin).set_sla_policy(
        clock=body.clock, amount=body.amount, limit_unit=body.unit, kind=body.kind,
        urgency=body.urgency, category=body.category, unit_code=body.unit_code,
        requester=body.requester)
    before = (SlaLength(amount=saved.before[0], unit=saved.before[1])
              if saved.before is not None else None)
    return SlaSavedOut(id=saved.policy_id, replaced=before, **body.model_dump())


@router.delete("/sla-policies/{policy_id}", status_code=204, summary="删除时限规则")
def delete_sla(policy_id: int, runtime: RuntimeDep, admin: AdminDep) -> None:
    _admin(runtime, admin).delete_sla_policy(policy_id)


def _limits(key: str) -> str:
    low, high = RULE_LIMITS[key]
    return f"{low}–{high}"


class RuleSettingsOut(BaseModel):
    """The handling rules in force (办理规则: an administrator's saved value, else the default)."""

    reopen_window_days: int = Field(description="可申请重办的天数（办结后）")
    max_extension_days: int = Field(description="单次延期最多工作日数")
    max_extensions: int = Field(description="最多延期次数（更多须管理员审批）")
    followup_max_attempts: int = Field(
        description="回访最多尝试次数：满此数次未联系上即按未联系上办结")
    followup_retry_minutes: int = Field(
        description="回访重拨间隔（分钟）：两次未联系上之间至少相隔的分钟数，0 为不限；"
                    "未设置时取 JIESU_FOLLOWUP_RETRY_MINUTES")
    auto_supervision_level: Literal["remind", "yellow", "red"] = Field(
        description="超期自动督办级别")


class RuleSettingsIn(BaseModel):
    """The rules to change; those left out stay. All are checked before any is saved."""

    model_config = ConfigDict(extra="forbid")
    reopen_window_days: int | None = Field(None, description=_limits("reopen_window_days"))
    max_extension_days: int | None = Field(None, description=_limits("max_extension_days"))
    max_extensions: int | None = Field(None, description=_limits("max_extensions"))
    followup_max_attempts: int | None = Field(None, description=_limits("followup_max_attempts"))
    followup_retry_minutes: int | None = Field(None,
                                               description=_limits("followup_retry_minutes"))
    auto_supervision_level: Literal["remind", "yellow", "red"] | None = None


def _rules_out(runtime: RuntimeDep) -> RuleSettingsOut:
    rules = runtime.rules.get()
    return RuleSettingsOut.model_validate({k: getattr(rules, k) for k in RULE_SETTINGS})


@router.get("/rules", response_model=RuleSettingsOut, summary="办理规则（系统设置）")
def rule_settings(runtime: RuntimeDep, _: CurrentUserDep) -> RuleSettingsOut:
    return _rules_out(runtime)


@router.patch("/rules", response_model=RuleSettingsOut, summary="修改办理规则",
              description="Changes the rules given and answers the rules in force; a value "
                          "out of range is refused (422, in Chinese) and nothing is saved. "
                          "Each change is in the configuration log; every app process uses "
                          "it within 30 s (this one at once).")
def set_rule_settings(body: RuleSettingsIn, runtime: RuntimeDep,
                      admin: AdminDep) -> RuleSettingsOut:
    values = {k: str(v) for k, v in body.model_dump(exclude_none=True).items()}
    _admin(runtime, admin).set_rule_settings(values, utcnow())
    return _rules_out(runtime)


@router.get("/calendar", summary="已导入的工作日历年份及提醒")
def calendar_status(runtime: RuntimeDep, user: CurrentUserDep) -> dict[str, object]:
    with runtime.db.uow(write=False) as uow:
        years = [{"year": r.year, "source": r.source, "loaded_at": r.loaded_at}
                 for r in lookups.calendar_years(uow.session)]
    notices = _admin(runtime, user).calendar_notices(utcnow())
    return {"years": years, "warnings": notices}


@router.post("/calendar", summary="导入某年工作日历并重算暂定时限")
def load_calendar(body: CalendarYearIn, runtime: RuntimeDep, admin: AdminDep) -> dict[str, object]:
    if body.days is None:
        try:
            days = official_year(body.year)
        except CalendarYearUnavailable as exc:
            raise InvalidArguments(str(exc)) from None
        source = "chinesecalendar"
    else:
        days = {date.fromisoformat(d.day): d.is_workday for d in body.days}
        source = "api"
    changed = _admin(runtime, admin).load_calendar_year(body.year, days, source=source,
                                                        now=utcnow())
    return {"year": body.year, "days": len(days), "recomputed_appeals": changed}
