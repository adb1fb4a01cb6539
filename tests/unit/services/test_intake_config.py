"""Validation of intake configuration uploads (pure: no database)."""

from __future__ import annotations

import io

import pytest

from jiesu.domain.errors import InvalidArguments
from jiesu.nlp.location import Gazetteer
from jiesu.services import intake_config as ic
from jiesu.store.intake_store import CategoryInfo, split_keywords

UNITS = {"C": 1, "D1": 2, "D1S1": 3, "D2": 4, "W": 5}
CATS = [
    CategoryInfo(1, "01", "城乡建设", "城乡建设", 1, True, ""),
    CategoryInfo(2, "01.01", "市政设施", "城乡建设/市政设施", 2, True, ""),
    CategoryInfo(3, "01.01.001", "路灯", "城乡建设/市政设施/路灯", 3, True, "路灯，灯不亮"),
    CategoryInfo(4, "02", "环境保护", "环境保护", 1, False, "污染"),
]


def problems(exc: pytest.ExceptionInfo[InvalidArguments]) -> list[str]:
    found = exc.value.details.get("problems")
    assert isinstance(found, list)
    return found


# --- gazetteer ----------------------------------------------------------------------------------

def test_gazetteer_rows_are_checked_together_with_line_numbers() -> None:
    text = ("code,name,level,parent_code,aliases\n"
            "D1,东城区,区,,\n"           # line 2: Chinese level name is fine
            "G1,网格一,grid,NOPE,\n"     # line 3: unknown parent
            "X1,,town,D1,\n"           # line 4: no name, bad level
            "D1,东城区二,district,,\n"   # line 5: duplicate code
            "S1,某街道,street,G1,\n")    # line 6: parent is not a higher level
    with pytest.raises(InvalidArguments) as exc:
        ic.parse_gazetteer(text)
    found = problems(exc)
    assert found == [
        "第 3 行：上级编码 NOPE 不在地名表中",
        "第 4 行：缺少名称（name）",
        "第 4 行：层级“town”无效，可选 district、street、community、grid"
        "（或 区、街道、社区、网格）",
        "第 5 行：编码 D1 与第 2 行重复",
        "第 6 行：上级 G1（grid）须比本级（street）层级更高",
    ]
    assert exc.value.message.startswith("地名表有 5 处问题，未作任何修改：第 3 行")


def test_gazetteer_header_is_required() -> None:
    with pytest.raises(InvalidArguments, match="缺少 level"):
        ic.parse_gazetteer("code,name\nD1,东城区\n")
    with pytest.raises(InvalidArguments, match="表头"):
        ic.parse_gazetteer("")
    with pytest.raises(InvalidArguments, match="没有任何地名"):
        ic.parse_gazetteer("code,name,level\n")


def test_gazetteer_is_normalised_and_loads() -> None:
    text = ("\ufeffCode, Name ,LEVEL,parent_code,aliases,note\n"
            "D1,东城区,区,,东城,x\n"
            ",,,,,\n"                            # an Excel tail row
            "D1S1,东华门街道,街道,D1,东华门,\n")
    rows = ic.parse_gazetteer(text)
    normalised = ic.gazetteer_csv_text(rows)
    assert normalised.splitlines() == ["code,name,level,parent_code,aliases",
                                       "D1,东城区,district,,东城",
                                       "D1S1,东华门街道,street,D1,东华门"]
    gaz = Gazetteer.from_csv(io.StringIO(normalised))
    match = gaz.resolve("东城东华门附近")
    assert match is not None and match.deepest.code == "D1S1"


# --- routing ------------------------------------------------------------------------------------

def test_routing_from_csv_with_chinese_header_and_full_category_names() -> None:
    items = ic.parse_routing("分类,区域,单位\n城乡建设/市政设施,D1,W\n,D2,D2\n\n")
    rules = ic._validate_routing(items, UNITS, CATS)
    assert rules == [ic.RoutingRule("01.01", "D1", "W"), ic.RoutingRule(None, "D2", "D2")]
    assert ic.routing_csv(rules) == "category,area,unit\n01.01,D1,W\n,D2,D2\n"


def test_routing_problems_are_all_reported() -> None:
    items = ic.parse_routing('{"rules": [{"category": "99", "unit": "NOPE"}, {"unit": "W"},'
                             ' {"categry": "01", "unit": "W"}, {"category": "01", "unit": "W"},'
                             ' {"category": "01", "unit": "D1"}, "x"]}')
    with pytest.raises(InvalidArguments) as exc:
        ic._validate_routing(items, UNITS, CATS)
    assert problems(exc) == [
        "第 1 条：分类 99 不存在（填分类编码或完整名称）",
        "第 1 条：承办单位 NOPE 不存在",
        "第 2 条：须指定分类或区域（否则所有诉求都会派给同一单位）",
        "第 3 条：不认识的字段 categry（可用 category、area、unit）",
        "第 5 条：与第 4 条的分类和区域相同",
        "第 6 条：每条规则须为对象 {\"category\", \"area\", \"unit\"}",
    ]


def test_routing_csv_needs_a_unit_column_and_json_must_parse() -> None:
    with pytest.raises(InvalidArguments, match="缺少 unit"):
        ic.parse_routing("category,area\n01,D1\n")
    with pytest.raises(InvalidArguments, match="不是有效的 JSON：第 1 行"):
        ic.parse_routing('[{"unit": "W",}]')


# --- urgency ------------------------------------------------------------------------------------

GOOD_RULE = {"name": "well", "keywords": ["井喷"], "level": "emergency",
             "transfer_to": ["119"], "message": "请转接 119"}


def test_urgency_rules_are_validated_field_by_field() -> None:
    items = ic._json_items([
        {"name": "a", "keywords": "燃气泄漏", "level": "high", "transfer_to": "119"},
        {"name": "b", "keywords": ["起火"], "level": "urgent", "messge": "x"},
        GOOD_RULE, GOOD_RULE,
    ], "紧急规则")
    with pytest.raises(InvalidArguments) as exc:
        ic.validate_urgency(items)
    found = problems(exc)
    # a string of keywords would otherwise become one keyword per character
    assert found[0].startswith("第 1 条（a）：keywords 须为非空的关键词列表")
    assert found[1].startswith("第 1 条（a）：level 须为 urgent（紧急）或 emergency（特急）")
    assert found[2].startswith("第 1 条（a）：transfer_to 须为电话号码列表")
    assert found[3].startswith("第 2 条（b）：不认识的字段 messge")
    assert found[4] == "第 4 条（well）：规则名称 well 重复"
    assert len(found) == 5


def test_urgency_rules_from_json_and_toml() -> None:
    rules = ic.validate_urgency(ic.parse_urgency(
        '{"rules": [{"name": "well", "keywords": ["井喷"], "level": "emergency",'
        ' "transfer_to": ["119"]}]}'))
    assert [r.name for r in rules] == ["well"] and rules[0].hits("小区井喷了") == ["井喷"]
    toml = ('[[rules]]\nname = "well"\nkeywords = ["井喷"]\nlevel = "urgent"\n'
            'transfer_to = ["119"]\n')
    assert ic.validate_urgency(ic.parse_urgency(toml))[0].level == "urgent"
    assert ic.validate_urgency(ic.parse_urgency("[]")) == ()
    with pytest.raises(InvalidArguments, match="TOML"):
        ic.parse_urgency("name = ")


# --- polygons -----------------------------------------------------------------------------------

def square(code: object, lon: float = 116.3, lat: float = 39.9) -> dict[str, object]:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {"type": "Feature", "properties": {"code": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_geojson_structure_and_coordinate_order_are_checked() -> None:
    swapped = square("D2", lon=39.9, lat=116.3)
    line = {"type": "Feature", "properties": {"code": "W"},
            "geometry": {"type": "LineString", "coordinates": [[116.3, 39.9], [116.4, 39.9]]}}
    data = {"type": "FeatureCollection",
            "features": [square("D1"), swapped, square(None), line, square("D1")]}
    p = ic._Problems("网格边界")
    codes = ic._check_geojson(data, p)
    assert codes == ["D1", "D2", "", "W", "D1"]
    assert len(p.items) == 4
    assert "超出范围" in p.items[0] and "[经度, 纬度]" in p.items[0]
    assert p.items[1] == "第 3 个要素：缺少 properties.code（单位编码）"
    assert "LineString" in p.items[2]
    assert p.items[3] == "第 5 个要素（D1）：编码与第 1 个要素重复"
    with pytest.raises(InvalidArguments, match="FeatureCollection"):
        ic._check_geojson({"type": "Feature"}, ic._Problems("网格边界"))
    with pytest.raises(InvalidArguments, match="不是有效的 JSON"):
        ic.parse_geojson("{")


# --- keywords -----------------------------------------------------------------------------------

def test_keywords_by_code_or_full_name_with_any_separator() -> None:
    items = ic.parse_keywords("category,keywords\n01.01.001,路灯|灯不亮、路灯\n"
                              "城乡建设/市政设施,\"井盖,窨井\"\n")
    chosen = ic._validate_keywords(items, CATS)
    assert [(c.code, words) for c, words in chosen] == [
        ("01.01", ["井盖", "窨井"]), ("01.01.001", ["路灯", "灯不亮"])]
    chosen = ic._validate_keywords(ic.parse_keywords('{"01": ["物业", "小区"]}'), CATS)
    assert [(c.code, words) for c, words in chosen] == [("01", ["物业", "小区"])]


def test_keyword_problems() -> None:
    items = ic.parse_keywords('[{"category": "99", "keywords": ["x"]},'
                              ' {"category": "01", "keywords": ["水", "供水"]},'
                              ' {"category": "城乡建设", "keywords": ["物业"]},'
                              ' {"category": "01.01", "keywords": 5}, {"cat": "01"}]')
    with pytest.raises(InvalidArguments) as exc:
        ic._validate_keywords(items, CATS)
    assert problems(exc) == [
        "第 1 条：分类 99 不存在（填分类编码或完整名称，如 城乡建设/市政设施）",
        "第 2 条：关键词至少 2 个字：水",
        "第 3 条：分类 01 与第 2 条重复",
        "第 4 条：关键词须为列表或以逗号、顿号、| 分隔的文本",
        "第 5 条：须为 {\"category\": …, \"keywords\": […]}",
    ]


def test_keyword_rules_use_active_categories_by_full_name() -> None:
    assert ic.keyword_rules(CATS) == {"城乡建设/市政设施/路灯": ["路灯", "灯不亮"]}
    assert split_keywords(" 路灯，灯不亮,, 路灯 |井盖") == ["路灯", "灯不亮", "井盖"]


def test_many_problems_are_summarised_in_the_message() -> None:
    text = "code,name,level\n" + "".join(f"X{i},地名{i},town\n" for i in range(60))
    with pytest.raises(InvalidArguments) as exc:
        ic.parse_gazetteer(text)
    assert len(problems(exc)) == ic.MAX_PROBLEMS
    assert "地名表有 50 处问题" in exc.value.message and "另有 45 处" in exc.value.message
