"""The appeal (诉求) aggregate: statuses, actions, the transition table and `apply`.

Everything here is pure: no I/O, time is passed in, and every change returns the events it caused.
The transition table is data; docs and the state diagram are generated from it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from jiesu.domain.calendar import Deadline, WorkCalendar
from jiesu.domain.deadlines import (
    MAX_EXTENSION_WORKDAYS,
    UNIT_CLOCKS,
    Clock,
    Limit,
    SlaTable,
    due,
    workdays_counted,
    yellow_at,
)
from jiesu.domain.errors import IllegalTransition, InvalidArguments, PermissionDenied
from jiesu.domain.events import DomainEvent


class Status(StrEnum):
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"


STATUS_ZH = {
    Status.REGISTERED: "已登记",
    Status.DISPATCHED: "已派单(待签收)",
    Status.IN_PROGRESS: "办理中",
    Status.REPLIED: "已答复(待回访)",
    Status.CLOSED: "已办结",
    Status.REJECTED: "不予受理",
    Status.MERGED: "已合并",
}

OPEN_STATUSES = frozenset(
    {Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED}
)
TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.MERGED})
# How many merges (合并) one after another are followed: A into B, then B into C is two. Only
# an open appeal is merged into, so a chain grows a link per merge and never loops; this only
# bounds the reads. The tracking page (the appeal a merged one follows) and the texts to the
# requesters who follow an appeal (its 答复 or 不予受理) read the same chain: a requester is
# never texted a reply their page does not show, nor shown an appeal whose reply skips them.
MERGE_CHAIN_MAX = 20

# 公示: what the board, open data and Open311 may show, by the city's rule (JIESU_BOARD_PUBLISH).
# Never an appeal only 已登记 (no dispatcher has read it: what is later 不予受理 would be public
# until then), nor one 不予受理 or 已合并 (the merged-into appeal is the one shown).
PUBLISHED_STATUSES: dict[str, frozenset[Status]] = {
    "accepted": frozenset({Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED,
                           Status.CLOSED}),
    "closed": frozenset({Status.CLOSED}),
}


class Role(StrEnum):
    PUBLIC = "public"
    REQUESTER = "requester"
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    GRID_WORKER = "grid_worker"
    SUPERVISOR = "supervisor"
    FOLLOWUP_AGENT = "followup_agent"
    ANALYST = "analyst"
    ADMIN = "admin"
    AUDITOR = "auditor"
    SYSTEM = "system"  # jobs, auto-dispatch, importers, Open311 clients


ROLE_ZH = {
    Role.PUBLIC: "公众",
    Role.REQUESTER: "诉求人",
    Role.OPERATOR: "话务员",
    Role.DISPATCHER: "派单员",
    Role.HANDLER: "承办人",
    Role.GRID_WORKER: "网格员",
    Role.SUPERVISOR: "督办员",
    Role.FOLLOWUP_AGENT: "回访员",
    Role.ANALYST: "分析/领导",
    Role.ADMIN: "管理员",
    Role.AUDITOR: "审计",
    Role.SYSTEM: "系统",
}


class Kind(StrEnum):
    CONSULT = "consult"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


KIND_ZH = {
    Kind.CONSULT: "咨询",
    Kind.HELP: "求助",
    Kind.COMPLAINT: "投诉",
    Kind.REPORT: "举报",
    Kind.SUGGESTION: "建议",
    Kind.PRAISE: "表扬",
}


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


URGENCY_ZH = {Urgency.NORMAL: "一般", Urgency.URGENT: "紧急", Urgency.EMERGENCY: "特急"}


class Channel(StrEnum):
    HOTLINE = "hotline"
    WEB = "web"
    MOBILE = "mobile"
    OPEN311 = "open311"
    GRID_PATROL = "grid_patrol"
    ENTERPRISE = "enterprise"
    CANNOT_GET_DONE = "cannot_get_done"
    SUPERVISOR = "supervisor"
    IMPORT = "import"


CHANNEL_ZH = {
    Channel.HOTLINE: "12345热线",
    Channel.WEB: "网站",
    Channel.MOBILE: "移动端",
    Channel.OPEN311: "Open311接口",
    Channel.GRID_PATROL: "网格巡查",
    Channel.ENTERPRISE: "企业服务",
    Channel.CANNOT_GET_DONE: "办不成事反映窗口",
    Channel.SUPERVISOR: "上级交办",
    Channel.IMPORT: "历史导入",
}


class Action(StrEnum):
    REGISTER = "register"
    ANSWER_DIRECTLY = "answer_directly"
    RESOLVE_ON_SITE = "resolve_on_site"
    REJECT = "reject"
    MERGE = "merge"
    DISPATCH = "dispatch"
    SIGN = "sign"
    SUB_DISPATCH = "sub_dispatch"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    DENY_RETURN = "deny_return"
    CONTACT = "contact"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REPLY = "reply"
    SEND_BACK = "send_back"
    FOLLOW_UP = "follow_up"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    ADD_INFO = "add_info"
    CO_OPINION = "co_opinion"


class RejectReason(StrEnum):
    LITIGATION = "litigation"
    ARBITRATION = "arbitration"
    DISCIPLINE = "discipline"
    ADMIN_REVIEW = "admin_review"
    PETITION = "petition"
    INFO_DISCLOSURE = "info_disclosure"
    CLASSIFIED = "classified"
    IMMORAL = "immoral"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


REJECT_REASON_ZH = {
    RejectReason.LITIGATION: "诉讼",
    RejectReason.ARBITRATION: "仲裁",
    RejectReason.DISCIPLINE: "纪检监察",
    RejectReason.ADMIN_REVIEW: "行政复议",
    RejectReason.PETITION: "信访",
    RejectReason.INFO_DISCLOSURE: "政府信息公开",
    RejectReason.CLASSIFIED: "涉密",
    RejectReason.IMMORAL: "违背公序良俗",
    RejectReason.DUPLICATE: "重复",
    RejectReason.INVALID: "无效",
}


class ReplyClaim(StrEnum):
    SOLVED = "solved"
    EXPLAINED = "explained"
    CANNOT_SOLVE = "cannot_solve"


REPLY_CLAIM_ZH = {
    ReplyClaim.SOLVED: "已解决",
    ReplyClaim.EXPLAINED: "已解释说明",
    ReplyClaim.CANNOT_SOLVE: "无法解决",
}


class Resolved(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"


RESOLVED_ZH = {Resolved.YES: "已解决", Resolved.PARTLY: "部分解决", Resolved.NO: "未解决"}
SATISFACTION_ZH = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}


class Fault(StrEnum):
    UNIT = "unit"
    REQUESTER = "requester"
    POLICY = "policy"
    OTHER = "other"


class SupervisionLevel(StrEnum):
    NONE = "none"
    REMIND = "remind"
    YELLOW = "yellow"
    RED = "red"


SUPERVISION_ORDER = [
    SupervisionLevel.NONE,
    SupervisionLevel.REMIND,
    SupervisionLevel.YELLOW,
    SupervisionLevel.RED,
]
SUPERVISION_ZH = {
    SupervisionLevel.NONE: "无",
    SupervisionLevel.REMIND: "催办",
    SupervisionLevel.YELLOW: "黄牌督办",
    SupervisionLevel.RED: "红牌督办",
}


class Warning(StrEnum):  # noqa: A001 - domain word, shadows the builtin only in this module
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Transition:
    """One row of the transition table."""

    action: Action
    sources: frozenset[Status]
    targets: tuple[Status, ...]  # empty: status unchanged
    roles: frozenset[Role]
    label_zh: str
    rule: str = ""

    @property
    def scoped(self) -> bool:
        """Whether unit-scoped roles must own the appeal (handlers act on their subtree only)."""
        return bool(self.roles & UNIT_SCOPED_ROLES)


UNIT_SCOPED_ROLES = frozenset({Role.HANDLER, Role.GRID_WORKER})
_R = Status
_OPEN = OPEN_STATUSES
_HANDLERS = frozenset({Role.HANDLER, Role.GRID_WORKER})


def _t(
    action: Action,
    sources: frozenset[Status] | set[Status],
    targets: tuple[Status, ...],
    roles: set[Role],
    label_zh: str,
    rule: str = "",
) -> Transition:
    return Transition(action, frozenset(sources), targets, frozenset(roles), label_zh, rule)


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        _t(
            Action.REGISTER,
            set(),
            (_R.REGISTERED,),
            {Role.OPERATOR, Role.REQUESTER, Role.GRID_WORKER, Role.SYSTEM},
            "登记",
            "validates input; computes suggestions",
        ),
        _t(
            Action.ANSWER_DIRECTLY,
            {_R.REGISTERED},
            (_R.CLOSED,),
            {Role.OPERATOR},
            "直接答复",
            "consultations answered from the knowledge base",
        ),
        _t(
            Action.RESOLVE_ON_SITE,
            {_R.REGISTERED},
            (_R.CLOSED,),
            {Role.GRID_WORKER},
            "就地解决",
            "the grid worker's own patrol report, solved on the spot; what was done required",
        ),
        _t(
            Action.REJECT,
            {_R.REGISTERED},
            (_R.REJECTED,),
            {Role.DISPATCHER},
            "不予受理",
            "reason from the fixed list",
        ),
        _t(
            Action.MERGE,
            {_R.REGISTERED, _R.DISPATCHED},
            (_R.MERGED,),
            {Role.DISPATCHER},
            "合并",
            "into another open appeal",
        ),
        _t(
            Action.DISPATCH,
            {_R.REGISTERED},
            (_R.DISPATCHED,),
            {Role.DISPATCHER, Role.SYSTEM},
            "派单",
            "lead unit + co-units; starts the sign and handling clocks",
        ),
        _t(Action.SIGN, {_R.DISPATCHED}, (_R.IN_PROGRESS,), set(_HANDLERS), "签收"),
        _t(
            Action.SUB_DISPATCH,
            {_R.IN_PROGRESS},
            (),
            set(_HANDLERS),
            "二次派单",
            "to a unit below the lead unit (and below the acting unit), or taken back (收回) by"
            " the lead unit or one above it; the lead unit stays accountable and the handling"
            " clock runs on",
        ),
        _t(
            Action.REQUEST_RETURN,
            {_R.DISPATCHED, _R.IN_PROGRESS},
            (),
            set(_HANDLERS),
            "申请退单",
            "within the return window; reason required; by the lead unit, not a unit it passed"
            " the appeal down to (二次派单)",
        ),
        _t(
            Action.APPROVE_RETURN,
            {_R.DISPATCHED, _R.IN_PROGRESS},
            (_R.REGISTERED,),
            {Role.DISPATCHER},
            "同意退单",
        ),
        _t(
            Action.DENY_RETURN,
            {_R.DISPATCHED, _R.IN_PROGRESS},
            (),
            {Role.DISPATCHER},
            "驳回退单(强制派单)",
            "reason required: the unit is told why it must handle the appeal",
        ),
        _t(
            Action.CONTACT,
            {_R.IN_PROGRESS},
            (),
            set(_HANDLERS),
            "联系诉求人",
            "first contact is what the response rate measures",
        ),
        _t(
            Action.REQUEST_EXTENSION,
            {_R.IN_PROGRESS},
            (),
            set(_HANDLERS),
            "申请延期",
            "before the deadline; bounded days; at most one unless admin",
        ),
        _t(
            Action.APPROVE_EXTENSION,
            {_R.IN_PROGRESS},
            (),
            {Role.DISPATCHER, Role.ADMIN},
            "同意延期",
            "fewer days than asked need a reason: the unit is told why",
        ),
        _t(
            Action.DENY_EXTENSION,
            {_R.IN_PROGRESS},
            (),
            {Role.DISPATCHER, Role.ADMIN},
            "驳回延期",
            "reason required: the unit is told why the deadline stays",
        ),
        _t(Action.REPLY, {_R.IN_PROGRESS}, (_R.REPLIED,), set(_HANDLERS), "答复",
           "text + claim; withdraws the unit's pending extension request"),
        _t(
            Action.SEND_BACK,
            {_R.REPLIED},
            (_R.IN_PROGRESS,),
            {Role.DISPATCHER},
            "退回重新答复",
            "dispatcher review of a reply; reason (note) required: the unit is told what to redo",
        ),
        _t(
            Action.FOLLOW_UP,
            {_R.REPLIED},
            (_R.CLOSED, _R.IN_PROGRESS, _R.REPLIED),
            {Role.FOLLOWUP_AGENT, Role.REQUESTER, Role.SYSTEM},
            "回访",
            "unresolved or dissatisfied by the unit's fault reopens",
        ),
        _t(
            Action.REOPEN,
            {_R.REPLIED, _R.CLOSED},
            (_R.IN_PROGRESS, _R.REGISTERED),
            {Role.REQUESTER, Role.DISPATCHER},
            "重办",
            "requester within N days; counts as rework; the unit and the requester are texted",
        ),
        _t(
            Action.SUPERVISE,
            set(_OPEN),
            (),
            {Role.SUPERVISOR, Role.SYSTEM},
            "督办",
            "remind / yellow / red",
        ),
        _t(Action.ADD_INFO, set(_OPEN), (), {Role.REQUESTER, Role.OPERATOR}, "补充"),
        _t(
            Action.CO_OPINION,
            {_R.DISPATCHED, _R.IN_PROGRESS, _R.REPLIED},
            (),
            set(_HANDLERS),
            "协办意见",
            "by a co-unit (协办) only, to the lead unit, which reads it on its inbox and the"
            " appeal page; text required",
        ),
    ]
}

ACTION_ZH = {a: t.label_zh for a, t in TRANSITIONS.items()}


@dataclass(frozen=True)
class Actor:
    """Who acts. `unit_scope` is the set of unit ids in the actor's unit subtree."""

    role: Role
    user_id: int | None = None
    unit_id: int | None = None
    unit_scope: frozenset[int] = frozenset()
    phone: str | None = None  # a requester proves ownership with code + phone

    @classmethod
    def system(cls) -> Actor:
        return cls(role=Role.SYSTEM)


@dataclass(frozen=True)
class Rules:
    """Configuration the lifecycle rules need; per-city differences live here."""

    calendar: WorkCalendar
    sla: SlaTable
    reopen_window_days: int = 15  # calendar days a requester may ask to reopen after closing
    max_extension_days: int = MAX_EXTENSION_WORKDAYS
    max_extensions: int = 1
    followup_max_attempts: int = 3
    # least minutes between two 未联系上 call-backs, so the attempts are tries at different
    # times (0: no spacing)
    followup_retry_minutes: int = 120
    auto_supervision_level: SupervisionLevel = SupervisionLevel.YELLOW

    @classmethod
    def default(cls) -> Rules:
        return cls(calendar=WorkCalendar(), sla=SlaTable.default())


@dataclass
class Appeal:
    """One case. Mutated only through `register` and `apply`."""

    kind: Kind
    content: str
    title: str = ""
    urgency: Urgency = Urgency.NORMAL
    channel: Channel = Channel.HOTLINE
    status: Status = Status.REGISTERED
    id: int | None = None
    code: str | None = None
    category: str | None = None
    requester_name: str | None = None
    requester_phone: str | None = None
    requester_type: str = "resident"
    enterprise_code: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    area_unit_id: int | None = None
    confidential: bool = False
    created_at: datetime | None = None
    registered_by: int | None = None
    lead_unit_id: int | None = None
    co_unit_ids: tuple[int, ...] = ()
    handling_unit_id: int | None = None
    dispatched_at: datetime | None = None
    signed_at: datetime | None = None
    first_contact_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    sign_due_at: datetime | None = None
    handle_due_at: datetime | None = None
    return_due_at: datetime | None = None
    followup_due_at: datetime | None = None
    handle_started_at: datetime | None = None
    handle_extra_days: int = 0
    deadlines_provisional: bool = False
    sign_warning: Warning = Warning.NONE
    handle_warning: Warning = Warning.NONE
    followup_warning: Warning = Warning.NONE
    next_check_at: datetime | None = None
    supervision_level: SupervisionLevel = SupervisionLevel.NONE
    supervision_count: int = 0
    return_pending: bool = False
    return_reason: str | None = None
    returned_count: int = 0
    extension_pending_days: int | None = None
    extension_reason: str | None = None
    extension_count: int = 0
    reopened_count: int = 0
    reply_text: str | None = None
    reply_claim: ReplyClaim | None = None
    reply_reason: str | None = None
    followup_attempts: int = 0
    followup_last_attempt_at: datetime | None = None  # the last call-back nobody answered
    followup_reached: bool | None = None
    followup_resolved: Resolved | None = None
    followup_satisfaction: Satisfaction | None = None
    followup_fault: Fault | None = None
    merged_into_id: int | None = None
    reject_reason: RejectReason | None = None
    reject_note: str | None = None
    version: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime) -> bool:
        """Past the handling deadline and not yet replied."""
        return (
            self.status in (Status.DISPATCHED, Status.IN_PROGRESS)
            and self.handle_due_at is not None
            and now > self.handle_due_at
        )


# ---------------------------------------------------------------------------------------------
# register


def register(
    *,
    actor: Actor,
    now: datetime,
    kind: Kind | str,
    content: str,
    title: str = "",
    urgency: Urgency | str = Urgency.NORMAL,
    channel: Channel | str = Channel.HOTLINE,
    **fields: Any,
) -> tuple[Appeal, list[DomainEvent]]:
    """Create a registered appeal (登记). Raises InvalidArguments on bad input."""
    _check_role(TRANSITIONS[Action.REGISTER], actor)
    content = clean_text(content)
    if not content:
        raise InvalidArguments("诉求内容不能为空", field="content")
    if len(content) > 10_000:
        raise InvalidArguments("诉求内容不能超过 10000 字", field="content")
    if len(title or "") > 200:
        raise InvalidArguments("标题不能超过 200 字", field="title")
    allowed = set(Appeal.__dataclass_fields__) - {
        "kind",
        "content",
        "title",
        "urgency",
        "channel",
        "status",
        "version",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidArguments(f"未知字段：{', '.join(sorted(unknown))}")
    fields = {k: _CONTROL.sub("", v) if isinstance(v, str) else v for k, v in fields.items()}
    if fields.get("requester_phone"):
        fields["requester_phone"] = normalize_phone(fields["requester_phone"]) or None
        # a number the follow-up cannot call (123, abc) is refused on every channel, not only
        # on the two forms; blank stays an anonymous appeal
        if not callable_phone(fields["requester_phone"]):
            raise InvalidArguments(PHONE_REFUSED, field="requester_phone")
    appeal = Appeal(
        kind=_enum(Kind, kind, "kind", "诉求类型"),
        content=content,
        title=clean_text(title),
        urgency=_enum(Urgency, urgency, "urgency", "紧急程度"),
        channel=_enum(Channel, channel, "channel", "来源渠道"),
        created_at=now,
        registered_by=actor.user_id,
        **fields,
    )
    event = DomainEvent(
        "register",
        now,
        actor.user_id,
        actor.role,
        {"kind": appeal.kind, "urgency": appeal.urgency, "channel": appeal.channel},
    )
    return appeal, [event]


# ---------------------------------------------------------------------------------------------
# apply

# the flash after a 补充 passed on to the appeal a merged one follows (add_info_passed_on)
PASSED_ON_ZH = "已补充，已转给合并后的诉求 {code} 一并办理"


def apply(
    appeal: Appeal,
    action: Action | str,
    actor: Actor,
    now: datetime,
    *,
    rules: Rules | None = None,
    **args: Any,
) -> list[DomainEvent]:
    """Check the transition table and the actor's rights, change `appeal`, return its events."""
    action = authorize(appeal, action, actor).action
    return _run(appeal, action, actor, now, rules or Rules.default(), args)


def _run(appeal: Appeal, action: Action, actor: Actor, now: datetime, rules: Rules,
         args: dict[str, Any]) -> list[DomainEvent]:
    """Change `appeal` by an authorized `action`; its events."""
    handler = _HANDLERS_BY_ACTION[action]
    before = appeal.status
    # Handlers validate as they go; working on a copy means a rule violation found half-way
    # (e.g. a bad urgency after the category was set) leaves the appeal untouched.
    work = snapshot(appeal)
    data = handler(work, actor, now, rules, args)
    _refresh_next_check(work, rules, now)
    for f in fields(Appeal):
        setattr(appeal, f.name, getattr(work, f.name))
    event_data = {"from": before, "to": appeal.status, **data}
    return [DomainEvent(action.value, now, actor.user_id, actor.role, event_data)]


def add_info_passed_on(merged: Appeal, target: Appeal, actor: Actor, now: datetime, *,
                       rules: Rules | None = None, **args: Any) -> list[DomainEvent]:
    """补充 to a merged appeal (已合并), by its requester or the operator taking their call: the
    problem is now handled as `target` (the end of its merge chain), so the information goes
    to that appeal as its 补充, saying which merged appeal it came from (`merged_from`).
    Who may is checked against the merged appeal (its requester's phone); refused when the
    target has ended too (nothing is handled there any more)."""
    transition = TRANSITIONS[Action.ADD_INFO]
    if merged.status is not Status.MERGED:
        raise IllegalTransition("只有已合并的诉求可以把补充转给所合并的诉求")
    _check_role(transition, actor)
    _check_scope(transition, merged, actor)
    if target.status not in transition.sources:
        raise IllegalTransition(
            f"本诉求已合并到诉求 {target.code} 一并办理，该诉求已结束办理，不能再补充；"
            "如有新的情况，请重新反映诉求", status=target.status,
            action=Action.ADD_INFO)
    events = _run(target, Action.ADD_INFO, actor, now, rules or Rules.default(), args)
    for event in events:
        event.data["merged_from"] = {"appeal_id": merged.id, "code": merged.code}
    return events


def authorize(appeal: Appeal, action: Action | str, actor: Actor) -> Transition:
    """Check status, role and unit scope for an action without changing anything."""
    try:
        action = Action(action)
    except ValueError:
        raise InvalidArguments(f"未知操作：{action}") from None
    if action is Action.REGISTER:
        raise IllegalTransition("登记请使用新建诉求接口")
    transition = TRANSITIONS[action]
    if appeal.status not in transition.sources:
        raise IllegalTransition(
            f"诉求当前状态为“{STATUS_ZH[appeal.status]}”，不能执行“{transition.label_zh}”",
            status=appeal.status,
            action=action,
        )
    _check_role(transition, actor)
    _check_scope(transition, appeal, actor)
    return transition


def _check_role(transition: Transition, actor: Actor) -> None:
    if actor.role not in transition.roles:
        raise PermissionDenied(
            f"“{ROLE_ZH.get(actor.role, actor.role)}”无权执行“{transition.label_zh}”",
            role=actor.role,
            action=transition.action,
        )


def _check_scope(transition: Transition, appeal: Appeal, actor: Actor) -> None:
    if transition.action is Action.RESOLVE_ON_SITE:
        # Not dispatched yet, so no unit owns it: the grid worker who reported it does, while
        # the place (when known) lies in the worker's grid.
        if actor.unit_id is None or appeal.registered_by != actor.user_id:
            raise PermissionDenied(
                "只能就地解决本人上报的巡查事件", role=actor.role, action=transition.action
            )
        if appeal.area_unit_id is not None and appeal.area_unit_id not in actor.unit_scope:
            raise PermissionDenied(
                "事件地点不在您负责的网格内，请上报派单", role=actor.role,
                action=transition.action
            )
    elif actor.role in UNIT_SCOPED_ROLES and transition.action is Action.CO_OPINION:
        # the co-unit's word to the lead unit: a unit that leads or handles the appeal acts on
        # it instead, and a unit that is neither has no say
        if owned_by(appeal.lead_unit_id, appeal.handling_unit_id, actor):
            raise PermissionDenied("本单位承办该诉求，请直接办理；协办意见由协办单位提交",
                                   role=actor.role, action=transition.action)
        if co_unit_of(appeal.co_unit_ids, actor) is None:
            raise PermissionDenied("只有该诉求的协办单位可以提交协办意见", role=actor.role,
                                   action=transition.action)
    elif actor.role in UNIT_SCOPED_ROLES:
        if not owned_by(appeal.lead_unit_id, appeal.handling_unit_id, actor):
            # a co-unit (协办) sees the appeal: tell it who acts, not that it is not its own
            helping = bool(set(appeal.co_unit_ids) & actor.unit_scope)
            raise PermissionDenied(
                "本单位为该诉求的协办单位，签收、答复等由主办单位办理" if helping
                else "该诉求不属于您所在单位办理", role=actor.role, action=transition.action
            )
    elif actor.role is Role.REQUESTER and (
        # A phone without digits must not match an appeal that has no phone on record.
        not phone_digits(actor.phone)
        or phone_digits(actor.phone) != phone_digits(appeal.requester_phone)
    ):
        raise PermissionDenied("只有诉求人本人可以执行此操作", action=transition.action)


def owned_by(lead_unit_id: int | None, handling_unit_id: int | None, actor: Actor) -> bool:
    """Whether a handler's or grid worker's unit subtree holds the appeal's lead (主办) or
    handling unit, so that it may act on it; a co-unit (协办) only helps and acts on nothing."""
    return bool(({lead_unit_id, handling_unit_id} - {None}) & actor.unit_scope)


def co_unit_of(co_unit_ids: tuple[int, ...] | list[int], actor: Actor) -> int | None:
    """The co-unit (协办) of the appeal the actor speaks for: their own unit, else the first
    co-unit in their unit subtree; None when no co-unit is theirs."""
    if actor.unit_id in co_unit_ids:
        return actor.unit_id
    return next((u for u in co_unit_ids if u in actor.unit_scope), None)


# longest 协办意见: an opinion for the lead unit to read, not a report
CO_OPINION_MAX = 2000


# a unit below the lead unit that got the appeal by 二次派单 answers to the lead unit, which
# did not ask to give it back: its 退单 would take the appeal from the lead unit
NOT_YOURS_TO_RETURN = ("本单位经上级单位二次派单承办，不能向12345退单；"
                       "如不属于本单位职责，请联系上级单位改派")


def may_return(lead_unit_id: int | None, actor: Actor) -> bool:
    """Whether the actor may ask to return the appeal (退单): the lead unit (主办) or a unit above
    it may; a unit it was passed down to (二次派单) may not. Other roles: the table decides."""
    return actor.role not in UNIT_SCOPED_ROLES or lead_unit_id in actor.unit_scope


# what people put between the digits of a phone number (after NFKC, which turns a Chinese
# input method's full-width digits, brackets and hyphens into ASCII)
_SEP = r"[\s\-–—()./·]"
_PHONE_SEPARATORS = re.compile(_SEP)
# A mainland mobile (1[3-9] and nine digits) after China's country code: "+86 138…" and
# "0086 138…" always name the bare 11 digits. A bare "86" only when the rest is written as a
# mobile is (138 0013 8000, or run together), so that "86134567-12345", a local landline
# starting 86 with an extension, keeps its digits. Landlines keep theirs, area code and all.
_INTERNATIONAL_MOBILE = re.compile(r"(?:\+|00)86(1[3-9]\d{9})")
_BARE_86_MOBILE = re.compile(rf"{_SEP}*86{_SEP}*(1[3-9]\d){_SEP}?(\d{{4}}){_SEP}?(\d{{4}}){_SEP}*")
# A mainland landline after "+86"/"0086" is written as it is dialled at home, with its 0:
# "+86 10 6555 1234" is "01065551234", the phone "010-6555 1234" is. The area code is 10, 2X
# or three digits 3XX-9XX (a 0 typed after the country code, "+86 (0)10", is that same 0),
# the local number 7-8 digits; an extension after it stays as at home (digits run on when a
# hyphen set it off, or after 转, 分机, ext, x, #, ","). A 400/800 service number (ten digits)
# is dialled without a 0. Other numbers after +86 are kept as typed: the country code cannot
# be told from a bare "86" that begins a local number ("86134567"), so a bare 86 stays too.
_EXTENSION = r"(?:(?:转|分机|ext|x|#|,)?\d{1,6})?"
_INTERNATIONAL_LANDLINE = re.compile(
    rf"(?:\+|00)86(?:([48]00\d{{7}}{_EXTENSION})"
    rf"|0?((?![48]00)(?:10|2\d|[3-9]\d\d)\d{{7,8}}{_EXTENSION}))", re.IGNORECASE)


PHONE_REFUSED = "联系电话应为 7–20 位数字（手机或座机），用于回访"


def normalize_phone(value: Any) -> str:
    """A phone number as stored and looked up: "１３８ ０００１－３８００", "(138) 0001-3800" and
    "+86 138 0001 3800" are all "13800013800", "+86 10 6555 1234" and "010-6555 1234" are
    "01065551234"; a landline's area code, a leading + of another country and an extension
    stay."""
    typed = unicodedata.normalize("NFKC", str(value or ""))
    bare = _BARE_86_MOBILE.fullmatch(typed)
    if bare:
        return "".join(bare.groups())
    phone = _PHONE_SEPARATORS.sub("", typed)
    international = _INTERNATIONAL_MOBILE.fullmatch(phone)
    if international:
        return international.group(1)
    landline = _INTERNATIONAL_LANDLINE.fullmatch(phone)
    if landline:
        service, area_code_on = landline.groups()
        return service if service is not None else "0" + area_code_on
    return phone


def phone_digits(value: Any) -> str:
    """The ASCII digits of a phone number, which is how two numbers are compared."""
    return "".join(ch for ch in normalize_phone(value) if "0" <= ch <= "9")


def typed_code(value: Any) -> str:
    """A tracking code as typed from an SMS or a receipt: "２０２６ １１２８ ００１２３" (a
    Chinese keyboard's full-width digits, spaces between groups) is 2026112800123."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split())[:32]


def callable_phone(value: Any) -> bool:
    """Whether a requester's number is one the follow-up can call: 7–20 digits, a landline
    without its area code to an international one with an extension, in at most 32
    characters as stored."""
    return 7 <= len(phone_digits(value)) <= 20 and len(normalize_phone(value)) <= 32


def _enum(cls: type[Any], value: Any, name: str, label: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        choices = "、".join(m.value for m in cls)
        shown = str(value) if len(str(value)) <= 40 else str(value)[:39] + "…"
        raise InvalidArguments(f"{label}“{shown}”无效，可选：{choices}", field=name) from None


def _chosen(cls: type[Any], value: Any, name: str, label: str) -> Any:
    """A choice the person must make: left blank it says so (请选择解决情况), instead of
    listing the codes a form never shows."""
    if value is None or value == "":
        raise InvalidArguments(f"请选择{label}", field=name)
    return _enum(cls, value, name, label)


# control characters other than tab and line breaks: typed by nobody, and PostgreSQL cannot
# store NUL, so they are dropped from every text a person gives before it is checked or hashed
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> str:
    """A person's text as stored: control characters dropped, outer whitespace stripped."""
    return _CONTROL.sub("", str(value or "")).strip()


def _required_text(args: dict[str, Any], name: str, label: str, max_len: int = 5000) -> str:
    value = clean_text(args.get(name))
    if not value:
        raise InvalidArguments(f"请填写{label}", field=name)
    if len(value) > max_len:
        raise InvalidArguments(f"{label}不能超过 {max_len} 字", field=name)
    return value


def _int_arg(args: dict[str, Any], name: str, label: str) -> int:
    value = args.get(name)
    if isinstance(value, bool) or value is None:
        raise InvalidArguments(f"请填写{label}", field=name)
    if isinstance(value, float) and not value.is_integer():
        raise InvalidArguments(f"{label}必须是整数", field=name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArguments(f"{label}必须是整数", field=name) from None


def _limit(rules: Rules, clock: Clock, appeal: Appeal) -> Limit | None:
    unit = str(appeal.lead_unit_id) if appeal.lead_unit_id is not None else None
    return rules.sla.limit_for(
        clock, kind=appeal.kind, urgency=appeal.urgency, category=appeal.category, unit=unit,
        requester=appeal.requester_type,
    )


def _due(rules: Rules, clock: Clock, appeal: Appeal, start: datetime) -> Deadline | None:
    limit = _limit(rules, clock, appeal)
    return due(rules.calendar, start, limit) if limit is not None else None


# --- handlers: each mutates the appeal and returns the event's data -------------------------

Handler = Callable[[Appeal, Actor, datetime, Rules, dict[str, Any]], dict[str, Any]]


def _answer_directly(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    if a.kind is not Kind.CONSULT:
        raise InvalidArguments("只有咨询类诉求可以直接答复")
    a.reply_text = _required_text(args, "text", "答复内容")
    # the knowledge-base article (知识库口径) the answer was read from, if any
    article_id = None if args.get("article_id") in (None, "") else _int_arg(
        args, "article_id", "知识库文章编号")
    if article_id is not None and not 0 < article_id < 2**62:
        raise InvalidArguments("知识库文章编号不正确", field="article_id")
    a.reply_claim = ReplyClaim.EXPLAINED
    a.replied_at = now
    a.closed_at = now
    a.status = Status.CLOSED
    data: dict[str, Any] = {"text": a.reply_text}
    if article_id is not None:
        data["article_id"] = article_id
    return data


def _resolve_on_site(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    """就地解决: a grid worker found a problem on patrol and dealt with it there and then. The
    worker's grid becomes the lead unit, so the case counts as the grid's work."""
    if a.channel is not Channel.GRID_PATROL:
        raise InvalidArguments("只有网格巡查上报的事件可以就地解决")
    a.reply_text = _required_text(args, "text", "处置情况")
    a.reply_claim = ReplyClaim.SOLVED
    a.lead_unit_id = a.handling_unit_id = actor.unit_id
    if a.area_unit_id is None:
        a.area_unit_id = actor.unit_id
    a.replied_at = a.closed_at = now
    a.status = Status.CLOSED
    return {"text": a.reply_text, "unit_id": actor.unit_id}


def _reject(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    if not args.get("reason"):
        raise InvalidArguments("请选择不予受理的理由", field="reason")
    a.reject_reason = _enum(RejectReason, args["reason"], "reason", "不予受理理由")
    a.reject_note = clean_text(args.get("note")) or None
    a.closed_at = now
    a.status = Status.REJECTED
    return {"reason": a.reject_reason, "note": a.reject_note}


def _merge(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    target = _int_arg(args, "target_id", "合并目标诉求")
    if target == a.id:
        raise InvalidArguments("不能合并到自身", field="target_id")
    # The service checks that the target exists and is open before calling apply.
    a.merged_into_id = target
    a.closed_at = now
    a.status = Status.MERGED
    _clear_clocks(a)
    return {"target_id": target, "target_code": args.get("target_code")}


def _dispatch(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    lead = _int_arg(args, "unit_id", "主办单位")
    try:
        co_units = tuple(int(u) for u in args.get("co_unit_ids") or ())
    except (TypeError, ValueError):
        raise InvalidArguments("协办单位必须是单位编号", field="co_unit_ids") from None
    if lead in co_units:
        raise InvalidArguments("主办单位不能同时作为协办单位", field="co_unit_ids")
    if len(set(co_units)) != len(co_units):
        raise InvalidArguments("协办单位重复", field="co_unit_ids")
    note = clean_text(args.get("note"))
    if len(note) > 5000:
        raise InvalidArguments("备注不能超过 5000 字", field="note")
    if args.get("category"):
        a.category = str(args["category"])
    before = a.urgency
    if args.get("urgency"):
        a.urgency = _enum(Urgency, args["urgency"], "urgency", "紧急程度")
    a.lead_unit_id = lead
    a.co_unit_ids = co_units
    a.handling_unit_id = lead
    a.dispatched_at = now
    a.status = Status.DISPATCHED
    # The response (签收, first contact) measured against this dispatch's sign deadline is
    # this unit's: a call made by a unit that had the appeal before (and returned it) is not.
    a.signed_at = a.first_contact_at = None
    a.return_pending = False
    a.return_reason = None
    _start_clocks(a, r, now, sign=True)
    data = {
        "unit_id": lead,
        "co_unit_ids": list(co_units),
        "category": a.category,
        "auto": bool(args.get("auto")),
        "sign_due_at": _iso(a.sign_due_at),
        "handle_due_at": _iso(a.handle_due_at),
        # What intake intelligence had suggested, so every dispatcher correction is on record.
        "suggested": args.get("suggested"),
    }
    if a.urgency != before:  # the dispatcher judged it more (or less) urgent than intake
        data["urgency"] = a.urgency.value
        data["urgency_before"] = before.value
    if note:  # e.g. who asked for a governance task the system dispatches
        data["note"] = note
    return data


def _sign(a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]) -> dict[str, Any]:
    a.signed_at = now
    a.status = Status.IN_PROGRESS
    a.sign_warning = Warning.NONE
    late = a.sign_due_at is not None and now > a.sign_due_at
    return {"late": late}


def _sub_dispatch(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    unit = _int_arg(args, "unit_id", "下级承办单位")
    # the lead unit (or one above it) may take back (收回) what it passed down, e.g. sent to
    # the wrong community, as well as pass it on to another unit below it
    take_back = unit == a.lead_unit_id and unit in actor.unit_scope
    if not take_back and (unit not in actor.unit_scope or unit == actor.unit_id):
        raise InvalidArguments("二次派单只能派给本单位的下级单位", field="unit_id")
    # the lead unit stays accountable (DESIGN §3), so the appeal goes down its own subtree
    # only: a district handler above the lead street may not pass it to another street
    if not take_back and not below_lead(a.lead_unit_id, args.get("unit_path")):
        raise InvalidArguments("二次派单只能派给主办单位的下级单位", field="unit_id")
    before = a.handling_unit_id or a.lead_unit_id
    if unit == before:
        raise InvalidArguments(
            "该诉求就在本单位办理，无需收回" if take_back else "该诉求已由这个单位办理",
            field="unit_id")
    a.handling_unit_id = unit
    # the handling clock is not restarted: the lead unit stays accountable for its deadline
    data: dict[str, Any] = {"unit_id": unit, "note": args.get("note"), "from_unit_id": before}
    if take_back:
        data["taken_back"] = True
    if before not in (a.lead_unit_id, actor.unit_id):
        data["taken_from"] = before  # a unit below that had it and did not pass it on itself
    return data


def below_lead(lead_unit_id: int | None, unit_path: Any) -> bool:
    """Whether a unit lies strictly below the lead unit, given `unit_path`: the ids from the
    top of the unit tree down to that unit (the service reads it from the unit tree)."""
    if lead_unit_id is None or not isinstance(unit_path, list | tuple) or len(unit_path) < 2:
        return False
    return lead_unit_id in unit_path[:-1]


def _request_return(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    reason = _required_text(args, "reason", "退单理由")
    if not may_return(a.lead_unit_id, actor):
        raise PermissionDenied(NOT_YOURS_TO_RETURN, role=actor.role, action=Action.REQUEST_RETURN)
    if a.return_pending:
        raise IllegalTransition("已有待审核的退单申请")
    if a.return_due_at is not None and now > a.return_due_at:
        raise IllegalTransition("已超过退单时限，不能退单")
    a.return_pending = True
    a.return_reason = reason
    return {"reason": reason}


def _approve_return(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    if not a.return_pending:
        raise IllegalTransition("没有待审核的退单申请")
    unit, co_units = a.lead_unit_id, list(a.co_unit_ids)
    a.return_pending = False
    a.returned_count += 1
    a.status = Status.REGISTERED
    a.lead_unit_id = None
    a.co_unit_ids = ()
    a.handling_unit_id = None
    a.signed_at = None
    _clear_clocks(a)
    _supervision_leaves(a)
    # the co-units leave with it: they are told to stop (services/notices.py)
    return {"unit_id": unit, "co_unit_ids": co_units, "reason": a.return_reason,
            "note": args.get("note")}


def _deny_return(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    if not a.return_pending:
        raise IllegalTransition("没有待审核的退单申请")
    reason = _denial_reason(args)
    a.return_pending = False
    return {"reason": reason, "forced": True}


def _denial_reason(args: dict[str, Any]) -> str:
    """Why a dispatcher refuses a unit's request (驳回理由), which the unit reads. Clients
    written before it was required sent it as `note`, which is taken when `reason` is absent."""
    if clean_text(args.get("reason")) or args.get("note") is None:
        return _required_text(args, "reason", "驳回理由")
    return _required_text(args, "note", "驳回理由")


def _contact(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    first = a.first_contact_at is None
    if first:
        a.first_contact_at = now
    return {"first": first, "note": args.get("note"), "method": args.get("method", "phone")}


def _request_extension(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    days = _int_arg(args, "days", "延期天数")
    reason = _required_text(args, "reason", "延期理由")
    if not 1 <= days <= r.max_extension_days:
        raise InvalidArguments(
            f"延期天数须在 1 到 {r.max_extension_days} 个工作日之间", field="days"
        )
    if a.extension_pending_days is not None:
        raise IllegalTransition("已有待审核的延期申请")
    if a.handle_due_at is not None and now > a.handle_due_at:
        raise IllegalTransition("已超过办理时限，不能申请延期")
    a.extension_pending_days = days
    a.extension_reason = reason
    # Past the allowed number of extensions only an admin may approve (DESIGN §3).
    needs_admin = a.extension_count >= r.max_extensions
    return {"days": days, "reason": reason, "needs_admin": needs_admin}


def _approve_extension(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    if a.extension_pending_days is None:
        raise IllegalTransition("没有待审核的延期申请")
    if a.extension_count >= r.max_extensions and actor.role is not Role.ADMIN:
        raise PermissionDenied(
            f"该诉求已延期 {a.extension_count} 次，再次延期须由管理员审批",
            action="approve_extension",
        )
    asked = days = a.extension_pending_days
    if args.get("days") is not None:
        days = _int_arg(args, "days", "批准延期天数")
        if not 1 <= days <= asked:
            raise InvalidArguments("批准的延期天数不能超过申请的天数", field="days")
    # 部分批准: the unit planned on the days it asked for, so it is told why it gets fewer;
    # words typed with a full approval are kept as its note, not dropped
    reason = _required_text(args, "reason", "部分批准理由") if days < asked else None
    note = None if reason else clean_text(args.get("reason") or args.get("note"))[:5000]
    a.extension_pending_days = None
    a.extension_count += 1
    a.handle_extra_days += days
    # The deadline the unit works to moves by `days` working days, counted from the day after
    # it (deadlines.extend): recomputing it from the start would read today's time limits,
    # and an administrator's shorter limit since the dispatch would swallow the extension.
    # An extension into an unloaded year is provisional.
    if a.handle_due_at is not None:
        moved = r.calendar.add_working_days(a.handle_due_at, days, from_next_day=True)
        a.handle_due_at = moved.at
        a.deadlines_provisional = a.deadlines_provisional or moved.provisional
    a.handle_warning = Warning.NONE
    data: dict[str, Any] = {"days": days, "asked": asked, "handle_due_at": _iso(a.handle_due_at)}
    if reason is not None:
        data["reason"] = reason
    elif note:
        data["note"] = note
    return data


def _deny_extension(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    if a.extension_pending_days is None:
        raise IllegalTransition("没有待审核的延期申请")
    reason = _denial_reason(args)
    days = a.extension_pending_days
    a.extension_pending_days = None
    return {"reason": reason, "days": days}


def _reply(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    text = _required_text(args, "text", "答复内容")
    claim = _enum(ReplyClaim, args.get("claim") or "", "claim", "办理结果")
    reason = clean_text(args.get("reason")) or None
    if claim is ReplyClaim.CANNOT_SOLVE and not reason:
        raise InvalidArguments("答复“无法解决”时须说明原因", field="reason")
    if a.return_pending:
        raise IllegalTransition("该诉求有待审核的退单申请，请等派单员处理后再答复")
    a.reply_text, a.reply_claim, a.reply_reason = text, claim, reason
    a.replied_at = now
    a.status = Status.REPLIED
    # the unit answered within its deadline: the 延期 it asked for is withdrawn, as pending
    # requests end with the handling (_clear_clocks); left, it waited where no one could decide
    # it, and came back to be approved after a 退回重新答复
    withdrawn, a.extension_pending_days = a.extension_pending_days, None
    a.followup_attempts = 0
    a.followup_last_attempt_at = None
    a.followup_warning = Warning.NONE
    d = _due(r, Clock.FOLLOW_UP, a, now)
    a.followup_due_at = d.at if d else None
    # From here only the follow-up clock runs, so it alone decides whether to recompute later.
    a.deadlines_provisional = bool(d and d.provisional)
    late = a.handle_due_at is not None and now > a.handle_due_at
    data: dict[str, Any] = {"claim": claim, "text": text, "reason": reason, "late": late}
    if withdrawn is not None:
        data["extension_withdrawn"] = withdrawn
    return data


def _send_back(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    note = _required_text(args, "note", "退回意见")
    a.status = Status.IN_PROGRESS
    a.followup_due_at = None
    a.followup_warning = Warning.NONE
    # The handling clock runs on to the deadline it had (set at dispatch, moved by extensions
    # only), whatever the time limits say today; only whether it is provisional is asked for
    # again, since from the reply on that flag spoke for the 回访 clock.
    a.deadlines_provisional = _recompute_handle(snapshot(a), r)
    return {"note": note}


def _follow_up(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    reached = args.get("reached")
    if not isinstance(reached, bool):
        raise InvalidArguments("请填写是否联系上诉求人", field="reached")
    if not reached and not callable_phone(a.requester_phone):
        # nobody to call (an anonymous appeal, a leader's governance task): one record says
        # so and closes the appeal as unreachable (无法回访), instead of three calls hours apart
        # that cannot be made; it counts as a follow-up, unreached (docs/kpi.md)
        a.followup_attempts += 1
        a.followup_reached = False
        a.status = Status.CLOSED
        a.closed_at = now
        return {"reached": False, "attempt": a.followup_attempts, "no_phone": True,
                "note": args.get("note")}
    if not reached:
        retry_at = next_followup_attempt_at(a, r)
        if retry_at is not None and now < retry_at:
            local = retry_at.astimezone(r.calendar.tz)
            raise IllegalTransition(
                f"距上次回访未联系上不足{_span_zh(r.followup_retry_minutes)}，请换个时间再打："
                f"{local:%m-%d %H:%M} 后可再记录未联系上（联系上了可随时记录回访结果）")
        a.followup_attempts += 1
        a.followup_last_attempt_at = now
        if a.followup_attempts >= r.followup_max_attempts:
            a.followup_reached = False
            a.status = Status.CLOSED
            a.closed_at = now
        return {"reached": False, "attempt": a.followup_attempts, "note": args.get("note")}
    resolved = _chosen(Resolved, args.get("resolved"), "resolved", "解决情况")
    satisfaction = _chosen(Satisfaction, args.get("satisfaction"), "satisfaction", "满意度")
    fault: Fault | None = None
    unhappy = resolved is Resolved.NO or satisfaction is Satisfaction.DISSATISFIED
    if unhappy:
        fault = _enum(Fault, args.get("fault") or Fault.UNIT, "fault", "责任方")
    a.followup_attempts += 1
    a.followup_reached = True
    a.followup_resolved, a.followup_satisfaction, a.followup_fault = resolved, satisfaction, fault
    if unhappy and fault is Fault.UNIT:
        _restart_handling(a, r, now)
    else:
        a.status = Status.CLOSED
        a.closed_at = now
    return {
        "reached": True,
        "resolved": resolved,
        "satisfaction": satisfaction,
        "fault": fault,
        "reopened": a.status is Status.IN_PROGRESS,
        "note": args.get("note"),
    }


def next_followup_attempt_at(a: Appeal, r: Rules) -> datetime | None:
    """When the next 未联系上 call-back may be recorded (the attempts are tries at different
    times); None when there is no wait: no failed call yet, no spacing set, or not in 回访."""
    if a.status is not Status.REPLIED:
        return None
    return followup_retry_at(a.followup_last_attempt_at, r.followup_retry_minutes)


def followup_retry_at(last_failed_at: datetime | None, retry_minutes: int) -> datetime | None:
    """The earliest time for the next 未联系上 after one recorded at `last_failed_at`."""
    if last_failed_at is None or retry_minutes <= 0:
        return None
    return last_failed_at + timedelta(minutes=retry_minutes)


def _span_zh(minutes: int) -> str:
    """A spacing in minutes as read aloud: 2 小时, 90 分钟."""
    return f" {minutes // 60} 小时" if minutes % 60 == 0 else f" {minutes} 分钟"


def requester_reopen_ends(closed_at: datetime | None, r: Rules) -> datetime | None:
    """Until when the requester may ask to reopen an appeal closed at `closed_at` (重办申请期限);
    None when no closing time is known (then there is no limit)."""
    return None if closed_at is None else closed_at + timedelta(days=r.reopen_window_days)


def _reopen(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    reason = _required_text(args, "reason", "重办理由")
    ends = requester_reopen_ends(a.closed_at, r)
    if (
        actor.role is Role.REQUESTER
        and a.status is Status.CLOSED
        and ends is not None
        and now > ends
    ):
        raise IllegalTransition(f"已超过 {r.reopen_window_days} 天的重办申请期限")
    to = args.get("to") or ("in_progress" if a.lead_unit_id is not None else "registered")
    if to not in ("in_progress", "registered"):
        raise InvalidArguments("重办去向只能是 in_progress 或 registered", field="to")
    if actor.role is Role.REQUESTER:
        to = "in_progress" if a.lead_unit_id is not None else "registered"
    if to == "in_progress" and a.lead_unit_id is None:
        raise InvalidArguments("该诉求没有承办单位，只能退回待派单", field="to")
    if to == "registered":
        a.reopened_count += 1
        a.status = Status.REGISTERED
        a.lead_unit_id, a.co_unit_ids, a.handling_unit_id = None, (), None
        a.closed_at = None
        _clear_clocks(a)
        _supervision_leaves(a)
    else:
        _restart_handling(a, r, now)
    return {"reason": reason}


def _supervise(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    level = _enum(SupervisionLevel, args.get("level") or "", "level", "督办级别")
    if level is SupervisionLevel.NONE:
        raise InvalidArguments("督办级别须为 remind、yellow 或 red", field="level")
    if SUPERVISION_ORDER.index(level) > SUPERVISION_ORDER.index(a.supervision_level):
        a.supervision_level = level
    a.supervision_count += 1
    return {"level": level, "note": args.get("note"), "auto": bool(args.get("auto"))}


def _add_info(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    text = _required_text(args, "text", "补充内容")
    data: dict[str, Any] = {"text": text, "attachments": list(args.get("attachments") or [])}
    # photos stored by the pages (never named by a caller: the service sees to that) join
    # the appeal's own, which staff see with it and retention erases
    photos = [p for p in args.get("photos") or [] if isinstance(p, dict) and p.get("name")]
    if photos:
        a.extra = {**a.extra, "attachments": [*(a.extra.get("attachments") or []), *photos]}
        data["photos"] = [p["name"] for p in photos]
    return data


def _co_opinion(
    a: Appeal, actor: Actor, now: datetime, r: Rules, args: dict[str, Any]
) -> dict[str, Any]:
    """协办意见: a co-unit tells the lead unit what it found or will do; nothing else changes."""
    text = _required_text(args, "text", "协办意见", max_len=CO_OPINION_MAX)
    return {"text": text, "co_unit_id": co_unit_of(a.co_unit_ids, actor)}


_HANDLERS_BY_ACTION: dict[Action, Handler] = {
    Action.ANSWER_DIRECTLY: _answer_directly,
    Action.RESOLVE_ON_SITE: _resolve_on_site,
    Action.REJECT: _reject,
    Action.MERGE: _merge,
    Action.DISPATCH: _dispatch,
    Action.SIGN: _sign,
    Action.SUB_DISPATCH: _sub_dispatch,
    Action.REQUEST_RETURN: _request_return,
    Action.APPROVE_RETURN: _approve_return,
    Action.DENY_RETURN: _deny_return,
    Action.CONTACT: _contact,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.DENY_EXTENSION: _deny_extension,
    Action.REPLY: _reply,
    Action.SEND_BACK: _send_back,
    Action.FOLLOW_UP: _follow_up,
    Action.REOPEN: _reopen,
    Action.SUPERVISE: _supervise,
    Action.ADD_INFO: _add_info,
    Action.CO_OPINION: _co_opinion,
}


# --- clocks -----------------------------------------------------------------------------------


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def _start_clocks(a: Appeal, r: Rules, now: datetime, *, sign: bool) -> None:
    a.handle_started_at = now
    a.handle_extra_days = 0
    a.sign_warning = a.handle_warning = Warning.NONE
    provisional = False
    if sign:
        s = _due(r, Clock.SIGN, a, now)
        ret = _due(r, Clock.RETURN_WINDOW, a, now)
        a.sign_due_at = s.at if s else None
        a.return_due_at = ret.at if ret else None
        provisional |= bool(s and s.provisional) or bool(ret and ret.provisional)
    provisional |= _recompute_handle(a, r)
    a.deadlines_provisional = provisional


def _recompute_handle(a: Appeal, r: Rules) -> bool:
    if a.handle_started_at is None:
        return False
    d = _due(r, Clock.HANDLE, a, a.handle_started_at)
    if d is None:
        a.handle_due_at = None
        return False
    return _set_handle_due(a, r, d)


def _set_handle_due(a: Appeal, r: Rules, d: Deadline) -> bool:
    """Set the handling deadline `d` moved by the appeal's approved 延期 days; whether it is
    provisional."""
    at, provisional = d.at, d.provisional
    if a.handle_extra_days:
        ext = r.calendar.add_working_days(at, a.handle_extra_days, from_next_day=True)
        at, provisional = ext.at, provisional or ext.provisional
    a.handle_due_at = at
    return provisional


def _restart_handling(a: Appeal, r: Rules, now: datetime) -> None:
    """重办: back to the lead unit with a fresh handling clock; counts as rework."""
    a.reopened_count += 1
    a.status = Status.IN_PROGRESS
    a.closed_at = None
    a.followup_due_at = None
    a.followup_warning = Warning.NONE
    a.handle_started_at = now
    a.handle_extra_days = 0
    a.extension_pending_days = None  # asked against the old clock
    a.handle_warning = Warning.NONE
    a.deadlines_provisional = _recompute_handle(a, r)


def _supervision_leaves(a: Appeal) -> None:
    """The unit leaves the appeal (退单, 重办 back to dispatch): the 督办 level and count it
    earned leave with it. They are shown as the unit that has the appeal's (its queue, the
    supervisor's board, the appeal page, the API, open data), and a supervisor's lower level
    for the next unit would never show under an inherited one (`_supervise` only raises).
    Who earned which stays in the timeline's `supervise` events, which the unit figures count
    (docs/kpi.md)."""
    a.supervision_level = SupervisionLevel.NONE
    a.supervision_count = 0


def _clear_clocks(a: Appeal) -> None:
    a.sign_due_at = a.handle_due_at = a.return_due_at = a.followup_due_at = None
    a.handle_started_at = None
    a.handle_extra_days = 0
    a.sign_warning = a.handle_warning = a.followup_warning = Warning.NONE
    a.deadlines_provisional = False
    # Pending requests belong to the handling that stops here.
    a.extension_pending_days = None
    a.return_pending = False


def _recompute_state(a: Appeal) -> tuple[Any, ...]:
    return (a.sign_due_at, a.handle_due_at, a.return_due_at, a.followup_due_at,
            a.deadlines_provisional, a.sign_warning, a.handle_warning, a.followup_warning)


def recompute_deadlines(appeal: Appeal, rules: Rules, now: datetime, *,
                        counted_on: WorkCalendar | None = None) -> bool:
    """Recompute every running deadline from its start (after a calendar year is loaded).

    A running clock keeps the limit it started with, even when an administrator has changed
    the limits since: its deadline's working days, counted on `counted_on` (the calendar it
    was counted on; by default the loaded years it ran into counted Mon–Fri again), are
    counted again on the rules' calendar; a wall-clock deadline stays. Only a deadline not set
    yet (history just imported) takes today's limit.

    A warning raised against the old deadline that the new one does not give at `now` is
    taken back to the level the new one gives (a red of a deadline moved later is yellow or
    none again), so that the sweeper raises it, and its 督办, when the new deadline really
    nears and passes; a level the new deadline gives beyond the one raised is left for the
    sweeper to raise, with its events. Returns True when a deadline or a warning changed.
    """
    before = _recompute_state(appeal)
    old = counted_on if counted_on is not None else _counted_on(rules.calendar, appeal)
    provisional = False
    if appeal.status is Status.DISPATCHED and appeal.dispatched_at is not None:
        s = _recount(rules, old, Clock.SIGN, appeal, appeal.dispatched_at, appeal.sign_due_at)
        appeal.sign_due_at = s.at if s else None
        provisional |= bool(s and s.provisional)
    if appeal.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        # 退单 may be asked for after signing too, until the return window ends (history
        # imported in progress has none: left so)
        if appeal.dispatched_at is not None and (
                appeal.status is Status.DISPATCHED or appeal.return_due_at is not None):
            ret = _recount(rules, old, Clock.RETURN_WINDOW, appeal, appeal.dispatched_at,
                           appeal.return_due_at)
            appeal.return_due_at = ret.at if ret else None
            provisional |= bool(ret and ret.provisional)
        provisional |= _recount_handle(appeal, rules, old)
    if appeal.status is Status.REPLIED and appeal.replied_at is not None:
        f = _recount(rules, old, Clock.FOLLOW_UP, appeal, appeal.replied_at,
                     appeal.followup_due_at)
        appeal.followup_due_at = f.at if f else None
        provisional |= bool(f and f.provisional)
    appeal.deadlines_provisional = provisional
    for clock, attr, start, due_at in _watched(appeal):
        if due_at is None or start is None:
            continue
        level = _level(now, _yellow_time(appeal, rules, clock, start, due_at), due_at)
        if _WARNING_ORDER.index(level) < _WARNING_ORDER.index(getattr(appeal, attr)):
            setattr(appeal, attr, level)
    _refresh_next_check(appeal, rules, now)
    return before != _recompute_state(appeal)


def _counted_on(calendar: WorkCalendar, a: Appeal) -> WorkCalendar:
    """The calendar `a`'s deadlines were counted on, as far as the appeal tells: for
    provisional ones, `calendar` with the loaded years they ran into after their start's year
    (or the start's own, when they stay in it) counted Mon–Fri again."""
    if not a.deadlines_provisional:
        return calendar
    starts = [t for t in (a.dispatched_at, a.handle_started_at, a.replied_at) if t]
    ends = [t for t in (a.sign_due_at, a.return_due_at, a.handle_due_at, a.followup_due_at)
            if t]
    if not starts or not ends:
        return calendar
    first = calendar.local_date(min(starts)).year
    last = calendar.local_date(max(ends)).year
    years = range(first + 1, last + 1) if last > first else [first]
    return calendar.without_years(y for y in years if calendar.is_loaded(y))


def _recount(r: Rules, counted_on: WorkCalendar, clock: Clock, a: Appeal, start: datetime,
             due_at: datetime | None) -> Deadline | None:
    """A running clock's deadline counted again on the rules' calendar with the working days
    it was counted with on `counted_on`; a wall-clock one stays; none yet: today's limit."""
    if due_at is None:
        return _due(r, clock, a, start)
    n = workdays_counted(counted_on, start, due_at)
    if n is None:
        return Deadline(due_at, False)
    return r.calendar.add_working_days(start, n)


def _recount_handle(a: Appeal, r: Rules, counted_on: WorkCalendar) -> bool:
    """The handling deadline counted again as `_recount` does, the approved 延期 days after
    it; returns whether it is provisional."""
    start, old = a.handle_started_at, a.handle_due_at
    if start is None or old is None:
        return _recompute_handle(a, r)
    n = workdays_counted(counted_on, start, old, a.handle_extra_days)
    if n is None:
        if a.handle_extra_days:  # a wall-clock limit and a 延期 after it: its hours are lost
            return _recompute_handle(a, r)
        return False  # a wall-clock deadline: no calendar moves it
    d = r.calendar.add_working_days(start, n)
    return _set_handle_due(a, r, d)


_WARNING_ORDER = (Warning.NONE, Warning.YELLOW, Warning.RED)


def _level(now: datetime, yellow: datetime, due_at: datetime) -> Warning:
    """The warning a clock due at `due_at`, yellow from `yellow`, is at `now` (as
    check_deadlines raises them)."""
    if now > due_at:
        return Warning.RED
    return Warning.YELLOW if now >= yellow else Warning.NONE


# --- warnings (the deadline sweeper) ------------------------------------------------------------


def _watched(a: Appeal) -> list[tuple[Clock, str, datetime | None, datetime | None]]:
    """(clock, warning attribute, start, due) for each clock that runs in the current status."""
    clocks: list[tuple[Clock, str, datetime | None, datetime | None]] = []
    if a.status is Status.DISPATCHED:
        clocks.append((Clock.SIGN, "sign_warning", a.dispatched_at, a.sign_due_at))
    if a.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        clocks.append((Clock.HANDLE, "handle_warning", a.handle_started_at, a.handle_due_at))
    if a.status is Status.REPLIED:
        clocks.append((Clock.FOLLOW_UP, "followup_warning", a.replied_at, a.followup_due_at))
    return clocks


def _yellow_time(a: Appeal, r: Rules, clock: Clock, start: datetime, due_at: datetime) -> datetime:
    limit = _limit(r, clock, a)
    if limit is None:
        return due_at
    return yellow_at(r.calendar, start, Deadline(due_at, False), limit)


def _refresh_next_check(a: Appeal, r: Rules, now: datetime) -> None:
    """The next moment the sweeper must look at this appeal (None: nothing pending)."""
    times: list[datetime] = []
    for clock, attr, start, due_at in _watched(a):
        if due_at is None or start is None:
            continue
        level = getattr(a, attr)
        if level is Warning.NONE:
            times.append(_yellow_time(a, r, clock, start, due_at))
        elif level is Warning.YELLOW:
            times.append(due_at)
    a.next_check_at = min(times) if times else None


def is_imported(appeal: Appeal) -> bool:
    """Whether `jiesu import` wrote this appeal as history: its import marker (`extra.import`,
    kept by every import since the first), whatever channel the import's mapping gave it; an
    appeal registered here with channel `import` is not."""
    return isinstance(appeal.extra.get("import"), dict)


def imported_at(appeal: Appeal) -> datetime | None:
    """When `jiesu import` wrote this appeal as history (`extra.import.at`; migration 0033
    filled it in for imports older than it from their `import` event); None for one
    registered here (whatever its channel) and for an import whose time is unknown."""
    at = (appeal.extra.get("import") or {}).get("at")
    return datetime.fromisoformat(at) if isinstance(at, str) else None


def _history_until(appeal: Appeal) -> datetime | None:
    """Warnings whose moment had come by then are history's, not news: the import's time, or,
    for an import whose time is unknown, always (a digest too many beats a text per appeal
    of work that was late before this system held it); None for an appeal registered here."""
    if not is_imported(appeal):
        return None
    return imported_at(appeal) or datetime.max.replace(tzinfo=UTC)


def _warning(now: datetime, clock: Clock, level: str, due_at: datetime, since: datetime,
             imported: datetime | None) -> DomainEvent:
    """A `deadline_warning` event; `before_import` when its moment (`since`: the deadline, or
    the start of the yellow window) had come when the appeal was imported, so it is history's
    and not news (the duty phone gets one digest of such warnings, not one text each)."""
    data: dict[str, Any] = {"clock": clock.value, "level": level, "due_at": due_at.isoformat()}
    if imported is not None and since <= imported:
        data["before_import"] = True
    return DomainEvent("deadline_warning", now, None, Role.SYSTEM, data)


def check_deadlines(appeal: Appeal, rules: Rules, now: datetime) -> list[DomainEvent]:
    """Raise each yellow and red warning once per clock; red also creates an automatic 督办."""
    events: list[DomainEvent] = []
    imported = _history_until(appeal)
    for clock, attr, start, due_at in _watched(appeal):
        if due_at is None or start is None:
            continue
        level: Warning = getattr(appeal, attr)
        if now > due_at and level is not Warning.RED:
            setattr(appeal, attr, Warning.RED)
            events.append(_warning(now, clock, "red", due_at, due_at, imported))
            auto = rules.auto_supervision_level
            # The appeal's 督办 level and count are the handling unit's record (its queue, the
            # API, open data): a late 回访 is the follow-up agents' and leaves them alone. Its
            # 督办 is still recorded for the supervisors, marked by its clock, which the unit's
            # 督办 figures leave out (store/kpi_queries.py).
            if clock in UNIT_CLOCKS:
                if SUPERVISION_ORDER.index(auto) > SUPERVISION_ORDER.index(
                        appeal.supervision_level):
                    appeal.supervision_level = auto
                appeal.supervision_count += 1
                note = f"{_CLOCK_ZH[clock]}已超期，系统自动督办"
            else:
                note = FOLLOWUP_SUPERVISION_NOTE
            events.append(
                DomainEvent(
                    "supervise",
                    now,
                    None,
                    Role.SYSTEM,
                    {"level": auto.value, "auto": True, "clock": clock.value, "note": note},
                )
            )
        elif level is Warning.NONE:
            yellow = _yellow_time(appeal, rules, clock, start, due_at)
            if now >= yellow:
                setattr(appeal, attr, Warning.YELLOW)
                events.append(_warning(now, clock, "yellow", due_at, yellow, imported))
    _refresh_next_check(appeal, rules, now)
    return events


FOLLOWUP_SUPERVISION_NOTE = "回访已超期，系统自动督办回访（承办单位已答复，不计入其督办）"

_CLOCK_ZH = {
    Clock.SIGN: "签收",
    Clock.HANDLE: "办理",
    Clock.RETURN_WINDOW: "退单",
    Clock.FOLLOW_UP: "回访",
    Clock.EXTENSION: "延期",
    Clock.RECTIFICATION: "整改",
}


def snapshot(appeal: Appeal) -> Appeal:
    """A copy to compare before/after (tests, optimistic locking)."""
    return replace(appeal, co_unit_ids=tuple(appeal.co_unit_ids), extra=dict(appeal.extra))
