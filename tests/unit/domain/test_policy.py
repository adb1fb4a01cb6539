"""Policy conditions, their explained evaluation and the life of a match (jiesu.domain.policy)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jiesu.domain.enterprise import SizeClass
from jiesu.domain.errors import IllegalTransition, InvalidArguments
from jiesu.domain.policy import (
    MATCH_TRANSITIONS,
    Condition,
    Facts,
    Field,
    MatchAction,
    MatchStatus,
    Mode,
    Op,
    advance,
    age_years,
    check_amount_fen,
    conditions_to_json,
    describe,
    evaluate,
    first_status,
    open_on,
    parse_conditions,
)

TODAY = date(2026, 6, 15)


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, message", [
    ({"field": "size"}, "条件列表"),
    (["size"], "第 1 条条件格式不正确"),
    ([cond("size", "in", ["small"]), cond("colour", "in", ["red"])],
     "第 2 条条件的条件项目无法识别"),
    ([cond("size", "like", ["small"])], "比较方式无法识别"),
    ([cond("employees", "in", [1])], "“从业人员”不能用这种比较方式"),
    ([cond("revenue", "gte", -1)], "不小于 0 的数"),
    ([cond("revenue", "gte", True)], "不小于 0 的数"),
    ([cond("size", "in", [])], "至少列出一项"),
    ([cond("size", "in", ["huge"])], "企业规模应为"),
    ([cond("region", "in", ["东城区"])], "区域应为单位编号"),
    ([cond("tax_credit", "in", ["E"])], "纳税信用等级应为"),
    ([cond("industry", "in", ["制造业"])], "行业代码"),
    ([cond("certifications", "has_any", [""])], "资质名称应为 1–50 字"),
    ([cond("size", "in", ["small"]), cond("size", "in", ["micro"])], "写了两次"),
    ([cond("employees", "gte", 1)] * 31, "最多 30 条"),
])
def test_bad_conditions_are_named_in_chinese(raw: object, message: str) -> None:
    with pytest.raises(InvalidArguments, match=message) as err:
        parse_conditions(raw)
    assert err.value.details["field"] == "conditions"


def test_conditions_are_normalised_and_round_trip() -> None:
    parsed = parse_conditions([cond("industry", "in", ["c", "f52"]),
                               cond("tax_credit", "in", "a"),
                               cond("region", "in", [5, 3, 5]),
                               cond("employees", "lte", 300)])
    assert parsed[0].value == ("C", "F52") and parsed[1].value == ("A",)
    assert parsed[2].value == (3, 5) and parsed[3].value == 300.0
    assert parse_conditions(conditions_to_json(parsed)) == parsed


def test_descriptions() -> None:
    size, age, region, certs = parse_conditions([
        cond("size", "in", ["micro", "small"]), cond("age_years", "gte", 2),
        cond("region", "not_in", [7]), cond("certifications", "has_all", ["甲", "乙"])])
    assert describe(size) == "企业规模为 小型、微型"  # the classes' order, not the stored one
    assert describe(age) == "成立年限不少于 2 年"
    assert describe(region, {7: "东城区"}) == "所在区域不为 东城区"
    assert describe(region) == "所在区域不为 单位 7"
    assert describe(certs) == "同时具有 乙、甲"


def test_industries_are_described_by_name_with_the_code() -> None:
    """A 门类 or 大类 name, the code after it: staff and enterprises read names, not B、C、D."""
    (industry,) = parse_conditions([cond("industry", "in", ["B", "C", "D", "F52"])])
    assert describe(industry) == (
        "所属行业属于 采矿业（B）、制造业（C）、电力、热力、燃气及水生产和供应业（D）、"
        "零售业（F52）")
    (other,) = parse_conditions([cond("industry", "not_in", ["K"])])
    assert describe(other) == "所属行业不属于 房地产业（K）"


# --- evaluation ------------------------------------------------------------------------------


SMALL_MAKER = Facts(industry="C3911", size=SizeClass.SMALL, region_chain=(1, 2, 5),
                    founded_on=date(2020, 6, 15), employees=50, revenue=1000.0,
                    certifications=("高新技术企业",), tax_credit="A")


@pytest.mark.parametrize("raw, met", [
    (cond("industry", "in", ["C"]), True),
    (cond("industry", "in", ["C39", "F"]), True),
    (cond("industry", "not_in", ["C39"]), False),
    (cond("size", "in", ["small", "micro"]), True),
    (cond("size", "not_in", ["small"]), False),
    (cond("region", "in", [2]), True),   # the region lies in unit 2's subtree
    (cond("region", "in", [3]), False),
    (cond("age_years", "gte", 6), True),  # founded 2020-06-15: 6 years on the anniversary
    (cond("age_years", "gte", 7), False),
    (cond("employees", "lte", 50), True),
    (cond("revenue", "gte", 1000.5), False),
    (cond("certifications", "has_any", ["高新技术企业", "专精特新中小企业"]), True),
    (cond("certifications", "has_all", ["高新技术企业", "专精特新中小企业"]), False),
    (cond("certifications", "has_none", ["失信企业"]), True),
    (cond("tax_credit", "in", ["A", "B"]), True),
])
def test_each_condition_is_met_or_not(raw: dict[str, Any], met: bool) -> None:
    verdict = evaluate(parse_conditions([raw]), SMALL_MAKER, TODAY)
    assert verdict.checks[0].met is met
    assert verdict.eligible is met


@pytest.mark.parametrize("raw", [
    cond("industry", "in", ["C"]), cond("size", "in", ["small"]), cond("region", "in", [2]),
    cond("age_years", "gte", 1), cond("employees", "gte", 1), cond("assets", "lte", 10),
    cond("tax_credit", "not_in", ["D"])])
def test_what_the_profile_does_not_say_is_unknown(raw: dict[str, Any]) -> None:
    verdict = evaluate(parse_conditions([raw]), Facts(), TODAY)
    assert verdict.checks[0].met is None and verdict.eligible is None
    assert verdict.unknown == (verdict.checks[0].condition,)


@pytest.mark.parametrize("raw, met", [
    (cond("industry", "in", ["C39"]), None),      # a bare C may or may not be C39
    (cond("industry", "not_in", ["C39"]), None),  # so it is neither in nor out
    (cond("industry", "in", ["C", "F52"]), True),
    (cond("industry", "in", ["F52"]), False),
    (cond("industry", "not_in", ["F", "C39"]), None),
])
def test_a_coarser_industry_than_the_condition_is_unknown(raw: dict[str, Any],
                                                          met: bool | None) -> None:
    verdict = evaluate(parse_conditions([raw]), Facts(industry="C"), TODAY)
    assert verdict.checks[0].met is met


def test_one_unmet_condition_outweighs_unknown_ones() -> None:
    conds = parse_conditions([cond("size", "in", ["large"]), cond("assets", "gte", 1)])
    verdict = evaluate(conds, SMALL_MAKER, TODAY)
    assert [c.met for c in verdict.checks] == [False, None]
    assert verdict.eligible is False and verdict.failed == (conds[0],)
    assert evaluate((), Facts(), TODAY).eligible is True  # no conditions: everyone


def test_age_counts_the_anniversary_as_complete() -> None:
    founded = date(2023, 3, 1)
    assert age_years(founded, date(2026, 2, 28)) == 2
    assert age_years(founded, date(2026, 3, 1)) == 3
    assert age_years(date(2024, 2, 29), date(2025, 2, 28)) == 0
    assert age_years(date(2024, 2, 29), date(2025, 3, 1)) == 1
    assert age_years(date(2027, 1, 1), TODAY) == 0  # a future date is not negative
    gte3 = Condition(Field.AGE_YEARS, Op.GTE, 3.0)
    assert evaluate([gte3], Facts(founded_on=founded), date(2026, 2, 28)).eligible is False
    assert evaluate([gte3], Facts(founded_on=founded), date(2026, 3, 1)).eligible is True


def test_open_on_includes_both_ends() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert open_on(start, end, start) and open_on(start, end, end)
    assert not open_on(start, end, date(2025, 12, 31)) and not open_on(start, end, date(2027, 1, 1))
    assert open_on(None, None, TODAY)


# --- the life of a match ---------------------------------------------------------------------


@pytest.mark.parametrize("status, action, after", [
    (MatchStatus.ELIGIBLE, MatchAction.APPLY, MatchStatus.APPLIED),
    (MatchStatus.APPLIED, MatchAction.APPROVE, MatchStatus.APPROVED),
    (MatchStatus.APPLIED, MatchAction.REJECT, MatchStatus.REJECTED),
    (MatchStatus.APPROVED, MatchAction.PAY, MatchStatus.PAID),
    (MatchStatus.ENTITLED, MatchAction.PAY, MatchStatus.PAID),
    (MatchStatus.ELIGIBLE, MatchAction.LAPSE, MatchStatus.LAPSED),
    (MatchStatus.ENTITLED, MatchAction.LAPSE, MatchStatus.LAPSED),
])
def test_legal_steps(status: MatchStatus, action: MatchAction, after: MatchStatus) -> None:
    assert advance(status, action) is after


@pytest.mark.parametrize("status", list(MatchStatus))
@pytest.mark.parametrize("action", list(MatchAction))
def test_every_other_step_is_refused_in_chinese(status: MatchStatus,
                                                action: MatchAction) -> None:
    if (status, action) in MATCH_TRANSITIONS:
        return
    with pytest.raises(IllegalTransition, match="该政策事项当前为“.+”，不能") as err:
        advance(status, action)
    assert err.value.http_status == 409


def test_first_status_and_amounts() -> None:
    assert first_status(Mode.AUTO) is MatchStatus.ENTITLED
    assert first_status(Mode.APPLY) is MatchStatus.ELIGIBLE
    assert check_amount_fen(1) == 1 and check_amount_fen(10**11) == 10**11
    for bad in (0, -5, 10**11 + 1, 1.5, True, "100"):
        with pytest.raises(InvalidArguments, match="兑现金额"):
            check_amount_fen(bad)
