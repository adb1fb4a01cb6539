"""The enterprise and policy forms (jiesu.web.policy_forms) and their English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiesu.domain.enterprise import DIVISION_SECTION
from jiesu.domain.errors import InvalidArguments
from jiesu.web import i18n, policy_forms
from jiesu.web.policy_forms import ConditionRow, UnitRef

SRC = Path(i18n.__file__).parent.parent
UNITS = [UnitRef(1, "C", "示范市"), UnitRef(2, "D1", "东城区"), UnitRef(3, "D2", "西城区")]


def test_rows_become_the_conditions_the_service_takes() -> None:
    rows = [ConditionRow("size", "in", "小型、微型"), ConditionRow(),
            ConditionRow("region", "in", "东城区, d2"), ConditionRow("age_years", "gte", "２"),
            ConditionRow("industry", "in", "C F52"),
            ConditionRow("certifications", "has_any", "高新技术企业；ISO 9001")]
    conditions, numbers = policy_forms.conditions_json(rows, UNITS)
    assert conditions == [
        {"field": "size", "op": "in", "value": ["small", "micro"]},
        {"field": "region", "op": "in", "value": [2, 3]},
        {"field": "age_years", "op": "gte", "value": 2},
        {"field": "industry", "op": "in", "value": ["C", "F52"]},
        {"field": "certifications", "op": "has_any", "value": ["高新技术企业", "ISO 9001"]}]
    assert numbers == [1, 3, 4, 5, 6]
    # the service numbers the conditions it got; the page names the form's rows
    assert policy_forms.renumber("第 2 条条件：区域应为单位编号", numbers) == \
        "第 3 条条件：区域应为单位编号"
    back = policy_forms.rows_of(conditions, {2: "东城区", 3: "西城区"})
    assert [r.value for r in back] == ["小型、微型", "东城区、西城区", "2", "C、F52",
                                       "高新技术企业、ISO 9001"]
    # on the English page a size reads as the English the editor also takes, and reads back
    english = policy_forms.rows_of(conditions, {2: "东城区", 3: "西城区"}, "en")
    assert [r.value for r in english] == ["small, micro", "东城区, 西城区", "2", "C, F52",
                                          "高新技术企业, ISO 9001"]
    assert policy_forms.conditions_json([ConditionRow(), *english], UNITS)[0] == conditions


def test_industries_may_be_typed_by_name() -> None:
    """Names of 门类 and 大类 become codes, a name holding 、 included; codes stay."""
    rows = [ConditionRow("industry", "in",
                         "电力、热力、燃气及水生产和供应业、制造业，批发和零售业 F52")]
    conditions, _ = policy_forms.conditions_json(rows, UNITS)
    assert conditions[0]["value"] == ["D", "C", "F", "F52"]
    assert policy_forms.industry_code(" 零售业 ") == "F52"
    assert policy_forms.industry_code("c39") == "c39"  # left for the domain to check


@pytest.mark.parametrize(("row", "message"), [
    (ConditionRow("", "in", "小型"), "第 1 条条件：请选择条件项目"),
    (ConditionRow("size", "in", " "), "第 1 条条件：请填写“企业规模”的条件值"),
    (ConditionRow("size", "in", "巨型"), "企业规模“巨型”无法识别"),
    (ConditionRow("region", "in", "火星区"), "区域“火星区”不是单位名称或单位编码"),
    (ConditionRow("employees", "gte", "nan"), "“从业人员”应为数字"),
    (ConditionRow("nonsense", "in", "x"), "第 1 条条件的条件项目无法识别"),
])
def test_a_row_that_cannot_be_read_is_named(row: ConditionRow, message: str) -> None:
    with pytest.raises(InvalidArguments) as raised:
        policy_forms.conditions_json([row], UNITS)
    assert message in raised.value.message
    assert not re.search(r"[\u4e00-\u9fff]", i18n.gettext("en", raised.value.message).replace(
        "巨型", "").replace("火星区", ""))


def test_amounts_in_yuan() -> None:
    assert policy_forms.yuan_to_fen("1,200.5", "标准金额", "amount") == 120050
    assert policy_forms.yuan_to_fen("１２００元", "标准金额", "amount") == 120000
    assert policy_forms.yuan_to_fen("", "标准金额", "amount") is None
    for bad in ("12.345", "-1", "1e3", "nan", "五万"):
        with pytest.raises(InvalidArguments):
            policy_forms.yuan_to_fen(bad, "标准金额", "amount")
    assert policy_forms.fen_to_yuan(120050) == "1200.5"
    assert policy_forms.fen_to_yuan(5_000_000) == "50000"
    assert policy_forms.yuan(5_000_000) == "50,000.00"


def test_the_fixed_messages_of_enterprises_and_policies_have_english() -> None:
    raised = re.compile(r'raise \w+\(\s*"([^"]*[\u4e00-\u9fff][^"]*)"')
    missing = set()
    for path in ("domain/policy.py", "domain/enterprise.py", "services/policies.py",
                 "web/routes/policies.py", "web/routes/enterprises.py",
                 "web/routes/enterprise_public.py", "web/policy_forms.py"):
        for message in raised.findall((SRC / path).read_text(encoding="utf-8")):
            if i18n.gettext("en", message) == message:
                missing.add(f"{path}: {message}")
    assert not missing, sorted(missing)


def test_conditions_and_formatted_errors_read_in_english() -> None:
    en = i18n.gettext
    assert en("en", "企业规模为 小型、微型") == "Size is Small, Micro"
    assert en("en", "资产总额不少于 20000 万元") == "Total assets at least 200,000,000 yuan"
    assert en("en", "所属行业不属于 K") == "Industry is not in K"
    assert en("en", "按“租赁和商务服务业”的标准还须填写从业人员、资产总额") == \
        "by the thresholds for leasing and business services, also give employees, total assets"
    assert en("en", "所属行业属于 采矿业（B）、电力、热力、燃气及水生产和供应业（D）、"
                    "零售业（F52）") == \
        "Industry is in Mining (B), Electricity, heat, gas and water supply (D), " \
        "Retail trade (F52)"
    assert en("en", "行业代码 C52 有误：大类 52 不属于门类 C（制造业），应为 F52") == \
        "Industry code C52 is wrong: division 52 is not in section C; it should be F52"
    assert en("en", "同时具有 高新技术企业、专精特新中小企业") == \
        "Has all of 高新技术企业, 专精特新中小企业"
    assert en("en", "第 4 条条件：“资质”不能用这种比较方式") == \
        "Condition 4: “Certifications” cannot use this comparison"
    assert en("en", "该政策事项当前为“已兑现”，不能审核通过") == \
        "This policy item is “Paid”: it cannot approve now"
    assert en("en", "“分析/领导”无权维护企业档案") == \
        "Analyst: not allowed to maintain enterprise profiles"
    assert en("en", "统一社会信用代码 91110101MA00000011 已登记（企业编号 3）") == \
        "Credit code 91110101MA00000011 is on file already (enterprise 3)"
    assert i18n.label("en", "match_status", "entitled") == "Entitled: to be paid"
    assert i18n.label("zh", "policy_op", "has_any") == "具有其一"


def test_every_division_has_its_own_english() -> None:
    """Each of the 97 大类 has an English title of its own, not its 门类's."""
    from jiesu.domain.enterprise import DIVISIONS_ZH
    from jiesu.web import i18n_policies

    english = i18n_policies.LABELS_EN["division"]
    assert english.keys() == DIVISIONS_ZH.keys() and len(english) == 97
    assert i18n.industry("en", "C13") == "C13 Processing of food from agricultural products"
    assert i18n.industry("en", "A01") == "A01 Agriculture"
    assert i18n.industry("en", "K7020") == "K7020 Real estate"
    assert i18n.industry("en", "C") == "C Manufacturing"
    assert i18n.industry("zh", "F52") == "F52 零售业"
    # a division differs from its section unless the two share one name (房地产业, 教育, 国际组织)
    same = {d for d, en in english.items()
            if en == i18n_policies.LABELS_EN["section"][DIVISION_SECTION[d]]}
    assert same == {"70", "83", "97"}
