"""SLA rules (办理时限): which limit applies to an appeal's clock, and when it is due / yellow.

The limits are data: an `SlaTable` of `SlaRule`s keyed by clock, kind, urgency and optional
category / unit, with the defaults of DESIGN §4 in `DEFAULT_RULES`. Matching is explained in
docs/deadlines.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from jiesu.domain.calendar import Deadline, WorkCalendar
from jiesu.domain.errors import InvalidArguments

MAX_EXTENSION_WORKDAYS = 10
"""Default upper bound of one extension (延期), in working days: the rule setting
max_extension_days (单次延期最多天数) decides, not a time-limit rule."""


class Clock(StrEnum):
    """The timers an appeal runs against."""

    SIGN = "sign"  # 签收
    HANDLE = "handle"  # 办理 (to reply)
    RETURN_WINDOW = "return_window"  # 退单 allowed until
    FOLLOW_UP = "follow_up"  # 回访 after the reply
    # 延期: kept so that rules stored before it was refused stay readable; the most one
    # extension may add is the rule setting max_extension_days, not a time-limit rule
    EXTENSION = "extension"
    RECTIFICATION = "rectification"  # 整改 after a bad rating


POLICY_CLOCKS = tuple(c for c in Clock if c is not Clock.EXTENSION)
"""The clocks a time-limit rule (时限规则) may be set for. 延期 is bounded by the setting
单次延期最多天数 (max_extension_days) alone: one place decides it (docs/deadlines.md)."""

EXTENSION_RULE_REFUSED = ("延期不设时限规则：一次延期最多几个工作日，请在“系统设置 → 办理规则”的"
                          "“单次延期最多天数”中修改")
EXTENSION_RULE_NO_EFFECT = ("不起作用：延期天数由“系统设置 → 办理规则”的“单次延期最多天数”决定，"
                            "可删除此规则")

RECTIFICATION_SCOPE_REFUSED = ("整改时限适用于全部整改，不能按诉求类型、紧急程度、"
                               "事项分类、单位或诉求人另设，请将这些项都选“全部”")
RECTIFICATION_SCOPE_NO_EFFECT = ("不起作用：整改时限适用于全部整改，不按诉求类型、紧急程度、"
                                 "事项分类、单位或诉求人区分，可删除此规则")


def rule_no_effect(clock: str, *, kind: str | None, urgency: str | None, category: str | None,
                   unit: str | None, requester: str | None) -> str | None:
    """Why a stored time-limit rule is never read, or None when it may decide a deadline: a
    延期 rule (the setting max_extension_days decides), or a 整改 rule with a scope (one limit
    for every rectification: a rating may be of a service item, and the sweeper watches every
    open rectification by that one limit)."""
    if clock == Clock.EXTENSION:
        return EXTENSION_RULE_NO_EFFECT
    if clock == Clock.RECTIFICATION and any((kind, urgency, category, unit, requester)):
        return RECTIFICATION_SCOPE_NO_EFFECT
    return None


def check_policy_scope(clock: str, *, kind: str | None, urgency: str | None,
                       category: str | None, unit: str | None, requester: str | None) -> None:
    """InvalidArguments when a time-limit rule of this clock and scope would never be read."""
    if clock == Clock.EXTENSION:
        raise InvalidArguments(EXTENSION_RULE_REFUSED, field="clock")
    if rule_no_effect(clock, kind=kind, urgency=urgency, category=category, unit=unit,
                      requester=requester):
        raise InvalidArguments(RECTIFICATION_SCOPE_REFUSED, field="clock")


UNIT_CLOCKS = frozenset({Clock.SIGN, Clock.HANDLE})
"""The clocks the handling unit runs against (签收, 办理): their red raises the appeal's 督办
level and counts in the unit's 督办 figures. The 回访 clock runs after the unit has replied,
against the hotline's follow-up agents: its lateness is theirs (docs/deadlines.md)."""


class LimitUnit(StrEnum):
    """How a limit is counted: working days on the calendar, or wall-clock time."""

    WORKDAY = "workday"
    HOUR = "hour"
    MINUTE = "minute"


class WarningLevel(StrEnum):
    """Deadline warning (预警): yellow before due, red once overdue."""

    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Limit:
    """A time limit such as 15 working days or 2 hours."""

    amount: float
    unit: LimitUnit

    def __post_init__(self) -> None:
        if not math.isfinite(self.amount) or self.amount < 0:
            raise ValueError(f"limit must be a finite number >= 0, got {self.amount}")
        if self.unit is LimitUnit.WORKDAY and self.amount != int(self.amount):
            raise ValueError(f"working-day limits are whole days, got {self.amount}")

    @classmethod
    def workdays(cls, n: int) -> Limit:
        """n working days."""
        return cls(n, LimitUnit.WORKDAY)

    @classmethod
    def hours(cls, n: float) -> Limit:
        """n wall-clock hours."""
        return cls(n, LimitUnit.HOUR)

    @classmethod
    def minutes(cls, n: float) -> Limit:
        """n wall-clock minutes."""
        return cls(n, LimitUnit.MINUTE)

    @property
    def is_wall_clock(self) -> bool:
        """True for hour and minute limits, which ignore the calendar."""
        return self.unit is not LimitUnit.WORKDAY

    def duration(self) -> timedelta:
        """The wall-clock length of an hour/minute limit."""
        if self.unit is LimitUnit.HOUR:
            return timedelta(hours=self.amount)
        if self.unit is LimitUnit.MINUTE:
            return timedelta(minutes=self.amount)
        raise ValueError("a working-day limit has no fixed duration; use the calendar")

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount} {self.unit.value}"


# The longest limit a policy may set, per unit: about a year. Anything longer is a typo, and
# every deadline computation reads the policies, so a bad one would stop registration.
_POLICY_MOST = {LimitUnit.WORKDAY: (250, "250 个工作日"), LimitUnit.HOUR: (8760, "8760 小时"),
                LimitUnit.MINUTE: (525600, "525600 分钟")}


def policy_limit(clock: str, amount: float, unit: str) -> tuple[Clock, Limit]:
    """The clock and limit of an administrator's time-limit policy (时限规则), or
    InvalidArguments saying what is wrong with them."""
    if clock not in {c.value for c in Clock} or unit not in {u.value for u in LimitUnit}:
        raise InvalidArguments("请选择时钟和计量单位")
    limit_unit = LimitUnit(unit)
    if not math.isfinite(amount) or amount <= 0:
        raise InvalidArguments("时长须大于 0", field="amount")
    if limit_unit is LimitUnit.WORKDAY and amount != int(amount):
        raise InvalidArguments("工作日时长须为整数", field="amount")
    most, words = _POLICY_MOST[limit_unit]
    if amount > most:
        raise InvalidArguments(f"时长不能超过 {words}", field="amount")
    return Clock(clock), Limit(amount, limit_unit)


REQUESTER_TYPES = ("resident", "enterprise")  # an appeal's requester_type; SLA rules may name one
SlaKey = tuple[Clock, str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class SlaRule:
    """One row of the SLA policy table; a field left None matches anything."""

    clock: Clock
    limit: Limit
    kind: str | None = None
    urgency: str | None = None
    category: str | None = None
    unit: str | None = None
    # "enterprise" for 涉企诉求, which a city may hold to shorter limits; "resident" too
    requester: str | None = None

    @property
    def key(self) -> SlaKey:
        """What the rule applies to; at most one rule per key in a table."""
        return (self.clock, self.kind, self.urgency, self.category, self.unit, self.requester)

    @property
    def specificity(self) -> int:
        """Rank among matching rules: unit > category > requester > kind > urgency, as bits.

        Higher wins, so unit+category > unit > category > requester+kind > requester > kind >
        urgency > clock only, and within each level naming kind/urgency refines further: an
        enterprise rule beats the general rule of the same kind, a unit's or category's own
        rule beats an enterprise rule.
        """
        return (
            (16 if self.unit is not None else 0)
            + (8 if self.category is not None else 0)
            + (4 if self.requester is not None else 0)
            + (2 if self.kind is not None else 0)
            + (1 if self.urgency is not None else 0)
        )

    def matches(
        self, clock: Clock, kind: str, urgency: str, category: str | None, unit: str | None,
        requester: str | None = None,
    ) -> bool:
        """True when every field this rule names equals the appeal's."""
        return (
            self.clock == clock
            and (self.kind is None or self.kind == kind)
            and (self.urgency is None or self.urgency == urgency)
            and (self.category is None or self.category == category)
            and (self.unit is None or self.unit == unit)
            and (self.requester is None or self.requester == requester)
        )


class SlaTable:
    """The SLA policy: the most specific matching rule gives the limit."""

    def __init__(self, rules: Iterable[SlaRule]) -> None:
        by_key: dict[SlaKey, SlaRule] = {}
        for rule in rules:
            if rule.key in by_key:
                # Two rules for the same key would make the choice depend on row order.
                raise ValueError(f"duplicate SLA rule for {rule.key}")
            by_key[rule.key] = rule
        self._rules: tuple[SlaRule, ...] = tuple(by_key.values())

    @classmethod
    def default(cls) -> SlaTable:
        """The defaults of DESIGN §4."""
        return cls(DEFAULT_RULES)

    @property
    def rules(self) -> tuple[SlaRule, ...]:
        """All rules, in the order given."""
        return self._rules

    def __iter__(self) -> Iterator[SlaRule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def with_rules(self, overrides: Iterable[SlaRule]) -> SlaTable:
        """A copy where `overrides` replace rules with the same key and add the others."""
        by_key = {r.key: r for r in self._rules}
        new: dict[SlaKey, SlaRule] = {}
        for rule in overrides:
            if rule.key in new:
                raise ValueError(f"duplicate SLA rule for {rule.key}")
            new[rule.key] = rule
        by_key.update(new)
        return SlaTable(by_key.values())

    def rule_for(
        self,
        clock: Clock,
        *,
        kind: str,
        urgency: str,
        category: str | None = None,
        unit: str | None = None,
        requester: str | None = None,
    ) -> SlaRule | None:
        """The rule that decides the limit (for showing *why* a deadline is what it is)."""
        best: SlaRule | None = None
        for rule in self._rules:
            if rule.matches(clock, kind, urgency, category, unit, requester) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        return best

    def limit_for(
        self,
        clock: Clock,
        *,
        kind: str,
        urgency: str,
        category: str | None = None,
        unit: str | None = None,
        requester: str | None = None,
    ) -> Limit | None:
        """The limit of the most specific matching rule, or None when no rule matches."""
        rule = self.rule_for(clock, kind=kind, urgency=urgency, category=category, unit=unit,
                             requester=requester)
        return None if rule is None else rule.limit


def _defaults() -> tuple[SlaRule, ...]:
    wd, h, m = Limit.workdays, Limit.hours, Limit.minutes
    rules = [
        # 签收 and 退单 windows: by urgency only.
        SlaRule(Clock.SIGN, wd(1)),
        SlaRule(Clock.SIGN, h(2), urgency="urgent"),
        SlaRule(Clock.SIGN, m(30), urgency="emergency"),
        SlaRule(Clock.RETURN_WINDOW, wd(2)),
        SlaRule(Clock.RETURN_WINDOW, h(2), urgency="urgent"),
        SlaRule(Clock.RETURN_WINDOW, m(30), urgency="emergency"),
        # 办理: urgent and emergency for every kind, normal per kind.
        SlaRule(Clock.HANDLE, h(24), urgency="urgent"),
        SlaRule(Clock.HANDLE, h(2), urgency="emergency"),
        SlaRule(Clock.HANDLE, wd(2), kind="consult", urgency="normal"),
        SlaRule(Clock.HANDLE, wd(5), kind="help", urgency="normal"),
        SlaRule(Clock.HANDLE, wd(15), kind="complaint", urgency="normal"),
        SlaRule(Clock.HANDLE, wd(15), kind="report", urgency="normal"),
        # Praise needs no action beyond passing it on; same as help.
        SlaRule(Clock.HANDLE, wd(5), kind="praise", urgency="normal"),
        # Suggestions have no urgent/emergency limit: one kind-only rule covers every urgency
        # and outranks the urgency-only rules above.
        SlaRule(Clock.HANDLE, wd(10), kind="suggestion"),
        SlaRule(Clock.FOLLOW_UP, wd(1)),
        SlaRule(Clock.RECTIFICATION, wd(15)),
    ]
    return tuple(rules)


DEFAULT_RULES: tuple[SlaRule, ...] = _defaults()


def due(calendar: WorkCalendar, start: datetime, limit: Limit) -> Deadline:
    """When a clock started at `start` with `limit` runs out."""
    if limit.unit is LimitUnit.WORKDAY:
        return calendar.add_working_days(start, int(limit.amount))
    return calendar.add_duration(start, limit.duration())


def yellow_at(
    calendar: WorkCalendar,
    start: datetime,
    deadline: Deadline,
    limit: Limit,
    *,
    hour_fraction: float = 0.2,
) -> datetime:
    """When the yellow warning starts (UTC), never before `start`.

    Working-day limits: 1 working day before due; hour/minute limits: `hour_fraction` of the
    limit before due.
    """
    if not 0 <= hour_fraction <= 1:
        raise ValueError(f"hour_fraction must be within [0, 1], got {hour_fraction}")
    if limit.unit is LimitUnit.WORKDAY:
        at = calendar.subtract_working_days(deadline.at, 1)
    else:
        at = deadline.at - limit.duration() * hour_fraction
    return max(at, start)


def workdays_counted(calendar: WorkCalendar, start: datetime, deadline: datetime,
                     extra_days: int = 0) -> int | None:
    """The working days n that `calendar` counts from `start` to `deadline` (an extension of
    `extra_days` after them, as `extend` adds it): the limit a clock started with, recovered
    from the deadline it got. None when no count gives it (a wall-clock limit)."""
    total = (calendar.working_days_between(calendar.local_date(start),
                                           calendar.local_date(deadline)) - extra_days)
    # counting from the next day gives `total`; counting from a working start day, one more
    for n in [n for n in (total, total + 1) if n >= 1] + [0]:
        at = calendar.add_working_days(start, n).at
        if extra_days:
            at = calendar.add_working_days(at, extra_days, from_next_day=True).at
        if at == deadline:
            return n
    return None


def extend(
    calendar: WorkCalendar,
    deadline: Deadline,
    workdays: int,
    *,
    max_workdays: int = MAX_EXTENSION_WORKDAYS,
) -> Deadline:
    """The deadline after an approved extension (延期) of `workdays` working days.

    Always counts from the working day after the current deadline, whatever the calendar's
    count_from_next_day, so that extending by n really adds n working days. `max_workdays` is
    the configured bound (the rule setting max_extension_days).
    """
    if not 1 <= workdays <= max_workdays:
        raise ValueError(f"an extension is 1..{max_workdays} working days, got {workdays}")
    moved = calendar.add_working_days(deadline.at, workdays, from_next_day=True)
    return Deadline(moved.at, deadline.provisional or moved.provisional)


def warning_level(now: datetime, *, yellow: datetime, deadline: Deadline) -> WarningLevel:
    """Red once `now` is past the deadline, yellow from `yellow` on, else none."""
    if now > deadline.at:
        return WarningLevel.RED
    if now >= yellow:
        return WarningLevel.YELLOW
    return WarningLevel.NONE
