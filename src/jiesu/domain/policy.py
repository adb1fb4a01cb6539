"""惠企政策: structured eligibility rules, their explained evaluation, and the life of a match.

Pure standard library; the date is passed in. A policy's eligibility is a list of conditions
that must all hold; each condition names one attribute of the enterprise profile. Evaluating a
policy for an enterprise says, per condition, met / not met / unknown (the profile lacks the
attribute), so an enterprise and the staff both see why it qualifies or not.

A match (PolicyMatch) of an application policy (申报制) goes 待申报 → 已申报 → 已通过 / 未通过 →
已兑现; of a 免申即享 policy it starts 待兑现 (entitled, no application) → 已兑现.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from jiesu.domain.enterprise import (
    SIZE_ZH,
    TAX_CREDIT_GRADES,
    SizeClass,
    industry_name,
    normalize_industry,
)
from jiesu.domain.errors import IllegalTransition, InvalidArguments


class Mode(StrEnum):
    APPLY = "apply"  # 申报制: the enterprise applies, the issuing unit decides
    AUTO = "auto"    # 免申即享: eligible enterprises are entitled without applying


MODE_ZH = {Mode.APPLY: "申报制", Mode.AUTO: "免申即享"}


class PolicyStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


POLICY_STATUS_ZH = {PolicyStatus.DRAFT: "草稿", PolicyStatus.PUBLISHED: "已发布",
                    PolicyStatus.WITHDRAWN: "已撤回"}


# --- conditions ----------------------------------------------------------------------------


class Field(StrEnum):
    INDUSTRY = "industry"            # GB/T 4754 code prefixes
    SIZE = "size"                    # SizeClass values
    REGION = "region"                # unit ids: the enterprise's region lies in one's subtree
    AGE_YEARS = "age_years"          # whole years since founding, on the evaluation date
    EMPLOYEES = "employees"
    REVENUE = "revenue"              # 万元
    ASSETS = "assets"                # 万元
    CERTIFICATIONS = "certifications"
    TAX_CREDIT = "tax_credit"        # 纳税信用等级 A/B/M/C/D


class Op(StrEnum):
    IN = "in"
    NOT_IN = "not_in"
    GTE = "gte"
    LTE = "lte"
    HAS_ANY = "has_any"
    HAS_ALL = "has_all"
    HAS_NONE = "has_none"


FIELD_ZH = {Field.INDUSTRY: "所属行业", Field.SIZE: "企业规模", Field.REGION: "所在区域",
            Field.AGE_YEARS: "成立年限", Field.EMPLOYEES: "从业人员",
            Field.REVENUE: "营业收入", Field.ASSETS: "资产总额",
            Field.CERTIFICATIONS: "资质", Field.TAX_CREDIT: "纳税信用等级"}
_NUMERIC = frozenset({Field.AGE_YEARS, Field.EMPLOYEES, Field.REVENUE, Field.ASSETS})
_SETS = frozenset({Field.INDUSTRY, Field.SIZE, Field.REGION, Field.TAX_CREDIT})
OPS_OF: dict[Field, frozenset[Op]] = {
    **{f: frozenset({Op.GTE, Op.LTE}) for f in _NUMERIC},
    **{f: frozenset({Op.IN, Op.NOT_IN}) for f in _SETS},
    Field.CERTIFICATIONS: frozenset({Op.HAS_ANY, Op.HAS_ALL, Op.HAS_NONE}),
}
_UNITS = {Field.AGE_YEARS: "年", Field.EMPLOYEES: "人", Field.REVENUE: "万元",
          Field.ASSETS: "万元"}
MAX_CONDITIONS = 30


@dataclass(frozen=True)
class Condition:
    field: Field
    op: Op
    value: float | tuple[str, ...] | tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field.value, "op": self.op.value, "value": value}


def parse_conditions(raw: object) -> tuple[Condition, ...]:
    """Conditions from their JSON form ([{"field", "op", "value"}, ...]), or InvalidArguments
    naming the first bad one in words an administrator understands."""
    if not isinstance(raw, list):
        raise InvalidArguments("申报条件应为条件列表", field="conditions")
    if len(raw) > MAX_CONDITIONS:
        raise InvalidArguments(f"申报条件最多 {MAX_CONDITIONS} 条", field="conditions")
    out = [_condition(i + 1, item) for i, item in enumerate(raw)]
    seen: set[tuple[Field, Op]] = set()
    for c in out:
        if (c.field, c.op) in seen:
            raise InvalidArguments(
                f"“{FIELD_ZH[c.field]}”的同一种条件写了两次，请合并为一条", field="conditions")
        seen.add((c.field, c.op))
    return tuple(out)


def _condition(n: int, item: object) -> Condition:
    where = f"第 {n} 条条件"
    if not isinstance(item, Mapping):
        raise InvalidArguments(f"{where}格式不正确", field="conditions")
    try:
        f = Field(str(item.get("field")))
    except ValueError:
        raise InvalidArguments(f"{where}的条件项目无法识别", field="conditions") from None
    try:
        op = Op(str(item.get("op")))
    except ValueError:
        raise InvalidArguments(f"{where}的比较方式无法识别", field="conditions") from None
    if op not in OPS_OF[f]:
        raise InvalidArguments(f"{where}：“{FIELD_ZH[f]}”不能用这种比较方式", field="conditions")
    value = item.get("value")
    if f in _NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value) or value < 0 or value > 1e12:
            raise InvalidArguments(f"{where}：“{FIELD_ZH[f]}”应为不小于 0 的数", field="conditions")
        return Condition(f, op, float(value))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value or len(value) > 200:
        raise InvalidArguments(f"{where}：请至少列出一项（最多 200 项）", field="conditions")
    if f is Field.REGION:
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
            raise InvalidArguments(f"{where}：区域应为单位编号", field="conditions")
        return Condition(f, op, tuple(sorted(set(value))))
    items = [str(v).strip() for v in value]
    if f is Field.INDUSTRY:
        items = [normalize_industry(v, field="conditions") for v in items]
    elif f is Field.SIZE:
        bad = [v for v in items if v not in {s.value for s in SizeClass}]
        if bad:
            raise InvalidArguments(f"{where}：企业规模应为 large/medium/small/micro",
                                   field="conditions")
    elif f is Field.TAX_CREDIT:
        items = [v.upper() for v in items]
        if any(v not in TAX_CREDIT_GRADES for v in items):
            raise InvalidArguments(f"{where}：纳税信用等级应为 A、B、M、C、D", field="conditions")
    elif any(not v or len(v) > 50 for v in items):
        raise InvalidArguments(f"{where}：资质名称应为 1–50 字", field="conditions")
    return Condition(f, op, tuple(sorted(set(items))))


def conditions_to_json(conditions: Iterable[Condition]) -> list[dict[str, Any]]:
    return [c.to_json() for c in conditions]


def describe(c: Condition, region_names: Mapping[int, str] | None = None) -> str:
    """The condition in Chinese: "企业规模为 小型、微型", "成立年限不少于 2 年",
    "所属行业属于 制造业（C）、零售业（F52）"."""
    name = FIELD_ZH[c.field]
    if c.field in _NUMERIC:
        assert isinstance(c.value, float)
        amount = f"{c.value:g} {_UNITS[c.field]}"
        return f"{name}{'不少于' if c.op is Op.GTE else '不超过'} {amount}"
    assert isinstance(c.value, tuple)
    if c.field is Field.SIZE:
        # in the order of the classes (大、中、小、微), not of the stored (sorted) values
        items = [SIZE_ZH[s] for s in SizeClass if s.value in c.value]
    elif c.field is Field.REGION:
        names = region_names or {}
        items = [names.get(int(v), f"单位 {v}") for v in c.value]
    elif c.field is Field.INDUSTRY:
        # the name first, the code after it: a 门类 name may itself hold 、
        items = [f"{industry_name(str(v))}（{v}）" for v in c.value]
    else:
        items = [str(v) for v in c.value]
    listed = "、".join(items)
    if c.op is Op.IN:
        return f"{name}为 {listed}" if c.field is not Field.INDUSTRY else f"{name}属于 {listed}"
    if c.op is Op.NOT_IN:
        return f"{name}不为 {listed}" if c.field is not Field.INDUSTRY else f"{name}不属于 {listed}"
    if c.op is Op.HAS_ANY:
        return f"具有 {listed} 之一" if len(items) > 1 else f"具有 {listed}"
    if c.op is Op.HAS_ALL:
        return f"同时具有 {listed}" if len(items) > 1 else f"具有 {listed}"
    return f"不具有 {listed}"


# --- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the matching knows of an enterprise; None means not given (unknown)."""

    industry: str | None = None
    size: SizeClass | None = None
    region_chain: tuple[int, ...] = ()  # unit ids from the city down to the enterprise's area
    founded_on: date | None = None
    employees: float | None = None
    revenue: float | None = None
    assets: float | None = None
    certifications: tuple[str, ...] = ()
    tax_credit: str | None = None


def age_years(founded_on: date, today: date) -> int:
    """Whole years since founding (成立满 N 年), counting the anniversary day as complete."""
    years = today.year - founded_on.year
    if (today.month, today.day) < (founded_on.month, founded_on.day):
        years -= 1
    return max(years, 0)


@dataclass(frozen=True)
class Check:
    condition: Condition
    met: bool | None  # None: the profile does not say


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def eligible(self) -> bool | None:
        """True when every condition is met, False when one is not, None otherwise."""
        if any(c.met is False for c in self.checks):
            return False
        if any(c.met is None for c in self.checks):
            return None
        return True

    @property
    def unknown(self) -> tuple[Condition, ...]:
        return tuple(c.condition for c in self.checks if c.met is None)

    @property
    def failed(self) -> tuple[Condition, ...]:
        return tuple(c.condition for c in self.checks if c.met is False)


def evaluate(conditions: Sequence[Condition], facts: Facts, today: date) -> Verdict:
    """Each condition met, not met or unknown for this enterprise on `today`."""
    return Verdict(tuple(Check(c, _met(c, facts, today)) for c in conditions))


def _met(c: Condition, facts: Facts, today: date) -> bool | None:
    if c.field in _NUMERIC:
        number: float | None
        if c.field is Field.AGE_YEARS:
            number = None if facts.founded_on is None else age_years(facts.founded_on, today)
        else:
            number = {Field.EMPLOYEES: facts.employees, Field.REVENUE: facts.revenue,
                      Field.ASSETS: facts.assets}[c.field]
        if number is None:
            return None
        assert isinstance(c.value, float)
        return number >= c.value if c.op is Op.GTE else number <= c.value
    assert isinstance(c.value, tuple)
    if c.field is Field.CERTIFICATIONS:
        has = set(facts.certifications)
        wanted = {str(v) for v in c.value}
        if c.op is Op.HAS_ALL:
            return wanted <= has
        if c.op is Op.HAS_ANY:
            return bool(wanted & has)
        return not (wanted & has)
    inside: bool | None
    if c.field is Field.INDUSTRY:
        inside = None if facts.industry is None else _industry_inside(
            facts.industry, [str(p) for p in c.value])
    elif c.field is Field.REGION:
        inside = None if not facts.region_chain else bool(set(facts.region_chain) & set(c.value))
    elif c.field is Field.SIZE:
        inside = None if facts.size is None else facts.size.value in c.value
    else:
        inside = None if facts.tax_credit is None else facts.tax_credit in c.value
    if inside is None:
        return None
    return inside if c.op is Op.IN else not inside


def _industry_inside(industry: str, prefixes: Sequence[str]) -> bool | None:
    """Whether an enterprise's industry lies under one of the prefixes; None when the profile
    names a coarser code than a prefix it might fall under (a bare "C" and the prefix "C39"):
    the enterprise may or may not be in C39, so neither `in` nor `not_in` is decided."""
    if any(industry.startswith(p) for p in prefixes):
        return True
    if any(p.startswith(industry) for p in prefixes):
        return None
    return False


def open_on(valid_from: date | None, valid_until: date | None, today: date) -> bool:
    """Whether a policy takes matches on `today` (both ends inclusive, None = open)."""
    return (valid_from is None or valid_from <= today) and (
        valid_until is None or today <= valid_until)


# --- the life of a match ---------------------------------------------------------------------


class MatchStatus(StrEnum):
    ELIGIBLE = "eligible"    # 待申报: qualifies for an application policy
    APPLIED = "applied"      # 已申报
    APPROVED = "approved"    # 已通过, payout due
    REJECTED = "rejected"    # 未通过
    ENTITLED = "entitled"    # 待兑现: 免申即享, payout due without an application
    PAID = "paid"            # 已兑现
    LAPSED = "lapsed"        # 已失效: no longer qualifies, or the application period ended


MATCH_STATUS_ZH = {MatchStatus.ELIGIBLE: "待申报", MatchStatus.APPLIED: "已申报",
                   MatchStatus.APPROVED: "已通过", MatchStatus.REJECTED: "未通过",
                   MatchStatus.ENTITLED: "待兑现", MatchStatus.PAID: "已兑现",
                   MatchStatus.LAPSED: "已失效"}


class MatchAction(StrEnum):
    APPLY = "apply"
    APPROVE = "approve"
    REJECT = "reject"
    PAY = "pay"
    LAPSE = "lapse"


MATCH_ACTION_ZH = {MatchAction.APPLY: "申报", MatchAction.APPROVE: "审核通过",
                   MatchAction.REJECT: "审核不通过", MatchAction.PAY: "兑现",
                   MatchAction.LAPSE: "失效"}

MATCH_TRANSITIONS: dict[tuple[MatchStatus, MatchAction], MatchStatus] = {
    (MatchStatus.ELIGIBLE, MatchAction.APPLY): MatchStatus.APPLIED,
    (MatchStatus.ELIGIBLE, MatchAction.LAPSE): MatchStatus.LAPSED,
    (MatchStatus.APPLIED, MatchAction.APPROVE): MatchStatus.APPROVED,
    (MatchStatus.APPLIED, MatchAction.REJECT): MatchStatus.REJECTED,
    (MatchStatus.APPROVED, MatchAction.PAY): MatchStatus.PAID,
    (MatchStatus.ENTITLED, MatchAction.PAY): MatchStatus.PAID,
    (MatchStatus.ENTITLED, MatchAction.LAPSE): MatchStatus.LAPSED,
}
PAYOUT_DUE = frozenset({MatchStatus.APPROVED, MatchStatus.ENTITLED})  # the payout clock runs
OPEN_MATCH = frozenset({MatchStatus.ELIGIBLE, MatchStatus.APPLIED, MatchStatus.APPROVED,
                        MatchStatus.ENTITLED})


def first_status(mode: Mode) -> MatchStatus:
    """Where a new match starts, and where a match that lapsed because the enterprise no
    longer qualified restarts when it qualifies again: 免申即享 is entitled at once."""
    return MatchStatus.ENTITLED if mode is Mode.AUTO else MatchStatus.ELIGIBLE


def advance(status: MatchStatus, action: MatchAction) -> MatchStatus:
    """The status after `action`, or IllegalTransition (HTTP 409) with a clear message."""
    try:
        return MATCH_TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(
            f"该政策事项当前为“{MATCH_STATUS_ZH[status]}”，不能{MATCH_ACTION_ZH[action]}",
            status=status.value, action=action.value) from None


def check_amount_fen(amount: object, field_name: str = "amount_fen") -> int:
    """A payout amount in 分 (integer cents): 0 < amount ≤ 10 亿元."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= 10**11:
        raise InvalidArguments("兑现金额应为大于 0 的金额（以分计，不超过 10 亿元）",
                               field=field_name)
    return amount
