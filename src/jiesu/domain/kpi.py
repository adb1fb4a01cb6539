"""KPI formulas (三率 and friends) over counts, reporting periods and rankings.

Pure standard library. The database counts (`store.kpi_queries`) produce `KpiCounts`; this
module turns them into rates with a versioned `KpiFormula`, so tests can hand-compute every
figure. Definitions of each count are in docs/kpi.md.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from jiesu.domain.errors import InvalidArguments


class ResponseMeasure(StrEnum):
    """What counts as the unit's response (响应): first contact with the requester, or 签收."""

    FIRST_CONTACT = "first_contact"
    SIGN = "sign"


@dataclass(frozen=True)
class KpiFormula:
    """The configurable KPI formula settings; every stored result names `version`."""

    version: int = 1
    weight_response: float = 0.10
    weight_resolution: float = 0.45
    weight_satisfaction: float = 0.45
    basic_satisfaction_weight: float = 0.8  # w in (满意 + w·基本满意) ÷ rated
    partly_resolved_weight: float = 0.0  # how much a "partly resolved" follow-up counts
    response_measure: ResponseMeasure = ResponseMeasure.FIRST_CONTACT

    def __post_init__(self) -> None:
        for name in ("weight_response", "weight_resolution", "weight_satisfaction",
                     "basic_satisfaction_weight", "partly_resolved_weight"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise InvalidArguments(f"{_SETTING_ZH[name]}须在 0 到 1 之间", field=name)
        total = self.weight_response + self.weight_resolution + self.weight_satisfaction
        if abs(total - 1.0) > 1e-9:
            raise InvalidArguments("综合得分三项权重之和须为 1", field="weight_response")
        if self.version < 1:
            raise InvalidArguments("公式版本须为正整数", field="version")

    def settings(self) -> dict[str, Any]:
        """The settings without the version (what a new version stores)."""
        data = asdict(self)
        data.pop("version")
        data["response_measure"] = str(self.response_measure)
        return data

    @classmethod
    def from_settings(cls, version: int, settings: Mapping[str, Any]) -> KpiFormula:
        """Build from stored settings; unknown keys are refused, missing keys take defaults."""
        known = {f.name for f in fields(cls)} - {"version"}
        unknown = set(settings) - known
        if unknown:
            raise InvalidArguments(f"未知的考核公式设置：{', '.join(sorted(unknown))}")
        values = dict(settings)
        if "response_measure" in values:
            try:
                values["response_measure"] = ResponseMeasure(values["response_measure"])
            except ValueError:
                raise InvalidArguments("响应口径须为 first_contact 或 sign",
                                       field="response_measure") from None
        for name in known - {"response_measure"}:
            if name in values:
                try:
                    values[name] = float(values[name])
                except (TypeError, ValueError):
                    raise InvalidArguments(f"{_SETTING_ZH[name]}须为数字", field=name) from None
        return cls(version=version, **values)


_SETTING_ZH = {
    "weight_response": "响应率权重",
    "weight_resolution": "解决率权重",
    "weight_satisfaction": "满意率权重",
    "basic_satisfaction_weight": "基本满意折算系数",
    "partly_resolved_weight": "部分解决折算系数",
}


@dataclass(frozen=True)
class KpiCounts:
    """What the database counts for one unit (or subtree) and one period; see docs/kpi.md."""

    dispatched: int = 0  # 派单量: dispatches to the unit in the period
    returned: int = 0  # 退单: approved returns from the unit in the period
    response_due: int = 0  # sign deadline in the period
    responded_on_time: int = 0  # ... and responded (contact or sign) by that deadline
    handle_due: int = 0  # handling deadline in the period
    completed_on_time: int = 0  # ... and replied by that deadline
    extended: int = 0  # ... and extended at least once
    closed: int = 0  # 办结: closed in the period (any way)
    reworked: int = 0  # ... and reopened (重办) at least once before
    followed_up: int = 0  # ... and closed by a follow-up (reached or unreachable)
    unreachable: int = 0  # ... follow-up could not reach the requester
    unreachable_no_phone: int = 0  # ... of which: no phone to call (无联系电话, one record)
    reached: int = 0  # ... follow-up reached the requester
    resolved: int = 0  # ... reached and "resolved"
    partly_resolved: int = 0  # ... reached and "partly resolved"
    satisfied: int = 0  # ... reached and 满意
    basically_satisfied: int = 0  # ... reached and 基本满意
    dissatisfied: int = 0  # ... reached and 不满意
    supervised: int = 0  # 督办 actions in the period (manual and automatic)
    red_cards: int = 0  # red-card 督办 in the period
    ratings: int = 0  # 好差评 ratings in the period, excluded ones left out
    bad_ratings: int = 0  # ... with 1–2 stars

    @property
    def rated(self) -> int:
        """Follow-ups that gave a satisfaction level (every reached follow-up does)."""
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def overdue(self) -> int:
        """Handling due in the period and not replied on time (超期)."""
        return self.handle_due - self.completed_on_time

    @property
    def late_response(self) -> int:
        """Response due in the period and not responded by the deadline (未按时响应)."""
        return self.response_due - self.responded_on_time

    @property
    def unresolved(self) -> int:
        """Follow-ups that reached the requester and were not fully resolved (未解决/部分解决)."""
        return self.reached - self.resolved

    def __add__(self, other: KpiCounts) -> KpiCounts:
        return KpiCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                            for f in fields(self)})

    def as_dict(self) -> dict[str, int]:
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> KpiCounts:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v or 0) for k, v in data.items() if k in names})


COUNT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(KpiCounts))
# The appeals that cost a unit points, each the complement of a count (a property of
# KpiCounts): 响应率's late responses, 按时办结率's overdue, 解决率's unresolved follow-ups.
SHORTFALL_NAMES: tuple[str, ...] = ("late_response", "overdue", "unresolved")
# Everything the drill-down to the appeals behind a number answers.
MEASURE_NAMES: tuple[str, ...] = COUNT_NAMES + SHORTFALL_NAMES


@dataclass(frozen=True)
class KpiRates:
    """Rates are fractions in [0, 1]; None when the denominator is zero (无数据).

    `composite` is in points, 0–100.
    """

    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    return_rate: float | None
    rework_rate: float | None
    extension_rate: float | None
    unreachable_rate: float | None
    bad_rating_rate: float | None
    composite: float | None

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


RATE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(KpiRates))


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def response_rate(c: KpiCounts) -> float | None:
    """响应率 = responded on time ÷ response due in the period."""
    return ratio(c.responded_on_time, c.response_due)


def resolution_rate(c: KpiCounts, f: KpiFormula) -> float | None:
    """解决率 = (resolved + p·partly) ÷ follow-ups that reached the requester."""
    return ratio(c.resolved + f.partly_resolved_weight * c.partly_resolved, c.reached)


def satisfaction_rate(c: KpiCounts, f: KpiFormula) -> float | None:
    """满意率 = (满意 + w·基本满意) ÷ follow-ups rated."""
    return ratio(c.satisfied + f.basic_satisfaction_weight * c.basically_satisfied, c.rated)


def composite(parts: Iterable[tuple[float, float | None]]) -> float | None:
    """Weighted sum in points (0–100) of (weight, rate) pairs.

    A rate without data (None) leaves the sum and the remaining weights are scaled up to 1, so a
    unit is neither punished nor rewarded for a measure it had no cases for. None when no part
    has data.
    """
    have = [(w, r) for w, r in parts if r is not None and w > 0]
    total = sum(w for w, _ in have)
    if not total:
        return None
    return 100.0 * sum(w * r for w, r in have) / total


def rates(c: KpiCounts, f: KpiFormula) -> KpiRates:
    """Every rate of DESIGN §5 for one set of counts."""
    resp, reso, sat = response_rate(c), resolution_rate(c, f), satisfaction_rate(c, f)
    return KpiRates(
        response_rate=resp,
        resolution_rate=reso,
        satisfaction_rate=sat,
        on_time_rate=ratio(c.completed_on_time, c.handle_due),
        return_rate=ratio(c.returned, c.dispatched),
        rework_rate=ratio(c.reworked, c.closed),
        extension_rate=ratio(c.extended, c.handle_due),
        unreachable_rate=ratio(c.unreachable, c.followed_up),
        bad_rating_rate=ratio(c.bad_ratings, c.ratings),
        composite=composite([(f.weight_response, resp), (f.weight_resolution, reso),
                             (f.weight_satisfaction, sat)]),
    )


K = TypeVar("K", bound=Hashable)

# Scores and rates are published with two decimals (a composite of 80.00 points, a 万人诉求比 of
# 15.02): the pages, the CSV and XLSX and the API show them so, and a ranking judges its ties on
# the figure as published, so that two units shown with the same figure share a place.
PUBLISHED_PLACES = 2


def published(value: float) -> float:
    """A score as published (PUBLISHED_PLACES decimals): what a ranking compares."""
    return round(value, PUBLISHED_PLACES)


def rank(scores: Mapping[K, float | None], *, lower_first: bool = False) -> dict[K, int | None]:
    """Competition ranking (1, 2, 2, 4) by score, highest first (lowest first with
    `lower_first`, for measures where less is better); no score → no rank.

    Scores are compared as published (`published`, two decimals): 80.004 and 79.996 are both
    shown as 80.00 and share a place, and float noise never splits a tie.
    """
    sign = 1 if lower_first else -1
    scored = sorted(((published(s), k) for k, s in scores.items() if s is not None),
                    key=lambda x: sign * x[0])
    result: dict[K, int | None] = {k: None for k in scores}
    prev: float | None = None
    place = 0
    for i, (s, k) in enumerate(scored, start=1):
        if s != prev:
            place, prev = i, s
        result[k] = place
    return result


# --- reporting periods ------------------------------------------------------------------------


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """A half-open range of local dates [start, end) in the city's time zone."""

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidArguments("统计周期的结束日期须晚于开始日期", field="period")
        if (self.end - self.start).days > 366 * 5:
            raise InvalidArguments("统计周期不能超过 5 年", field="period")

    @property
    def label(self) -> str:
        """The text that parses back to this period (e.g. 2026-03, 2026-W10)."""
        if self.kind is PeriodKind.MONTH:
            return self.start.strftime("%Y-%m")
        if self.kind is PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind is PeriodKind.WEEK:
            y, w, _ = self.start.isocalendar()
            return f"{y}-W{w:02d}"
        return f"{self.start.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    @property
    def label_zh(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind is PeriodKind.DAY:
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.kind is PeriodKind.WEEK:
            y, w, _ = self.start.isocalendar()
            return f"{y}年第{w}周"
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()} 至 {last.isoformat()}"

    @property
    def label_en(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{_MONTHS_EN[self.start.month - 1]} {self.start.year}"
        if self.kind is PeriodKind.DAY:
            return f"{self.start.day} {_MONTHS_EN[self.start.month - 1]} {self.start.year}"
        if self.kind is PeriodKind.WEEK:
            y, w, _ = self.start.isocalendar()
            return f"week {w} of {y}"
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()} to {last.isoformat()}"

    def bounds(self, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
        """The period as aware UTC instants [start, end) (local midnights)."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        a = datetime.combine(self.start, time(0), zone).astimezone(UTC)
        b = datetime.combine(self.end, time(0), zone).astimezone(UTC)
        return a, b

    def previous(self) -> Period:
        """The period of the same kind just before this one (for trends)."""
        if self.kind is PeriodKind.MONTH:
            y, m = (self.start.year, self.start.month - 1) if self.start.month > 1 else (
                self.start.year - 1, 12)
            return month(y, m)
        length = self.end - self.start
        return Period(self.kind, self.start - length, self.start)


def month(year: int, month_no: int) -> Period:
    """The calendar month year-month."""
    if not 1 <= month_no <= 12:
        raise InvalidArguments("统计周期的月份须在 1 到 12 之间", field="period")
    start = date(year, month_no, 1)
    end = date(year + 1, 1, 1) if month_no == 12 else date(year, month_no + 1, 1)
    return Period(PeriodKind.MONTH, start, end)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str) -> Period:
    """Parse YYYY-MM, YYYY-MM-DD, YYYY-Www (ISO week) or YYYY-MM-DD..YYYY-MM-DD (inclusive)."""
    text = (text or "").strip()
    try:
        if m := _MONTH.match(text):
            return month(int(m[1]), int(m[2]))
        if m := _DAY.match(text):
            d = date.fromisoformat(m[1])
            return Period(PeriodKind.DAY, d, d + timedelta(days=1))
        if m := _WEEK.match(text):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(PeriodKind.WEEK, start, start + timedelta(days=7))
        if m := _RANGE.match(text):
            a, b = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            return Period(PeriodKind.CUSTOM, a, b + timedelta(days=1))
    except ValueError:
        pass
    raise InvalidArguments(
        f"统计周期“{text}”无效，可用格式：2026-03（月）、2026-03-05（日）、2026-W10（周）、"
        "2026-03-01..2026-03-15（自定义）", field="period")


def months_between(first: Period, last: Period) -> list[Period]:
    """Every month from `first` to `last` inclusive (both months), at most 60."""
    out: list[Period] = []
    p = month(first.start.year, first.start.month)
    while p.start <= last.start:
        out.append(p)
        if len(out) > 60:
            raise InvalidArguments("趋势最多 60 个月", field="period")
        y, m = (p.start.year, p.start.month + 1) if p.start.month < 12 else (p.start.year + 1, 1)
        p = month(y, m)
    return out


# Unit groups that are ranked against each other (排名分组), with their Chinese names.
RANKING_GROUPS: dict[str, str] = {
    "district": "区",
    "street": "街道/乡镇",
    "department": "市级部门",
    "enterprise": "公共企业",
}
