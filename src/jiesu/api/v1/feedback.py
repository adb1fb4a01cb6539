"""Follow-up queue (回访), online survey, 好差评 ratings, rating appeals (申诉),
rectifications (整改) and the service-item catalogue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from jiesu.api.deps import CurrentUserDep, RuntimeDep, require_roles
from jiesu.domain.appeal import Role
from jiesu.domain.errors import InvalidArguments, PermissionDenied
from jiesu.runtime import Runtime
from jiesu.services import reporting as rep
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.feedback import FeedbackService
from jiesu.services.service_items import ServiceItemService

router = APIRouter(prefix="/api/v1/feedback", tags=["feedback"])
survey_router = APIRouter(prefix="/api/v1/survey", tags=["feedback"])

Id = Annotated[int, Path(ge=1)]


def feedback(runtime: Runtime) -> FeedbackService:
    return FeedbackService(runtime.db, runtime.rules, runtime.settings,
                           limiter=runtime.lookup_limiter, item_limit=runtime.item_rating_limit)


def reporting(runtime: Runtime) -> rep.ReportingService:
    return rep.ReportingService(runtime.db, runtime.rules, runtime.settings)


def _unit_filter(user: CurrentUser, unit: int | None) -> int | None:
    """Handlers see their own unit subtree; other staff any unit; no public access."""
    if user.role in (Role.HANDLER, Role.GRID_WORKER):
        if unit is None:
            return user.unit_id
        if unit not in user.unit_scope:
            raise PermissionDenied("只能查看本单位及下级单位的数据")
    elif user.role in (Role.AUDITOR,):
        raise PermissionDenied("审计角色只能查看审计日志")
    return unit


# --- follow-up tasks ------------------------------------------------------------------------


class FollowUpTaskOut(BaseModel):
    appeal_id: int
    code: str | None
    title: str
    lead_unit_id: int | None
    replied_at: datetime | None
    due_at: datetime | None
    attempts: int
    late: bool
    next_call_at: datetime | None = Field(
        None, description="after a call that reached nobody (未联系上): the earliest time the "
                          "next such call may be recorded (followup_retry_minutes); null: now")
    has_phone: bool = Field(
        True, description="false: the appeal has no number to call (anonymous, a governance "
                          "task); recording reached=false once closes it as unreachable "
                          "(无法回访)")


class FollowUpPage(BaseModel):
    total: int
    items: list[FollowUpTaskOut]


def _tasks(runtime: Runtime, user: CurrentUser, late: bool, page: int,
           per_page: int) -> FollowUpPage:
    tasks, total = feedback(runtime).followup_tasks(user.actor(), utcnow(), late_only=late,
                                                    limit=per_page, offset=(page - 1) * per_page)
    return FollowUpPage(total=total, items=[FollowUpTaskOut(**t.__dict__) for t in tasks])


@router.get("/followups", response_model=FollowUpPage, summary="回访任务（全部已答复诉求）")
def followups(runtime: RuntimeDep, user: CurrentUserDep, late: bool = False,
              page: Annotated[int, Query(ge=1, le=100_000)] = 1,
              per_page: Annotated[int, Query(ge=1, le=500)] = 50) -> FollowUpPage:
    return _tasks(runtime, user, late, page, per_page)


@router.get("/followups/late", response_model=FollowUpPage, summary="超时未回访（督办员）")
def late_followups(runtime: RuntimeDep, user: CurrentUserDep,
                   page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                   per_page: Annotated[int, Query(ge=1, le=500)] = 50) -> FollowUpPage:
    return _tasks(runtime, user, True, page, per_page)


class SurveyLinkOut(BaseModel):
    token: str
    url: str
    expires_at: datetime


@router.post("/followups/{appeal_id}/survey", response_model=SurveyLinkOut, status_code=201,
             summary="生成网上回访问卷链接（一次性）")
def create_survey(appeal_id: Id, runtime: RuntimeDep, user: CurrentUserDep) -> SurveyLinkOut:
    link = feedback(runtime).create_survey(user.actor(), appeal_id, utcnow())
    return SurveyLinkOut(token=link.token, url=f"/api/v1/survey/{link.token}",
                         expires_at=link.expires_at)


class SurveyOut(BaseModel):
    appeal_code: str | None
    title: str
    reply_text: str | None
    expires_at: datetime
    questions: dict[str, list[str]]


class SurveyIn(BaseModel):
    resolved: Literal["yes", "partly", "no"] = Field(description="是否解决")
    satisfaction: Literal["satisfied", "basically", "dissatisfied"] = Field(description="满意度")
    stars: int | None = Field(None, ge=1, le=5, description="好差评 1–5（可选）")
    comment: str | None = Field(None, max_length=1000)


@survey_router.get("/{token}", response_model=SurveyOut, summary="回访问卷（公开）")
def survey(token: Annotated[str, Path(max_length=100)], runtime: RuntimeDep) -> SurveyOut:
    """The appeal's code, and its title and reply redacted as on the public board: the link is
    opened without the code and phone the tracking page asks for."""
    info = feedback(runtime).survey_info(token, utcnow())
    return SurveyOut(appeal_code=info.appeal_code, title=info.title, reply_text=info.reply_text,
                     expires_at=info.expires_at,
                     questions={"resolved": ["yes", "partly", "no"],
                                "satisfaction": ["satisfied", "basically", "dissatisfied"]})


class SurveyResultOut(BaseModel):
    appeal_code: str | None
    status: str
    message: str


@survey_router.post("/{token}", response_model=SurveyResultOut,
                    summary="提交回访问卷（公开，一次性）")
def answer_survey(token: Annotated[str, Path(max_length=100)], body: SurveyIn,
                  runtime: RuntimeDep) -> SurveyResultOut:
    appeal = feedback(runtime).answer_survey(token, utcnow(), resolved=body.resolved,
                                             satisfaction=body.satisfaction, stars=body.stars,
                                             comment=body.comment)
    msg = "感谢您的反馈，诉求已办结" if appeal.status == "closed" else \
        "感谢您的反馈，诉求已退回承办单位重新办理"
    return SurveyResultOut(appeal_code=appeal.code, status=str(appeal.status), message=msg)


# --- ratings --------------------------------------------------------------------------------


class RatingIn(BaseModel):
    stars: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    phone: str = Field(min_length=3, max_length=32, description="诉求人联系电话")
    appeal_code: str | None = Field(None, max_length=32)
    service_item_id: int | None = None
    comment: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one_target(self) -> RatingIn:
        if (self.appeal_code is None) == (self.service_item_id is None):
            raise ValueError("appeal_code 与 service_item_id 须且只能填一个")
        return self


class RatingOut(BaseModel):
    rating_id: int
    bad: bool
    rectification_id: int | None


@router.post("/ratings", response_model=RatingOut, status_code=201,
             summary="评价（公开：诉求编号+电话，或服务事项）")
def rate(body: RatingIn, runtime: RuntimeDep, request: Request) -> RatingOut:
    """A service item is rated once a day per phone (JIESU_ITEM_RATING_INTERVAL_HOURS; again:
    409) and JIESU_ITEM_RATINGS_PER_ADDRESS times an hour per client address (then 429,
    评价过于频繁，请 N 分钟后再试, with `Retry-After`); a refused rating stores nothing."""
    svc = feedback(runtime)
    if body.appeal_code is not None:
        r = svc.rate_appeal_by_code(body.appeal_code, body.phone, body.stars, utcnow(),
                                    comment=body.comment)
    else:
        assert body.service_item_id is not None
        r = svc.rate_service_item(body.service_item_id, body.phone, body.stars, utcnow(),
                                  comment=body.comment,
                                  address=request.client.host if request.client else "")
    return RatingOut(rating_id=r.rating_id, bad=r.bad, rectification_id=r.rectification_id)


@router.get("/ratings", summary="评价列表")
def ratings(runtime: RuntimeDep, user: CurrentUserDep, unit: int | None = None,
            bad_only: bool = False) -> list[dict[str, Any]]:
    return reporting(runtime).ratings(unit_id=_unit_filter(user, unit), bad_only=bad_only)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class IdOut(BaseModel):
    id: int


@router.post("/ratings/{rating_id}/appeal", response_model=IdOut, status_code=201,
             summary="承办单位对恶意评价提出申诉")
def appeal_rating(rating_id: Id, body: ReasonIn, runtime: RuntimeDep,
                  user: CurrentUserDep) -> IdOut:
    """The rated unit (its subtree's staff, or an admin) says a bad rating is malicious. Once
    per rating: 409 (`illegal_transition`) while its 申诉 is pending, and after it was denied
    (驳回 is final) or upheld; and only until the rating's rectification is published: after
    that 409 (`illegal_transition`, 整改结果已公示，不能再对该评价提出申诉)."""
    return IdOut(id=feedback(runtime).file_rating_appeal(user.actor(), rating_id, body.reason,
                                                         utcnow()))


# the statuses the lists filter by: another value was an empty list, as if none were in it
RatingAppealStatusQ = Literal["pending", "upheld", "rejected"]
RectificationStatusQ = Literal["open", "reported", "verified", "published", "cancelled"]


@router.get("/rating-appeals", summary="评价申诉列表")
def rating_appeals(runtime: RuntimeDep, user: CurrentUserDep,
                   status: RatingAppealStatusQ | None = None) -> list[dict[str, Any]]:
    if user.role not in (Role.SUPERVISOR, Role.ADMIN, Role.ANALYST):
        raise PermissionDenied("您的角色无权查看评价申诉")
    return reporting(runtime).rating_appeals(status=status)


class DecisionIn(BaseModel):
    uphold: bool = Field(description="true: 申诉成立，剔除该评价")
    reason: str = Field(min_length=1, max_length=2000)


class StatusOut(BaseModel):
    id: int
    status: str


@router.post("/rating-appeals/{appeal_id}/decide", response_model=StatusOut,
             summary="审核评价申诉")
def decide(appeal_id: Id, body: DecisionIn, runtime: RuntimeDep,
           user: CurrentUserDep) -> StatusOut:
    status = feedback(runtime).decide_rating_appeal(user.actor(), appeal_id, body.uphold,
                                                    body.reason, utcnow())
    return StatusOut(id=appeal_id, status=status)


# --- rectifications -------------------------------------------------------------------------


@router.get("/rectifications", summary="整改列表")
def rectifications(runtime: RuntimeDep, user: CurrentUserDep, unit: int | None = None,
                   status: RectificationStatusQ | None = None) -> list[dict[str, Any]]:
    return reporting(runtime).rectifications(unit_id=_unit_filter(user, unit), status=status,
                                             now=utcnow())


class ReportIn(BaseModel):
    report: str = Field(min_length=1, max_length=5000)


@router.post("/rectifications/{rect_id}/report", response_model=StatusOut,
             summary="提交整改报告")
def report_rectification(rect_id: Id, body: ReportIn, runtime: RuntimeDep,
                         user: CurrentUserDep) -> StatusOut:
    """The rated unit's 整改报告 of an open rectification. Of two steps of one rectification
    taken at once (two reports, two 整改回访, a report and a 公示…) one is recorded and the
    other gets 409 (`conflict`, 该整改已由他人处理，请刷新后查看) and changes nothing; a step the
    rectification's current status does not allow gets 409 (`illegal_transition`)."""
    status = feedback(runtime).report_rectification(user.actor(), rect_id, body.report,
                                                    utcnow())
    return StatusOut(id=rect_id, status=status)


class RectFollowUpIn(BaseModel):
    satisfied: bool
    note: str | None = Field(None, max_length=1000)


@router.post("/rectifications/{rect_id}/follow-up", response_model=StatusOut,
             summary="整改回访")
def follow_up_rectification(rect_id: Id, body: RectFollowUpIn, runtime: RuntimeDep,
                            user: CurrentUserDep) -> StatusOut:
    """整改回访 of a reported rectification: satisfied → `verified` (待公示), not → `open`
    again with a new deadline. Two at once: one is recorded, the other gets 409 (`conflict`)."""
    status = feedback(runtime).follow_up_rectification(user.actor(), rect_id, body.satisfied,
                                                       utcnow(), body.note)
    return StatusOut(id=rect_id, status=status)


@router.post("/rectifications/{rect_id}/publish", response_model=StatusOut,
             summary="整改结果公示")
def publish_rectification(rect_id: Id, runtime: RuntimeDep, user: CurrentUserDep) -> StatusOut:
    """Publish a followed-up rectification (整改公示); 409 (`illegal_transition`) while a 申诉
    against its rating is pending, and (`conflict`) when another step changed it meanwhile."""
    status = feedback(runtime).publish_rectification(user.actor(), rect_id, utcnow())
    return StatusOut(id=rect_id, status=status)


# --- service items and default ratings ------------------------------------------------------


# the catalogue is kept by administrators (the service checks again)
ItemKeeperDep = Annotated[CurrentUser, require_roles(Role.ADMIN,
                                                     message="只有管理员可以维护服务事项")]


class ServiceItemIn(BaseModel):
    unit_code: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class ServiceItemOut(BaseModel):
    id: int
    code: str
    name: str
    unit_id: int
    unit_name: str


class ServiceItemPatch(BaseModel):
    """What an administrator changes; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200, description="服务事项名称")
    unit_code: str | None = Field(None, min_length=1, max_length=64,
                                  description="所属单位编码（移到另一个启用中的单位）")
    active: bool | None = Field(None, description="false: 停用（不能再评价，不在公开目录中）；"
                                                  "true: 启用")


class ServiceItemState(ServiceItemOut):
    unit_code: str
    active: bool


@router.get("/service-items", response_model=list[ServiceItemOut], summary="服务事项目录（公开）")
def service_items(runtime: RuntimeDep, unit: int | None = None) -> list[ServiceItemOut]:
    """The active service items (a switched-off one is not listed), of one unit or all."""
    return [ServiceItemOut(id=a, code=b, name=c, unit_id=d, unit_name=e)
            for a, b, c, d, e in feedback(runtime).service_items(unit)]


@router.post("/service-items", response_model=IdOut, status_code=201, summary="新增服务事项")
def add_service_item(body: ServiceItemIn, runtime: RuntimeDep,
                     user: ItemKeeperDep) -> IdOut:
    return IdOut(id=feedback(runtime).add_service_item(user.actor(), body.unit_code, body.code,
                                                       body.name, utcnow()))


@router.patch("/service-items/{item_id}", response_model=ServiceItemState,
              summary="修改服务事项：改名、移到其他单位、停用或启用（管理员）")
def update_service_item(item_id: Id, body: ServiceItemPatch, runtime: RuntimeDep,
                        user: ItemKeeperDep) -> ServiceItemState:
    """Ratings already made stay with the unit they were made for; a stopped item cannot be
    rated (409) and leaves the public catalogue. Each change is in the configuration log."""
    item = ServiceItemService(runtime.db).update(
        user.actor(), item_id, utcnow(), name=body.name, unit_code=body.unit_code,
        active=body.active)
    return ServiceItemState(id=item.id, code=item.code, name=item.name, unit_id=item.unit_id,
                            unit_name=item.unit_name, unit_code=item.unit_code,
                            active=item.active)


class CountOut(BaseModel):
    count: int


@router.post("/default-ratings/run", response_model=CountOut, summary="补默认评价（管理员）")
def run_default_ratings(runtime: RuntimeDep, user: Annotated[CurrentUser, require_roles(
        Role.ADMIN, message="只有管理员可以执行默认评价")]) -> CountOut:
    if runtime.settings.rating_default_stars is None:
        raise InvalidArguments("未启用默认评价（JIESU_RATING_DEFAULT_STARS）")
    return CountOut(count=feedback(runtime).apply_default_ratings(utcnow()))
