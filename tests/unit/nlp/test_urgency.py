import json

import pytest

from jiesu.nlp.urgency import (
    DEFAULT_RULES,
    UrgencyRule,
    assess,
    rules_from_dicts,
    rules_to_dicts,
)


@pytest.mark.parametrize(
    ("text", "transfer"),
    [
        ("家里厨房闻到煤气味，好像燃气泄漏了", ["119"]),
        ("对面楼起火了，火很大", ["119"]),
        ("小区里一栋老房子坍塌了", ["119", "110"]),
        ("工地上有工人触电倒地", ["120", "110"]),
        ("河边有个小孩落水了", ["110", "120"]),
        ("我们被困在电梯里快半小时了", ["119"]),
        ("化工厂危化品泄漏，味道很刺鼻", ["119", "12369"]),
        ("路口有人受伤躺在地上", ["120"]),
        ("楼下一声巨响好像爆炸了", ["119", "110"]),
    ],
)
def test_emergencies_are_flagged_with_a_transfer(text, transfer):
    result = assess(text)
    assert result.level == "emergency"
    assert result.transfer_to == transfer
    assert result.message and result.matched


def test_gas_leak_message_tells_the_operator_what_to_say():
    result = assess("闻到煤气")
    assert result.message.startswith(
        "疑似燃气泄漏，请立即转接 119 并提醒来电人远离现场、切勿开关电器"
    )


@pytest.mark.parametrize(
    "text",
    [
        "不是着火，是邻居在烧烤冒烟",
        "没有着火，只是闻到焦味",
        "物业检查过了，并没有燃气泄漏",
        "昨天的事故没有人受伤",
        "消防通道被堵，一旦发生火灾后果不堪设想",
        "楼道堆放杂物存在火灾隐患",
        "希望加强防火宣传",
        "2012年3月围墙倒塌后一直没人修",
        "小区电梯经常故障，业主多次被困",
    ],
)
def test_negated_hypothetical_and_past_mentions_do_not_fire(text):
    assert assess(text).level == "normal", assess(text)


def test_ordinary_complaint_is_normal():
    result = assess("小区门口路灯坏了一个多月，请尽快维修")
    assert (result.level, result.transfer_to, result.message, result.matched) == (
        "normal",
        [],
        None,
        [],
    )


def test_urgent_rules_and_combination_keeps_the_highest_level():
    assert assess("路口井盖丢失，晚上很危险").level == "urgent"
    both = assess("井盖丢失，刚才有人掉下去昏迷了")
    assert both.level == "emergency"
    assert both.matched == ["昏迷", "井盖丢失"]  # emergency first
    assert both.message.startswith("有人受伤")


def test_full_width_text_is_understood():
    assert assess("Ａ栋３楼起火").level == "emergency"


def test_rules_round_trip_through_json_and_can_be_replaced():
    data = json.loads(json.dumps(rules_to_dicts(DEFAULT_RULES), ensure_ascii=False))
    assert rules_from_dicts(data) == DEFAULT_RULES
    custom = rules_from_dicts(
        [{"name": "dam", "keywords": ["溃坝"], "level": "emergency", "transfer_to": ["119"]}]
    )
    assert assess("水库溃坝了", custom).transfer_to == ["119"]
    assert assess("对面楼起火了", custom).level == "normal"


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "x", "keywords": ["a"], "level": "normal"},
        {"name": "x", "keywords": [], "level": "urgent"},
        {"name": "x", "level": "urgent"},
        {"name": "x", "keywords": ["a"], "level": "urgent", "keyword": ["typo"]},
    ],
)
def test_invalid_rule_data_is_rejected(bad):
    with pytest.raises(ValueError):
        rules_from_dicts([bad])


def test_rule_exclusions():
    rule = UrgencyRule("fire", ("火灾",), "emergency", exclude=("火灾隐患",))
    assert rule.hits("仓库火灾") == ["火灾"]
    assert rule.hits("存在火灾隐患") == []
