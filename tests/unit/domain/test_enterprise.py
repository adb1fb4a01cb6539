"""统一社会信用代码, industries and the 2017 size classes (jiesu.domain.enterprise)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiesu.domain.enterprise import (
    DIVISION_SECTION,
    DIVISIONS_ZH,
    USCC_ALPHABET,
    SizeClass,
    classify_size,
    industry_codes_of_names,
    industry_name,
    industry_zh,
    is_valid_uscc,
    normalize_certifications,
    normalize_industry,
    normalize_tax_credit,
    normalize_uscc,
    size_indicators,
    size_missing,
    uscc_check_char,
)
from jiesu.domain.errors import InvalidArguments

# the example of GB 32100-2015 and a real enterprise's code
KNOWN = ["91350100M000100Y43", "91110108551385082Q"]

_CHARS = st.sampled_from(USCC_ALPHABET)
_FIRST17 = st.tuples(st.text(_CHARS, min_size=2, max_size=2),
                     st.text(st.sampled_from("0123456789"), min_size=6, max_size=6),
                     st.text(_CHARS, min_size=9, max_size=9)).map("".join)


@pytest.mark.parametrize("code", KNOWN)
def test_known_codes_are_valid(code: str) -> None:
    assert normalize_uscc(code) == code


@given(_FIRST17)
def test_a_generated_code_with_its_check_character_is_valid(first17: str) -> None:
    code = first17 + uscc_check_char(first17)
    assert normalize_uscc(code) == code


@given(_FIRST17, _CHARS)
def test_any_other_check_character_is_refused(first17: str, wrong: str) -> None:
    if wrong == uscc_check_char(first17):
        return
    with pytest.raises(InvalidArguments, match="校验位"):
        normalize_uscc(first17 + wrong)


def test_full_width_lower_case_and_separators_are_accepted() -> None:
    code = KNOWN[0]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    assert normalize_uscc(full_width) == code
    assert normalize_uscc(f" {code[:6]}-{code[6:12]} {code[12:]} ") == code


@pytest.mark.parametrize("raw, message", [
    ("", "18 位"), ("9135010", "18 位"), (KNOWN[0] + "1", "18 位"),
    ("91350100M000100I43", "不允许的字符"),  # I is not in the alphabet
    ("9135A100M000100Y43", "不允许的字符"),  # the region code is digits
    ("91350100M000100Y44", "校验位"),
])
def test_invalid_codes_say_why_in_chinese(raw: str, message: str) -> None:
    with pytest.raises(InvalidArguments, match=message) as err:
        normalize_uscc(raw, field="enterprise_code")
    assert err.value.details["field"] == "enterprise_code"
    assert not is_valid_uscc(raw)


@pytest.mark.parametrize("raw, code", [("c", "C"), ("F52", "F52"), ("ｋ７０２０", "K7020"),
                                       (" I65 ", "I65"), ("C391", "C391")])
def test_industry_codes(raw: str, code: str) -> None:
    assert normalize_industry(raw) == code


@pytest.mark.parametrize("raw", ["", "U", "C1", "C12345", "52", "制造业"])
def test_bad_industry_codes(raw: str) -> None:
    with pytest.raises(InvalidArguments, match="行业代码"):
        normalize_industry(raw)


def test_industry_names() -> None:
    """The 大类 name when the code has one, else the 门类's."""
    assert industry_zh("F52") == "F52 零售业"
    assert industry_zh("C3911") == "C3911 计算机、通信和其他电子设备制造业"
    assert industry_zh("C") == "C 制造业"
    assert industry_name("D44") == "电力、热力生产和供应业"


def test_every_division_belongs_to_its_section() -> None:
    assert len(DIVISIONS_ZH) == 97
    assert DIVISION_SECTION["05"] == "A" and DIVISION_SECTION["06"] == "B"
    assert DIVISION_SECTION["43"] == "C" and DIVISION_SECTION["70"] == "K"
    assert DIVISION_SECTION["97"] == "T"


def test_names_give_codes() -> None:
    codes = industry_codes_of_names()
    assert codes["制造业"] == "C" and codes["零售业"] == "F52"
    assert codes["教育"] == "P"  # the 门类, not its one 大类


@pytest.mark.parametrize("raw, hint", [("C52", "应为 F52"), ("F13", "应为 C13"),
                                       ("A99", "大类 99 不属于门类 A")])
def test_a_division_of_another_section_is_refused(raw: str, hint: str) -> None:
    with pytest.raises(InvalidArguments, match=hint):
        normalize_industry(raw)


# --- size classes ----------------------------------------------------------------------------


@pytest.mark.parametrize("industry, employees, revenue, assets, size", [
    # 工业: 从业人员 1000/300/20, 营业收入 40000/2000/300 (万元)
    ("C", 1000, 40000, None, SizeClass.LARGE),
    ("C", 999, 40000, None, SizeClass.MEDIUM),   # every bound must be reached …
    ("C", 5000, 39999, None, SizeClass.MEDIUM),  # … else one class down
    ("C", 300, 2000, None, SizeClass.MEDIUM),
    ("C", 300, 1999, None, SizeClass.SMALL),
    ("C", 20, 300, None, SizeClass.SMALL),
    ("C", 19, 300, None, SizeClass.MICRO),
    ("C", 5000, 299, None, SizeClass.MICRO),
    ("D44", 20, 300, None, SizeClass.SMALL),
    # 零售业 (F52): 300/50/10, 20000/500/100; 批发业 (other F): 200/20/5, 40000/5000/1000
    ("F52", 50, 500, None, SizeClass.MEDIUM),
    ("F52", 49, 500, None, SizeClass.SMALL),
    ("F51", 50, 500, None, SizeClass.MICRO),
    ("F51", 20, 5000, None, SizeClass.MEDIUM),
    # 软件和信息技术服务业 (I65): 300/100/10, 10000/1000/50
    ("I65", 100, 1000, None, SizeClass.MEDIUM),
    ("I65", 100, 999, None, SizeClass.SMALL),
    # 建筑业: 营业收入 80000/6000/300 and 资产总额 80000/5000/300
    ("E", None, 80000, 80000, SizeClass.LARGE),
    ("E", None, 80000, 79999, SizeClass.MEDIUM),
    ("E", None, 300, 299, SizeClass.MICRO),
    # 物业管理 (K702x): 1000/300/100, 5000/1000/500
    ("K7020", 300, 1000, None, SizeClass.MEDIUM),
    # 房地产开发经营 (K701x): 营业收入 200000/1000/100, 资产总额 10000/5000/2000
    ("K7010", None, 1000, 5000, SizeClass.MEDIUM),
    # 房地产中介 (K703x) is among 其他未列明行业: employees only
    ("K7030", 100, None, None, SizeClass.MEDIUM),
    # 交通运输业 300/… leaves out 铁路运输业 (其他未列明行业) and takes in 装卸搬运 (G591)
    ("G54", 300, 3000, None, SizeClass.MEDIUM),
    ("G53", 300, None, None, SizeClass.LARGE),
    ("G5910", 300, 3000, None, SizeClass.MEDIUM),
    # 仓储业 (G592–599): 200/100/20, 30000/1000/100
    ("G592", 300, 3000, None, SizeClass.MEDIUM),
    ("G592", 200, 30000, None, SizeClass.LARGE),
    # 租赁和商务服务业: 300/100/10 employees, 资产总额 120000/8000/100
    ("L", 10, None, 100, SizeClass.SMALL),
    # 其他未列明行业: employees only, 300/100/10
    ("M", 300, None, None, SizeClass.LARGE),
    ("M", 9, None, None, SizeClass.MICRO),
    # 农、林、牧、渔业: revenue only, 20000/500/50
    ("A01", None, 500, None, SizeClass.MEDIUM),
])
def test_size_classes(industry: str, employees: float | None, revenue: float | None,
                      assets: float | None, size: SizeClass) -> None:
    assert classify_size(industry, employees=employees, revenue=revenue, assets=assets) is size


@pytest.mark.parametrize("industry", ["F", "G", "H", "I", "K", "K70", "G59"])
def test_codes_too_coarse_to_classify_give_none(industry: str) -> None:
    assert classify_size(industry, employees=10, revenue=10, assets=10) is None
    assert size_indicators(industry) == ()


@pytest.mark.parametrize("industry, figures, why", [
    (None, {"employees": 10}, "请填写所属行业"),
    ("F", {"employees": 10, "revenue": 10}, "行业 F 包含规模标准不同的行业"),
    ("L72", {"employees": 80}, "按“租赁和商务服务业”的标准还须填写资产总额"),
    ("L72", {"employees": 8}, None),  # fewer than 10 people: 微型 whatever the assets
    ("C", {}, "按“工业”的标准还须填写从业人员、营业收入"),
    ("C", {"employees": 8, "revenue": 100}, None),
])
def test_what_is_missing_to_compute_the_size_is_said(industry: str | None,
                                                     figures: dict[str, float],
                                                     why: str | None) -> None:
    said = size_missing(industry, **figures)
    assert said == why if why is None else said is not None and said.startswith(why)


def test_a_missing_indicator_gives_none() -> None:
    assert classify_size("C", employees=500) is None
    assert classify_size("E", revenue=1000) is None
    assert size_indicators("E") != ()


@pytest.mark.parametrize("industry, figures", [
    ("L72", {"employees": 8}),     # 租赁和商务服务业: fewer than 10 people
    ("C", {"employees": 19}),      # 工业: fewer than 20 people …
    ("C", {"revenue": 299}),       # … or less than 300 万元
    ("E", {"assets": 299}),        # 建筑业: less than 300 万元 of assets
    ("K7010", {"revenue": 99}),    # 房地产开发经营: less than 100 万元
])
def test_one_indicator_below_the_small_bound_makes_a_micro_enterprise(
        industry: str, figures: dict[str, float]) -> None:
    """微型企业只须满足所列指标中的一项即可: the unknown indicator cannot lift it."""
    assert classify_size(industry, **figures) is SizeClass.MICRO


# --- the rest of the profile --------------------------------------------------------------------


def test_tax_credit_and_certifications() -> None:
    assert normalize_tax_credit(" ａ ") == "A" and normalize_tax_credit("") is None
    with pytest.raises(InvalidArguments, match="纳税信用等级"):
        normalize_tax_credit("E")
    assert normalize_certifications("高新技术企业，专精特新中小企业、高新技术企业;") == (
        "专精特新中小企业", "高新技术企业")
    assert normalize_certifications(None) == ()
    with pytest.raises(InvalidArguments, match="50 字"):
        normalize_certifications(["长" * 51])
