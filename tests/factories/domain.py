"""Builders for the appeal aggregate: an appeal in any status, valid actors and valid arguments.

Appeals are driven to a status through `register` and `apply` (never by setting fields), so a
factory-built appeal is always one the state machine itself can produce.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jiesu.domain.appeal import (
    TRANSITIONS,
    Action,
    Actor,
    Appeal,
    Channel,
    Kind,
    Role,
    Rules,
    Status,
    Urgency,
    apply,
    register,
)
from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.deadlines import SlaTable
from jiesu.domain.events import DomainEvent

SH = ZoneInfo("Asia/Shanghai")

LEAD = 110  # the lead unit (主办单位) every factory appeal is dispatched to
CHILD = 111  # a descendant of LEAD, for 二次派单
CO = 120  # a co-unit (协办)
OTHER = 220  # a unit outside LEAD's subtree
CITY = 1  # the top of the unit tree
ABOVE = 100  # the unit above LEAD (a district above the lead street)
SIBLING = 112  # another unit below ABOVE, outside LEAD's subtree
# each unit's ids from the top of the tree down to it, as the service reads them for 二次派单
UNIT_PATHS: dict[int, tuple[int, ...]] = {
    CITY: (CITY,), ABOVE: (CITY, ABOVE), LEAD: (CITY, ABOVE, LEAD),
    CHILD: (CITY, ABOVE, LEAD, CHILD), SIBLING: (CITY, ABOVE, SIBLING), CO: (CITY, CO),
    OTHER: (CITY, OTHER),
}
PHONE = "138-0013-8000"
OTHER_PHONE = "139-0000-0000"
APPEAL_ID = 1

# Official 2026 changes around 劳动节 and 中秋/国庆 (国办发明电〔2025〕7号); the rest Mon–Fri.
OVERRIDES_2026: dict[date, bool] = {
    date(2026, 4, 6): False,
    **{date(2026, 5, d): False for d in (1, 4, 5)},
    date(2026, 5, 9): True,
    date(2026, 9, 20): True,
    date(2026, 9, 25): False,
    **{date(2026, 10, d): False for d in (1, 2, 5, 6, 7)},
    date(2026, 10, 10): True,
}

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # a Monday morning, far from any holiday
STEP = timedelta(minutes=5)


def calendar(*, count_from_next_day: bool = True) -> WorkCalendar:
    """2026 loaded (official changes above), 2027 not yet published."""
    return WorkCalendar(
        OVERRIDES_2026, loaded_years=[2026], count_from_next_day=count_from_next_day
    )


def rules(*, count_from_next_day: bool = True, **overrides: Any) -> Rules:
    """DESIGN §4 default SLA rules on the test calendar."""
    return Rules(
        calendar=calendar(count_from_next_day=count_from_next_day),
        sla=SlaTable.default(),
        **overrides,
    )


def actor(role: Role | str, *, user_id: int = 7, **kw: Any) -> Actor:
    """An actor of `role` with the rights a factory appeal needs.

    Handlers and grid workers belong to LEAD (scope LEAD + CHILD); requesters prove PHONE.
    """
    role = Role(role)
    if role in (Role.HANDLER, Role.GRID_WORKER):
        kw.setdefault("unit_id", LEAD)
        kw.setdefault("unit_scope", frozenset({LEAD, CHILD}))
    if role is Role.REQUESTER:
        kw.setdefault("phone", PHONE)
    return Actor(role=role, user_id=user_id, **kw)


def sub_dispatch_to(unit: int) -> dict[str, Any]:
    """二次派单 arguments for `unit` with its place in the tree, as the service gives them."""
    return {"unit_id": unit, "unit_path": UNIT_PATHS[unit]}


def co_handler(role: Role | str = Role.HANDLER) -> Actor:
    """A handler of the co-unit (协办) every factory appeal is dispatched with."""
    return actor(role, unit_id=CO, unit_scope=frozenset({CO}))


def allowed_actor(action: Action) -> Actor:
    """A valid actor for `action`: its first allowed role, in a stable order (for 协办意见,
    of the co-unit)."""
    roles = sorted(TRANSITIONS[action].roles, key=list(Role).index)
    return co_handler(roles[0]) if action is Action.CO_OPINION else actor(roles[0])


def new_appeal(
    *,
    now: datetime = T0,
    kind: Kind = Kind.COMPLAINT,
    urgency: Urgency = Urgency.NORMAL,
    **fields: Any,
) -> tuple[Appeal, list[DomainEvent]]:
    """A registered appeal owned by PHONE."""
    fields.setdefault("id", APPEAL_ID)
    fields.setdefault("requester_phone", PHONE)
    return register(
        actor=actor(Role.OPERATOR), now=now, kind=kind, content="小区门口路灯不亮已经一周",
        title="路灯不亮", urgency=urgency, **fields,
    )


def valid_args(action: Action, appeal: Appeal | None = None) -> dict[str, Any]:
    """Arguments that satisfy `action`'s own rules (status and actor aside)."""
    args: dict[Action, dict[str, Any]] = {
        Action.ANSWER_DIRECTLY: {"text": "已按知识库答复：路灯报修请拨打96000。"},
        Action.RESOLVE_ON_SITE: {"text": "已当场清理占道堆物。"},
        Action.REJECT: {"reason": "duplicate", "note": "与 2026030200001 重复"},
        Action.MERGE: {"target_id": 999, "target_code": "2026030200999"},
        Action.DISPATCH: {"unit_id": LEAD, "co_unit_ids": [CO]},
        Action.SIGN: {},
        Action.SUB_DISPATCH: {"unit_id": CHILD, "unit_path": UNIT_PATHS[CHILD],
                              "note": "请社区处理"},
        Action.REQUEST_RETURN: {"reason": "不属于本单位职责"},
        Action.APPROVE_RETURN: {"note": "同意"},
        Action.DENY_RETURN: {"reason": "属于本单位职责，请办理"},
        Action.CONTACT: {"note": "已电话联系", "method": "phone"},
        Action.REQUEST_EXTENSION: {"days": 3, "reason": "需协调供电公司"},
        Action.APPROVE_EXTENSION: {},
        Action.DENY_EXTENSION: {"reason": "请按期办结"},
        Action.REPLY: {"text": "路灯已修复。", "claim": "solved"},
        Action.SEND_BACK: {"note": "答复过于简单"},
        Action.FOLLOW_UP: {"reached": True, "resolved": "yes", "satisfaction": "satisfied"},
        Action.REOPEN: {"reason": "路灯又坏了"},
        Action.SUPERVISE: {"level": "remind", "note": "请加快办理"},
        Action.ADD_INFO: {"text": "补充：晚上十点后完全不亮", "attachments": ["a.jpg"]},
        Action.CO_OPINION: {"text": "供电线路归我单位维护，已安排明日检修"},
    }
    return dict(args[Action(action)])


# How to reach each status from registered, as (action, role) steps with valid arguments.
PATHS: dict[Status, tuple[tuple[Action, Role], ...]] = {
    Status.REGISTERED: (),
    Status.DISPATCHED: ((Action.DISPATCH, Role.DISPATCHER),),
    Status.IN_PROGRESS: ((Action.DISPATCH, Role.DISPATCHER), (Action.SIGN, Role.HANDLER)),
    Status.REPLIED: (
        (Action.DISPATCH, Role.DISPATCHER),
        (Action.SIGN, Role.HANDLER),
        (Action.REPLY, Role.HANDLER),
    ),
    Status.CLOSED: (
        (Action.DISPATCH, Role.DISPATCHER),
        (Action.SIGN, Role.HANDLER),
        (Action.REPLY, Role.HANDLER),
        (Action.FOLLOW_UP, Role.FOLLOWUP_AGENT),
    ),
    Status.REJECTED: ((Action.REJECT, Role.DISPATCHER),),
    Status.MERGED: ((Action.MERGE, Role.DISPATCHER),),
}


class Built:
    """An appeal plus what built it: its events, the time of the last step and the rules."""

    def __init__(self, appeal: Appeal, events: list[DomainEvent], now: datetime, r: Rules):
        self.appeal = appeal
        self.events = events
        self.now = now
        self.rules = r

    def do(self, action: Action, who: Actor | Role, **args: Any) -> list[DomainEvent]:
        """Apply `action` one STEP later than the previous one; valid arguments by default."""
        self.now += STEP
        who = who if isinstance(who, Actor) else actor(who)
        merged = valid_args(action, self.appeal) | args
        events = apply(self.appeal, action, who, self.now, rules=self.rules, **merged)
        self.events += events
        return events


def appeal_in(
    status: Status,
    *,
    now: datetime = T0,
    kind: Kind = Kind.COMPLAINT,
    urgency: Urgency = Urgency.NORMAL,
    r: Rules | None = None,
    **fields: Any,
) -> Built:
    """An appeal in `status`, reached by valid actions STEP apart starting at `now`."""
    r = r or rules()
    appeal, events = new_appeal(now=now, kind=kind, urgency=urgency, **fields)
    built = Built(appeal, events, now, r)
    for action, role in PATHS[status]:
        built.do(action, role)
    assert built.appeal.status is status
    return built


# Extra state an action needs beyond its source status.
_PRECONDITIONS: dict[Action, tuple[Action, Role]] = {
    Action.APPROVE_RETURN: (Action.REQUEST_RETURN, Role.HANDLER),
    Action.DENY_RETURN: (Action.REQUEST_RETURN, Role.HANDLER),
    Action.APPROVE_EXTENSION: (Action.REQUEST_EXTENSION, Role.HANDLER),
    Action.DENY_EXTENSION: (Action.REQUEST_EXTENSION, Role.HANDLER),
}


def ready_for(action: Action, status: Status, *, r: Rules | None = None) -> Built:
    """An appeal in `status` on which `action` would succeed if `status` were a source of it."""
    kind = Kind.CONSULT if action is Action.ANSWER_DIRECTLY else Kind.COMPLAINT
    fields: dict[str, Any] = {}
    if action is Action.RESOLVE_ON_SITE:  # only a grid worker's own patrol report
        fields.update(channel=Channel.GRID_PATROL, area_unit_id=LEAD)
    built = appeal_in(status, kind=kind, r=r, **fields)
    pre = _PRECONDITIONS.get(action)
    if pre is not None and status in TRANSITIONS[pre[0]].sources:
        built.do(*pre)
    return built


def copy(appeal: Appeal) -> Appeal:
    """An independent copy (the dataclass holds only immutable values plus `extra`)."""
    return replace(appeal, extra=dict(appeal.extra))
